"""The ``pulpo`` command line."""

from pulpo.cli.app import app, main

__all__ = ["app", "main"]
