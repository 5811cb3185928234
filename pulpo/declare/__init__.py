"""Declare: the decorators a domain author writes.

Decorators only *record* what was declared; they never reject it. Every rule is
checked later, all at once, by :mod:`pulpo.validate`, so that ``pulpo check``
can report every problem in a project in one run.
"""

from pulpo.declare.models import ROUTES, Index, ModelSpec, Route, datamodel, model_spec
from pulpo.declare.operations import OperationSpec, operation, operation_spec

__all__ = [
    "ROUTES",
    "Index",
    "ModelSpec",
    "OperationSpec",
    "Route",
    "datamodel",
    "model_spec",
    "operation",
    "operation_spec",
]
