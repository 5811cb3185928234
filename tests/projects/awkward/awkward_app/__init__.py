"""A project whose names collide with everything a generated module uses.

Collections, fields, parameters and operations named like Python builtins,
keywords-with-underscore, FastAPI's and pydantic's names, and the names the
generated modules define themselves. It must compile, import, serve and pass the
HTTP contract like the Pokemon example.
"""
