"""The adapter's own refusals, in HTTP terms (the generated API answers their status)."""

from pulpo import DomainError


class BufferFull(DomainError):
    """BUFFER_MAX_SIZE receipts are pending: this one is not taken (HTTP 503).

    Nothing already accepted is dropped to make room: the till keeps the receipt and
    sends it again (with the same Idempotency-Key) once a sync has emptied the buffer.
    """

    status_code = 503


class LockUnavailable(DomainError):
    """Redis, which holds the sync lock, did not answer: no sync runs without it (HTTP 503)."""

    status_code = 503
