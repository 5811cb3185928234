"""The KKT adapter: takes fiscal receipts from the till, buffers them, forwards them to the OFD.

A point of sale posts every receipt it prints (``POST /v1/kkt/receipt``, with an
``Idempotency-Key``); the adapter stores it at once as *pending*, so a sale never waits
for the fiscal data operator (OFD), which is often offline. A sync, every
``SYNC_INTERVAL`` seconds and by hand (``POST /v1/kkt/buffer/sync``), forwards the
pending receipts in batches under a Redis lock, and marks each one *synced* exactly once.
A heartbeat tells the ERP (Odoo) the adapter is online and how full its buffer is.

Pulpo discovers every module of this package by itself, so nothing is imported here:
``settings`` holds the knobs (production defaults, test values), ``upstreams`` the OFD
and Odoo (and the mocks the test stack runs in their place), ``models`` the stored
receipt, ``results`` the operations' answers, and ``receipts``, ``sync``, ``heartbeat``
and ``health`` the operations.
"""
