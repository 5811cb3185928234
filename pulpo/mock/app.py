"""The mock's ASGI app (Starlette): the declared routes, the health endpoint, the control API.

For a call to a declared route, in this order:

1. the body is read (any ``Content-Type``: JSON when it parses as JSON, else text; at
   most :data:`MAX_BODY_BYTES`, else 413) and the call counts in ``call_count``;
2. if ``latency_ms`` is set, the mock waits that long;
3. if ``permanent_failure`` is on, or ``failure_count`` is above 0 (which this call takes
   one of), it answers the failure status with the declared ``failure_answer``;
4. otherwise it accepts the call (:meth:`MockState.accept`): numbers it, counts it under
   the route's ``counter``, sets its ``last`` time, records it, and answers the route's
   status with its answer template rendered.

Control, under the declared ``control`` prefix (``/ofd/v1/_test``):

- ``POST <control>/config``: a partial update of ``permanent_failure``, ``failure_count``,
  ``latency_ms``, ``status``; the body is read as JSON whatever its ``Content-Type`` (the
  document's ``curl -d '{"permanent_failure": true}'`` sends a form type); answers the
  whole config, or 422 with a one-line ``detail``;
- ``POST <control>/reset``: counters, records and config as at the start: ``{"status": "reset"}``;
- ``GET <control>/received``: ``{"total": N, "calls": [...]}``, the latest 1000 calls.

``GET <health>`` answers 200 with the counts (:meth:`MockState.health`) while the mock
runs, failing on purpose or not: it is the container's healthcheck. Anything else is a
JSON 404, or a 405 with ``Allow``; no request makes the mock answer a 5xx of its own.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulpo.mock.spec import MockSpec
from pulpo.mock.state import Answer, Call, ConfigError, MockState, config_update

MAX_BODY_BYTES = 1024 * 1024
"""The largest body a mock reads; a larger one is a 413, and the call is not counted."""

log = logging.getLogger("pulpo.mock")

Endpoint = Callable[[Request], Awaitable[Response]]


class JSONAnswer(Response):
    """A JSON response that any received body can be echoed in.

    UTF-8 as it is, except when a string holds a lone surrogate (JSON's ``"\\ud800"``
    parses to one, and UTF-8 cannot encode it): then every non-ASCII character is escaped.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")


def create_app(spec: MockSpec, clock: Callable[[], datetime] | None = None) -> Starlette:
    """The app serving ``spec``; ``clock`` (UTC now) is for tests of the times it writes."""
    state = MockState(spec, clock)
    mock = spec.mock
    by_path: dict[str, dict[str, int]] = {}
    for index, route in enumerate(state.routes):
        by_path.setdefault(route.path, {})[route.method] = index
    routes = [
        Route(path, _route_endpoint(state, methods), methods=list(methods))
        for path, methods in by_path.items()
    ]
    routes += [
        Route(mock.health, _health_endpoint(state), methods=["GET"]),
        Route(f"{mock.control}/config", _config_endpoint(state), methods=["POST"]),
        Route(f"{mock.control}/reset", _reset_endpoint(state), methods=["POST"]),
        Route(f"{mock.control}/received", _received_endpoint(state), methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.router.redirect_slashes = False  # /ofd/v1/receipt/ is not a route: a 404, not a 307
    app.state.mock = state
    return app


def _route_endpoint(state: MockState, methods: dict[str, int]) -> Endpoint:
    async def answer(request: Request) -> Response:
        # Starlette lets HEAD through wherever GET is allowed: it is answered as the GET.
        index = methods["GET" if request.method == "HEAD" else request.method]
        body = await _read_body(request)
        if body is None:
            return _too_large()
        parsed, text = _decode(body)
        state.call_count += 1
        if state.config.latency_ms:
            await asyncio.sleep(state.config.latency_ms / 1000)
        # No await from here on: the failure taken and the sequence number are this call's.
        result = state.failure() or state.accept(
            index,
            Call(
                method=request.method,
                path=request.url.path,
                json=parsed,
                text=text,
                headers={key.lower(): value for key, value in request.headers.items()},
            ),
        )
        return _respond(result)

    return answer


def _health_endpoint(state: MockState) -> Endpoint:
    async def health(request: Request) -> Response:
        return JSONAnswer(state.health())

    return health


def _config_endpoint(state: MockState) -> Endpoint:
    async def config(request: Request) -> Response:
        body = await _read_body(request)
        if body is None:
            return _too_large()
        try:
            update = config_update(_strict_json(body))
        except ConfigError as error:
            return JSONAnswer({"detail": str(error)}, status_code=422)
        shown = state.configure(update)
        log.info("%s: config %s -> %s", state.spec.name, update, shown)
        return JSONAnswer(shown)

    return config


def _reset_endpoint(state: MockState) -> Endpoint:
    async def reset(request: Request) -> Response:
        state.reset()
        log.info("%s: reset", state.spec.name)
        return JSONAnswer({"status": "reset"})

    return reset


def _received_endpoint(state: MockState) -> Endpoint:
    async def received(request: Request) -> Response:
        return JSONAnswer(state.received_json())

    return received


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's 404 and 405 (with its ``Allow``), as JSON."""
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        detail = f"not found: {request.method} {request.url.path}"
    elif error.status_code == 405:
        detail = f"method {request.method} not allowed on {request.url.path}"
    else:
        detail = str(error.detail)
    return JSONAnswer({"detail": detail}, status_code=error.status_code, headers=error.headers)


def _respond(answer: Answer) -> Response:
    return JSONAnswer(answer.body, status_code=answer.status)


def _too_large() -> Response:
    return JSONAnswer({"detail": f"body larger than {MAX_BODY_BYTES} bytes"}, status_code=413)


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than :data:`MAX_BODY_BYTES` (read no further)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(body: bytes) -> tuple[Any, str | None]:
    """``(json, None)`` when the body is JSON, ``(None, text)`` when not, ``(None, None)``
    when empty."""
    if not body.strip():
        return None, None
    try:
        return _strict_json(body), None
    except ConfigError:
        return None, body.decode("utf-8", errors="replace")


def _strict_json(body: bytes) -> Any:
    """The body as JSON (``None`` when empty); :class:`ConfigError` when it is not JSON."""
    if not body.strip():
        return None
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ConfigError(f"the body is not JSON: {error}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
