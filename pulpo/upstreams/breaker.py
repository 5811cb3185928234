"""A circuit breaker: stop calling an upstream that keeps failing, and try it again later.

The state machine, with ``threshold`` and ``reset_timeout`` read from the upstream's
declaration at every call::

    closed ──(threshold consecutive failed attempts)──▶ open
    open ──(reset_timeout seconds later, the next caller)──▶ half-open: one trial attempt
    half-open ──(the trial succeeds)──▶ closed, failures reset to 0
    half-open ──(the trial fails)──▶ open for another reset_timeout

Every *attempt* is recorded, not every call: a call retried three times that fails is
three failures. A success while closed resets the count. While open, :meth:`admit`
raises :class:`CircuitOpen` with the seconds left, so the caller sends nothing; while
half-open, it admits exactly one trial and refuses everyone else until the trial's
verdict.

An attempt is admitted with an :class:`Admission` and reported with :meth:`succeeded`,
:meth:`failed` or :meth:`abandoned` (cancelled, or an error that says nothing about the
upstream). Each admission remembers the breaker's *generation*, which every change of
state increments: the verdict of an attempt admitted before the breaker opened or
closed arrives too late to mean anything and is ignored, so a slow failure from before
a successful trial cannot re-open the breaker.

One breaker serves every event loop of the process (the API's, a Prefect worker's):
its state sits behind a :class:`threading.Lock`, held only for a few assignments. The
clock is injectable, so tests drive time by hand.

Why not a library: purgatory lets every caller through while half-open and reads
``time.time()``; pybreaker's asynchronous calls need Tornado and its half-open state
does not hold back concurrent callers; aiobreaker has not been released for years and
shares pybreaker's half-open semantics.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pulpo.errors import UpstreamUnavailable

State = Literal["closed", "open", "half-open"]

logger = logging.getLogger("pulpo.upstreams")


class CircuitOpen(UpstreamUnavailable):
    """The breaker refuses the attempt: nothing is sent (HTTP 503, as every
    :class:`UpstreamUnavailable`).

    ``retry_after`` is the number of seconds until it half-opens, or ``None`` while a
    trial is under way (its verdict comes as soon as the upstream answers).
    """

    def __init__(self, name: str, retry_after: float | None) -> None:
        wait = (
            "a trial call is under way" if retry_after is None else f"retry in {retry_after:.1f} s"
        )
        super().__init__(
            f"{name}: circuit breaker open, {wait}", upstream=name, retry_after=retry_after
        )


@dataclass(frozen=True)
class Admission:
    """Leave to make one attempt; hand it back with the attempt's verdict."""

    generation: int
    trial: bool


@dataclass(frozen=True)
class Snapshot:
    """What :meth:`CircuitBreaker.snapshot` reports: the state as a caller would meet it."""

    state: State
    failures: int  # consecutive failed attempts
    retry_after: float | None  # seconds until half-open; None unless open


class CircuitBreaker:
    """The breaker of one upstream; see the module's docstring."""

    def __init__(
        self,
        name: str,
        *,
        threshold: int = 5,
        reset_timeout: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.threshold = threshold  # read from the declaration at each call
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False
        self._generation = 0

    def configure(self, *, threshold: int, reset_timeout: float) -> None:
        """Take the current limits (settings may differ from one call to the next)."""
        with self._lock:
            self.threshold = max(1, threshold)
            self.reset_timeout = max(0.0, reset_timeout)

    def admit(self) -> Admission:
        """Leave to make one attempt, or :class:`CircuitOpen`."""
        with self._lock:
            if self._state == "open":
                left = self._opened_at + self.reset_timeout - self._clock()
                if left > 0:
                    raise CircuitOpen(self.name, left)
                self._change("half-open")
            if self._state == "half-open":
                if self._trial_running:
                    raise CircuitOpen(self.name, None)
                self._trial_running = True
                return Admission(self._generation, trial=True)
            return Admission(self._generation, trial=False)

    def succeeded(self, admission: Admission) -> None:
        """The attempt got an answer: close a half-open breaker, reset the failure count."""
        with self._lock:
            if admission.generation != self._generation:
                return  # admitted before the last change of state: its verdict is stale
            self._failures = 0
            if admission.trial:
                self._change("closed")
                logger.info("%s: circuit breaker closed, the trial call succeeded", self.name)

    def failed(self, admission: Admission) -> None:
        """The attempt failed: count it; open the breaker at the threshold or after a trial."""
        with self._lock:
            if admission.generation != self._generation:
                return
            self._failures += 1
            if admission.trial or self._failures >= self.threshold:
                self._open()

    def abandoned(self, admission: Admission) -> None:
        """The attempt ended without a verdict (cancelled): let the next caller make the trial."""
        with self._lock:
            if admission.trial and admission.generation == self._generation:
                self._trial_running = False

    def snapshot(self) -> Snapshot:
        """The state now: an open breaker whose timeout has passed reports ``half-open``."""
        with self._lock:
            if self._state == "open":
                left = self._opened_at + self.reset_timeout - self._clock()
                if left > 0:
                    return Snapshot("open", self._failures, left)
                return Snapshot("half-open", self._failures, None)
            return Snapshot(self._state, self._failures, None)

    def reset(self) -> None:
        """Back to closed with no failures (for tests)."""
        with self._lock:
            self._change("closed")
            self._failures = 0

    def _open(self) -> None:
        self._change("open")
        self._opened_at = self._clock()
        logger.warning(
            "%s: circuit breaker open after %d consecutive failed attempts; calls refused for %g s",
            self.name,
            self._failures,
            self.reset_timeout,
        )

    def _change(self, state: State) -> None:
        self._state = state
        self._trial_running = False
        self._generation += 1
