"""pulpo.upstreams over real HTTP: retries, the circuit breaker and settings, against a server
on 127.0.0.1 whose failures each test programs.

The upstream is a small Starlette app served by uvicorn in a thread of the test process.
It counts every request it receives and answers as the test says: fail the next N
requests, always fail, answer slowly, answer 404, answer 429 with ``Retry-After``. A
refused connection is a port nothing listens on. The counts prove what was sent: how
many tries a call made, and that an open breaker sends nothing. Timings are never
asserted; waits are bounded generously.
"""

import asyncio
import gc
import itertools
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import pulpo.upstreams
from pulpo.declare.settings import setting
from pulpo.declare.upstreams import Breaker, Retry, Upstream, upstream
from pulpo.errors import UpstreamUnavailable
from pulpo.run.processes import free_port

pytestmark = [
    pytest.mark.integration,
    # Clients are closed, not left to the garbage collector.
    pytest.mark.filterwarnings("error::ResourceWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

T = TypeVar("T")

HANG = 30.0  # seconds: a bound on waits that only a hang reaches


@dataclass
class Plan:
    """What the programmable upstream answers; the test sets it, the server reads it."""

    fail_next: int = 0  # answer `failure` to the next N requests
    always: int | None = None  # answer this status to every request
    failure: int = 503
    failure_headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    received: int = 0
    clients: list[str] = field(default_factory=list)  # the client address of each request
    headers: list[dict[str, str]] = field(default_factory=list)


class Programmable:
    """The upstream's behaviour and counters, shared with the server's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.plan = Plan()

    def reset(self) -> None:
        with self.lock:
            self.plan = Plan()

    def program(self, **changes: Any) -> None:
        with self.lock:
            for name, value in changes.items():
                setattr(self.plan, name, value)

    @property
    def received(self) -> int:
        with self.lock:
            return self.plan.received

    async def answer(self, request: Request) -> JSONResponse:
        with self.lock:
            plan = self.plan
            plan.received += 1
            number = plan.received
            plan.clients.append(
                f"{request.client.host}:{request.client.port}" if request.client else ""
            )
            plan.headers.append(dict(request.headers))
            status = plan.always
            if status is None and plan.fail_next > 0:
                plan.fail_next -= 1
                status = plan.failure
            headers = plan.failure_headers if status is not None else {}
            delay = plan.delay
        if delay:
            await asyncio.sleep(delay)
        if status is None:
            return JSONResponse({"ok": True, "number": number})
        return JSONResponse({"error": "programmed"}, status_code=status, headers=headers)


@dataclass
class Server:
    url: str
    behaviour: Programmable


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """The programmable upstream under uvicorn in a thread, on a free loopback port."""
    behaviour = Programmable()
    app = Starlette(
        routes=[Route("/{path:path}", behaviour.answer, methods=["GET", "POST", "PUT"])]
    )
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, name="upstream", daemon=True)
    thread.start()
    deadline = time.monotonic() + HANG
    while not uvicorn_server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"the test upstream did not start on port {port}")
        time.sleep(0.02)
    try:
        yield Server(url=f"http://127.0.0.1:{port}", behaviour=behaviour)
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=HANG)


@pytest.fixture
def upstream_server(server: Server) -> Server:
    server.behaviour.reset()
    return server


_names = itertools.count()


def declare(url: Any, **options: Any) -> Upstream:
    """An upstream of its own (a fresh breaker), quick to retry by default."""
    options.setdefault("timeout", 5.0)
    options.setdefault("retry", Retry(attempts=3, backoff=0.01, max_backoff=0.05))
    options.setdefault("breaker", Breaker(threshold=50, reset_timeout=0.5))
    declared = upstream(f"up{next(_names)}", url=url, **options)
    pulpo.upstreams.reset(declared)
    return declared


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Run ``main`` in a new event loop, closing its upstream clients at the end."""

    async def closing() -> T:
        try:
            return await main()
        finally:
            await pulpo.upstreams.close_all()

    return asyncio.run(closing())


def unavailable(call: Callable[[], Awaitable[Any]]) -> UpstreamUnavailable:
    """The UpstreamUnavailable that ``call`` raises."""

    async def main() -> UpstreamUnavailable:
        with pytest.raises(UpstreamUnavailable) as raised:
            await call()
        return raised.value

    return run(main)


def wait_for_state(declared: Upstream, state: str) -> None:
    deadline = time.monotonic() + HANG
    while declared.breaker_state != state:
        assert time.monotonic() < deadline, f"the breaker never became {state}"
        time.sleep(0.05)


# --- retries ------------------------------------------------------------------------


def test_transient_failures_are_retried_and_the_call_succeeds(upstream_server: Server) -> None:
    upstream_server.behaviour.program(fail_next=2)
    ofd = declare(upstream_server.url)

    response = run(lambda: ofd.post("/ofd/v1/receipt", json={"n": 1}))

    assert response.status_code == 200
    assert response.json() == {"ok": True, "number": 3}
    assert upstream_server.behaviour.received == 3
    assert ofd.breaker_state == "closed"
    assert pulpo.upstreams.health([ofd])[ofd.name]["failures"] == 0


@pytest.mark.parametrize("status", [429, 500, 502, 504])
def test_each_retryable_status_is_retried(upstream_server: Server, status: int) -> None:
    upstream_server.behaviour.program(fail_next=1, failure=status)
    ofd = declare(upstream_server.url)

    response = run(lambda: ofd.get("/x"))

    assert response.status_code == 200
    assert upstream_server.behaviour.received == 2


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_4xx_answers_are_returned_as_they_are_not_retried(
    upstream_server: Server, status: int
) -> None:
    upstream_server.behaviour.program(always=status)
    ofd = declare(upstream_server.url)

    response = run(lambda: ofd.get("/missing"))

    assert response.status_code == status
    assert response.json() == {"error": "programmed"}
    assert upstream_server.behaviour.received == 1
    assert pulpo.upstreams.health([ofd])[ofd.name]["failures"] == 0


def test_a_429s_retry_after_is_honoured_up_to_max_backoff(upstream_server: Server) -> None:
    # An hour asked, 0.05 s allowed: the call comes back (a hang would mean it waited).
    upstream_server.behaviour.program(
        fail_next=1, failure=429, failure_headers={"Retry-After": "3600"}
    )
    ofd = declare(upstream_server.url)

    response = run(lambda: ofd.get("/x"))

    assert response.status_code == 200
    assert upstream_server.behaviour.received == 2


def test_failing_every_attempt_is_upstream_unavailable(upstream_server: Server) -> None:
    upstream_server.behaviour.program(always=503)
    ofd = declare(upstream_server.url)

    error = unavailable(lambda: ofd.post("/ofd/v1/receipt", json={}))

    assert error.detail == f"{ofd.name}: 503 Service Unavailable after 3 attempts"
    assert error.upstream == ofd.name
    assert error.status_code == 503
    assert upstream_server.behaviour.received == 3


def test_timeouts_are_retried_then_upstream_unavailable(upstream_server: Server) -> None:
    upstream_server.behaviour.program(delay=2.0)
    ofd = declare(upstream_server.url, timeout=0.2, retry=Retry(attempts=2, backoff=0.01))

    error = unavailable(lambda: ofd.get("/slow"))

    assert error.detail == f"{ofd.name}: read timeout after 2 attempts"
    assert upstream_server.behaviour.received == 2


def test_a_refused_connection_is_retried_then_upstream_unavailable() -> None:
    ofd = declare(f"http://127.0.0.1:{free_port()}")

    error = unavailable(lambda: ofd.get("/x"))

    assert error.detail == f"{ofd.name}: connection refused after 3 attempts"
    assert pulpo.upstreams.health([ofd])[ofd.name]["failures"] == 3


def test_calls_in_one_loop_share_a_client_and_its_connection(upstream_server: Server) -> None:
    ofd = declare(upstream_server.url, headers={"X-Kkt-Id": "kkt-1"})

    async def twice() -> None:
        await ofd.get("/a")
        await ofd.get("/b")

    run(twice)

    plan = upstream_server.behaviour.plan
    assert plan.received == 2
    assert plan.clients[0] == plan.clients[1]  # one kept-alive connection
    assert all(headers["x-kkt-id"] == "kkt-1" for headers in plan.headers)


def test_a_loop_that_ends_without_close_all_still_closes_its_clients(
    upstream_server: Server,
) -> None:
    ofd = declare(upstream_server.url)

    for _ in range(2):  # the second loop forgets the first's clients
        response = asyncio.run(ofd.get("/x"))  # no close_all: asyncio.run's shutdown closes
        assert response.status_code == 200
    gc.collect()  # an unclosed socket or transport would warn here, an error in this module

    assert upstream_server.behaviour.received == 2


# --- the circuit breaker ------------------------------------------------------------


def test_the_breaker_opens_at_the_threshold_and_then_sends_nothing(
    upstream_server: Server,
) -> None:
    upstream_server.behaviour.program(always=503)
    ofd = declare(
        upstream_server.url,
        retry=Retry(attempts=1, backoff=0.01),
        breaker=Breaker(threshold=3, reset_timeout=60),
    )

    for _ in range(3):
        unavailable(lambda: ofd.get("/x"))
    assert upstream_server.behaviour.received == 3
    assert ofd.breaker_state == "open"

    error = unavailable(lambda: ofd.get("/x"))

    assert upstream_server.behaviour.received == 3  # refused without a request
    assert error.detail.startswith(f"{ofd.name}: circuit breaker open, retry in ")
    assert error.retry_after is not None and 0 < error.retry_after <= 60
    report = pulpo.upstreams.health([ofd])[ofd.name]
    assert report["state"] == "open"
    assert report["failures"] == 3
    assert 0 < report["retry_after"] <= 60
    assert report["url"] == upstream_server.url


def test_attempts_count_toward_the_threshold_and_retries_stop_when_it_opens(
    upstream_server: Server,
) -> None:
    upstream_server.behaviour.program(always=503)
    ofd = declare(
        upstream_server.url,
        retry=Retry(attempts=5, backoff=0.01),
        breaker=Breaker(threshold=3, reset_timeout=60),
    )

    error = unavailable(lambda: ofd.get("/x"))

    assert upstream_server.behaviour.received == 3  # not 5: the third failure opened it
    assert error.detail.startswith(f"{ofd.name}: 503 Service Unavailable after 3 attempts;")
    assert error.retry_after is not None and error.retry_after > 0
    assert ofd.breaker_state == "open"


def test_half_open_lets_one_trial_through_and_a_success_closes_it(
    upstream_server: Server,
) -> None:
    behaviour = upstream_server.behaviour
    behaviour.program(always=503)
    ofd = declare(
        upstream_server.url,
        retry=Retry(attempts=1, backoff=0.01),
        breaker=Breaker(threshold=2, reset_timeout=0.5),
    )
    for _ in range(2):
        unavailable(lambda: ofd.get("/x"))
    assert ofd.breaker_state == "open"

    wait_for_state(ofd, "half-open")
    behaviour.program(always=None, delay=0.3)  # healthy again, and slow enough to overlap

    async def three_at_once() -> list[httpx.Response | BaseException]:
        calls = [ofd.get("/x") for _ in range(3)]
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = run(three_at_once)

    answered = [o for o in outcomes if isinstance(o, httpx.Response)]
    refused = [o for o in outcomes if isinstance(o, UpstreamUnavailable)]
    assert len(answered) == 1 and answered[0].status_code == 200
    assert len(refused) == 2
    assert behaviour.received == 3  # two failures, then the one trial
    assert ofd.breaker_state == "closed"
    assert pulpo.upstreams.health([ofd])[ofd.name] == {
        "state": "closed",
        "failures": 0,
        "retry_after": None,
        "url": upstream_server.url,
    }


def test_a_failed_trial_reopens_it(upstream_server: Server) -> None:
    upstream_server.behaviour.program(always=503)
    ofd = declare(
        upstream_server.url,
        retry=Retry(attempts=3, backoff=0.01),
        breaker=Breaker(threshold=2, reset_timeout=0.5),
    )
    unavailable(lambda: ofd.get("/x"))  # two attempts, then open
    assert upstream_server.behaviour.received == 2
    wait_for_state(ofd, "half-open")

    error = unavailable(lambda: ofd.get("/x"))

    assert upstream_server.behaviour.received == 3  # the trial alone, not retried
    assert ofd.breaker_state == "open"
    assert error.retry_after is not None and error.retry_after > 0
    unavailable(lambda: ofd.get("/x"))
    assert upstream_server.behaviour.received == 3


def test_one_breaker_per_process_across_event_loops(upstream_server: Server) -> None:
    upstream_server.behaviour.program(always=503)
    ofd = declare(
        upstream_server.url,
        retry=Retry(attempts=1, backoff=0.01),
        breaker=Breaker(threshold=2, reset_timeout=60),
    )
    unavailable(lambda: ofd.get("/x"))  # one loop

    outcome: list[BaseException] = []

    def other_thread() -> None:
        try:
            unavailable(lambda: ofd.get("/x"))  # another loop, another thread
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            outcome.append(error)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=HANG)

    assert outcome == []
    assert ofd.breaker_state == "open"
    assert upstream_server.behaviour.received == 2


# --- settings -----------------------------------------------------------------------


def test_url_timeout_and_threshold_settings_are_read_from_the_environment(
    upstream_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = setting("TEST_UPSTREAM_URL", "http://127.0.0.1:9")
    timeout = setting("TEST_UPSTREAM_TIMEOUT", 10.0)
    threshold = setting("TEST_UPSTREAM_THRESHOLD", 50)
    ofd = declare(
        url,
        timeout=timeout,
        retry=Retry(attempts=1, backoff=0.01),
        breaker=Breaker(threshold=threshold, reset_timeout=60),
    )
    behaviour = upstream_server.behaviour
    monkeypatch.setenv("TEST_UPSTREAM_URL", upstream_server.url)
    monkeypatch.setenv("TEST_UPSTREAM_TIMEOUT", "0.2")
    monkeypatch.setenv("TEST_UPSTREAM_THRESHOLD", "2")
    behaviour.program(delay=1.0)

    async def slow_then_patient() -> tuple[str, int]:
        # One loop: the client made with 0.2 s is replaced when the timeout changes.
        with pytest.raises(UpstreamUnavailable) as timed_out:
            await ofd.get("/x")
        monkeypatch.setenv("TEST_UPSTREAM_TIMEOUT", "20")
        response = await ofd.get("/x")
        return timed_out.value.detail, response.status_code

    detail, status = run(slow_then_patient)

    assert detail == f"{ofd.name}: read timeout after 1 attempt"
    assert status == 200
    assert behaviour.received == 2
    assert pulpo.upstreams.health([ofd])[ofd.name]["url"] == upstream_server.url

    behaviour.program(delay=0.0, always=503)
    for _ in range(2):
        unavailable(lambda: ofd.get("/x"))
    assert ofd.breaker_state == "open"  # at 2, the environment's threshold, not 50
    assert behaviour.received == 4

    pulpo.upstreams.reset(ofd)
    monkeypatch.setenv("TEST_UPSTREAM_URL", f"http://127.0.0.1:{free_port()}")
    error = unavailable(lambda: ofd.get("/x"))
    assert error.detail == f"{ofd.name}: connection refused after 1 attempt"
    assert behaviour.received == 4
