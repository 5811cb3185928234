"""pulpo.validate: the rules of settings, upstreams, their mocks, and operations' routes.

Each problem is expected at the line of a marker text found in the fixture project
(``tests/projects/bad_upstreams``), never copied from Pulpo's output.
"""

from pathlib import Path

import pytest

from pulpo.discover import discover
from pulpo.validate import Code, Diagnostic, diagnose
from pulpo.validate.paths import path_problem
from pulpo.validate.settings import invalid_value, unsupported_setting_type
from pulpo.validate.upstreams import placeholder_problem

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "projects" / "bad_upstreams"
PACKAGE = PROJECT / "bad_upstreams_app"

Found = tuple[Code, str, int]


def line_of(path: Path, marker: str) -> int:
    """The 1-based number of the one line of ``path`` that contains ``marker``."""
    lines = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if marker in line
    ]
    assert len(lines) == 1, f"{marker!r} is on lines {lines} of {path}"
    return lines[0]


def at(module: str, marker: str, code: Code) -> Found:
    return (code, module, line_of(PACKAGE / module, marker))


@pytest.fixture(scope="module")
def found() -> list[Found]:
    diagnostics: list[Diagnostic] = diagnose(discover(PROJECT))
    return [(d.code, d.location.path.name, d.location.line) for d in diagnostics]


def test_every_route_problem_at_its_operation_or_parameter(found: list[Found]) -> None:
    routes = "routes.py"
    expected = [
        at(routes, 'method="FETCH"', Code.INVALID_ROUTE_METHOD),
        at(routes, 'path="v1/relative"', Code.INVALID_ROUTE_PATH),
        at(routes, 'path="/v1/items/{item}"', Code.INVALID_ROUTE_PATH),
        at(routes, 'path="/health"', Code.ROUTE_CLASH),
        at(routes, 'path="/gadgets/count"', Code.ROUTE_CLASH),
        at(routes, '"shop.routes.status_again"', Code.ROUTE_CLASH),
        at(routes, "tags: list[str],", Code.QUERY_PARAMETER_NOT_SCALAR),
        at(routes, "gadget_filter: Filter,", Code.QUERY_PARAMETER_NOT_SCALAR),
        at(routes, 'idempotency="required"', Code.INVALID_IDEMPOTENCY),
        at(routes, "put_key: IdempotencyKey,", Code.INVALID_IDEMPOTENCY),
        at(routes, 'idempotency="sometimes"', Code.INVALID_IDEMPOTENCY),
        at(routes, "second_key: IdempotencyKey,", Code.UNSUPPORTED_PARAMETER),
    ]
    assert [item for item in found if item[1] == routes] == expected


def test_every_setting_problem_at_its_assignment(found: list[Found]) -> None:
    settings = "settings.py"
    expected = [
        at(settings, '"2FAST"', Code.INVALID_SETTING_NAME),
        at(settings, '"MONGODB_URL"', Code.INVALID_SETTING_NAME),
        at(settings, '"TAGS"', Code.UNSUPPORTED_SETTING_TYPE),
        at(settings, 'test="half"', Code.INVALID_SETTING_VALUE),
        at(settings, '"COUNT", "5"', Code.INVALID_SETTING_VALUE),
        at(settings, '"GREETING"', Code.INVALID_SETTING_VALUE),
        # The same name with another default; the one that agrees is no problem.
        at(settings, "LIMIT_AGAIN =", Code.SETTING_CONFLICT),
    ]
    assert [item for item in found if item[1] == settings] == expected


def test_every_upstream_and_mock_problem_at_its_assignment(found: list[Found]) -> None:
    upstreams = "upstreams.py"
    expected = [
        at(upstreams, '"bad-name"', Code.INVALID_UPSTREAM_NAME),
        at(upstreams, "again = upstream(", Code.DUPLICATE_UPSTREAM),
        at(upstreams, 'url="ofd.example.com"', Code.INVALID_UPSTREAM_URL),
        at(upstreams, '"PORTLESS", 5', Code.INVALID_UPSTREAM_URL),
        at(upstreams, "timeout=OFD_TIMEOUT", Code.INVALID_UPSTREAM_OPTION),  # its test value 0
        at(upstreams, "Retry(attempts=0)", Code.INVALID_UPSTREAM_OPTION),
        at(upstreams, "Breaker(threshold=-1)", Code.INVALID_UPSTREAM_OPTION),
        at(upstreams, "Mock(port=0)", Code.INVALID_MOCK_PORT),
        at(upstreams, "Mock(port=9100))", Code.DUPLICATE_MOCK_PORT),
        at(upstreams, "fetching = upstream(", Code.INVALID_MOCK_ROUTE),
        at(upstreams, "twice = upstream(", Code.INVALID_MOCK_ROUTE),
        at(upstreams, "on_health = upstream(", Code.INVALID_MOCK_ROUTE),
        at(upstreams, "serial = upstream(", Code.INVALID_MOCK_ANSWER),
        at(upstreams, "bad_format = upstream(", Code.INVALID_MOCK_ANSWER),
        at(upstreams, "not_json = upstream(", Code.INVALID_MOCK_ANSWER),
    ]
    assert [item for item in found if item[1] == upstreams] == expected


def test_nothing_else_is_reported(found: list[Found]) -> None:
    assert {item[1] for item in found} == {"routes.py", "settings.py", "upstreams.py"}


@pytest.mark.parametrize(
    ("path", "valid"),
    [
        ("/v1/kkt/receipt", True),
        ("/", True),
        ("/a%20b/~x_y.z", True),
        ("v1", False),
        ("/v1//x", False),
        ("/v1/", False),
        ("/v1/../x", False),
        ("/v1/x?y=1", False),
        ("/v1/é", False),
        ("/v1/{id}", False),
        (None, False),
    ],
)
def test_which_paths_a_route_may_have(path: object, valid: bool) -> None:
    assert (path_problem(path) is None) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("OFD-{sequence:06d}", True),
        ("{unix_time}", True),
        ("{now}", True),
        ("no placeholder", True),
        ("{{literal}}", True),
        ("{sequence", False),
        ("{}", False),
        ("{sequence.real}", False),
        ("{now:d}", False),
    ],
)
def test_which_placeholders_an_answer_may_hold(text: str, valid: bool) -> None:
    assert (placeholder_problem(text) is None) is valid


def test_setting_types_and_values() -> None:
    from enum import Enum
    from typing import Literal

    class Mode(Enum):
        HTTP = "http"

    assert unsupported_setting_type(Literal["a", "b"]) is None
    assert unsupported_setting_type(Mode) is None
    assert unsupported_setting_type(dict) is not None
    assert unsupported_setting_type(int | None) is not None
    assert invalid_value(float, 5) is None  # an int default for a float setting
    assert invalid_value(int, True) is not None  # a bool is no int
    assert invalid_value(bool, 1) is not None
    assert invalid_value(Mode, Mode.HTTP) is None
    assert invalid_value(Literal["a", "b"], "c") is not None
