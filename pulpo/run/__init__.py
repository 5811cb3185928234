"""Run: tooling that runs a compiled project: the database server, ...

Each module here owns one moving part of a running stack. :mod:`pulpo.run.database`
chooses and starts the MongoDB server, and is the only place in Pulpo that knows
which server that is.
"""
