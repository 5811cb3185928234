"""The pure pieces of pulpo.http: value rules, bounded errors, the schema's limits, slots.

The layers themselves are proven over real HTTP in tests/reliability/test_hostile_input.py.
"""

import asyncio
import json
import math
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, TypeAdapter

from pulpo.http.errors import MAX_ERRORS, bounded_errors, bounded_text
from pulpo.http.methods import with_head
from pulpo.http.openapi import with_limits
from pulpo.http.overload import Slots
from pulpo.http.routes import declared_lengths, is_json, validated
from pulpo.http.settings import Limits
from pulpo.http.values import (
    INT64_MAX,
    INT64_MIN,
    KEY_PATTERN,
    bad_key,
    json_errors,
    query_errors,
)

pytestmark = pytest.mark.unit


def errors_of(value: Any, **limits: int) -> list[dict[str, Any]]:
    return json_errors(
        value,
        max_string_length=limits.get("max_string_length", 10),
        max_items=limits.get("max_items", 3),
    )


# --- values ---------------------------------------------------------------------------------


def test_valid_json_breaks_no_rule() -> None:
    value = {"name": "Pikachu", "level": INT64_MAX, "low": INT64_MIN, "ok": True, "none": None}
    assert errors_of({**value, "nested": [{"x": 1.5}, [1, 2, 3]], "": "empty key"}) == []


@pytest.mark.parametrize(
    ("value", "kind", "loc"),
    [
        ({"experience": 2**63}, "less_than_equal", ("body", "experience")),
        ({"seed": -(2**63) - 1}, "greater_than_equal", ("body", "seed")),
        ({"rounds": [{"damage": 10**30}]}, "less_than_equal", ("body", "rounds", 0, "damage")),
        ({"weight": math.inf}, "finite_number", ("body", "weight")),
        ({"name": "x" * 11}, "string_too_long", ("body", "name")),
        ({"attacks": [1, 2, 3, 4]}, "too_long", ("body", "attacks")),
        ({"tags": {"$gt": ""}}, "string_pattern_mismatch", ("body", "tags", "$gt", "[key]")),
        ({"tags": {"a.b": 1}}, "string_pattern_mismatch", ("body", "tags", "a.b", "[key]")),
        ({"tags": {"a\x00": 1}}, "string_pattern_mismatch", ("body", "tags", "a\x00", "[key]")),
        ({"k" * 11: 1}, "string_too_long", ("body", "k" * 11, "[key]")),
    ],
)
def test_each_rule_names_the_value_that_breaks_it(value: Any, kind: str, loc: tuple[Any]) -> None:
    errors = errors_of(value)
    assert [(error["type"], error["loc"]) for error in errors] == [(kind, loc)]
    assert errors[0]["msg"]
    json.dumps(errors, allow_nan=False)  # writable as a 422 body


def test_booleans_are_not_integers_and_a_dollar_inside_a_key_is_fine() -> None:
    assert errors_of({"flag": True, "price$": 1, "a$b": 2}) == []
    assert bad_key("$set") and bad_key("a.b") and not bad_key("a$") and not bad_key("")


def test_errors_are_collected_up_to_the_limit() -> None:
    errors = json_errors([2**64] * 100, max_string_length=10, max_items=1000, limit=7)
    assert len(errors) == 7 and errors[6]["loc"] == ("body", 6)


def test_query_strings_must_be_utf8_once_decoded() -> None:
    assert query_errors(b"") == []
    assert query_errors(b"name=Pikachu&level=5") == []
    assert query_errors(b"name=Pok%C3%A9mon+X") == []
    for bad in (b"name=%ff", b"name=%ed%a0%80", b"name=%c3"):
        errors = query_errors(b"level=5&" + bad)
        assert [(error["type"], error["loc"]) for error in errors] == [
            ("string_unicode", ("query", "name"))
        ]
    assert query_errors(b"%ff=1")[0]["loc"] == ("query", "\ufffd")


# --- bounded errors -------------------------------------------------------------------------


def test_error_bodies_stay_short_and_writable_whatever_the_input() -> None:
    huge = "x" * 1_000_000
    errors = [
        {"type": "missing", "loc": ("body", "name"), "msg": "Field required", "input": {"a": huge}},
        {"type": "extra_forbidden", "loc": ("body", huge), "msg": "Extra inputs", "input": huge},
        {"type": "float_type", "loc": ("body", "f"), "msg": "bad", "input": math.nan},
        {"type": "string_type", "loc": ("body", "s"), "msg": "bad", "input": "\ud800"},
        {"type": "value_error", "loc": ("body",), "msg": huge, "ctx": {"error": ValueError(huge)}},
    ] * 10
    bounded = bounded_errors(errors)
    body = json.dumps({"detail": bounded}, allow_nan=False, ensure_ascii=False).encode("utf-8")
    assert len(bounded) == MAX_ERRORS
    assert len(body) < 40_000
    assert "input" not in bounded[0]  # the whole body is never echoed
    assert bounded[2]["input"] == "nan"
    assert bounded[1]["loc"][0] == "body" and len(bounded[1]["loc"][1]) <= 200


def test_bounded_text_is_cut_and_writable() -> None:
    assert bounded_text("abc") == "abc"
    assert bounded_text("a" * 50, 10) == "a" * 9 + "…"
    bounded_text("\udc80").encode("utf-8")


# --- the schema's limits --------------------------------------------------------------------


class Round(BaseModel):
    attacker: str
    damage: int = Field(ge=0)


class FightIn(BaseModel):
    seed: int
    tags: dict[str, int] = {}
    rounds: list[Round] = []
    name: str = Field(max_length=50)


class FightOut(BaseModel):
    seed: int
    rounds: list[Round]


def fight_schema(limits: Limits) -> dict[str, Any]:
    app = FastAPI()

    @app.post("/fights", responses={503: {"description": "Busy."}})
    async def create(fight: FightIn, skip: int = 0) -> FightOut:
        return FightOut(seed=fight.seed, rounds=fight.rounds)

    return with_limits(app.openapi(), limits)


def test_request_schemas_state_the_limits_responses_are_left_alone() -> None:
    schema = fight_schema(Limits(max_string_length=300, max_items=7))
    components = schema["components"]["schemas"]
    fight = components["FightIn"]["properties"]
    assert (fight["seed"]["minimum"], fight["seed"]["maximum"]) == (INT64_MIN, INT64_MAX)
    assert fight["name"]["maxLength"] == 50  # the model's own
    assert fight["rounds"]["maxItems"] == 7
    assert fight["tags"]["propertyNames"]["maxLength"] == 300
    assert fight["tags"]["propertyNames"]["pattern"].startswith("^")
    # Round is in a request and in a response: the request gets a bounded copy.
    assert fight["rounds"]["items"]["$ref"] == "#/components/schemas/Round-Input"
    bounded_round = components["Round-Input"]["properties"]
    assert bounded_round["attacker"]["maxLength"] == 300
    assert bounded_round["damage"]["minimum"] == 0
    assert components["Round"]["properties"]["attacker"] == {"type": "string", "title": "Attacker"}
    assert "maximum" not in components["FightOut"]["properties"]["seed"]
    operation = schema["paths"]["/fights"]["post"]
    skip = next(parameter for parameter in operation["parameters"] if parameter["name"] == "skip")
    assert skip["schema"]["maximum"] == INT64_MAX and "maxLength" not in skip["schema"]
    assert operation["responses"]["503"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


class Loose(BaseModel):
    """Extra keys are ignored, yet read: the app checks every key of a body."""

    type: str  # a field named like a schema keyword
    anything: Any = None
    extras: dict[str, Any] = {}


def test_values_of_any_type_are_json_whose_keys_mongodb_takes() -> None:
    app = FastAPI()

    @app.post("/loose")
    async def create(loose: Loose) -> None:
        return None

    components = with_limits(app.openapi(), Limits(max_string_length=30, max_items=4))[
        "components"
    ]["schemas"]
    json_value = {"$ref": "#/components/schemas/JSONValue"}
    loose = components["Loose"]
    assert loose["additionalProperties"] == json_value
    assert set(loose["properties"]) == {"type", "anything", "extras"}
    assert loose["properties"]["anything"]["$ref"] == json_value["$ref"]
    assert loose["properties"]["extras"]["additionalProperties"] == json_value
    kinds = {branch["type"]: branch for branch in components["JSONValue"]["anyOf"]}
    assert kinds["object"]["additionalProperties"] == json_value
    assert kinds["object"]["propertyNames"]["pattern"] == KEY_PATTERN
    assert kinds["array"]["items"] == json_value and kinds["array"]["maxItems"] == 4
    assert kinds["string"]["maxLength"] == 30


def test_declared_lengths_are_the_largest_the_body_allows() -> None:
    assert declared_lengths(FightIn) == (50, 0)
    assert declared_lengths(FightOut) == (0, 0)


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("application/merge-patch+json", True),
        ("text/plain", False),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", False),
        ("", False),
        (None, False),
    ],
)
def test_json_content_types(content_type: str | None, expected: bool) -> None:
    assert is_json(content_type) is expected


# --- HEAD in Allow ------------------------------------------------------------------------


def test_an_allow_naming_get_names_head_too() -> None:
    headers = [(b"content-type", b"application/json"), (b"allow", b"DELETE, GET, PATCH")]
    assert with_head(headers)[1] == (b"allow", b"DELETE, GET, HEAD, PATCH")
    assert with_head([(b"allow", b"POST")]) == [(b"allow", b"POST")]
    assert with_head([(b"allow", b"GET, HEAD")]) == [(b"allow", b"GET, HEAD")]


# --- slots ----------------------------------------------------------------------------------


def test_slots_are_handed_in_order_and_refused_after_the_wait() -> None:
    async def scenario() -> list[object]:
        slots = Slots(1)
        seen: list[object] = [await slots.acquire(0)]  # the only slot
        seen.append(await slots.acquire(0))  # none free, no wait: refused at once
        seen.append(await slots.acquire(0.05))  # none freed in time: refused
        waiting = asyncio.create_task(slots.acquire(5))
        await asyncio.sleep(0.01)
        slots.release()  # handed to the waiting request, not back to the pool
        seen += [await waiting, slots.free]
        slots.release()
        seen.append(slots.free)
        return seen

    assert asyncio.run(scenario()) == [True, False, False, True, 0, 1]


def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    async def scenario() -> int:
        slots = Slots(1)
        await slots.acquire(0)
        gone = asyncio.create_task(slots.acquire(5))
        await asyncio.sleep(0.01)
        gone.cancel()
        await asyncio.gather(gone, return_exceptions=True)
        slots.release()
        return slots.free

    assert asyncio.run(scenario()) == 1


# --- JSON's types -----------------------------------------------------------------------------


class Typed(BaseModel):
    count: int = 0
    ratio: float = 0.0
    done: bool = False
    label: str = ""


def validated_body(body: str) -> Any:
    return validated(TypeAdapter(Typed), body.encode(), json.loads(body))


def test_a_body_of_json_types_comes_back_as_the_model() -> None:
    model = validated_body('{"count": 3, "ratio": 2, "done": true, "label": "x"}')
    assert model == Typed(count=3, ratio=2.0, done=True, label="x")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"count": true}', "count"),
        ('{"count": "5"}', "count"),
        ('{"ratio": false}', "ratio"),
        ('{"ratio": "1.5"}', "ratio"),
        ('{"done": 1}', "done"),
        ('{"done": "yes"}', "done"),
    ],
)
def test_a_json_type_the_schema_does_not_allow_is_refused(body: str, field: str) -> None:
    with pytest.raises(RequestValidationError) as refused:
        validated_body(body)
    assert [error["loc"] for error in refused.value.errors()] == [("body", field)]


def test_what_else_is_refused_is_refused_with_it() -> None:
    with pytest.raises(RequestValidationError) as refused:
        validated_body('{"count": true, "label": 5}')
    assert {error["loc"] for error in refused.value.errors()} == {
        ("body", "count"),
        ("body", "label"),
    }


def test_an_integral_float_is_left_to_the_lax_validation() -> None:
    # JSON Schema counts 5.0 as an integer: FastAPI's validation takes it.
    assert validated_body('{"count": 5.0}') == {"count": 5.0}
