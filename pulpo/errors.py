"""Errors a domain operation raises to say what went wrong, in HTTP terms.

Raise them from operations; the generated API turns each into its status code
with a JSON ``{"detail": ...}`` body, and a flow marks the task failed::

    raise NotFound(f"Trainer {trainer_name!r} does not exist")
"""


class DomainError(Exception):
    """Base class of the errors an operation may raise on purpose."""

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


class DatabaseUnavailable(Exception):
    """MongoDB did not answer in time (HTTP 503). Raised by :mod:`pulpo.data`, not by users."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class PulpoError(Exception):
    """A mistake in how Pulpo was used (a bad project, a missing tool).

    The CLI reports it as one line and a non-zero exit, never as a traceback.
    """

    exit_code: int = 1
