"""pulpo.upstreams.breaker: the circuit breaker's state machine, on a clock the test turns.

Also the pure parts of pulpo.upstreams.retrying: which answers are failures, how a
``Retry-After`` is read and how long a retry waits. The calls over real HTTP are in
tests/integration/test_upstreams.py.
"""

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from tenacity import RetryCallState

from pulpo.errors import UpstreamUnavailable
from pulpo.upstreams.breaker import CircuitBreaker, CircuitOpen
from pulpo.upstreams.retrying import backoff_wait, describe, is_retryable, retry_after_seconds

pytestmark = pytest.mark.unit


class Clock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("ofd", threshold=3, reset_timeout=10.0, clock=clock)


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.failed(breaker.admit())


def test_a_new_breaker_is_closed_and_admits(breaker: CircuitBreaker) -> None:
    admission = breaker.admit()

    assert admission.trial is False
    assert breaker.snapshot().state == "closed"
    assert breaker.snapshot().failures == 0


def test_it_opens_at_the_threshold_of_consecutive_failed_attempts(
    breaker: CircuitBreaker, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pulpo.upstreams"):
        fail(breaker, 2)
        assert breaker.snapshot().state == "closed"
        assert breaker.snapshot().failures == 2
        fail(breaker)

    snapshot = breaker.snapshot()
    assert snapshot.state == "open"
    assert snapshot.failures == 3
    assert snapshot.retry_after == pytest.approx(10.0)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ofd: circuit breaker open after 3" in warnings[0].getMessage()


def test_a_success_while_closed_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.succeeded(breaker.admit())
    fail(breaker, 2)

    assert breaker.snapshot().state == "closed"
    assert breaker.snapshot().failures == 2


def test_while_open_it_refuses_with_the_seconds_left(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.advance(4)

    with pytest.raises(CircuitOpen) as refused:
        breaker.admit()

    assert refused.value.retry_after == pytest.approx(6.0)
    assert str(refused.value) == "ofd: circuit breaker open, retry in 6.0 s"
    assert isinstance(refused.value, UpstreamUnavailable)  # the API's 503
    assert refused.value.upstream == "ofd"
    assert breaker.snapshot().retry_after == pytest.approx(6.0)


def test_after_the_reset_timeout_it_admits_exactly_one_trial(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    fail(breaker, 3)
    clock.advance(10)
    assert breaker.snapshot().state == "half-open"
    assert breaker.snapshot().retry_after is None

    trial = breaker.admit()

    assert trial.trial is True
    for _ in range(3):  # everyone else waits for the trial's verdict
        with pytest.raises(CircuitOpen) as refused:
            breaker.admit()
        assert refused.value.retry_after is None
    assert breaker.snapshot().state == "half-open"


def test_a_successful_trial_closes_it(
    breaker: CircuitBreaker, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fail(breaker, 3)
    clock.advance(10.5)
    trial = breaker.admit()

    with caplog.at_level(logging.INFO, logger="pulpo.upstreams"):
        breaker.succeeded(trial)

    assert breaker.snapshot().state == "closed"
    assert breaker.snapshot().failures == 0
    assert breaker.admit().trial is False
    assert any("circuit breaker closed" in r.getMessage() for r in caplog.records)


def test_a_failed_trial_reopens_it_for_another_reset_timeout(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    fail(breaker, 3)
    clock.advance(10)
    breaker.failed(breaker.admit())

    assert breaker.snapshot().state == "open"
    assert breaker.snapshot().retry_after == pytest.approx(10.0)
    clock.advance(9.9)
    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.advance(0.1)
    assert breaker.admit().trial is True


def test_verdicts_of_attempts_admitted_before_a_change_of_state_are_ignored(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    early = [breaker.admit() for _ in range(4)]  # four concurrent attempts
    for admission in early[:3]:
        breaker.failed(admission)
    assert breaker.snapshot().state == "open"
    clock.advance(10)
    trial = breaker.admit()
    breaker.succeeded(trial)

    breaker.failed(early[3])  # a slow failure from before the trial

    assert breaker.snapshot().state == "closed"
    assert breaker.snapshot().failures == 0


def test_an_abandoned_trial_lets_the_next_caller_try(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.advance(10)
    breaker.abandoned(breaker.admit())  # cancelled before its answer

    assert breaker.admit().trial is True


def test_limits_are_taken_at_each_configure(breaker: CircuitBreaker, clock: Clock) -> None:
    breaker.configure(threshold=1, reset_timeout=2.0)
    fail(breaker)

    assert breaker.snapshot().state == "open"
    assert breaker.snapshot().retry_after == pytest.approx(2.0)
    clock.advance(2)
    assert breaker.admit().trial is True


def test_reset_closes_it(breaker: CircuitBreaker) -> None:
    fail(breaker, 3)
    breaker.reset()

    assert breaker.snapshot().state == "closed"
    assert breaker.snapshot().failures == 0
    assert breaker.admit().trial is False


# --- retrying: failures, Retry-After, waits -----------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_overload_and_server_failures_are_retried(status: int) -> None:
    assert is_retryable(httpx.Response(status))


@pytest.mark.parametrize("status", [200, 201, 204, 400, 401, 404, 409, 422, 501])
def test_other_answers_are_the_upstreams_reply(status: int) -> None:
    assert not is_retryable(httpx.Response(status))


def test_retry_after_in_seconds_or_as_a_date() -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)

    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "3"})) == 3.0
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "-5"})) == 0.0
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": in_a_minute})) == (
        pytest.approx(60, abs=2)
    )
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Response(429)) is None


def waited(wait: object, attempt: int, outcome: httpx.Response | None = None) -> float:
    """What ``wait`` answers after attempt number ``attempt`` ended with ``outcome``."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    if outcome is not None:
        state.set_result(outcome)
    assert callable(wait)
    return float(wait(state))


def test_the_wait_grows_exponentially_up_to_max_backoff() -> None:
    wait = backoff_wait(0.5, 3.0)

    assert 0.5 <= waited(wait, 1) <= 0.5 * 1.25
    assert 1.0 <= waited(wait, 2) <= 1.0 + 0.5 / 4
    assert waited(wait, 6) == 3.0


def test_the_wait_honours_retry_after_up_to_max_backoff() -> None:
    wait = backoff_wait(0.5, 3.0)

    assert waited(wait, 1, httpx.Response(429, headers={"Retry-After": "2"})) == 2.0
    assert waited(wait, 1, httpx.Response(503, headers={"Retry-After": "3600"})) == 3.0


def test_failures_are_described_in_a_few_words() -> None:
    assert describe(httpx.Response(503)) == "503 Service Unavailable"
    assert describe(httpx.ReadTimeout("timed out")) == "read timeout"
    refused = httpx.ConnectError("All connection attempts failed")
    refused.__cause__ = ConnectionRefusedError(111, "Connect call failed")
    assert describe(refused) == "connection refused"
    assert describe(httpx.ConnectError("Name or service not known")) == (
        "cannot connect (Name or service not known)"
    )
