"""pulpo.data: the connection, document conversion and repositories, against a real server."""

import asyncio
import datetime as dt
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
from bson import Decimal128, ObjectId
from pydantic import BaseModel, Field, ValidationError

import pulpo
from pulpo import Index, datamodel, repository
from pulpo.data import (
    Repository,
    StoredDocumentError,
    close,
    configure,
    configure_from_env,
    current_database,
    ensure_indexes,
    ping,
    read_leniently,
    stored_id,
    to_document,
)
from pulpo.data.connection import DRIVERS
from pulpo.errors import Conflict, DatabaseUnavailable, UsageError
from pulpo.run.processes import free_port

pytestmark = pytest.mark.integration

T = TypeVar("T")


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run one async scenario in a fresh event loop, closing its client at the end."""

    async def main() -> T:
        try:
            return await scenario()
        finally:
            await close()

    return asyncio.run(main())


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(mongodb_url: str, database_name: str, driver: str) -> Iterator[str]:
    """pulpo.data bound to this test's database with the driver under test."""
    configure(mongodb_url, database_name, driver=driver)  # type: ignore[arg-type]
    yield database_name


@pytest.fixture
def pymongo_database(mongodb_url: str, database_name: str) -> Iterator[str]:
    """pulpo.data bound to this test's database with the default driver."""
    configure(mongodb_url, database_name)
    yield database_name


class Kind(Enum):
    FIRE = "fire"
    WATER = "water"


@datamodel
class Pokemon(BaseModel):
    name: str
    level: int = Field(ge=1, le=100)
    kind: Kind = Kind.FIRE


@datamodel(indexes=[Index("name", unique=True)])
class Trainer(BaseModel):
    name: str
    city: str = "Pallet"


# --- CRUD ----------------------------------------------------------------------------------------


def test_insert_get_find_count_delete(database: str) -> None:
    async def scenario() -> None:
        pokemons = repository(Pokemon)
        pikachu = await pokemons.insert(Pokemon(name="pikachu", level=5))
        squirtle = await pokemons.insert(Pokemon(name="squirtle", level=7, kind=Kind.WATER))
        await pokemons.insert(Pokemon(name="charmander", level=12))

        assert ObjectId.is_valid(pikachu.id)
        found = await pokemons.get(pikachu.id)
        assert found is not None and found.data == Pokemon(name="pikachu", level=5)
        assert await pokemons.get(str(ObjectId())) is None
        assert await pokemons.get("not-an-object-id") is None

        fire = await pokemons.find({"kind": Kind.FIRE})  # an Enum in a filter
        assert [r.data.name for r in fire] == ["pikachu", "charmander"]
        strong = await pokemons.find({"level": {"$gte": 7}})
        assert {r.data.name for r in strong} == {"squirtle", "charmander"}
        assert await pokemons.count() == 3
        assert await pokemons.count({"kind": Kind.WATER}) == 1
        one = await pokemons.find_one({"kind": Kind.WATER})
        assert one is not None and one.id == squirtle.id

        assert await pokemons.delete(squirtle.id) is True
        assert await pokemons.delete(squirtle.id) is False
        assert await pokemons.delete("garbage") is False
        assert await pokemons.delete_where({"level": {"$lt": 10}}) == 1
        assert [r.data.name for r in await pokemons.find()] == ["charmander"]

    run(scenario)


class PokemonRead(Pokemon):
    """What a generated read schema looks like: an ``_id``, required fields nullable."""

    id: str = Field(alias="_id")
    name: str | None = None  # type: ignore[assignment]
    level: int | None = Field(default=None, ge=1, le=100)  # type: ignore[assignment]


def test_documents_of_other_clients_are_read_as_far_as_they_fit(pymongo_database: str) -> None:
    async def scenario() -> None:
        pokemons = repository(Pokemon)
        raw = pokemons.collection
        await raw.insert_many(
            [
                {"name": "Bulbasaur", "level": 5, "experience": 0},  # unknown field, no kind
                {"name": "Onix", "level": "high", "kind": "rock"},  # two values that do not fit
                {"_id": "custom-id", "level": 3},  # a string id, no name
            ]
        )
        documents = await pokemons.find_documents(sort=[("_id", 1)])
        read = {item.id: item for item in (read_leniently(PokemonRead, d) for d in documents)}
        bulbasaur, onix = (item for item in read.values() if item.name in ("Bulbasaur", "Onix"))
        assert (bulbasaur.level, bulbasaur.kind) == (5, Kind.FIRE)  # a default fills the gap
        assert (onix.level, onix.kind) == (None, Kind.FIRE)  # no default: null
        assert read["custom-id"].model_dump(by_alias=True) == {
            "_id": "custom-id",
            "name": None,
            "level": 3,
            "kind": Kind.FIRE,
        }
        # A string _id is found by get_document, and strict reads say what does not fit.
        assert await pokemons.get_document("custom-id") == {"_id": "custom-id", "level": 3}
        not_a_pokemon = "does not match Pokemon: .* name: Field required"
        with pytest.raises(StoredDocumentError, match=not_a_pokemon) as error:
            await pokemons.get("custom-id")
        assert isinstance(error.value, Conflict) and error.value.status_code == 409
        assert stored_id("custom-id") == "custom-id"
        assert isinstance(stored_id(str(ObjectId())), ObjectId)

    run(scenario)


def test_sort_breaks_ties_by_creation_and_pages_with_skip_limit(pymongo_database: str) -> None:
    async def scenario() -> None:
        pokemons = repository(Pokemon)
        for name, level in [("a", 5), ("b", 9), ("c", 5), ("d", 9), ("e", 1), ("f", 5)]:
            await pokemons.insert(Pokemon(name=name, level=level))

        by_level = await pokemons.find(sort=[("level", -1)])
        assert [r.data.name for r in by_level] == ["b", "d", "a", "c", "f", "e"]
        ascending = await pokemons.find(sort=[("level", 1)])
        assert [r.data.name for r in ascending] == ["e", "a", "c", "f", "b", "d"]

        pages = [await pokemons.find(sort=[("level", -1)], skip=s, limit=2) for s in (0, 2, 4)]
        assert [r.data.name for page in pages for r in page] == [r.data.name for r in by_level]
        assert await pokemons.find(sort=[("level", -1)], skip=5, limit=10) == by_level[5:]
        with pytest.raises(ValueError):
            await pokemons.find(sort=[("level", 2)])

    run(scenario)


def test_latest_is_the_most_recently_created_match(pymongo_database: str) -> None:
    async def scenario() -> None:
        pokemons = repository(Pokemon)
        ids = [(await pokemons.insert(Pokemon(name="eevee", level=lv))).id for lv in (3, 1, 2)]
        await pokemons.insert(Pokemon(name="other", level=50))

        latest = await pokemons.latest({"name": "eevee"})
        assert latest is not None and latest.id == ids[-1] and latest.data.level == 2
        first = await pokemons.find_one({"name": "eevee"})
        assert first is not None and first.id == ids[0]
        assert await pokemons.latest({"name": "nobody"}) is None

    run(scenario)


# --- updates --------------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields_and_validates_first(pymongo_database: str) -> None:
    async def scenario() -> None:
        pokemons = repository(Pokemon)
        pikachu = await pokemons.insert(Pokemon(name="pikachu", level=5))

        updated = await pokemons.update(pikachu.id, {"level": "6"})  # coerced by the model
        assert updated is not None
        assert updated.data == Pokemon(name="pikachu", level=6, kind=Kind.FIRE)
        raw = await pokemons.collection.find_one({"_id": ObjectId(pikachu.id)})
        assert raw["level"] == 6 and raw["kind"] == "fire"

        with pytest.raises(ValidationError):
            await pokemons.update(pikachu.id, {"level": 101})
        with pytest.raises(ValueError, match="no field"):
            await pokemons.update(pikachu.id, {"levle": 7})
        unchanged = await pokemons.get(pikachu.id)
        assert unchanged is not None and unchanged.data.level == 6

        assert await pokemons.update(str(ObjectId()), {"level": 7}) is None
        assert await pokemons.update("malformed", {"level": 7}) is None

    run(scenario)


@datamodel
class Team(BaseModel):
    owner: str
    members: list[str] = []


def test_update_where_guarded_push_is_atomic_under_concurrency(database: str) -> None:
    async def scenario() -> None:
        teams = repository(Team)
        await teams.insert(Team(owner="ash"))

        async def join(member: str) -> bool:
            # The guard and the push are one atomic step: fewer than 6 members.
            after = await teams.update_where(
                {"owner": "ash", "members.5": {"$exists": False}},
                {"$push": {"members": member}},
            )
            assert after is None or len(after.data.members) <= 6
            return after is not None

        joined = await asyncio.gather(*(join(f"p{i}") for i in range(20)))
        team = await teams.find_one({"owner": "ash"})
        assert team is not None
        assert len(team.data.members) == 6 == sum(joined)
        assert len(set(team.data.members)) == 6

        renamed = await teams.update_where({"owner": "ash"}, {"$set": {"owner": "red"}})
        assert renamed is not None and renamed.data.owner == "red"
        assert await teams.update_where({"owner": "nobody"}, {"$set": {"owner": "x"}}) is None

    run(scenario)


def test_unique_index_violations_raise_conflict(pymongo_database: str) -> None:
    async def scenario() -> None:
        await ensure_indexes([Trainer])
        await ensure_indexes([Trainer])  # idempotent
        trainers = repository(Trainer)
        await trainers.insert(Trainer(name="ash"))
        misty = await trainers.insert(Trainer(name="misty"))

        with pytest.raises(Conflict) as duplicate:
            await trainers.insert(Trainer(name="ash", city="Viridian"))
        assert duplicate.value.detail == "Trainer with name='ash' already exists"
        assert duplicate.value.status_code == 409

        with pytest.raises(Conflict, match="name='ash'"):
            await trainers.update(misty.id, {"name": "ash"})
        with pytest.raises(Conflict, match="name='ash'"):
            await trainers.update_where({"name": "misty"}, {"$set": {"name": "ash"}})
        assert await trainers.count() == 2
        assert await trainers.count({"name": "misty"}) == 1

    run(scenario)


# --- conversions ----------------------------------------------------------------------------------


class Stats(BaseModel):
    hp: int
    moves: tuple[str, ...]


@datamodel
class Capture(BaseModel):
    kind: Kind
    on: dt.date
    at: dt.datetime
    price: Decimal
    ticket: UUID
    tags: set[str]
    stats: Stats
    by_kind: dict[Kind, int]


def test_enum_date_and_friends_round_trip(pymongo_database: str) -> None:
    capture = Capture(
        kind=Kind.WATER,
        on=dt.date(2024, 2, 29),
        at=dt.datetime(2024, 2, 29, 13, 45, 7, 123000, tzinfo=dt.UTC),
        price=Decimal("12.50"),
        ticket=UUID("12345678-1234-5678-1234-567812345678"),
        tags={"b", "a"},
        stats=Stats(hp=35, moves=("tackle", "growl")),
        by_kind={Kind.FIRE: 1},
    )
    document = to_document(capture)
    assert document["kind"] == "water"
    assert document["on"] == dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert document["price"] == Decimal128("12.50")
    assert document["ticket"] == "12345678-1234-5678-1234-567812345678"
    assert document["tags"] == ["a", "b"]
    assert document["stats"] == {"hp": 35, "moves": ["tackle", "growl"]}
    assert document["by_kind"] == {"fire": 1}

    async def scenario() -> None:
        captures = repository(Capture)
        stored = await captures.insert(capture)
        back = await captures.get(stored.id)
        assert back is not None and back.data == capture

        assert await captures.count({"kind": Kind.WATER, "on": dt.date(2024, 2, 29)}) == 1
        assert await captures.count({"price": {"$gt": Decimal("9.99")}}) == 1
        assert await captures.count({"on": {"$lt": dt.date(2024, 1, 1)}}) == 0
        moved = await captures.update(stored.id, {"on": dt.date(2025, 1, 1)})
        assert moved is not None and moved.data.on == dt.date(2025, 1, 1)

    run(scenario)


# --- connection -----------------------------------------------------------------------------------


def test_ping_fails_fast_where_nothing_listens(mongodb_url: str, database_name: str) -> None:
    configure(mongodb_url, database_name)
    run(ping)  # the real server answers

    configure(f"mongodb://127.0.0.1:{free_port()}/", database_name, timeout_ms=500)

    async def scenario() -> None:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="^MongoDB is unavailable: "):
            await ping()
        with pytest.raises(DatabaseUnavailable):
            await repository(Pokemon).find()
        assert time.monotonic() - started < 10

    run(scenario)


def test_each_event_loop_gets_its_own_client(mongodb_url: str, database_name: str) -> None:
    configure(mongodb_url, database_name)
    clients: list[Any] = []

    async def insert_one(name: str) -> None:
        clients.append(current_database().client)
        await repository(Pokemon).insert(Pokemon(name=name, level=1))

    # Two loops in sequence, without closing in between: the second must not reuse
    # the first loop's client.
    asyncio.run(insert_one("first"))
    asyncio.run(insert_one("second"))

    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            run(lambda: insert_one("threaded"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(30)
    assert not errors, errors

    async def names() -> list[str]:
        return [r.data.name for r in await repository(Pokemon).find()]

    assert run(names) == ["first", "second", "threaded"]
    assert len({id(client) for client in clients}) == 3


def test_configure_from_env(
    monkeypatch: pytest.MonkeyPatch, mongodb_url: str, database_name: str
) -> None:
    monkeypatch.setenv("MONGODB_URL", mongodb_url)
    monkeypatch.setenv("MONGODB_DATABASE", database_name)
    monkeypatch.setenv("PULPO_MONGO_DRIVER", "motor")
    configure_from_env("unused_default")

    async def database_used() -> str:
        await ping()
        return str(current_database().name)

    assert run(database_used) == database_name

    monkeypatch.setenv("PULPO_MONGO_DRIVER", "mongoose")
    with pytest.raises(UsageError, match="mongoose"):
        configure_from_env("x")


def test_models_without_datamodel_are_rejected() -> None:
    class Plain(BaseModel):
        x: int

    with pytest.raises(TypeError, match="Plain is not a @datamodel"):
        Repository(Plain)
    assert repository(Pokemon) is repository(Pokemon)


def test_unconfigured_use_says_what_to_do() -> None:
    code = (
        "import asyncio, pulpo.data as d\n"
        "async def main():\n"
        "    d.current_database()\n"
        "asyncio.run(main())\n"
    )
    root = Path(pulpo.__file__).parents[1]  # `python -c` imports from its working directory
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60
    )
    assert result.returncode != 0
    assert "pulpo.errors.UsageError: pulpo.data is not configured" in result.stderr
