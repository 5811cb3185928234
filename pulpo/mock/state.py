"""What a running mock remembers: its failure config, its counters, what it received.

Everything here is plain synchronous Python, called from the server's one event loop
between awaits, so each step (count a call, take one of the ``failure_count`` failures,
accept a call and number it) is atomic: concurrent requests never lose a count or share
a sequence number. The server (:mod:`pulpo.mock.app`) does the waiting and the HTTP.
"""

import json
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from pulpo.declare.upstreams import MockRoute
from pulpo.errors import UsageError
from pulpo.mock import template
from pulpo.mock.spec import MockSpec

RECEIVED_KEPT = 1000
"""How many received calls ``GET <control>/received`` shows: the latest ones."""

DEDUPE_KEPT = 100_000
"""How many ``dedupe`` values a route remembers, the oldest forgotten first."""

MAX_LATENCY_MS = 60_000
MAX_FAILURE_COUNT = 1_000_000_000

CONFIG_FIELDS = ("permanent_failure", "failure_count", "latency_ms", "status")


class ConfigError(UsageError):
    """A ``POST <control>/config`` body that cannot be applied; the message is one line (422)."""


@dataclass
class Config:
    """How the mock misbehaves; all off after a reset."""

    permanent_failure: bool = False
    failure_count: int = 0  # fail the next N calls, then answer normally again
    latency_ms: int = 0  # wait this long before answering each call to a route
    status: int | None = None  # what failing calls answer; None: the declared failure_status


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


@dataclass(frozen=True)
class Call:
    """A call to a mock route, as :attr:`MockState.received` records it."""

    method: str
    path: str
    json: Any  # the body when it is JSON (whatever its Content-Type), else None
    text: str | None  # the body as text when it is not JSON, else None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


def config_update(body: Any) -> dict[str, Any]:
    """The fields a config body sets, checked; :class:`ConfigError` names the first bad one."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ConfigError('the body must be a JSON object such as {"permanent_failure": true}')
    update: dict[str, Any] = {}
    for key, value in body.items():
        if key == "permanent_failure":
            if not isinstance(value, bool):
                raise ConfigError(f"permanent_failure must be true or false, not {_short(value)}")
        elif key == "failure_count":
            _check_int(key, value, 0, MAX_FAILURE_COUNT)
        elif key == "latency_ms":
            _check_int(key, value, 0, MAX_LATENCY_MS)
        elif key == "status":
            if value is not None:
                _check_int(key, value, 400, 599)
        else:
            known = ", ".join(CONFIG_FIELDS)
            raise ConfigError(f"{_short(key)}: unknown field (known: {known})")
        update[key] = value
    return update


def _check_int(key: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key} must be an integer in {low}..{high}, not {_short(value)}")


def _short(value: Any) -> str:
    """``value`` as JSON would write it, cut short: an error line stays one short line."""
    try:
        shown = json.dumps(value, ensure_ascii=True, default=repr)
    except (ValueError, RecursionError):  # nested too deep to write back: say what it is
        shown = f"a {type(value).__name__}"
    return shown if len(shown) <= 60 else f"{shown[:57]}..."


class MockState:
    """The counters, config and records of one mock; see the module's docstring."""

    def __init__(self, spec: MockSpec, clock: Callable[[], datetime] | None = None) -> None:
        self.spec = spec
        self.routes: tuple[MockRoute, ...] = tuple(spec.mock.routes)
        self._clock = clock or (lambda: datetime.now(UTC))
        self.reset()

    def reset(self) -> None:
        """Back to how the mock started: counters at 0, nothing received, no failures."""
        self.config = Config()
        self.call_count = 0
        self.sequences = [0] * len(self.routes)
        self.counters = {route.counter: 0 for route in self.routes if route.counter}
        self.lasts: dict[str, str | None] = {
            route.last: None for route in self.routes if route.last
        }
        self.received: deque[dict[str, Any]] = deque(maxlen=RECEIVED_KEPT)
        self.received_total = 0
        # Per route: each dedupe value seen, with its first answer and sequence number.
        self._answered: list[OrderedDict[str, tuple[Answer, int]]] = [
            OrderedDict() for _ in self.routes
        ]

    # --- the control API ------------------------------------------------------------

    def configure(self, update: dict[str, Any]) -> dict[str, Any]:
        """Apply a checked partial update (:func:`config_update`); the whole config after it."""
        for key, value in update.items():
            setattr(self.config, key, value)
        return self.config_json()

    def config_json(self) -> dict[str, Any]:
        shown = asdict(self.config)
        shown["status"] = self.failure_status
        shown["mode"] = self.mode
        return shown

    @property
    def failure_status(self) -> int:
        return self.config.status or self.spec.mock.failure_status

    @property
    def mode(self) -> str:
        if self.config.permanent_failure:
            return "permanent_failure"
        return "failing" if self.config.failure_count > 0 else "normal"

    def health(self) -> dict[str, Any]:
        """What ``GET <health>`` answers: the document's keys and the route's counters."""
        return {
            "status": "healthy",
            "call_count": self.call_count,
            **self.counters,
            **self.lasts,
            "permanent_failure": self.config.permanent_failure,
            "failure_count": self.config.failure_count,
            "latency_ms": self.config.latency_ms,
            "mode": self.mode,
            "received": self.received_total,
        }

    def received_json(self) -> dict[str, Any]:
        return {"total": self.received_total, "calls": list(self.received)}

    # --- a call to a route ------------------------------------------------------------

    def failure(self) -> Answer | None:
        """The failure answer when this call must fail (taking one of ``failure_count``)."""
        if self.config.permanent_failure:
            return Answer(self.failure_status, self.spec.mock.failure_answer)
        if self.config.failure_count > 0:
            self.config.failure_count -= 1
            return Answer(self.failure_status, self.spec.mock.failure_answer)
        return None

    def accept(self, index: int, call: Call) -> Answer:
        """Count, number and record an accepted call to route ``index``; its answer.

        A route with ``dedupe`` answers a repeated value of that header with the first
        answer again, counting it only in ``call_count`` and recording it as a replay.
        """
        route = self.routes[index]
        key = call.headers.get(route.dedupe.lower()) if route.dedupe else None
        answered = self._answered[index]
        if key is not None and key in answered:
            first, number = answered[key]
            self._record(call, number, replayed=True)
            return first
        moment = self._clock()
        self.sequences[index] += 1
        sequence = self.sequences[index]
        if route.counter:
            self.counters[route.counter] += 1
        if route.last:
            self.lasts[route.last] = template.iso(moment)
        answer = Answer(
            route.status, template.render(route.answer, template.fields(sequence, moment))
        )
        if key is not None:
            answered[key] = (answer, sequence)
            if len(answered) > DEDUPE_KEPT:
                answered.popitem(last=False)
        self._record(call, sequence, replayed=False, moment=moment)
        return answer

    def _record(
        self, call: Call, sequence: int, *, replayed: bool, moment: datetime | None = None
    ) -> None:
        self.received_total += 1
        self.received.append(
            {
                "method": call.method,
                "path": call.path,
                "json": call.json,
                "text": call.text,
                "idempotency_key": call.headers.get("idempotency-key"),
                "sequence": sequence,
                "replayed": replayed,
                "time": template.iso(moment or self._clock()),
            }
        )
