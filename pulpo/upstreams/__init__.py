"""The runtime client of declared upstreams (:func:`pulpo.upstream`).

An operation calls a declared upstream through the declaration itself::

    response = await ofd.post("/ofd/v1/receipt", json=receipt.payload)

which runs :func:`call`: one ``httpx.AsyncClient`` per upstream and event loop
(:mod:`.clients`), each attempt let through by the upstream's circuit breaker
(:mod:`.breaker`), failed attempts (connection errors, timeouts, 429 and 500/502/503/504)
tried again with exponential backoff by tenacity (:mod:`.retrying`). What the caller
sees:

- the upstream's answer, when one attempt got an answer that is not a failure: a 200,
  and also a 404 or a 422, which are returned as they are, never retried;
- :class:`pulpo.errors.UpstreamUnavailable` (the API answers 503 with ``Retry-After``)
  when every attempt failed, or at once, without sending anything, while the breaker
  is open.

The rest of the process reads the breakers: :func:`breaker_state` (``ofd.breaker_state``),
:func:`health` for the app's ``/health``, :func:`reset` for tests. :func:`close_all`
closes the running loop's clients; the generated app's lifespan calls it on shutdown.
"""

from pulpo.upstreams.breaker import CircuitBreaker, CircuitOpen, State
from pulpo.upstreams.calls import breaker_state, call, health, reset
from pulpo.upstreams.clients import close_all

__all__ = [
    "CircuitBreaker",
    "CircuitOpen",
    "State",
    "breaker_state",
    "call",
    "close_all",
    "health",
    "reset",
]
