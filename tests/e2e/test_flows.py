"""The generated Prefect flows, run for real: one Prefect server, one MongoDB-wire server.

Flows run in this process (as ``pulpo flows run`` runs them), through the
``pulpo`` command, and as deployments served by ``python -m generated.flows``
and started through the generated API. What ran when is read back from
Prefect's own task-run records, never from wall-clock guesses in the test.
"""

import asyncio
import contextlib
import importlib
import json
import os
import subprocess
import sys
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from bson import ObjectId
from pymongo import MongoClient
from served_app import served_app

from pulpo.data import connection
from pulpo.run.processes import free_port

pytestmark = pytest.mark.e2e

PULPO = str(Path(sys.executable).with_name("pulpo"))
RECORD_WAIT_SECONDS = 15.0  # task runs reach the server as events, shortly after they end
RUN_WAIT_SECONDS = 60.0


@pytest.fixture(scope="module")
def database(mongodb_url: str) -> Iterator[str]:
    name = f"flows_{uuid4().hex[:10]}"
    yield name
    with MongoClient(mongodb_url) as client:
        client.drop_database(name)


@pytest.fixture(scope="module")
def mongo(mongodb_url: str, database: str) -> Iterator[Any]:
    with MongoClient(mongodb_url) as client:
        yield client[database]


@pytest.fixture(scope="module")
def env(mongodb_url: str, database: str, prefect_api_url: str) -> dict[str, str]:
    """What a subprocess needs to run flows against this module's database."""
    return {
        **os.environ,
        "MONGODB_URL": mongodb_url,
        "MONGODB_DATABASE": database,
        "PREFECT_API_URL": prefect_api_url,
        "COLUMNS": "200",
    }


@pytest.fixture(scope="module")
def flows(pokemon_project: Path, mongodb_url: str, database: str, prefect_api_url: str) -> Any:
    """The Pokemon example's generated flows module, bound to this module's database."""
    for name in [name for name in sys.modules if name.split(".")[0] == "generated"]:
        del sys.modules[name]
    root = str(pokemon_project.resolve())
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)
    module = importlib.import_module("generated.flows")
    # The module binds pulpo.data from the environment on import; point it here instead.
    connection.configure(mongodb_url, database)
    asyncio.run(module.create_indexes())
    return module


def run(flow: Any, body: dict[str, Any]) -> Any:
    """Run ``flow`` in this process; its final state."""
    model = typing.get_type_hints(flow.fn)["body"]

    async def go() -> Any:
        try:
            return await flow(model.model_validate(body), return_state=True)
        finally:
            await connection.close()

    return asyncio.run(go())


def completed(flow: Any, body: dict[str, Any]) -> tuple[UUID, Any]:
    state = run(flow, body)
    assert state.is_completed(), state.message
    return state.state_details.flow_run_id, state.result()


def task_runs(flow_run_id: UUID, expected: int) -> dict[str, Any]:
    """The task runs Prefect recorded for a flow run, by task name, once all have ended."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    async def read() -> list[Any]:
        async with get_client() as client:
            deadline = time.monotonic() + RECORD_WAIT_SECONDS
            while True:
                runs = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                    sort=TaskRunSort.EXPECTED_START_TIME_ASC,
                    limit=50,
                )
                ended = [run for run in runs if run.start_time and run.end_time]
                if len(ended) >= expected or time.monotonic() > deadline:
                    return runs
                await asyncio.sleep(0.2)

    runs = asyncio.run(read())
    assert len(runs) == expected, [run.name for run in runs]
    # Task run names are the task's name and a short suffix: "pokemon.evolution.stage1-3f2".
    return {run.name.rpartition("-")[0]: run for run in runs}


def interval(run: Any) -> tuple[datetime, datetime]:
    assert run.start_time is not None and run.end_time is not None, run.name
    return run.start_time, run.end_time


def flow_run_state(flow_run_id: UUID) -> Any:
    from prefect.client.orchestration import get_client

    async def read() -> Any:
        async with get_client() as client:
            return (await client.read_flow_run(flow_run_id)).state

    return asyncio.run(read())


@pytest.fixture(scope="module")
def ash(flows: Any) -> str:
    """A trainer with a trained Charmander and a Pikachu, made through operation flows."""
    management = "pokemon.management"
    trainer = {"trainer_name": "Ash", "region": "kanto"}
    completed(flows.FLOWS[f"{management}.trainer_create"], trainer)
    for pokemon, element in (("Charmander", "fire"), ("Pikachu", "electric")):
        completed(
            flows.FLOWS[f"{management}.catch"],
            {"trainer_name": "Ash", "pokemon_name": pokemon, "element": element},
        )
    completed(
        flows.FLOWS[f"{management}.train"], {"pokemon_name": "Charmander", "training_hours": 20}
    )
    return "Ash"


@pytest.fixture(scope="module")
def evolution(flows: Any, ash: str) -> tuple[UUID, Any]:
    """The pokemon.evolution flow, given only stage1's input."""
    return completed(flows.FLOWS["pokemon.evolution"], {"stage1": {"pokemon_name": "Charmander"}})


def test_pipeline_through_flows_leaves_a_charizard(
    evolution: tuple[UUID, Any], mongo: Any, ash: str
) -> None:
    flow_run_id, output = evolution
    assert (output.stage1.evolved_name, output.stage2.evolved_name) == ("Charmeleon", "Charizard")
    charizard = mongo.pokemons.find_one({"name": "Charizard"})
    assert charizard is not None and charizard["trainer"] == ash
    assert charizard["level"] > 5  # the train flow ran before
    assert mongo.pokemons.count_documents({"name": {"$in": ["Charmander", "Charmeleon"]}}) == 0
    stored = mongo.pulpo_flow_results.find_one({"_id": str(flow_run_id)})
    assert stored["flow"] == "pokemon.evolution"
    assert stored["result"]["stage2"]["evolved_name"] == "Charizard"


def test_evolution_stage2_starts_after_stage1_ends(evolution: tuple[UUID, Any]) -> None:
    runs = task_runs(evolution[0], expected=2)
    _, stage1_end = interval(runs["pokemon.evolution.stage1"])
    stage2_start, _ = interval(runs["pokemon.evolution.stage2"])
    assert stage1_end <= stage2_start


def test_management_siblings_overlap_in_time(flows: Any, ash: str, mongo: Any) -> None:
    flow_run_id, output = completed(
        flows.FLOWS["pokemon.management"],
        {
            "trainer_create": {"trainer_name": "Misty", "region": "kanto"},
            "catch": {"trainer_name": ash, "pokemon_name": "Squirtle", "element": "water"},
            "train": {"pokemon_name": "Pikachu", "training_hours": 5},
        },
    )
    assert output.trainer_create.trainer_name == "Misty" and output.catch.success
    runs = task_runs(flow_run_id, expected=3)
    assert set(runs) == {
        f"pokemon.management.{name}" for name in ("trainer_create", "catch", "train")
    }
    intervals = [interval(run) for run in runs.values()]
    last_start = max(start for start, _ in intervals)
    first_end = min(end for _, end in intervals)
    # Every task had started before any of them ended: all three ran at the same time.
    assert last_start < first_end, intervals


def test_failing_task_fails_its_flow_run(flows: Any) -> None:
    state = run(
        flows.FLOWS["pokemon.management.train"], {"pokemon_name": "Missingno", "training_hours": 1}
    )
    assert state.is_failed()
    flow_run_id = state.state_details.flow_run_id
    assert flow_run_state(flow_run_id).type.value == "FAILED"  # as Prefect recorded it
    train = task_runs(flow_run_id, expected=1)["pokemon.management.train"]
    assert train.state.type.value == "FAILED"
    assert "No Pokemon named 'Missingno'" in (train.state.message or "")


def test_flows_run_command_prints_the_result(pokemon_project: Path, env: dict[str, str]) -> None:
    body = {"trainer_name": "Brock", "region": "kanto"}
    result = subprocess.run(
        [PULPO, "flows", "run", "pokemon.management.trainer_create", str(pokemon_project)]
        + ["--input", json.dumps(body)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["trainer_name"] == "Brock" and output["region"] == "Kanto"
    assert result.stderr.splitlines()[-1].startswith(
        "pokemon.management.trainer_create completed in "
    )


def test_flows_run_command_names_the_failed_task(
    pokemon_project: Path, env: dict[str, str], ash: str
) -> None:
    body = {
        "trainer_create": {"trainer_name": "Gary", "region": "kanto"},
        "catch": {"trainer_name": "Gary", "pokemon_name": "Eevee", "element": "normal"},
        "train": {"pokemon_name": "Missingno", "training_hours": 1},
    }
    result = subprocess.run(
        [PULPO, "flows", "run", "pokemon.management", str(pokemon_project)]
        + ["--input", json.dumps(body)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1] == "error: pokemon.management.train failed (404): No Pokemon named 'Missingno'"
    assert any(
        line.startswith("pokemon.management.train failed after ") and "Missingno" in line
        for line in lines[:-1]
    ), lines
    assert all(not line.startswith("error") for line in lines[:-1])


def test_flows_run_command_rejects_invalid_input(
    pokemon_project: Path, env: dict[str, str]
) -> None:
    for raw in ("{not json", '{"stage1": {}}'):
        result = subprocess.run(
            [PULPO, "flows", "run", "pokemon.evolution", str(pokemon_project), "-i", raw],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 2
        [line] = result.stderr.splitlines()
        assert line.startswith("error: invalid input for pokemon.evolution: ")


def test_flows_list_command(pokemon_project: Path) -> None:
    result = subprocess.run(
        [PULPO, "flows", "list", str(pokemon_project)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if (cells := [cell.strip() for cell in line.strip("│ ").split("│")]) and len(cells) == 3
    }
    assert rows["pokemon"] == ["group", "battles, evolution, management"]
    assert rows["pokemon.evolution"] == ["group", "stage1 → stage2"]
    assert rows["pokemon.management"] == ["group", "trainer_create, catch, train"]
    assert rows["pokemon.management.catch"][0] == "operation"
    assert len([name for name in rows if name.startswith("pokemon")]) == 10


def test_flows_run_without_input_runs_the_examples_and_shows_each_step(
    pokemon_project: Path, env: dict[str, str], mongo: Any
) -> None:
    """As the document runs them: by name, no input; stage1 visibly precedes stage2."""

    def flows_run(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PULPO, "flows", "run", name, str(pokemon_project)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    caught = flows_run("pokemon.management.catch")
    assert caught.returncode == 0, caught.stderr
    assert "running pokemon.management.catch with its example input" in caught.stderr
    charmander = json.loads(caught.stdout)["pokemon_id"]
    evolved = flows_run("pokemon.evolution")
    assert evolved.returncode == 0, evolved.stderr
    steps = [line.split(" ")[:2] for line in evolved.stderr.splitlines()[1:]]
    assert steps == [
        ["pokemon.evolution.stage1", "started"],
        ["pokemon.evolution.stage1", "completed"],
        ["pokemon.evolution.stage2", "started"],
        ["pokemon.evolution.stage2", "completed"],
    ], evolved.stderr
    output = json.loads(evolved.stdout)
    assert output["stage2"]["pokemon_id"] == charmander
    assert mongo.pokemons.find_one({"name": "Charizard", "_id": ObjectId(charmander)}) is not None


@contextmanager
def served_flows(project: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """``python -m generated.flows``, as the flows container runs it; yields its health URL."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "generated.flows"],
            cwd=project,
            env={
                **env,
                "PREFECT_RUNNER_SERVER_ENABLE": "true",
                "PREFECT_RUNNER_SERVER_HOST": "127.0.0.1",
                "PREFECT_RUNNER_SERVER_PORT": str(port),
                "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    health = f"http://127.0.0.1:{port}/health"
    try:
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"flows exited: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("the served flows did not become healthy")
            time.sleep(0.2)
        yield health
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_run(api: httpx.Client, flow_run_id: str) -> dict[str, Any]:
    """``GET /flows/runs/{id}`` until the run has ended."""
    deadline = time.monotonic() + RUN_WAIT_SECONDS
    while True:
        response = api.get(f"/flows/runs/{flow_run_id}")
        assert response.status_code == 200, response.text
        run_status = response.json()
        if run_status["state"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run_status
        assert time.monotonic() < deadline, run_status
        time.sleep(0.3)


def test_api_starts_served_flows_and_reports_their_results(
    pokemon_project: Path, env: dict[str, str], mongo: Any, tmp_path: Path
) -> None:
    log = tmp_path / "flows.log"
    with (
        served_flows(pokemon_project, env, log) as health,
        served_app(pokemon_project, env) as base,
        httpx.Client(base_url=base, timeout=30) as api,
    ):
        assert httpx.get(health, timeout=5).json() == {"message": "OK"}
        created = api.post(
            "/operations/pokemon/management/trainer_create",
            json={"trainer_name": "Erika", "region": "kanto"},
        )
        assert created.status_code == 200, created.text
        caught = api.post(
            "/operations/pokemon/management/catch",
            json={"trainer_name": "Erika", "pokemon_name": "Bulbasaur", "element": "grass"},
        )
        assert caught.status_code == 200, caught.text

        started = api.post(
            "/flows/pokemon/evolution", json={"stage1": {"pokemon_name": "Bulbasaur"}}
        )
        assert started.status_code == 202, started.text
        flow_run_id = started.json()["flow_run_id"]
        run_status = wait_for_run(api, flow_run_id)
        assert run_status["state"] == "COMPLETED", (run_status, log.read_text()[-3000:])
        assert run_status["result"]["stage2"]["evolved_name"] == "Venusaur"
        assert mongo.pokemons.find_one({"name": "Venusaur", "trainer": "Erika"}) is not None

        assert api.post("/flows/pokemon/evolution", json={"stage2": {}}).status_code == 422
        assert api.get(f"/flows/runs/{uuid4()}").status_code == 404
        assert api.get("/flows/runs/not-a-run").status_code == 404


def test_api_without_prefect_answers_503(pokemon_project: Path, env: dict[str, str]) -> None:
    with (
        served_app(pokemon_project, {**env, "PREFECT_API_URL": ""}) as base,
        httpx.Client(base_url=base, timeout=30) as api,
    ):
        response = api.post("/flows/pokemon/evolution", json={"stage1": {"pokemon_name": "X"}})
        assert response.status_code == 503
        assert response.json() == {"detail": "Prefect is not configured"}
