"""The stack's Prefect server answers what Prefect's own clients ask of it.

Prefect 3.8.8's server answers 422 on its work-pool and worker routes under FastAPI
0.151 and later, which breaks `prefect work-pool ls`, `.deploy()` and the UI's
work-pools page; the stack pins what Prefect supports. These tests drive those
routes as the UI and the CLI do.
"""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from docker_stack import RunningStack

pytestmark = pytest.mark.docker

# What the UI's dashboard, runs, flows, deployments and work-pools pages ask for.
UI_FILTERS = (
    "flows/filter",
    "flow_runs/filter",
    "task_runs/filter",
    "deployments/filter",
    "work_pools/filter",
    "work_queues/filter",
    "variables/filter",
    "block_documents/filter",
    "artifacts/filter",
    "automations/filter",
    "ui/flow_runs/history",
    "ui/task_runs/dashboard/counts",
    "ui/flows/count-deployments",
)


@pytest.fixture
def prefect(docker_stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{docker_stack.prefect_url}/api", timeout=30) as client:
        yield client


def test_the_ui_api_calls_answer(prefect: httpx.Client) -> None:
    assert prefect.get("/health").status_code == 200
    assert prefect.get("/admin/version").json().startswith("3.8.8")
    bodies = {
        "ui/task_runs/dashboard/counts": {
            "task_runs": {"start_time": {"after_": "2026-01-01T00:00:00Z"}}
        },
        "ui/flows/count-deployments": {"flow_ids": []},
    }
    for route in UI_FILTERS:
        response = prefect.post(f"/{route}", json=bodies.get(route, {}))
        assert response.status_code == 200, f"POST /api/{route}: {response.text[:300]}"


def test_the_served_deployments_are_listed(prefect: httpx.Client) -> None:
    deployments = prefect.post("/deployments/filter", json={"limit": 200}).json()
    names = {deployment["name"] for deployment in deployments}
    assert names == {"default"}
    flows = {flow["name"] for flow in prefect.post("/flows/filter", json={}).json()}
    assert {"pokemon.evolution", "pokemon.management.catch"} <= flows


def test_work_pools_work_with_prefects_cli(docker_stack: RunningStack) -> None:
    pool = f"pool-{uuid.uuid4().hex[:6]}"

    def prefect_cli(*arguments: str) -> str:
        # A wide terminal, so Prefect's tables do not cut the pool's name short.
        result = docker_stack.compose(
            "exec", "-T", "-e", "COLUMNS=300", "flows", "prefect", *arguments, check=False
        )
        assert result.returncode == 0, (result.stdout + result.stderr)[-2000:]
        return result.stdout

    prefect_cli("work-pool", "create", pool, "--type", "process")
    try:
        assert pool in prefect_cli("work-pool", "ls")
        assert pool in prefect_cli("work-pool", "inspect", pool)
        workers = docker_stack.compose(
            "exec", "-T", "flows", "python", "-c",
            "import json, urllib.request; request = urllib.request.Request("
            f"'http://prefect-server:4200/api/work_pools/{pool}/workers/filter', data=b'{{}}', "
            "headers={'Content-Type': 'application/json'}); "
            "print(urllib.request.urlopen(request).status)",
            check=False,
        )  # fmt: skip
        assert workers.stdout.strip() == "200", workers.stderr
    finally:
        prefect_cli("work-pool", "delete", pool)
