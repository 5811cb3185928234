"""The limits a generated app enforces, read once from its settings when it starts.

The generated ``Settings`` declare them (``PULPO_MAX_BODY_BYTES`` and the others, see
the README); :func:`pulpo.http.install` is given a function that returns those
settings, and calls it on the first request, not when the app is built, so that
importing the app reads nothing and ``app.dependency_overrides`` still applies.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pulpo.http.security import SecuritySettings


class HTTPSettings(SecuritySettings, Protocol):
    """What :mod:`pulpo.http` reads from an app's settings (the security settings too)."""

    max_body_bytes: int
    max_string_length: int
    max_items: int
    max_requests_in_flight: int
    max_queue_wait_ms: int
    idempotency_ttl_seconds: int


@dataclass(frozen=True)
class Limits:
    """How much one request may hold, and how many may be served at once."""

    max_body_bytes: int = 1024 * 1024
    """A larger body is answered 413 before it is read."""
    max_string_length: int = 65_536
    """The longest string a JSON body may hold where the model sets no ``max_length``."""
    max_items: int = 10_000
    """The longest array a JSON body may hold where the model sets no ``max_length``."""
    max_requests_in_flight: int = 64
    """Requests served at once; others wait for a slot."""
    max_queue_wait_ms: int = 1_000
    """How long a request waits for a slot before it is answered 503 (0: not at all)."""
    idempotency_ttl_seconds: int = 24 * 60 * 60
    """How long an ``Idempotency-Key`` and its answer are kept (:mod:`pulpo.http.idempotency`)."""

    @classmethod
    def of(cls, settings: HTTPSettings) -> "Limits":
        return cls(
            max_body_bytes=settings.max_body_bytes,
            max_string_length=settings.max_string_length,
            max_items=settings.max_items,
            max_requests_in_flight=settings.max_requests_in_flight,
            max_queue_wait_ms=settings.max_queue_wait_ms,
            idempotency_ttl_seconds=settings.idempotency_ttl_seconds,
        )


class LimitsSource:
    """The app's :class:`Limits`, read from its settings on first use, then kept."""

    def __init__(self, settings: Callable[[], HTTPSettings] | None = None) -> None:
        self._settings = settings
        self._limits: Limits | None = None if settings is not None else Limits()

    def __call__(self) -> Limits:
        if self._limits is None:
            assert self._settings is not None
            self._limits = Limits.of(self._settings())
        return self._limits


STATE_KEY = "pulpo_limits"
"""Where :func:`pulpo.http.install` keeps the app's :class:`LimitsSource` (``app.state``)."""

_DEFAULT = LimitsSource()


def limits_of(app: Any) -> Limits:
    """The limits of ``app`` (a request's ``request.app``); the defaults if none were installed."""
    source = getattr(getattr(app, "state", None), STATE_KEY, None)
    return source() if isinstance(source, LimitsSource) else _DEFAULT()
