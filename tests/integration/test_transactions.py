"""pulpo.data: transactions, document versions and retried updates, against a real server.

Every test runs once per driver. Races are made real, not simulated: a second
transaction, task or client writes the same document at the moment that matters.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel
from pymongo import MongoClient

from pulpo import Index, datamodel, repository
from pulpo.data import (
    ConcurrentUpdate,
    TransactionAborted,
    atomically,
    atomically_with,
    close,
    configure,
    configure_from_env,
    current_database,
    current_session,
    ensure_indexes,
    in_transaction,
    read_leniently,
    transaction,
)
from pulpo.data.connection import DRIVERS
from pulpo.errors import Conflict, DomainError, NotFound, UsageError

pytestmark = pytest.mark.integration

T = TypeVar("T")


@datamodel(collection="tx_counters", indexes=[Index("name", unique=True)])
class Counter(BaseModel):
    name: str
    count: int = 0
    items: list[int] = []


@datamodel(collection="tx_entries")
class Entry(BaseModel):
    counter: str
    n: int


class CounterRead(Counter):
    id: str


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            await ensure_indexes([Counter, Entry])
            return await scenario()
        finally:
            await close()

    return asyncio.run(main())


@pytest.fixture(params=DRIVERS)
def database(request: pytest.FixtureRequest, mongodb_url: str, database_name: str) -> Iterator[str]:
    configure(mongodb_url, database_name, driver=request.param)
    yield database_name


@pytest.fixture
def raw(mongodb_url: str, database: str) -> Iterator[Any]:
    """The test's database through a plain client of its own: another writer."""
    with MongoClient(mongodb_url) as client:
        yield client[database]


def bump(counter: Counter) -> Counter:
    return counter.model_copy(update={"count": counter.count + 1})


# --- atomically -----------------------------------------------------------------------------------


def test_atomically_commits_every_write_together(database: str) -> None:
    async def scenario() -> None:
        counters, entries = repository(Counter), repository(Entry)

        async def work(name: str) -> str:
            assert in_transaction() and current_session() is not None
            counter = await counters.insert(Counter(name=name))
            await entries.insert(Entry(counter=name, n=1))
            await counters.update_where({"name": name}, {"$inc": {"count": 1}})
            # Reads inside see the transaction's own writes.
            assert await entries.count({"counter": name}) == 1
            return counter.id

        counter_id = await atomically(work, "a")
        assert not in_transaction()
        stored = await counters.get(counter_id)
        assert stored is not None and stored.data.count == 1 and stored.version == 2
        assert await entries.count({"counter": "a"}) == 1

    run(scenario)


def test_an_error_halfway_leaves_nothing_written(database: str) -> None:
    async def scenario() -> None:
        counters, entries = repository(Counter), repository(Entry)
        await counters.insert(Counter(name="kept"))

        async def work() -> None:
            await entries.insert(Entry(counter="kept", n=1))
            await counters.update_where({"name": "kept"}, {"$inc": {"count": 1}})
            raise NotFound("the second trainer does not exist")

        with pytest.raises(NotFound, match="second trainer"):
            await atomically(work)
        assert await entries.count() == 0
        kept = await counters.find_one({"name": "kept"})
        assert kept is not None and kept.data.count == 0 and kept.version == 1

    run(scenario)


def test_concurrent_transactions_on_one_document_all_count(database: str) -> None:
    async def scenario() -> None:
        counters, entries = repository(Counter), repository(Entry)
        await counters.insert(Counter(name="shared"))

        async def work(n: int) -> None:
            await entries.insert(Entry(counter="shared", n=n))
            await asyncio.sleep(0.005)  # widen the race: the others write meanwhile
            await counters.update_where({"name": "shared"}, {"$push": {"items": n}})

        await asyncio.gather(*(atomically(work, n) for n in range(12)))
        shared = await counters.find_one({"name": "shared"})
        assert shared is not None and sorted(shared.data.items) == list(range(12))
        assert await entries.count({"counter": "shared"}) == 12

    run(scenario)


def test_a_lost_race_runs_the_work_again_and_both_writes_count(database: str) -> None:
    """The second transaction writes a document the first has written but not committed."""

    async def scenario() -> None:
        counters = repository(Counter)
        await counters.insert(Counter(name="raced"))
        first_wrote, release, first_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
        second_runs = 0

        async def first() -> None:
            await counters.update_where({"name": "raced"}, {"$inc": {"count": 1}})
            first_wrote.set()
            await release.wait()  # commit only once the second lost its first attempt

        async def second() -> None:
            nonlocal second_runs
            second_runs += 1
            if second_runs > 1:
                release.set()
                await first_done.wait()
            await counters.update_where({"name": "raced"}, {"$inc": {"count": 10}})

        async def run_first() -> None:
            await atomically(first)
            first_done.set()

        async def run_second() -> None:
            await first_wrote.wait()
            await atomically(second)

        await asyncio.wait_for(asyncio.gather(run_first(), run_second()), 30)
        assert second_runs == 2
        raced = await counters.find_one({"name": "raced"})
        assert raced is not None and raced.data.count == 11

    run(scenario)


def test_the_retries_are_bounded_and_the_loser_writes_nothing(database: str) -> None:
    async def scenario() -> None:
        counters, entries = repository(Counter), repository(Entry)
        await counters.insert(Counter(name="held"))
        held, release = asyncio.Event(), asyncio.Event()
        runs = 0

        async def holder() -> None:
            await counters.update_where({"name": "held"}, {"$inc": {"count": 1}})
            held.set()
            await release.wait()

        async def loser() -> None:
            nonlocal runs
            runs += 1
            await entries.insert(Entry(counter="held", n=runs))
            await counters.update_where({"name": "held"}, {"$inc": {"count": 100}})

        holding = asyncio.create_task(atomically(holder))
        await held.wait()
        with pytest.raises(ConcurrentUpdate, match="lost the race 3 times"):
            await atomically_with(3, loser)
        release.set()
        await asyncio.wait_for(holding, 30)
        assert runs == 3
        assert await entries.count() == 0
        stored = await counters.find_one({"name": "held"})
        assert stored is not None and stored.data.count == 1

    run(scenario)


def test_a_swallowed_failure_cannot_be_committed(database: str) -> None:
    """MongoDB aborts a transaction when a statement fails: carrying on is a bug, said so."""

    async def scenario() -> None:
        counters, entries = repository(Counter), repository(Entry)
        await counters.insert(Counter(name="taken"))

        swallowed: list[Conflict] = []

        async def work() -> None:
            await entries.insert(Entry(counter="taken", n=1))
            try:
                await counters.insert(Counter(name="taken"))
            except Conflict as conflict:  # the mistake under test: the transaction is aborted
                swallowed.append(conflict)
            await entries.insert(Entry(counter="taken", n=2))

        with pytest.raises(TransactionAborted, match="a statement failed inside a transaction"):
            await atomically(work)
        assert len(swallowed) == 1
        assert await entries.count() == 0

    run(scenario)


def test_transaction_block_commits_rolls_back_and_nests(database: str) -> None:
    async def scenario() -> None:
        counters, entries = repository(Counter), repository(Entry)
        async with transaction():
            await counters.insert(Counter(name="outer"))
            async with transaction():  # joins the outer one
                await entries.insert(Entry(counter="outer", n=1))
            # Work run atomically inside a transaction is part of it too.
            await atomically(entries.insert, Entry(counter="outer", n=2))
        assert await entries.count({"counter": "outer"}) == 2

        with pytest.raises(DomainError, match="refused"):
            async with transaction():
                await counters.insert(Counter(name="never"))
                async with transaction():
                    await entries.insert(Entry(counter="never", n=1))
                raise DomainError("refused")
        assert await counters.count({"name": "never"}) == 0
        assert await entries.count({"counter": "never"}) == 0

    run(scenario)


def test_a_transaction_block_that_loses_a_race_is_a_conflict(database: str) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        await counters.insert(Counter(name="block"))
        held, release = asyncio.Event(), asyncio.Event()

        async def holder() -> None:
            await counters.update_where({"name": "block"}, {"$inc": {"count": 1}})
            held.set()
            await release.wait()

        holding = asyncio.create_task(atomically(holder))
        await held.wait()
        with pytest.raises(ConcurrentUpdate, match="lost the race once"):
            async with transaction():
                await repository(Entry).insert(Entry(counter="block", n=1))
                await counters.update_where({"name": "block"}, {"$inc": {"count": 10}})
        release.set()
        await asyncio.wait_for(holding, 30)
        assert await repository(Entry).count() == 0
        stored = await counters.find_one({"name": "block"})
        assert stored is not None and stored.data.count == 1

    run(scenario)


def test_tasks_started_inside_a_transaction_join_it(database: str) -> None:
    async def scenario() -> None:
        entries = repository(Entry)

        async def work() -> None:
            await asyncio.gather(*(entries.insert(Entry(counter="many", n=n)) for n in range(5)))
            raise DomainError("undo all five")

        with pytest.raises(DomainError):
            await atomically(work)
        assert await entries.count() == 0

    run(scenario)


# --- versions and modify --------------------------------------------------------------------------


def test_every_write_through_the_repository_raises_the_version(database: str, raw: Any) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        created = await counters.insert(Counter(name="v"))
        assert created.version == 1
        updated = await counters.update(created.id, {"count": 5})
        assert updated is not None and updated.version == 2
        pushed = await counters.update_where({"name": "v"}, {"$push": {"items": 1}})
        assert pushed is not None and pushed.version == 3
        modified = await counters.modify(created.id, bump)
        assert modified is not None and modified.version == 4 and modified.data.count == 6
        unchanged = await counters.modify(created.id, lambda counter: counter)
        assert unchanged is not None and unchanged.version == 4  # nothing to write
        # The version is no field of the model: readers leave it out.
        document = await counters.get_document(created.id)
        assert document is not None and document["_version"] == 4
        assert read_leniently(CounterRead, {**document, "id": created.id}).count == 6

    run(scenario)
    assert raw["tx_counters"].find_one({"name": "v"})["_version"] == 4


def test_documents_of_other_clients_get_a_version_when_first_written(
    database: str, raw: Any
) -> None:
    inserted = raw["tx_counters"].insert_one({"name": "legacy", "count": 2}).inserted_id

    async def scenario() -> None:
        counters = repository(Counter)
        legacy = await counters.get(str(inserted))
        assert legacy is not None and legacy.version == 0
        modified = await counters.modify(str(inserted), bump)
        assert modified is not None and (modified.data.count, modified.version) == (3, 1)

    run(scenario)


def test_fifty_concurrent_modifies_all_succeed_and_add_up(database: str) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        created = await counters.insert(Counter(name="busy"))
        results = await asyncio.gather(*(counters.modify(created.id, bump) for _ in range(50)))
        assert all(result is not None for result in results)
        versions = sorted(result.version for result in results if result is not None)
        assert versions == list(range(2, 52))  # each write saw the one before it
        final = await counters.get(created.id)
        assert final is not None and (final.data.count, final.version) == (50, 51)

    run(scenario)


def test_modify_recomputes_after_another_client_wrote_in_between(database: str, raw: Any) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        created = await counters.insert(Counter(name="contested"))
        seen: list[int] = []

        def change(counter: Counter) -> Counter:
            seen.append(counter.count)
            if len(seen) == 1:  # another client writes between this read and the write
                raw["tx_counters"].update_one(
                    {"name": "contested"}, {"$inc": {"count": 10, "_version": 1}}
                )
            return bump(counter)

        modified = await counters.modify(created.id, change)
        assert seen == [0, 10]
        assert modified is not None and modified.data.count == 11

    run(scenario)


def test_modify_gives_up_after_its_attempts_and_writes_nothing(database: str, raw: Any) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        created = await counters.insert(Counter(name="hot"))
        calls = 0

        def change(counter: Counter) -> Counter:
            nonlocal calls
            calls += 1  # every time, another client comes first
            raw["tx_counters"].update_one({"name": "hot"}, {"$inc": {"_version": 1}})
            return counter.model_copy(update={"count": 1000})

        with pytest.raises(ConcurrentUpdate, match="changed concurrently 4 time"):
            await counters.modify(created.id, change, attempts=4)
        assert calls == 4
        hot = await counters.get(created.id)
        assert hot is not None and hot.data.count == 0

    run(scenario)


def test_modify_refusals_and_missing_documents(database: str) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        created = await counters.insert(Counter(name="refused"))

        def refuse(counter: Counter) -> Counter:
            raise Conflict(f"{counter.name} cannot change now")

        with pytest.raises(Conflict, match="refused cannot change now"):
            await counters.modify(created.id, refuse)
        stored = await counters.get(created.id)
        assert stored is not None and stored.version == 1
        assert await counters.modify("0" * 24, bump) is None
        assert await counters.modify("not-an-id", bump) is None

    run(scenario)


def test_concurrent_patches_of_one_document_keep_each_other(database: str) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        created = await counters.insert(Counter(name="patched"))
        await asyncio.gather(
            *(counters.update(created.id, {"count": n}) for n in range(10)),
            *(counters.update(created.id, {"items": [n]}) for n in range(10)),
        )
        final = await counters.get(created.id)
        assert final is not None and final.version == 21
        assert final.data.count in range(10) and len(final.data.items) == 1

    run(scenario)


def test_find_or_insert_stores_one_document_under_concurrency(database: str) -> None:
    async def scenario() -> None:
        counters = repository(Counter)
        found = await asyncio.gather(
            *(
                counters.find_or_insert({"name": "once"}, Counter(name="once", count=n))
                for n in range(10)
            )
        )
        assert len({record.id for record in found}) == 1
        assert await counters.count({"name": "once"}) == 1
        again = await counters.find_or_insert({"name": "once"}, Counter(name="once", count=99))
        assert again.id == found[0].id and again.data.count == found[0].data.count

        # Inside concurrent transactions too: the losers run again and find it.
        async def work(n: int) -> None:
            await counters.find_or_insert({"name": "txn"}, Counter(name="txn"))
            await counters.update_where({"name": "txn"}, {"$push": {"items": n}})

        await asyncio.gather(*(atomically(work, n) for n in range(6)))
        txn = await counters.find_one({"name": "txn"})
        assert txn is not None and sorted(txn.data.items) == list(range(6))

    run(scenario)


# --- the write concern ----------------------------------------------------------------------------


def test_writes_are_journaled_unless_configured_otherwise(
    mongodb_url: str, database_name: str
) -> None:
    async def concern() -> dict[str, Any]:
        return dict(current_database().write_concern.document)

    configure(mongodb_url, database_name)
    assert asyncio.run(_closing(concern)) == {"w": 1, "j": True}
    configure(mongodb_url, database_name, write_concern="majority")
    assert asyncio.run(_closing(concern)) == {"w": "majority", "j": True}
    configure(mongodb_url, database_name, write_concern="acknowledged")
    assert asyncio.run(_closing(concern)) == {"w": 1}
    with pytest.raises(ValueError, match="'journaled', 'majority' or 'acknowledged'"):
        configure(mongodb_url, database_name, write_concern="eventually")  # type: ignore[arg-type]


def test_the_write_concern_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, mongodb_url: str, database_name: str
) -> None:
    async def concern() -> dict[str, Any]:
        return dict(current_database().write_concern.document)

    monkeypatch.setenv("MONGODB_URL", mongodb_url)
    monkeypatch.setenv("MONGODB_WRITE_CONCERN", "Majority")
    configure_from_env(database_name)
    assert asyncio.run(_closing(concern)) == {"w": "majority", "j": True}
    monkeypatch.setenv("MONGODB_WRITE_CONCERN", "sometimes")
    with pytest.raises(UsageError, match="MONGODB_WRITE_CONCERN='sometimes' is not a write"):
        configure_from_env(database_name)


async def _closing(scenario: Callable[[], Awaitable[T]]) -> T:
    try:
        return await scenario()
    finally:
        await close()
