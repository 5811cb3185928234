"""Flow benchmark, printed as a table: what running an operation as a generated flow costs.

For every operation of the Pokemon example, the mean time over ``--runs`` runs of

- the operation's function, awaited directly;
- a hand-written bare Prefect flow that awaits the same function;
- the same bare flow with the function as a Prefect task;
- the flow ``pulpo compile`` generated for the operation (flow, task, stored result);

and the generated flow's overhead over the bare flow. Everything runs in this
process against a real Prefect server (PREFECT_API_URL, or a temporary one
started here) and a real MongoDB-wire server (MONGODB_URL, or the embedded one).
Inputs are prepared before each timed run, outside the measurement.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import typing
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any
from uuid import uuid4

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pokemon"
console = Console(width=120)

Prepare = Callable[[int], Awaitable[dict[str, Any]]]


@dataclass
class Case:
    operation: str
    function: Callable[..., Awaitable[Any]]
    prepare: Prepare  # the arguments of run i, made ready without being timed


@contextmanager
def prefect_api(work: Path) -> Iterator[str]:
    """PREFECT_API_URL when it is set, else a temporary local server."""
    if url := os.environ.get("PREFECT_API_URL"):
        yield url
        return
    sys.path.insert(0, str(ROOT / "tests"))  # the tests' Prefect server, which is test code
    from prefect_server import flush_to_server, prefect_server

    with prefect_server(work / "prefect") as url:
        os.environ["PREFECT_API_URL"] = url
        yield url
        flush_to_server()


def compiled_example(work: Path) -> Path:
    from pulpo.discover import discover
    from pulpo.generate import compile_project
    from pulpo.validate import validate

    project = work / "pokemon"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns("generated", ".pulpo", "__pycache__")
    )
    compile_project(validate(discover(project)))
    sys.path.insert(0, str(project))
    return project


def cases() -> list[Case]:
    """One case per operation; each prepares what its run needs with direct calls."""
    from pokemon import battles, evolution, management
    from pokemon.models import Element, Region

    def unique(prefix: str) -> str:
        return f"{prefix}-{uuid4().hex[:8]}"

    async def trainer_with(pokemon: str, element: Element) -> str:
        name = unique("trainer")
        await management.trainer_create(trainer_name=name, region=Region.KANTO)
        await management.catch(trainer_name=name, pokemon_name=pokemon, element=element)
        return name

    async def new_trainer(_: int) -> dict[str, Any]:
        return {"trainer_name": unique("trainer"), "region": Region.KANTO}

    async def empty_team(_: int) -> dict[str, Any]:
        name = unique("trainer")
        await management.trainer_create(trainer_name=name, region=Region.JOHTO)
        return {"trainer_name": name, "pokemon_name": "Pikachu", "element": Element.ELECTRIC}

    onix_caught: list[str] = []

    async def onix(_: int) -> dict[str, Any]:
        if not onix_caught:
            onix_caught.append(await trainer_with("Onix", Element.NORMAL))
        return {"pokemon_name": "Onix", "training_hours": 1}

    async def charmander(_: int) -> dict[str, Any]:
        await trainer_with("Charmander", Element.FIRE)
        return {"pokemon_name": "Charmander"}

    async def charmeleon(_: int) -> dict[str, Any]:
        await trainer_with("Charmander", Element.FIRE)
        await evolution.stage1(pokemon_name="Charmander")
        return {"pokemon_name": "Charmeleon"}

    rivals: list[str] = []

    async def battle(run: int) -> dict[str, Any]:
        if not rivals:
            rivals.append(await trainer_with("Squirtle", Element.WATER))
            rivals.append(await trainer_with("Bulbasaur", Element.GRASS))
        return {"trainer1_name": rivals[0], "trainer2_name": rivals[1], "seed": run}

    return [
        Case("pokemon.management.trainer_create", management.trainer_create, new_trainer),
        Case("pokemon.management.catch", management.catch, empty_team),
        Case("pokemon.management.train", management.train, onix),
        Case("pokemon.evolution.stage1", evolution.stage1, charmander),
        Case("pokemon.evolution.stage2", evolution.stage2, charmeleon),
        Case("pokemon.battles.trainer_execute", battles.trainer_execute, battle),
    ]


def bare_flows(case: Case) -> tuple[Any, Any]:
    """The hand-written baselines: a bare flow awaiting the function, and one with a task."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    function = case.function
    as_task = task(function, name=f"bare.{case.operation}", cache_policy=NO_CACHE)

    @flow(name=f"bare.{case.operation}", validate_parameters=False)
    async def bare(arguments: dict[str, Any]) -> Any:
        return await function(**arguments)

    @flow(name=f"bare-task.{case.operation}", validate_parameters=False)
    async def bare_with_task(arguments: dict[str, Any]) -> Any:
        return await as_task(**arguments)

    return bare, bare_with_task


async def timed(run: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await run()
    return (time.perf_counter() - started) * 1000


async def measure(flows: Any, case: Case, runs: int) -> dict[str, float]:
    """Mean milliseconds of each way to run ``case``, after one untimed warm-up each."""
    bare, bare_with_task = bare_flows(case)
    generated = flows.FLOWS[case.operation]
    body = typing.get_type_hints(generated.fn)["body"]
    ways: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
        "direct": lambda arguments: case.function(**arguments),
        "bare flow": lambda arguments: bare(arguments),
        "bare flow + task": lambda arguments: bare_with_task(arguments),
        "generated flow": lambda arguments: generated(body(**arguments)),
    }
    times: dict[str, list[float]] = {way: [] for way in ways}
    for run in range(runs + 1):
        for way, call in ways.items():
            arguments = await case.prepare(run)
            elapsed = await timed(lambda call=call, arguments=arguments: call(arguments))
            if run:  # the first run warms up
                times[way].append(elapsed)
    return {way: mean(values) for way, values in times.items()}


async def bench(flows: Any, runs: int) -> list[tuple[str, dict[str, float]]]:
    from pulpo.data import connection

    await connection.ensure_indexes(flows.DATAMODELS)
    try:
        return [(case.operation, await measure(flows, case, runs)) for case in cases()]
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per way (default 10)")
    args = parser.parse_args()

    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pulpo-bench-")))
        from pulpo.run.database import database_server

        server = stack.enter_context(database_server())
        api_url = stack.enter_context(prefect_api(work))
        compiled_example(work)
        os.environ["MONGODB_URL"] = server.url
        os.environ["MONGODB_DATABASE"] = f"bench_{uuid4().hex[:8]}"
        console.print(f"database: {server.description}\nPrefect: {api_url}\nruns: {args.runs}")

        from generated import flows

        results = asyncio.run(bench(flows, args.runs))

    table = Table(title=f"Flow-run cost per operation (mean ms of {args.runs} runs)")
    columns = ("direct", "bare flow", "bare flow + task", "generated flow")
    table.add_column("operation")
    for column in (*columns, "generated − bare flow"):
        table.add_column(column, justify="right")
    for operation, means in results:
        overhead = means["generated flow"] - means["bare flow"]
        cells = [f"{means[column]:.1f}" for column in columns]
        table.add_row(operation, *cells, f"{overhead:+.1f}")
    console.print(table)


if __name__ == "__main__":
    main()
