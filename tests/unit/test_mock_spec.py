"""pulpo.mock: the spec file of a declared mock, answer templates, and the mock's state.

The server itself is proven over real HTTP in tests/integration/test_mock_upstream.py.
"""

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from document_mocks import ODOO, OFD

from pulpo import Mock, MockRoute, upstream
from pulpo.mock import MockSpecError, dumps, load, parse, problems, spec_of
from pulpo.mock.state import Call, ConfigError, MockState, config_update
from pulpo.mock.template import fields, iso, render

pytestmark = pytest.mark.unit

NOON = datetime(2025, 11, 30, 12, 0, 0, tzinfo=UTC)

# The dedupe test's Odoo: the document's, deduplicating heartbeats by Idempotency-Key.
DEDUPED_ODOO = replace(
    ODOO,
    mock=replace(
        ODOO.mock, routes=[replace(route, dedupe="Idempotency-Key") for route in ODOO.mock.routes]
    ),
)


def ofd_spec(**changes: Any) -> dict[str, Any]:
    return {**spec_of(OFD), **changes}


def ofd_route(**changes: Any) -> dict[str, Any]:
    return {**spec_of(OFD)["routes"][0], **changes}


def call(body: Any = None, **headers: str) -> Call:
    return Call("POST", "/ofd/v1/receipt", json=body, text=None, headers=headers)


# --- the spec file ------------------------------------------------------------------------


def test_the_spec_of_a_declaration_holds_its_name_and_every_field_of_its_mock() -> None:
    assert spec_of(OFD) == {
        "name": "ofd",
        "port": 9000,
        "health": "/ofd/v1/health",
        "control": "/ofd/v1/_test",
        "failure_status": 503,
        "failure_answer": {"error": "OFD unavailable"},
        "routes": [
            {
                "method": "POST",
                "path": "/ofd/v1/receipt",
                "answer": {"status": "accepted", "ofd_id": "OFD-{sequence:06d}"},
                "status": 200,
                "counter": "receipts_received",
                "last": None,
                "dedupe": None,
            }
        ],
    }


@pytest.mark.parametrize("declared", [OFD, ODOO], ids=["ofd", "odoo"])
def test_a_spec_file_reads_back_as_the_declaration(declared: Any, tmp_path: Path) -> None:
    path = tmp_path / f"{declared.name}.json"
    path.write_text(dumps(spec_of(declared)), encoding="utf-8")

    loaded = load(path)

    assert loaded.name == declared.name
    assert loaded.mock == declared.mock
    assert loaded.to_json() == spec_of(declared)


def test_fields_left_out_of_a_file_take_the_declarations_defaults() -> None:
    spec = parse({"name": "crm", "port": 9100, "routes": [{"method": "get", "path": "/x"}]}, "f")

    assert spec.mock == Mock(port=9100, routes=[MockRoute("GET", "/x")])


def test_a_declaration_without_a_mock_has_no_spec() -> None:
    with pytest.raises(MockSpecError, match="upstream 'crm' declares no mock"):
        spec_of(upstream("crm", url="http://crm"))


def test_an_answer_that_is_not_json_is_refused_naming_the_upstream_and_route() -> None:
    broken = upstream(
        "ofd", url="http://x", mock=Mock(port=9000, routes=[MockRoute("POST", "/r", answer={1j})])
    )
    with pytest.raises(MockSpecError, match=r"^upstream 'ofd': routes\[0\]\.answer: not JSON"):
        spec_of(broken)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "a spec is a JSON object, not an array"),
        ({"port": 9000, "routes": []}, "name: missing"),
        (ofd_spec(name="mock ofd"), "name: must be an identifier"),
        (ofd_spec(port=70000), "port: must be an integer in 1..65535, not 70000"),
        (ofd_spec(port=True), "port: must be an integer in 1..65535, not True"),
        (ofd_spec(helth="/h"), "helth: unknown field"),
        (ofd_spec(health="health"), "health: must be a path"),
        (ofd_spec(control="/ofd/{id}"), "control: must be a path"),
        (ofd_spec(failure_status=200), "failure_status: must be an integer in 400..599"),
        (ofd_spec(routes={}), "routes: must be a list, not an object"),
        (ofd_spec(routes=["POST /x"]), "routes[0]: must be an object, not a string"),
        (ofd_spec(routes=[ofd_route(method="TRACE")]), "routes[0].method: must be one of"),
        (ofd_spec(routes=[ofd_route(path="/r?x=1")]), "routes[0].path: must be a path"),
        (ofd_spec(routes=[ofd_route(status=204)]), "routes[0].status: must be an integer"),
        (ofd_spec(routes=[ofd_route(answr={})]), "routes[0].answr: unknown field"),
        (
            ofd_spec(routes=[ofd_route(), ofd_route()]),
            "routes[1]: POST /ofd/v1/receipt is declared",
        ),
        (
            ofd_spec(routes=[ofd_route(path="/ofd/v1/health")]),
            "routes[0].path: /ofd/v1/health is the mock's own health or control endpoint",
        ),
        (
            ofd_spec(routes=[ofd_route(path="/ofd/v1/_test/reset")]),
            "routes[0].path: /ofd/v1/_test/reset is the mock's own",
        ),
        (ofd_spec(routes=[ofd_route(counter="mode")]), "routes[0].counter: 'mode' is a key the"),
        (ofd_spec(routes=[ofd_route(last="last heartbeat")]), "routes[0].last: must be an ident"),
        (
            ofd_spec(routes=[ofd_route(counter="n"), ofd_route(path="/b", counter=None, last="n")]),
            "routes: 'n' is both a counter and a last key",
        ),
        (ofd_spec(routes=[ofd_route(dedupe="Idempotency Key")]), "routes[0].dedupe: must be a"),
        (
            ofd_spec(routes=[ofd_route(answer={"id": "OFD-{seq}"})]),
            "routes[0].answer.id: unknown placeholder {seq}",
        ),
        (
            ofd_spec(routes=[ofd_route(answer=["{now:d}"])]),
            "routes[0].answer[0]: bad format",
        ),
        (ofd_spec(routes=[ofd_route(answer="{")]), "routes[0].answer: Single '{'"),
    ],
)
def test_a_spec_that_cannot_be_served_is_refused_in_one_line_naming_the_field(
    data: Any, problem: str
) -> None:
    assert any(line.startswith(problem) for line in problems(data)), list(problems(data))
    with pytest.raises(MockSpecError) as refused:
        parse(data, "spec.json")
    message = str(refused.value)
    assert message.startswith("spec.json: ") and "\n" not in message


def test_a_served_spec_has_no_problems() -> None:
    assert list(problems(spec_of(OFD))) == []
    assert list(problems(spec_of(ODOO))) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "no such file"),
        ("{", "not JSON"),
        ('{"name": "ofd", "port": NaN, "routes": []}', "not JSON: NaN is not JSON"),
        ('{"name": "ofd", "routes": []}', "port: missing"),
    ],
)
def test_a_bad_spec_file_is_one_line_naming_the_file(
    tmp_path: Path, text: str | None, problem: str
) -> None:
    path = tmp_path / "spec.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")

    with pytest.raises(MockSpecError) as refused:
        load(path)

    assert str(refused.value).startswith(f"{path}: {problem}")
    assert "\n" not in str(refused.value)
    assert refused.value.exit_code == 2


# --- answer templates ---------------------------------------------------------------------


def test_a_template_renders_the_sequence_with_its_format_spec() -> None:
    answer = {"status": "accepted", "ofd_id": "OFD-{sequence:06d}"}

    assert render(answer, fields(1, NOON)) == {"status": "accepted", "ofd_id": "OFD-000001"}
    assert render(answer, fields(2, NOON)) == {"status": "accepted", "ofd_id": "OFD-000002"}


def test_a_string_that_is_one_bare_placeholder_becomes_the_value_itself() -> None:
    answer = {"timestamp": "{unix_time}", "n": "{sequence}", "at": "{now}", "id": "{sequence:d}"}

    assert render(answer, fields(7, NOON)) == {
        "timestamp": 1764504000,
        "n": 7,
        "at": "2025-11-30T12:00:00Z",
        "id": "7",  # a format spec makes it text
    }


def test_nested_objects_and_arrays_are_rendered_and_other_values_kept() -> None:
    answer = {
        "items": [{"id": "R-{sequence}"}, "at {now}", 3, None, True],
        "{sequence}": "keys are kept",
        "braces": "{{literal}}",
    }

    assert render(answer, fields(5, NOON)) == {
        "items": [{"id": "R-5"}, "at 2025-11-30T12:00:00Z", 3, None, True],
        "{sequence}": "keys are kept",
        "braces": "{literal}",
    }


def test_times_are_utc_to_the_second_as_the_document_writes_them() -> None:
    assert iso(datetime(2025, 11, 30, 15, 0, 0, 999_000, tzinfo=UTC)) == "2025-11-30T15:00:00Z"


# --- the config body ------------------------------------------------------------------------


def test_a_config_body_is_a_partial_update() -> None:
    assert config_update({"permanent_failure": True}) == {"permanent_failure": True}
    assert config_update(
        {"failure_count": 5, "latency_ms": 60000, "status": 500, "permanent_failure": False}
    ) == {"failure_count": 5, "latency_ms": 60000, "status": 500, "permanent_failure": False}
    assert config_update(None) == {}
    assert config_update({"status": None}) == {"status": None}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ([1], "the body must be a JSON object"),
        ({"permanent_failure": "yes"}, 'permanent_failure must be true or false, not "yes"'),
        ({"permanent_failure": 1}, "permanent_failure must be true or false, not 1"),
        ({"failure_count": -1}, "failure_count must be an integer in 0..1000000000, not -1"),
        ({"failure_count": True}, "failure_count must be an integer in 0..1000000000, not true"),
        ({"failure_count": 2.5}, "failure_count must be an integer"),
        ({"latency_ms": 60001}, "latency_ms must be an integer in 0..60000, not 60001"),
        ({"status": 200}, "status must be an integer in 400..599, not 200"),
        ({"permanent": True}, '"permanent": unknown field (known: permanent_failure,'),
        ({"status": "x" * 1000}, 'status must be an integer in 400..599, not "xxx'),
    ],
)
def test_a_bad_config_body_names_the_field_in_one_short_line(body: Any, detail: str) -> None:
    with pytest.raises(ConfigError) as refused:
        config_update(body)

    assert str(refused.value).startswith(detail)
    assert len(str(refused.value)) < 200


# --- the state a running mock keeps ---------------------------------------------------------


def test_failure_count_fails_the_next_calls_then_lets_them_through() -> None:
    state = MockState(load_spec(OFD), clock=lambda: NOON)
    state.configure(config_update({"failure_count": 2}))

    assert state.mode == "failing"
    answers = [state.failure() or state.accept(0, call()) for _ in range(3)]

    assert [answer.status for answer in answers] == [503, 503, 200]
    assert answers[0].body == {"error": "OFD unavailable"}
    assert answers[2].body == {"status": "accepted", "ofd_id": "OFD-000001"}
    assert state.mode == "normal"
    assert state.health()["receipts_received"] == 1


def test_the_configured_status_is_what_failing_calls_answer_until_reset() -> None:
    state = MockState(load_spec(OFD))
    shown = state.configure(config_update({"permanent_failure": True, "status": 500}))

    assert shown == {
        "permanent_failure": True,
        "failure_count": 0,
        "latency_ms": 0,
        "status": 500,
        "mode": "permanent_failure",
    }
    assert state.failure() == state.failure()
    failed = state.failure()
    assert failed is not None and failed.status == 500

    state.reset()

    assert state.failure() is None
    assert state.config_json()["status"] == 503


def test_a_dedupe_header_repeated_gets_the_first_answer_and_counts_once() -> None:
    state = MockState(load_spec(DEDUPED_ODOO), clock=lambda: NOON)

    first = state.accept(0, call({"kkt_id": "KKT-001"}, **{"idempotency-key": "k1"}))
    again = state.accept(0, call({"kkt_id": "KKT-001"}, **{"idempotency-key": "k1"}))
    other = state.accept(0, call({"kkt_id": "KKT-001"}, **{"idempotency-key": "k2"}))
    unnamed = state.accept(0, call({"kkt_id": "KKT-001"}))

    assert first == again and first.body == {"status": "accepted", "timestamp": 1764504000}
    assert other.status == unnamed.status == 200
    assert state.health()["heartbeat_count"] == 3
    assert state.health()["last_heartbeat"] == "2025-11-30T12:00:00Z"
    received = state.received_json()
    assert received["total"] == 4
    assert [(c["idempotency_key"], c["sequence"], c["replayed"]) for c in received["calls"]] == [
        ("k1", 1, False),
        ("k1", 1, True),
        ("k2", 2, False),
        (None, 3, False),
    ]


def test_the_health_of_a_fresh_mock_has_every_counter_at_zero_and_every_last_unset() -> None:
    health = MockState(load_spec(ODOO)).health()

    assert health == {
        "status": "healthy",
        "call_count": 0,
        "heartbeat_count": 0,
        "last_heartbeat": None,
        "permanent_failure": False,
        "failure_count": 0,
        "latency_ms": 0,
        "mode": "normal",
        "received": 0,
    }
    json.dumps(health)  # what the endpoint sends


def load_spec(declared: Any) -> Any:
    return parse(spec_of(declared), declared.name)
