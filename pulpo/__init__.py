"""Pulpo: turn a typed Python domain into a running, proven service stack.

The public surface a domain author needs lives here::

    from pulpo import Index, datamodel, operation, repository, NotFound, Conflict

The rest of the package follows the pipeline a project goes through:
``declare`` → ``discover`` → ``validate`` → ``generate`` → ``run``.
"""

from pulpo.data import Record, Repository, repository
from pulpo.declare import (
    Breaker,
    IdempotencyKey,
    Index,
    Mock,
    MockRoute,
    Retry,
    Setting,
    Upstream,
    datamodel,
    operation,
    setting,
    upstream,
)
from pulpo.errors import Conflict, DomainError, NotFound, UpstreamUnavailable

__version__ = "0.1.0"

__all__ = [
    "Breaker",
    "Conflict",
    "DomainError",
    "IdempotencyKey",
    "Index",
    "Mock",
    "MockRoute",
    "NotFound",
    "Record",
    "Repository",
    "Retry",
    "Setting",
    "Upstream",
    "UpstreamUnavailable",
    "__version__",
    "datamodel",
    "operation",
    "repository",
    "setting",
    "upstream",
]
