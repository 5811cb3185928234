"""A call to a declared upstream: the breaker's leave, the client, the retries, one error.

:func:`call` is what ``await ofd.post(path, json=...)`` runs. Each attempt first asks
the upstream's breaker (:mod:`pulpo.upstreams.breaker`) for leave, then sends the
request on this loop's client (:mod:`pulpo.upstreams.clients`) and tells the breaker
how it went; tenacity tries again as :mod:`pulpo.upstreams.retrying` says. The caller
gets the first answer that is not a failure (a 200, a 404, a 422: any answer but
429/500/502/503/504), or :class:`pulpo.errors.UpstreamUnavailable` with one line
saying why::

    ofd: 503 Service Unavailable after 3 attempts
    ofd: connection refused after 3 attempts
    ofd: circuit breaker open, retry in 8.2 s

The declaration's settings (URL, timeout, attempts, backoff, threshold, reset timeout)
are read at every call, so a changed environment applies to the next call.

The breakers are kept per upstream *name* and process: every loop and thread of the
process sees one state, which is what ``/health`` reports (:func:`health`).
"""

import threading
from collections.abc import Iterable
from typing import Any, NoReturn

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
)
from tenacity.stop import stop_base

from pulpo.declare.settings import resolved
from pulpo.declare.upstreams import Upstream
from pulpo.errors import UpstreamUnavailable
from pulpo.upstreams.breaker import CircuitBreaker, State
from pulpo.upstreams.clients import client_for
from pulpo.upstreams.retrying import (
    backoff_wait,
    describe,
    is_retryable,
    is_transient,
    retry_after_seconds,
)

_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(upstream: Upstream) -> CircuitBreaker:
    """The process's breaker of ``upstream``, with the limits its settings say now."""
    with _breakers_lock:
        breaker = _breakers.get(upstream.name)
        if breaker is None:
            breaker = _breakers[upstream.name] = CircuitBreaker(upstream.name)
    breaker.configure(
        threshold=int(resolved(upstream.breaker.threshold)),
        reset_timeout=float(resolved(upstream.breaker.reset_timeout)),
    )
    return breaker


async def call(upstream: Upstream, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """``method path`` on ``upstream``, with its retries and breaker (kwargs: ``httpx``'s).

    Returns the upstream's answer unless it is a failure (see :mod:`pulpo.upstreams.retrying`);
    raises :class:`UpstreamUnavailable` when every attempt failed or the breaker refused.
    """
    breaker = breaker_for(upstream)
    client = await client_for(upstream)
    retry = upstream.retry
    attempts = max(1, int(resolved(retry.attempts)))

    async def attempt() -> httpx.Response:
        admission = breaker.admit()  # CircuitOpen, an UpstreamUnavailable: nothing is sent
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.UnsupportedProtocol:
            breaker.abandoned(admission)  # the URL's fault, not the upstream's
            raise
        except httpx.TransportError:
            breaker.failed(admission)
            raise
        except BaseException:
            breaker.abandoned(admission)  # cancelled, or a mistake in the request itself
            raise
        if is_retryable(response):
            breaker.failed(admission)
        else:
            breaker.succeeded(admission)
        return response

    def exhausted(state: RetryCallState) -> NoReturn:
        assert state.outcome is not None  # tenacity gives up only after an attempt
        last: httpx.Response | BaseException
        last = state.outcome.exception() or state.outcome.result()
        tries = f"{state.attempt_number} attempt{'s' if state.attempt_number > 1 else ''}"
        detail = f"{upstream.name}: {describe(last)} after {tries}"
        now = breaker.snapshot()
        if now.state == "open":
            detail += f"; circuit breaker open for {now.retry_after:.1f} s"
            retry_after = now.retry_after
        else:
            retry_after = retry_after_seconds(last) if isinstance(last, httpx.Response) else None
        raise UpstreamUnavailable(detail, upstream=upstream.name, retry_after=retry_after)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(attempts) | _BreakerOpened(breaker),
        wait=backoff_wait(float(resolved(retry.backoff)), retry.max_backoff),
        retry=retry_if_exception(is_transient) | retry_if_result(is_retryable),
        retry_error_callback=exhausted,
    )
    try:
        response: httpx.Response = await retrying(attempt)
    except httpx.UnsupportedProtocol as error:
        raise UpstreamUnavailable(
            f"{upstream.name}: cannot call {client.base_url}: {error}", upstream=upstream.name
        ) from None
    return response


class _BreakerOpened(stop_base):
    """Stop retrying once the breaker has left ``closed``: the next try would be refused."""

    def __init__(self, breaker: CircuitBreaker) -> None:
        self.breaker = breaker

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.breaker.snapshot().state != "closed"


def breaker_state(upstream: Upstream) -> State:
    """``closed``, ``open`` or ``half-open``: what the next call would meet in this process."""
    return breaker_for(upstream).snapshot().state


def health(upstreams: Iterable[Upstream]) -> dict[str, dict[str, Any]]:
    """Each upstream's breaker, by name, for ``/health``::

        {"ofd": {"state": "open", "failures": 3, "retry_after": 8.2,
                 "url": "http://mock_ofd:9000"}}

    ``failures`` counts consecutive failed attempts; ``retry_after`` is the seconds
    until the breaker half-opens, ``None`` unless it is open.
    """
    report: dict[str, dict[str, Any]] = {}
    for upstream in upstreams:
        now = breaker_for(upstream).snapshot()
        report[upstream.name] = {
            "state": now.state,
            "failures": now.failures,
            "retry_after": None if now.retry_after is None else round(now.retry_after, 3),
            "url": resolved(upstream.url),
        }
    return report


def reset(upstream: Upstream) -> None:
    """Close ``upstream``'s breaker and forget its failures (tests start from a clean state)."""
    breaker_for(upstream).reset()
