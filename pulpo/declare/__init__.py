"""Declare: the decorators a domain author writes.

Decorators only *record* what was declared; they never reject it. Every rule is
checked later, all at once, by :mod:`pulpo.validate`, so that ``pulpo check``
can report every problem in a project in one run.
"""

from pulpo.declare.models import ROUTES, Index, ModelSpec, Route, datamodel, model_spec
from pulpo.declare.operations import (
    FromHeader,
    IdempotencyKey,
    OperationSpec,
    operation,
    operation_spec,
)
from pulpo.declare.settings import Setting, setting
from pulpo.declare.upstreams import Breaker, Mock, MockRoute, Retry, Upstream, upstream

__all__ = [
    "ROUTES",
    "Breaker",
    "FromHeader",
    "IdempotencyKey",
    "Index",
    "Mock",
    "MockRoute",
    "ModelSpec",
    "OperationSpec",
    "Retry",
    "Route",
    "Setting",
    "Upstream",
    "datamodel",
    "model_spec",
    "operation",
    "operation_spec",
    "setting",
    "upstream",
]
