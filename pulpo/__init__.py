"""Pulpo: turn a typed Python domain into a running, proven service stack.

The public surface a domain author needs lives here::

    from pulpo import Index, datamodel, operation, repository, NotFound, Conflict

The rest of the package follows the pipeline a project goes through:
``declare`` → ``discover`` → ``validate`` → ``generate`` → ``run``.
"""

from pulpo.data import Record, Repository, repository
from pulpo.declare import Index, datamodel, operation
from pulpo.errors import Conflict, DomainError, NotFound

__version__ = "0.1.0"

__all__ = [
    "Conflict",
    "DomainError",
    "Index",
    "NotFound",
    "Record",
    "Repository",
    "__version__",
    "datamodel",
    "operation",
    "repository",
]
