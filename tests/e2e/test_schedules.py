"""Scheduled operations run on their own, served by ``python -m generated.flows`` on real Prefect.

``tests/projects/scheduled`` records every run of its scheduled operations in
MongoDB: ``clock.ticks.tick`` every TICK_INTERVAL seconds (60 by default, 1 here,
from the environment, as ``.env.test`` sets it in the test stack), and
``clock.ticks.slow`` every second though each run takes three. The flows are
served as the flows container serves them, against the session's Prefect server
and MongoDB; what ran is read back from MongoDB and from Prefect's own records,
and no duration is asserted (only bounds that catch a hang).
"""

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from pymongo import MongoClient

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.e2e

SCHEDULED = Path(__file__).resolve().parents[1] / "projects" / "scheduled"
# Each run is a process of its own that imports Prefect: seconds apiece on a busy machine.
HANG_SECONDS = 240.0


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scheduled") / "scheduled"
    shutil.copytree(SCHEDULED, root, ignore=shutil.ignore_patterns("generated", "__pycache__"))
    compile_project(validate(discover(root)))
    return root


@pytest.fixture(scope="module")
def ticks(mongodb_url: str) -> Iterator[Any]:
    """The collection the scheduled operations record their runs in, in a database of its own."""
    name = f"schedules_{uuid4().hex[:10]}"
    with MongoClient(mongodb_url) as client:
        yield client[name].ticks
        client.drop_database(name)


@pytest.fixture(scope="module")
def served(
    project: Path, ticks: Any, mongodb_url: str, prefect_api_url: str, tmp_path_factory: Any
) -> Iterator[Path]:
    """``python -m generated.flows`` with TICK_INTERVAL=1, until the module's tests end."""
    log = tmp_path_factory.mktemp("served") / "flows.log"
    env = {
        **os.environ,
        "MONGODB_URL": mongodb_url,
        "MONGODB_DATABASE": ticks.database.name,
        "PREFECT_API_URL": prefect_api_url,
        "TICK_INTERVAL": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # look for due runs every second, not every 10
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "generated.flows"],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def recorded(ticks: Any, kind: str, at_least: int, log: Path) -> list[dict[str, Any]]:
    """The runs of ``kind`` recorded in MongoDB, once there are ``at_least`` of them."""
    deadline = time.monotonic() + HANG_SECONDS
    while True:
        runs = list(ticks.find({"kind": kind}).sort("started", 1))
        if len(runs) >= at_least:
            return runs
        assert time.monotonic() < deadline, (len(runs), log.read_text()[-3000:])
        time.sleep(1)


def deployment(name: str) -> Any:
    """The deployment ``name`` (``flow/deployment``) as the Prefect server has it."""
    from prefect.client.orchestration import get_client

    async def read() -> Any:
        async with get_client() as client:
            return await client.read_deployment_by_name(name)

    return asyncio.run(read())


def flow_run_states(deployment_id: Any) -> list[str]:
    """The state of every flow run of a deployment, as Prefect recorded it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                limit=200,
            )
            return [run.state.type.value for run in runs if run.state is not None]

    return asyncio.run(read())


def test_a_scheduled_operation_runs_again_and_again_on_its_own(served: Path, ticks: Any) -> None:
    runs = recorded(ticks, "tick", at_least=3, log=served)
    assert len({run["_id"] for run in runs}) == len(runs)
    assert runs[0]["started"] < runs[1]["started"] < runs[2]["started"]


def test_its_interval_comes_from_the_environment(served: Path, ticks: Any) -> None:
    recorded(ticks, "tick", at_least=1, log=served)  # the deployment exists by now
    tick = deployment("clock.ticks.tick/schedule")
    [schedule] = tick.schedules
    assert schedule.active
    assert schedule.schedule.interval == timedelta(seconds=1)  # TICK_INTERVAL=1, not 60
    assert tick.parameters == {"body": {}}
    slow = deployment("clock.ticks.slow/schedule")
    assert [item.schedule.interval for item in slow.schedules] == [timedelta(seconds=1)]
    assert slow.parameters == {"body": {"seconds": 3.0}}  # its first example


def test_the_hand_started_deployment_has_no_schedule(served: Path, ticks: Any) -> None:
    recorded(ticks, "tick", at_least=1, log=served)
    assert deployment("clock.ticks.tick/default").schedules == []


def test_runs_of_a_slow_schedule_never_overlap_the_ones_due_meanwhile_are_cancelled(
    served: Path, ticks: Any
) -> None:
    runs = recorded(ticks, "slow", at_least=2, log=served)
    for earlier, later in zip(runs, runs[1:], strict=False):
        assert earlier["ended"] <= later["started"], (earlier, later)
    slow = deployment("clock.ticks.slow/schedule")
    assert slow.global_concurrency_limit.limit == 1  # the deployment's own limit
    assert slow.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    states = flow_run_states(slow.id)
    assert states.count("COMPLETED") >= 2, states
    assert "CANCELLED" in states, states  # due while one ran: skipped, not queued
    assert states.count("RUNNING") + states.count("PENDING") <= 1, states
