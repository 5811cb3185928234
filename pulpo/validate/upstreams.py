"""The rules a project's upstreams follow, and those of the mocks the test stack runs.

An :func:`pulpo.upstream` is a client at run time and a service in the test stack
(``mock_<name>``), so a mistake in it would surface late, as a call that fails or a
mock that does not start. Checked here instead, at the line that assigns it:

- its name is a Python identifier (it names the mock's service and settings), used once;
- its URL is a string or a setting of strings, an ``http://`` or ``https://`` URL;
- its timeout, retries and breaker limits are positive numbers (for a setting: its
  default and its test value);
- its mock listens on a port from 1 to 65535 that no other mock takes; its routes
  have a method and a path, each (method, path) once, apart from its health and
  control paths; its answers are JSON, whose strings use only the placeholders
  ``{sequence}``, ``{unix_time}`` and ``{now}`` (with format specs:
  ``OFD-{sequence:06d}``); its statuses are HTTP statuses.
"""

import json
import keyword
import string
from collections.abc import Iterator, Mapping
from typing import Any

from pulpo.declare.settings import UNSET, Setting
from pulpo.declare.upstreams import Breaker, Mock, MockRoute, Retry
from pulpo.discover.project import DiscoveredUpstream, Project
from pulpo.validate.diagnostics import Code, Diagnostic
from pulpo.validate.paths import method_problem, path_problem

PLACEHOLDERS = {"sequence": 1, "unix_time": 1_700_000_000, "now": "2025-11-30T12:00:00Z"}
"""The placeholders a mock's answer may hold, with a value of their kind to try formats on."""


def check_upstreams(project: Project) -> Iterator[Diagnostic]:
    """Every problem of the project's upstreams and their mocks, at the line of each."""
    names: dict[str, DiscoveredUpstream] = {}
    ports: dict[int, DiscoveredUpstream] = {}
    for found in project.upstreams:
        upstream = found.upstream
        name = upstream.name
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            yield _at(found, Code.INVALID_UPSTREAM_NAME, f"{name!r} must be a Python identifier")
        else:
            first = names.setdefault(name, found)
            if first is not found:
                yield _at(
                    found,
                    Code.DUPLICATE_UPSTREAM,
                    f"an upstream named {name!r} is already declared at {first.location}",
                )
        if problem := _url_problem(upstream.url):
            yield _at(found, Code.INVALID_UPSTREAM_URL, problem)
        for problem in _option_problems(upstream.timeout, upstream.retry, upstream.breaker):
            yield _at(found, Code.INVALID_UPSTREAM_OPTION, problem)
        if not isinstance(upstream.headers, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str)
            for key, value in upstream.headers.items()
        ):
            yield _at(found, Code.INVALID_UPSTREAM_OPTION, "headers must map strings to strings")
        mock = upstream.mock
        if mock is None:
            continue
        if not isinstance(mock, Mock):
            yield _at(found, Code.INVALID_MOCK_ROUTE, f"mock= takes a Mock(...), not {mock!r:.60}")
            continue
        port = mock.port
        if type(port) is not int or not 1 <= port <= 65535:
            yield _at(found, Code.INVALID_MOCK_PORT, f"mock port {port!r} must be 1 to 65535")
        else:
            first = ports.setdefault(port, found)
            if first is not found:
                yield _at(
                    found,
                    Code.DUPLICATE_MOCK_PORT,
                    f"mock port {port} is already the mock of {first.upstream.name!r} "
                    f"({first.location})",
                )
        for code, problem in _mock_problems(mock):
            yield _at(found, code, problem)


def _at(found: DiscoveredUpstream, code: Code, message: str) -> Diagnostic:
    name = found.upstream.name
    return Diagnostic(found.location, code, f"upstream {name!r}: {message}")


def _values(value: Any) -> list[tuple[str, Any]]:
    """A literal, or a setting's default and test value, each with how to name it."""
    if isinstance(value, Setting):
        found = [(f"setting {value.name}'s default", value.default)]
        if value.test is not UNSET:
            found.append((f"setting {value.name}'s test value", value.test))
        return found
    return [("", value)]


def _url_problem(url: Any) -> str | None:
    if isinstance(url, Setting) and url.type is not str:
        return f"url setting {url.name!r} must be a str setting"
    for role, value in _values(url):
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            shown = f"url ({role})" if role else "url"
            return f"{shown} {value!r:.80} must be an http:// or https:// URL"
    return None


def _option_problems(timeout: Any, retry: Any, breaker: Any) -> Iterator[str]:
    if not isinstance(retry, Retry):
        yield f"retry= takes a Retry(...), not {retry!r:.60}"
        retry = Retry()
    if not isinstance(breaker, Breaker):
        yield f"breaker= takes a Breaker(...), not {breaker!r:.60}"
        breaker = Breaker()
    options: list[tuple[str, Any, bool, bool]] = [  # name, value, integer, zero allowed
        ("timeout", timeout, False, False),
        ("retry attempts", retry.attempts, True, False),
        ("retry backoff", retry.backoff, False, True),
        ("retry max_backoff", retry.max_backoff, False, False),
        ("breaker threshold", breaker.threshold, True, False),
        ("breaker reset_timeout", breaker.reset_timeout, False, False),
    ]
    for option, value, integer, zero in options:
        for role, number in _values(value):
            kinds: tuple[type, ...] = (int,) if integer else (int, float)
            fits = type(number) in kinds and (number >= 0 if zero else number > 0)
            if not fits:
                what = "a positive integer" if integer else "a positive number"
                if zero:
                    what = "a number ≥ 0"
                shown = f"{option} ({role})" if role else option
                yield f"{shown} is {number!r:.40}; it must be {what}"


def _mock_problems(mock: Mock) -> Iterator[tuple[Code, str]]:
    own: dict[str, str] = {}  # path → what the mock serves there itself
    for role, path in (("health", mock.health), ("control", mock.control)):
        if problem := path_problem(path):
            yield Code.INVALID_MOCK_ROUTE, f"mock {role} {problem}"
    if isinstance(mock.health, str) and isinstance(mock.control, str):
        own = {
            mock.health: "health",
            mock.control.rstrip("/") + "/config": "control",
            mock.control.rstrip("/") + "/reset": "control",
        }
        if mock.health == mock.control or mock.health in own and own[mock.health] != "health":
            yield Code.INVALID_MOCK_ROUTE, "mock health and control paths must differ"
    if not _is_status(mock.failure_status):
        yield (
            Code.INVALID_MOCK_ANSWER,
            f"mock failure_status {mock.failure_status!r} is no HTTP status",
        )
    yield from _answer_problems("failure_answer", mock.failure_answer)
    seen: set[tuple[str, str]] = set()
    for route in mock.routes:
        if not isinstance(route, MockRoute):
            yield Code.INVALID_MOCK_ROUTE, f"mock routes take MockRoute(...), not {route!r:.60}"
            continue
        where = f"mock route {route.method!r:.20} {route.path!r:.80}"
        problem = method_problem(route.method) or path_problem(route.path)
        if problem:
            yield Code.INVALID_MOCK_ROUTE, f"{where}: {problem}"
            continue
        if (route.method, route.path) in seen:
            yield Code.INVALID_MOCK_ROUTE, f"{where} is declared twice"
        seen.add((route.method, route.path))
        if route.path in own:
            yield Code.INVALID_MOCK_ROUTE, f"{where} is the mock's own {own[route.path]} path"
        if not _is_status(route.status):
            yield Code.INVALID_MOCK_ANSWER, f"{where}: status {route.status!r} is no HTTP status"
        for key in ("counter", "last", "dedupe"):
            value = getattr(route, key, None)
            if value is not None and (not isinstance(value, str) or not value):
                yield Code.INVALID_MOCK_ROUTE, f"{where}: {key} must be a non-empty string"
        yield from _answer_problems(f"{where}: answer", route.answer)


def _is_status(status: Any) -> bool:
    return type(status) is int and 100 <= status <= 599


def _answer_problems(where: str, answer: Any) -> Iterator[tuple[Code, str]]:
    try:
        json.dumps(answer, allow_nan=False)
    except (TypeError, ValueError) as error:
        yield Code.INVALID_MOCK_ANSWER, f"{where} is not JSON: {error}"
        return
    for text in _strings(answer):
        if problem := placeholder_problem(text):
            yield Code.INVALID_MOCK_ANSWER, f"{where}: {problem}"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def placeholder_problem(text: str) -> str | None:
    """Why the answer string ``text`` cannot be filled in; None when it can."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        return f"{text!r:.80}: {error} (write a literal brace as '{{{{' or '}}}}')"
    unknown = [name for name in fields if name not in PLACEHOLDERS]
    if unknown:
        known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        return f"{text!r:.80} uses {{{unknown[0]}}}; the placeholders are {known}"
    try:
        text.format(**PLACEHOLDERS)
    except (ValueError, TypeError) as error:
        return f"{text!r:.80}: {error}"
    return None
