"""``upstream``: an external HTTP service the project's operations call.

Declared once at module level, it is both what ``pulpo compile`` knows of the service
(its settings, its mock in the test stack) and the client operations call::

    OFD_API_URL = setting("OFD_API_URL", "https://ofd.example.com", description="...")
    OFD_TIMEOUT = setting("OFD_TIMEOUT", 10.0, test=5.0)

    ofd = upstream(
        "ofd",
        url=OFD_API_URL,
        timeout=OFD_TIMEOUT,
        retry=Retry(attempts=3, backoff=0.5),
        breaker=Breaker(threshold=CIRCUIT_BREAKER_THRESHOLD, reset_timeout=CIRCUIT_BREAKER_TIMEOUT),
        mock=Mock(
            port=9000,
            health="/ofd/v1/health",
            control="/ofd/v1/_test",
            failure_answer={"error": "OFD unavailable"},
            routes=[
                MockRoute("POST", "/ofd/v1/receipt", counter="receipts_received",
                          answer={"status": "accepted", "ofd_id": "OFD-{sequence:06d}"}),
            ],
        ),
    )

    async def forward(receipt: Receipt) -> str:
        response = await ofd.post("/ofd/v1/receipt", json=receipt.payload)
        return response.json()["ofd_id"]

A call is retried on connection errors, timeouts, 429 and 5xx answers with exponential
backoff (``retry``), and goes through a circuit breaker (``breaker``): after
``threshold`` consecutive failed attempts (each try counts) it opens and calls fail at once with
:class:`pulpo.errors.UpstreamUnavailable` (HTTP 503), until ``reset_timeout`` seconds
have passed; then one trial call is let through (half-open), which closes it again on
success. The breaker's state is part of the app's ``/health``.

``mock`` describes the stand-in the generated test stack runs in the service's place
(``mock_<name>``, one reusable image, :mod:`pulpo.mock`): the routes it serves, what it
answers, and the counters its health endpoint reports. Its behaviour is switched over
its control API while tests run: ``POST <control>/config`` with ``permanent_failure``,
``failure_count`` (fail the next N calls), ``latency_ms`` and ``status``;
``POST <control>/reset``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulpo.declare.settings import Setting, resolved

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Retry:
    """How often a failed call is tried again: ``attempts`` tries in all, waiting ``backoff``
    seconds before the second, twice that before the third, ... at most ``max_backoff``."""

    attempts: "int | Setting[int]" = 3
    backoff: "float | Setting[float]" = 0.5
    max_backoff: float = 10.0


@dataclass(frozen=True)
class Breaker:
    """When calls stop being made: after ``threshold`` consecutive failures, for
    ``reset_timeout`` seconds."""

    threshold: "int | Setting[int]" = 5
    reset_timeout: "float | Setting[float]" = 60.0


@dataclass(frozen=True)
class MockRoute:
    """A route the mock serves, and what it answers when it does not fail on purpose.

    ``answer`` is JSON whose strings may hold ``{sequence}`` (the 1-based number of this
    route's accepted calls), ``{unix_time}`` and ``{now}`` (an ISO 8601 UTC time), with
    Python's format specs (``"OFD-{sequence:06d}"``); a string that is one placeholder
    alone (``"{unix_time}"``) becomes that value, a number. ``counter`` names the health
    key counting accepted calls (``receipts_received``); ``last`` the key holding the
    time of the last accepted call (``last_heartbeat``). ``dedupe`` names a request
    header that identifies a call (``Idempotency-Key``): a call repeating a value seen
    before gets the first answer again and is not counted twice, as a real upstream that
    deduplicates would (a client that crashed after sending may safely send again).
    """

    method: str
    path: str
    answer: Any = field(default_factory=dict)
    status: int = 200
    counter: str | None = None
    last: str | None = None
    dedupe: str | None = None


@dataclass(frozen=True)
class Mock:
    """The stand-in of an upstream in the test stack; see the module's docstring."""

    port: int  # inside the stack, and published on the host by default
    routes: "tuple[MockRoute, ...] | list[MockRoute]" = ()
    health: str = "/health"
    control: str = "/_test"  # POST <control>/config, POST <control>/reset
    failure_status: int = 503
    failure_answer: Any = field(default_factory=lambda: {"error": "unavailable"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(self.routes))  # a list is fine to write


@dataclass(frozen=True, eq=False)
class Upstream:
    """A declared external HTTP service; see the module's docstring.

    The HTTP methods delegate to :mod:`pulpo.upstreams`, which keeps one
    ``httpx.AsyncClient`` per upstream and event loop, and one breaker per upstream
    in the process.
    """

    name: str
    url: "str | Setting[str]"
    timeout: "float | Setting[float]" = 10.0
    retry: Retry = Retry()
    breaker: Breaker = Breaker()
    mock: Mock | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def base_url(self) -> str:
        return resolved(self.url)

    async def request(self, method: str, path: str, **kwargs: Any) -> "httpx.Response":
        """``method path`` with retries and the breaker; kwargs as ``httpx.AsyncClient.request``."""
        from pulpo.upstreams import call

        return await call(self, method, path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> "httpx.Response":
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> "httpx.Response":
        return await self.request("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> "httpx.Response":
        return await self.request("PUT", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> "httpx.Response":
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> "httpx.Response":
        return await self.request("DELETE", path, **kwargs)

    @property
    def breaker_state(self) -> str:
        """``closed``, ``open`` or ``half-open`` in this process."""
        from pulpo.upstreams import breaker_state

        return breaker_state(self)


def upstream(
    name: str,
    *,
    url: "str | Setting[str]",
    timeout: "float | Setting[float]" = 10.0,
    retry: Retry | None = None,
    breaker: Breaker | None = None,
    mock: Mock | None = None,
    headers: Mapping[str, str] | None = None,
    description: str = "",
) -> Upstream:
    """Declare the upstream ``name`` (a Python identifier: ``ofd``, ``odoo``)."""
    return Upstream(
        name=name,
        url=url,
        timeout=timeout,
        retry=retry or Retry(),
        breaker=breaker or Breaker(),
        mock=mock,
        headers=dict(headers or {}),
        description=description,
    )
