"""The Pokemon domain: trainers catch, train, evolve and battle Pokemon.

Pulpo discovers every module of this package by itself, so nothing is imported
here: ``models`` holds the stored documents, ``results`` the operations'
outputs, ``rules`` the pure game rules, and ``management``, ``evolution`` and
``battles`` the operations of the ``pokemon.*`` hierarchy.
"""
