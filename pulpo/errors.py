"""Every error Pulpo raises on purpose, in one hierarchy under :class:`PulpoError`.

::

    PulpoError                 ends a pulpo command as one line on stderr, exit_code (1)
    ├── UsageError             a mistake in the project, the command line, the input or
    │                          the environment (a missing tool, no database server)
    ├── DomainError            raised by operations on purpose; the API answers status_code
    │   ├── NotFound           404
    │   ├── Conflict           409 (pulpo.data.StoredDocumentError: a stored document
    │   │                      that does not fit its model)
    │   └── UpstreamUnavailable 503: a declared upstream failed after its retries, or
    │                          its circuit breaker is open (pulpo.upstreams)
    └── DatabaseUnavailable    MongoDB did not answer in time: 503

A domain operation raises the :class:`DomainError` family to say what went wrong, in
HTTP terms; the generated API turns each into its status code with a JSON
``{"detail": ...}`` body, and a flow marks the task failed::

    raise NotFound(f"Trainer {trainer_name!r} does not exist")

Each module's own errors derive from one of these (``pulpo.validate.ProjectInvalid``
from :class:`UsageError`, ...), so ``except PulpoError`` catches all that Pulpo raises
on purpose, and anything else is a bug.
"""


class PulpoError(Exception):
    """The base of every error Pulpo raises on purpose; its message is one line for people.

    The CLI reports one as ``error: <message>`` on stderr and exits with ``exit_code``,
    never with a traceback.
    """

    exit_code: int = 1


class UsageError(PulpoError):
    """A mistake in how Pulpo was used: the project, the command line, the input, the setup.

    Subclasses that mean "the project or the input is invalid" exit with 2.
    """


class DomainError(PulpoError):
    """Base class of the errors an operation may raise on purpose (HTTP 400)."""

    status_code: int = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Something the request names does not exist (HTTP 404)."""

    status_code = 404


class Conflict(DomainError):
    """The request contradicts the stored state: a duplicate, a full team (HTTP 409)."""

    status_code = 409


class DatabaseUnavailable(PulpoError):
    """MongoDB did not answer in time (HTTP 503). Raised by :mod:`pulpo.data`, not by users."""

    status_code: int = 503

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UpstreamUnavailable(DomainError):
    """A declared upstream did not answer usefully after its retries, or its breaker is open.

    An operation may catch it (keep the work for later) or let it through: the API
    answers 503 with ``Retry-After`` when the breaker says how long it stays open.
    """

    status_code = 503

    def __init__(self, detail: str, *, upstream: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.upstream = upstream
        self.retry_after = retry_after
