"""pulpo.data when the server dies or freezes: nothing acknowledged is lost, nothing hangs.

Each test starts a server of its own (never an external ``MONGODB_URL``: these tests
kill and stop it) and sends it real signals: ``SIGKILL`` after acknowledged writes,
``SIGSTOP``/``SIGCONT`` under a running client.
"""

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import BaseModel

from pulpo import Index, datamodel, repository
from pulpo.data import atomically, close, configure, ensure_indexes, ping
from pulpo.data.connection import DRIVERS
from pulpo.errors import DatabaseUnavailable
from pulpo.run.database import DatabaseServer, database_server
from pulpo.run.processes import free_port

pytestmark = pytest.mark.integration

T = TypeVar("T")

TIMEOUT_MS = 1000
HANG = 6.0  # seconds: far beyond the timeout, so only a hang fails the bounds below


@datamodel(collection="outage_orders", indexes=[Index("number", unique=True)])
class Order(BaseModel):
    number: int
    lines: int = 0


@datamodel(collection="outage_lines")
class Line(BaseModel):
    order: int


def own_server_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}


@contextmanager
def server_at(data: Path, port: int) -> Iterator[DatabaseServer]:
    with database_server(data, port=port, env=own_server_env()) as server:
        assert server.pid is not None
        yield server


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            return await scenario()
        finally:
            await close()

    return asyncio.run(main())


async def add_order(number: int) -> None:
    """Two documents in one transaction: the order, and its first line."""

    async def work() -> None:
        await repository(Order).insert(Order(number=number, lines=1))
        await repository(Line).insert(Line(order=number))

    await atomically(work)


def test_acknowledged_writes_survive_a_killed_server(tmp_path: Path) -> None:
    data, port = tmp_path / "db", free_port()
    acknowledged: list[int] = []
    with server_at(data, port) as server:
        configure(server.url, "durable", timeout_ms=TIMEOUT_MS)

        async def write_until_killed() -> None:
            await ensure_indexes([Order, Line])
            numbers = iter(range(1_000_000))

            async def writer() -> None:
                while True:
                    number = next(numbers)
                    try:
                        await add_order(number)
                    except DatabaseUnavailable:
                        return
                    acknowledged.append(number)

            async def killer() -> None:
                while len(acknowledged) < 40:
                    await asyncio.sleep(0.01)
                assert server.pid is not None
                os.kill(server.pid, signal.SIGKILL)  # mid-write: some are in flight

            await asyncio.wait_for(asyncio.gather(killer(), *(writer() for _ in range(4))), 60)

        run(write_until_killed)

    with server_at(data, port) as server:
        configure(server.url, "durable", timeout_ms=TIMEOUT_MS)

        async def stored() -> tuple[set[int], set[int]]:
            orders = {record.data.number for record in await repository(Order).find()}
            lines = {record.data.order for record in await repository(Line).find()}
            return orders, lines

        orders, lines = run(stored)
    assert len(acknowledged) >= 40
    assert set(acknowledged) <= orders, f"lost: {sorted(set(acknowledged) - orders)}"
    assert orders == lines, "a transaction was half-written"


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_frozen_server_is_unavailable_at_once_and_recovers(tmp_path: Path, driver: str) -> None:
    with server_at(tmp_path / "db", free_port()) as server:
        assert server.pid is not None
        pid = server.pid
        configure(server.url, "frozen", driver=driver, timeout_ms=TIMEOUT_MS)  # type: ignore[arg-type]

        async def scenario() -> None:
            orders = repository(Order)
            await ensure_indexes([Order, Line])
            first = await orders.insert(Order(number=1))

            async def interrupted() -> None:  # frozen halfway through its transaction
                async def work() -> None:
                    await orders.update_where({"number": 1}, {"$inc": {"lines": 1}})
                    os.kill(pid, signal.SIGSTOP)
                    await repository(Line).insert(Line(order=1))

                await atomically(work)

            calls: list[Callable[[], Awaitable[Any]]] = [
                interrupted,
                ping,
                lambda: orders.get(first.id),
                lambda: orders.find({"lines": 0}),
                lambda: orders.count(),
                lambda: orders.insert(Order(number=2)),
                lambda: orders.update(first.id, {"lines": 5}),
                lambda: orders.modify(first.id, lambda order: order),
                lambda: add_order(3),
            ]
            try:
                for call in calls:
                    started = time.monotonic()
                    with pytest.raises(DatabaseUnavailable, match="^MongoDB is unavailable"):
                        await call()
                    assert time.monotonic() - started < HANG, f"{call} hung"
                # Many at once: the pool's waiting line is bounded too.
                started = time.monotonic()
                outcomes = await asyncio.gather(
                    *(orders.get(first.id) for _ in range(30)), return_exceptions=True
                )
                assert all(isinstance(outcome, DatabaseUnavailable) for outcome in outcomes)
                assert time.monotonic() - started < HANG
            finally:
                os.kill(pid, signal.SIGCONT)

            # Recovered without reconfiguring, and the interrupted transaction does not
            # hold its document: it was rolled back, and writers get through.
            deadline = time.monotonic() + 30
            while True:
                try:
                    changed = await orders.modify(
                        first.id, lambda order: order.model_copy(update={"lines": 7})
                    )
                    break
                except DatabaseUnavailable:
                    assert time.monotonic() < deadline, "no recovery"
                    await asyncio.sleep(0.2)
            assert changed is not None and changed.data.lines == 7
            await add_order(4)
            assert await repository(Line).count({"order": 1}) == 0
            assert {r.data.number for r in await orders.find()} <= {1, 2, 3, 4}
            assert await orders.count({"number": 4}) == 1

        run(scenario)
