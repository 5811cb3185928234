"""What is worth trying again, how long to wait first, and how to say that it failed.

An attempt *failed* (it is retried, and the breaker counts it) when it raised an
:class:`httpx.TransportError` (the connection was refused or dropped, the upstream did
not answer within the timeout) or when the upstream answered one of
:data:`RETRYABLE_STATUSES`: too many requests, or a server-side failure that another
try may not meet. Every other answer, a 404 or a 422 included, is the upstream's
considered reply: it is returned to the caller as it is, and trying again would only
get it again.

Between tries the wait grows exponentially from ``Retry.backoff`` (``backoff``, then
twice that, ...), with a little jitter so that many callers do not come back in step,
and never beyond ``Retry.max_backoff``. An answer with ``Retry-After`` is taken at its
word, still within ``max_backoff``.
"""

import email.utils
import errno
import math
import time
from collections.abc import Callable

import httpx
from tenacity import RetryCallState, wait_exponential_jitter

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers worth another try: the upstream is overloaded, restarting or failing for now."""


def is_retryable(response: httpx.Response) -> bool:
    """Whether ``response`` is a failed attempt (see the module's docstring)."""
    return response.status_code in RETRYABLE_STATUSES


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a failed attempt: the network or the upstream failed, not the URL."""
    return isinstance(error, httpx.TransportError) and not isinstance(
        error, httpx.UnsupportedProtocol
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` of ``response`` in seconds (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None  # neither form: as if there were none
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def backoff_wait(backoff: float, max_backoff: float) -> Callable[[RetryCallState], float]:
    """Tenacity's ``wait=``: exponential from ``backoff``, or the answer's ``Retry-After``."""
    cap = max(0.0, max_backoff)
    exponential = wait_exponential_jitter(multiplier=backoff, max=cap, jitter=backoff / 4)

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            response = outcome.result()
            if isinstance(response, httpx.Response):
                asked = retry_after_seconds(response)
                if asked is not None:
                    return min(asked, cap)
        return float(exponential(state))

    return wait


def describe(outcome: httpx.Response | BaseException) -> str:
    """A few words for a failed attempt: ``503 Service Unavailable``, ``connection refused``."""
    if isinstance(outcome, httpx.Response):
        return f"{outcome.status_code} {outcome.reason_phrase}".strip()
    if isinstance(outcome, httpx.TimeoutException):
        kind = {
            httpx.ConnectTimeout: "connect",
            httpx.ReadTimeout: "read",
            httpx.WriteTimeout: "write",
            httpx.PoolTimeout: "pool",
        }.get(type(outcome), "")
        return f"{kind} timeout".strip()
    if isinstance(outcome, httpx.ConnectError):
        if _refused(outcome):
            return "connection refused"
        return f"cannot connect ({_first_line(outcome)})"
    if isinstance(outcome, httpx.RemoteProtocolError):
        return f"connection dropped ({_first_line(outcome)})"
    return _first_line(outcome)


def _refused(error: BaseException) -> bool:
    """Whether ``error`` or one of its causes is a refused connection (nothing listens)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError):
            return True
        if isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED:
            return True
        if "refused" in str(seen).lower():
            return True
        # anyio groups the refusals of each address it tried in an ExceptionGroup.
        if isinstance(seen, BaseExceptionGroup) and any(_refused(e) for e in seen.exceptions):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
