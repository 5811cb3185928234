"""A mock's spec: an upstream's :class:`~pulpo.declare.Mock` declaration as a JSON file.

The Docker stack writes one file per mocked upstream and runs the one reusable mock
image on it (``python -m pulpo.mock --spec /spec/ofd.json``); ``pulpo mock`` builds the
same spec in memory from the project. The file holds the upstream's name and every
field of its mock::

    {
      "name": "ofd",
      "port": 9000,
      "health": "/ofd/v1/health",
      "control": "/ofd/v1/_test",
      "failure_status": 503,
      "failure_answer": {"error": "OFD unavailable"},
      "routes": [
        {"method": "POST", "path": "/ofd/v1/receipt", "status": 200,
         "answer": {"status": "accepted", "ofd_id": "OFD-{sequence:06d}"},
         "counter": "receipts_received", "last": null, "dedupe": null}
      ]
    }

:func:`spec_of` makes that dictionary from a declaration, :func:`load` reads a file
back, and :func:`parse` checks a dictionary, refusing the first problem in one line
that names the field (:func:`problems` lists them all, for a validator). A file that
passes serves no surprise: every answer template renders, no two routes share a method
and path, no route hides the health or control endpoints, no counter shadows a key the
health endpoint reports itself.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from pulpo.declare.upstreams import Mock, MockRoute, Upstream
from pulpo.errors import UsageError
from pulpo.mock import template

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
"""The methods a mock route may answer."""

HEALTH_KEYS = (
    "status",
    "call_count",
    "permanent_failure",
    "failure_count",
    "latency_ms",
    "mode",
    "received",
)
"""The keys the health endpoint reports itself; a route's counter or last key may not be one."""

CONTROL_ACTIONS = ("config", "reset", "received")
"""What the control API serves below ``control``: POST config, POST reset, GET received."""

_SPEC_KEYS = ("name", "port", "health", "control", "failure_status", "failure_answer", "routes")
_ROUTE_KEYS = ("method", "path", "answer", "status", "counter", "last", "dedupe")
# Exact paths only: no parameters ({id}), queries or fragments, nothing a URL would escape.
_PATH = re.compile(r"^(/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)+$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
# Statuses whose answers carry no body, which a mock always sends.
_BODILESS = (204, 205, 304)


class MockSpecError(UsageError):
    """A mock spec that cannot be served: one line naming the file or upstream and the field."""

    exit_code = 2


@dataclass(frozen=True)
class MockSpec:
    """A checked spec: the upstream's name and its mock declaration."""

    name: str
    mock: Mock

    def to_json(self) -> dict[str, Any]:
        """The spec as the JSON file holds it (see the module's docstring)."""
        mock = self.mock
        return {
            "name": self.name,
            "port": mock.port,
            "health": mock.health,
            "control": mock.control,
            "failure_status": mock.failure_status,
            "failure_answer": mock.failure_answer,
            "routes": [
                {
                    "method": route.method,
                    "path": route.path,
                    "answer": route.answer,
                    "status": route.status,
                    "counter": route.counter,
                    "last": route.last,
                    "dedupe": route.dedupe,
                }
                for route in mock.routes
            ],
        }


def spec_of(declared: Upstream) -> dict[str, Any]:
    """The JSON spec of ``declared``'s mock, checked; :class:`MockSpecError` when it has none
    or it cannot be served."""
    if declared.mock is None:
        raise MockSpecError(f"upstream {declared.name!r} declares no mock (mock=Mock(...))")
    data = MockSpec(declared.name, declared.mock).to_json()
    # The declaration is Python: make its answers plain JSON (a tuple becomes a list) and
    # refuse what JSON cannot hold, as a file would have been refused.
    where = f"upstream {declared.name!r}"
    data["failure_answer"] = _as_json(data["failure_answer"], f"{where}: failure_answer")
    for index, route in enumerate(data["routes"]):
        route["answer"] = _as_json(route["answer"], f"{where}: routes[{index}].answer")
    return parse(data, f"upstream {declared.name!r}").to_json()


def dumps(spec: dict[str, Any]) -> str:
    """The text of a spec file: indented, keys in the documented order, a final newline."""
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def load(path: Path | str) -> MockSpec:
    """Read and check the spec file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MockSpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MockSpecError(f"{path}: cannot be read: {error}") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise MockSpecError(f"{path}: not JSON: {error}") from None
    return parse(data, str(path))


def parse(data: Any, source: str) -> MockSpec:
    """``data`` as a :class:`MockSpec`; :class:`MockSpecError` names its first problem."""
    for problem in problems(data):
        raise MockSpecError(f"{source}: {problem}")
    routes = [
        MockRoute(
            method=route["method"].upper(),
            path=route["path"],
            answer=route.get("answer", {}),
            status=route.get("status", 200),
            counter=route.get("counter"),
            last=route.get("last"),
            dedupe=route.get("dedupe"),
        )
        for route in data["routes"]
    ]
    mock = Mock(
        port=data["port"],
        routes=routes,
        health=data.get("health", "/health"),
        control=data.get("control", "/_test"),
        failure_status=data.get("failure_status", 503),
        failure_answer=data.get("failure_answer", {"error": "unavailable"}),
    )
    return MockSpec(name=data["name"], mock=mock)


def problems(data: Any) -> Iterator[str]:
    """Every problem of a spec dictionary, each a line naming the field at fault.

    Fields other than ``name``, ``port`` and ``routes`` may be left out (the declaration's
    defaults apply); unknown fields are refused, so a misspelt one is not silently ignored.
    """
    if not isinstance(data, dict):
        yield f"a spec is a JSON object, not {_json_type(data)}"
        return
    yield from _unknown_keys(data, _SPEC_KEYS, "")
    for key in ("name", "port", "routes"):
        if key not in data:
            yield f"{key}: missing"
    name = data.get("name")
    if "name" in data and not (isinstance(name, str) and _NAME.match(name)):
        yield f"name: must be an identifier such as 'ofd', not {name!r}"
    port = data.get("port")
    if "port" in data and not (_is_int(port) and 1 <= port <= 65535):
        yield f"port: must be an integer in 1..65535, not {port!r}"
    health = data.get("health", "/health")
    control = data.get("control", "/_test")
    yield from _path_problems(health, "health")
    yield from _path_problems(control, "control")
    failure_status = data.get("failure_status", 503)
    if not (_is_int(failure_status) and 400 <= failure_status <= 599):
        yield f"failure_status: must be an integer in 400..599, not {failure_status!r}"
    if "failure_answer" in data:
        yield from _json_problems(data["failure_answer"], "failure_answer")
    routes = data.get("routes", [])
    if not isinstance(routes, list):
        yield f"routes: must be a list, not {_json_type(routes)}"
        return
    actions = {f"{control}/{action}" for action in CONTROL_ACTIONS}
    if health in actions:
        yield f"health: {health} is an endpoint of the control API"
    reserved = {health} | actions
    yield from _routes_problems(routes, reserved, control)


def _routes_problems(routes: list[Any], reserved: set[Any], control: Any) -> Iterator[str]:
    seen: set[tuple[str, str]] = set()
    counters: set[str] = set()
    lasts: set[str] = set()
    for index, route in enumerate(routes):
        where = f"routes[{index}]"
        if not isinstance(route, dict):
            yield f"{where}: must be an object, not {_json_type(route)}"
            continue
        yield from _unknown_keys(route, _ROUTE_KEYS, f"{where}.")
        method, path = route.get("method"), route.get("path")
        if not (isinstance(method, str) and method.upper() in METHODS):
            yield f"{where}.method: must be one of {', '.join(METHODS)}, not {method!r}"
        yield from _path_problems(path, f"{where}.path")
        if isinstance(method, str) and isinstance(path, str):
            if (method.upper(), path) in seen:
                yield f"{where}: {method.upper()} {path} is declared twice"
            seen.add((method.upper(), path))
            if path in reserved or (isinstance(control, str) and path == control):
                yield f"{where}.path: {path} is the mock's own health or control endpoint"
        status = route.get("status", 200)
        if not (_is_int(status) and 200 <= status <= 599 and status not in _BODILESS):
            yield (
                f"{where}.status: must be an integer in 200..599 that carries a body "
                f"(not 204, 205, 304), not {status!r}"
            )
        if "answer" in route:
            yield from _json_problems(route["answer"], f"{where}.answer")
            yield from template.problems(route["answer"], f"{where}.answer")
        for key, keys in (("counter", counters), ("last", lasts)):
            value = route.get(key)
            if value is None:
                continue
            if not (isinstance(value, str) and _NAME.match(value)):
                yield f"{where}.{key}: must be an identifier such as 'receipts_received'"
            elif value in HEALTH_KEYS:
                yield f"{where}.{key}: {value!r} is a key the health endpoint reports itself"
            else:
                keys.add(value)
        dedupe = route.get("dedupe")
        if dedupe is not None and not (isinstance(dedupe, str) and _HEADER.match(dedupe)):
            yield f"{where}.dedupe: must be a header name such as 'Idempotency-Key'"
    for both in sorted(counters & lasts):
        yield f"routes: {both!r} is both a counter and a last key"


def _path_problems(path: Any, where: str) -> Iterator[str]:
    if not (isinstance(path, str) and _PATH.match(path)):
        example = "such as '/v1/receipt' (no parameters or query)"
        yield f"{where}: must be a path {example}, not {path!r}"


def _unknown_keys(data: dict[str, Any], known: tuple[str, ...], prefix: str) -> Iterator[str]:
    for key in data:
        if key not in known:
            yield f"{prefix}{key}: unknown field (known: {', '.join(known)})"


def _json_problems(value: Any, where: str) -> Iterator[str]:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        yield f"{where}: not JSON: {error}"


def _as_json(value: Any, where: str) -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise MockSpecError(f"{where}: not JSON: {error}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
