"""Failures of the running stack: a stopped MongoDB, restarted containers.

Each test leaves the stack healthy again, whatever happens in it.
"""

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from docker_stack import RunningStack

pytestmark = pytest.mark.docker


@pytest.fixture
def restores(docker_stack: RunningStack) -> Iterator[RunningStack]:
    """Start every service again and wait until all are healthy, after the test."""
    yield docker_stack
    docker_stack.compose("up", "--detach", "--no-recreate", "--no-build")
    docker_stack.wait_healthy()


def poll(api: httpx.Client, want: int, within: float) -> tuple[int, float, httpx.Response]:
    """GET /health until it answers ``want``; the last answer and how long it took."""
    started = time.monotonic()
    while True:
        try:
            response = api.get("/health", timeout=5)
            if response.status_code == want or time.monotonic() - started > within:
                return response.status_code, time.monotonic() - started, response
        except httpx.TransportError:
            if time.monotonic() - started > within:
                raise
        time.sleep(0.1)


def test_stopped_mongodb_gives_503_then_the_api_recovers(
    restores: RunningStack, api: httpx.Client
) -> None:
    assert api.get("/health").status_code == 200
    api_started = restores.container("api").attrs["State"]["StartedAt"]
    restores.compose("stop", "mongodb")
    status, elapsed, response = poll(api, 503, within=10)
    assert status == 503, response.text
    assert elapsed < 3.5, f"503 came after {elapsed:.1f} s"
    assert "MongoDB is unavailable" in response.json()["detail"]
    restores.compose("start", "mongodb")
    restores.wait_healthy("mongodb", timeout=60)
    status, elapsed, response = poll(api, 200, within=30)
    assert status == 200, f"no recovery after {elapsed:.1f} s: {response.text}"
    assert api.post("/pokemons", json={"name": "Back", "element": "Fire"}).status_code == 201
    # Recovered by itself: the API container was not restarted.
    assert restores.container("api").attrs["State"]["StartedAt"] == api_started


def test_data_survives_restarting_the_api(restores: RunningStack, api: httpx.Client) -> None:
    created = api.post(
        "/pokemons", json={"name": f"Keep-{uuid.uuid4().hex[:6]}", "element": "Water"}
    )
    assert created.status_code == 201
    restores.compose("restart", "api")
    restores.wait_healthy("api", timeout=60)
    found = api.get(f"/pokemons/{created.json()['_id']}")
    assert found.status_code == 200 and found.json() == created.json()


def test_data_survives_a_new_mongodb_container(restores: RunningStack, api: httpx.Client) -> None:
    created = api.post(
        "/pokemons", json={"name": f"Vol-{uuid.uuid4().hex[:6]}", "element": "Grass"}
    )
    assert created.status_code == 201
    before = restores.container("mongodb").id
    restores.compose("up", "--detach", "--no-deps", "--force-recreate", "--no-build", "mongodb")
    restores.wait_healthy("mongodb", "api", timeout=90)
    assert restores.container("mongodb").id != before, "the container was not replaced"
    status, _, response = poll(api, 200, within=30)
    assert status == 200, response.text
    found = api.get(f"/pokemons/{created.json()['_id']}")
    assert found.status_code == 200 and found.json() == created.json()
