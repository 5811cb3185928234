"""Filter operators and multi-key sorting on the generated list routes, over real HTTP.

The Pokemon example is compiled once per session, served by uvicorn on a loopback
port against the session's MongoDB-wire server. Every test works on documents whose
names start with a prefix of its own, and scopes its queries with ``name__regex=^prefix``
(itself an operator under test), so tests do not see each other's documents.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from pymongo.database import Database
from served_app import served_app

pytestmark = pytest.mark.e2e

LEVELS = {
    "a": ("Fire", 5),
    "b": ("Water", 10),
    "c": ("Grass", 30),
    "d": ("Fire", 50),
    "e": ("Rock", 80),
}


@pytest.fixture(scope="module")
def database(mongodb_url: str) -> Iterator[str]:
    name = f"e2e_ops_{uuid4().hex[:10]}"
    yield name
    with MongoClient(mongodb_url) as client:
        client.drop_database(name)


@pytest.fixture(scope="module")
def api(pokemon_project: Path, mongodb_url: str, database: str) -> Iterator[httpx.Client]:
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    with (
        served_app(pokemon_project, env) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def mongo(mongodb_url: str, database: str) -> Iterator[Database[dict[str, Any]]]:
    with MongoClient(mongodb_url) as client:
        yield client[database]


@pytest.fixture
def prefix(api: httpx.Client) -> str:
    """Five Pokemon named ``<prefix>-a`` … ``<prefix>-e`` (see LEVELS); the prefix."""
    prefix = f"Op{uuid4().hex[:8]}"
    for suffix, (element, level) in LEVELS.items():
        body = {"name": f"{prefix}-{suffix}", "element": element, "level": level}
        assert api.post("/pokemons", json=body).status_code == 201
    return prefix


def names(api: httpx.Client, prefix: str, **params: object) -> list[str]:
    """The names listed for ``params`` among the prefix's documents, in the order answered."""
    response = api.get("/pokemons", params={"name__regex": f"^{prefix}-", **params})
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == str(len(response.json()))
    return [pokemon["name"].removeprefix(f"{prefix}-") for pokemon in response.json()]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": 30}, "c"),
        ({"level__ne": 30}, "abde"),
        ({"level__gt": 30}, "de"),
        ({"level__gte": 30}, "cde"),
        ({"level__lt": 30}, "ab"),
        ({"level__lte": 30}, "abc"),
        ({"element__in": "Fire,Water"}, "abd"),
        ({"element__nin": "Fire,Water"}, "ce"),
        ({"level__in": "5,80,99"}, "ae"),
        ({"element__ne": "Fire"}, "bce"),
        ({"name__exists": "true"}, "abcde"),
        ({"name__exists": "false"}, ""),
    ],
)
def test_each_operator_returns_exactly_its_documents(
    api: httpx.Client, prefix: str, params: dict[str, object], expected: str
) -> None:
    assert sorted(names(api, prefix, **params)) == list(expected)


def test_string_operators_compare_text(api: httpx.Client, prefix: str) -> None:
    assert sorted(names(api, prefix, name__gte=f"{prefix}-c")) == ["c", "d", "e"]
    assert sorted(names(api, prefix, name__in=f"{prefix}-a,{prefix}-e")) == ["a", "e"]
    assert names(api, prefix, name__regex=f"^{prefix}-[bd]$") in (["b", "d"], ["d", "b"])
    assert names(api, prefix, name__regex=f"^{prefix}-.x") == []


def test_enum_values_are_read_in_any_casing_and_compared_by_value(
    api: httpx.Client, prefix: str
) -> None:
    assert sorted(names(api, prefix, element__in="fire,WATER")) == ["a", "b", "d"]


def test_operators_combine_on_one_field_and_across_fields(api: httpx.Client, prefix: str) -> None:
    params = {
        "level__gte": 10,
        "level__lt": 50,
        "element__in": "Fire,Water,Grass",
        "element__nin": "Rock",
        "name__ne": f"{prefix}-b",
    }
    assert names(api, prefix, **params) == ["c"]
    assert names(api, prefix, level=30, level__ne=30) == []  # equality joins the operators


def test_a_list_may_also_be_sent_as_the_parameter_repeated(api: httpx.Client, prefix: str) -> None:
    response = api.get(
        "/pokemons",
        params=[("name__regex", f"^{prefix}-"), ("element__in", "Fire"), ("element__in", "Rock")],
    )
    assert response.status_code == 200
    assert sorted(p["name"][-1] for p in response.json()) == ["a", "d", "e"]


def test_exists_finds_documents_without_the_field(
    api: httpx.Client, prefix: str, mongo: Database[dict[str, Any]]
) -> None:
    mongo["pokemons"].insert_one({"name": f"{prefix}-f", "element": "Ice", "level": 7})
    assert names(api, prefix, trainer__exists="false") == ["f"]
    assert sorted(names(api, prefix, trainer__exists="true")) == list("abcde")  # stored as null


def test_dates_are_compared_as_datetimes(
    api: httpx.Client, mongo: Database[dict[str, Any]]
) -> None:
    seed = int(uuid4().int % 10**9)
    for day in (1, 15, 28):
        mongo["fight_results"].insert_one(
            {
                "trainer1": "Ash", "trainer2": "Misty", "winning_trainer": "Ash",
                "losing_trainer": "Misty", "seed": seed, "rounds": [],
                "created_at": datetime(2026, 2, day, 12, tzinfo=UTC),
            }
        )  # fmt: skip
    params = {
        "seed": seed,
        "created_at__gte": "2026-02-10",
        "created_at__lt": "2026-02-28T00:00:00Z",
    }
    response = api.get("/fight_results", params=params)
    assert response.status_code == 200, response.text
    assert [r["created_at"][:10] for r in response.json()] == ["2026-02-15"]
    assert api.get("/fight_results", params={"created_at__gt": "1770000000"}).status_code == 422


def test_a_dollar_value_is_a_plain_value(api: httpx.Client, prefix: str) -> None:
    dollar = f"{prefix}-$gt"
    assert api.post("/pokemons", json={"name": dollar, "element": "Fire"}).status_code == 201
    for params in (
        {"name": dollar},
        {"name__in": f"{dollar},{prefix}-$ne"},
        {"name__gte": f"{prefix}-$", "name__lt": f"{prefix}-%"},
    ):
        assert names(api, prefix, **params) == ["$gt"], params
    for value in ("$gt", '{"$gt": ""}', "$where"):
        response = api.get("/pokemons", params={"name": value, "trainer__nin": value})
        assert response.status_code == 200 and response.json() == []


def test_several_sort_keys_order_exactly(api: httpx.Client, prefix: str) -> None:
    assert names(api, prefix, sort="-level") == list("edcba")
    assert names(api, prefix, sort="element,-level") == list("daceb")  # Fire, Grass, Rock, Water
    assert names(api, prefix, sort="element,level,-name") == list("adceb")
    response = api.get(
        "/pokemons", params={"name__regex": f"^{prefix}-", "sort": "-level", "limit": 2, "skip": 1}
    )
    assert [p["name"][-1] for p in response.json()] == ["d", "c"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"level__gte": "high"}, "level__gte"),
        ({"level__in": "5,high"}, "level__in"),
        ({"element__in": "Fire,Lava"}, "element__in"),
        ({"element__in": ",".join(["Fire"] * 101)}, "element__in"),
        ({"name__exists": "maybe"}, "name__exists"),
        ({"name__regex": "Char"}, "name__regex"),  # not anchored
        ({"name__regex": "^(a+)+$"}, "name__regex"),  # a group: catastrophic backtracking
        ({"name__regex": "^a*b*c*d*"}, "name__regex"),  # more than three repetitions
        ({"name__regex": "^[z-a]"}, "name__regex"),  # a range (and an invalid one)
        ({"name__regex": "^" + "a" * 100}, "name__regex"),  # too long
        ({"sort": "colour"}, "sort"),
        ({"sort": "level,-level"}, "sort"),  # a field twice
        ({"sort": "name,level,name"}, "sort"),
        ({"sort": "name,level,speed,attack,defense,health"}, "sort"),  # six keys
        ({"sort": "level,"}, "sort"),
        ({"sort": "--level"}, "sort"),
    ],
)
def test_bad_values_are_422_naming_the_parameter(
    api: httpx.Client, params: dict[str, object], parameter: str
) -> None:
    response = api.get("/pokemons", params=params)
    assert response.status_code == 422, response.text
    locations = [error["loc"][:2] for error in response.json()["detail"]]
    assert ["query", parameter] in locations, response.json()


@pytest.mark.parametrize(
    "parameter",
    ["level__regex", "element__gt", "attacks__in", "name__like", "level__$gt", "$where"],
)
def test_an_operator_a_field_does_not_take_is_an_unknown_parameter(
    api: httpx.Client, parameter: str
) -> None:
    response = api.get("/pokemons", params={parameter: "1"})
    assert response.status_code == 422, response.text
    assert ["query", parameter] in [error["loc"][:2] for error in response.json()["detail"]]


def test_the_openapi_documents_every_parameter(api: httpx.Client) -> None:
    listed = api.get("/openapi.json").json()["paths"]["/pokemons"]["get"]["parameters"]
    parameters = {parameter["name"]: parameter for parameter in listed}
    for name in ("level__gte", "element__in", "name__regex", "trainer__exists", "sort"):
        assert parameters[name]["description"], name
    assert "pattern" in str(parameters["sort"]["schema"])
    assert "pattern" in str(parameters["name__regex"]["schema"])
    assert "level__regex" not in parameters and "element__gt" not in parameters
