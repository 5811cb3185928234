"""The data guarantees in the running stack: MongoDB paused, stopped, killed, restarted,
and the API container killed under load.

Writers keep the API busy (creates, and catches: two documents in one transaction)
while a container is disturbed; afterwards every acknowledged write must be there,
and no catch half-written. Each test leaves the stack healthy again.
"""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from bson import ObjectId
from docker_stack import RunningStack
from pymongo import MongoClient

pytestmark = pytest.mark.reliability

SUITE = "outages (Docker stack)"

UNAVAILABLE_WITHIN = 5.0  # seconds: the test stack's timeout is 1 s; a hang is far longer


@pytest.fixture
def restores(docker_stack: RunningStack) -> Iterator[RunningStack]:
    """Unpause and start every service again, and wait until all are healthy, after the test."""
    yield docker_stack
    docker_stack.compose("unpause", "mongodb", check=False)
    # A paused MongoDB failed its healthchecks: Compose starts nothing that depends on
    # an unhealthy service, so wait until its checks pass again.
    if docker_stack.state("mongodb")[0] == "running":
        docker_stack.wait_healthy("mongodb", timeout=60)
    docker_stack.compose("up", "--detach", "--no-recreate", "--no-build")
    docker_stack.wait_healthy()


@dataclass
class Load:
    """Writers that create Pokemon and catch them for one trainer until told to stop."""

    api_url: str
    trainer: str = field(default_factory=lambda: f"Load-{uuid.uuid4().hex[:6]}")
    created: list[str] = field(default_factory=list)  # ids answered 201
    caught: list[str] = field(default_factory=list)  # Pokemon ids of catches answered 200
    statuses: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def write(self, worker: int) -> None:
        n = 0
        with httpx.Client(base_url=self.api_url, timeout=30) as api:
            while not self.stop.is_set():
                n += 1
                try:
                    if n % 2:
                        body = {"name": f"W{worker}-{n}", "element": "Water"}
                        answer = api.post("/pokemons", json=body)
                        if answer.status_code == 201:
                            self.created.append(answer.json()["_id"])
                    else:
                        answer = api.post(
                            "/operations/pokemon/management/catch",
                            json={"trainer_name": self.trainer, "pokemon_name": f"C{worker}-{n}",
                                  "element": "Fire"},
                        )  # fmt: skip
                        if answer.status_code == 200:
                            self.caught.append(answer.json()["pokemon_id"])
                except httpx.TransportError:  # the API container itself is down
                    self.statuses.append(0)
                    time.sleep(0.2)
                    continue
                self.statuses.append(answer.status_code)
                if answer.status_code == 503:
                    time.sleep(0.1)

    def during(self, disturb: Callable[[], None], workers: int = 4) -> None:
        """Run the writers, ``disturb`` once some writes are acknowledged, then stop them."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            writers = [pool.submit(self.write, worker) for worker in range(workers)]
            deadline = time.monotonic() + 60
            while len(self.created) + len(self.caught) < 20:
                assert time.monotonic() < deadline, f"no writes acknowledged: {self.statuses[-5:]}"
                time.sleep(0.05)
            disturb()
            time.sleep(1)  # writes after recovery too
            self.stop.set()
            for writer in writers:
                writer.result(timeout=120)

    def check(
        self, stack: RunningStack, tally: Callable[..., None], refused: frozenset[int] = frozenset()
    ) -> None:
        """Every acknowledged write is stored, every stored catch is whole; only 2xx, 503
        and the statuses ``refused`` (which wrote nothing: the catches' check shows it).

        The writes acknowledged and found go to the reliability table first."""
        with MongoClient(stack.mongodb_url, directConnection=True) as client:
            db = client[stack.database]
            ids = [ObjectId(id) for id in self.created + self.caught]
            stored = {
                str(doc["_id"]) for doc in db.pokemons.find({"_id": {"$in": ids}}, {"_id": 1})
            }
            acknowledged = set(self.created + self.caught)
            tally(acknowledged=len(acknowledged), found=len(acknowledged & stored))
            allowed = {0, 200, 201, 503} | refused
            assert set(self.statuses) <= allowed, sorted(set(self.statuses))
            lost = acknowledged - stored
            assert not lost, f"{len(lost)} of {len(ids)} acknowledged writes lost"
            trainer = db.trainers.find_one({"name": self.trainer}) or {}
            claimed = trainer.get("team", []) + trainer.get("box", [])
            assert len(claimed) == len(set(claimed))
            of_trainer = {str(doc["_id"]) for doc in db.pokemons.find({"trainer": self.trainer})}
            assert of_trainer == set(claimed), "a catch was half-written"
            assert set(self.caught) <= of_trainer


def poll(api: httpx.Client, want: int, within: float) -> tuple[int, float]:
    started = time.monotonic()
    status = 0
    while time.monotonic() - started < within:
        try:
            status = api.get("/health", timeout=5).status_code
        except httpx.TransportError:
            status = 0
        if status == want:
            break
        time.sleep(0.1)
    return status, time.monotonic() - started


def timed(api: httpx.Client, method: str, path: str, body: Any = None) -> tuple[int, float]:
    started = time.monotonic()
    response = api.request(method, path, json=body)
    return response.status_code, time.monotonic() - started


def test_a_paused_mongodb_is_503_at_once_and_the_api_recovers(
    restores: RunningStack, api: httpx.Client, tally: Callable[..., None]
) -> None:
    load = Load(restores.api_url)
    existing = api.post("/pokemons", json={"name": "Paused", "element": "Ice"}).json()["_id"]

    def pause() -> None:
        restores.compose("pause", "mongodb")
        try:
            requests = [
                ("GET", "/health", None),
                ("GET", "/pokemons", None),
                ("GET", f"/pokemons/{existing}", None),
                ("POST", "/pokemons", {"name": "Frozen", "element": "Ice"}),
                ("PATCH", f"/pokemons/{existing}", {"level": 7}),
                ("POST", "/operations/pokemon/management/train",
                 {"pokemon_name": "Paused", "training_hours": 1}),
            ]  # fmt: skip
            for method, path, body in requests:
                status, elapsed = timed(api, method, path, body)
                assert status == 503, f"{method} {path}: {status}"
                assert elapsed < UNAVAILABLE_WITHIN, f"{method} {path}: 503 after {elapsed:.1f} s"
        finally:
            restores.compose("unpause", "mongodb")
        # The API recovers by itself, before the container's healthchecks pass again.
        status, elapsed = poll(api, 200, within=30)
        assert status == 200, f"no recovery after {elapsed:.1f} s"

    load.during(pause)
    load.check(restores, tally)
    assert api.get(f"/pokemons/{existing}").status_code == 200


def test_a_stopped_then_started_mongodb_loses_no_acknowledged_write(
    restores: RunningStack, api: httpx.Client, tally: Callable[..., None]
) -> None:
    load = Load(restores.api_url)
    api_started = restores.container("api").attrs["State"]["StartedAt"]

    def stop_and_start() -> None:
        restores.compose("stop", "mongodb")
        status, elapsed = poll(api, 503, within=10)
        assert status == 503 and elapsed < UNAVAILABLE_WITHIN
        restores.compose("start", "mongodb")
        restores.wait_healthy("mongodb", timeout=60)
        status, elapsed = poll(api, 200, within=30)
        assert status == 200, f"no recovery after {elapsed:.1f} s"

    load.during(stop_and_start)
    load.check(restores, tally)
    assert restores.container("api").attrs["State"]["StartedAt"] == api_started


def test_a_killed_mongodb_loses_no_acknowledged_write(
    restores: RunningStack, api: httpx.Client, tally: Callable[..., None]
) -> None:
    load = Load(restores.api_url)

    def kill_and_start() -> None:
        restores.compose("kill", "-s", "KILL", "mongodb")  # no shutdown, no flush
        restores.compose("start", "mongodb")
        restores.wait_healthy("mongodb", timeout=60)
        status, elapsed = poll(api, 200, within=30)
        assert status == 200, f"no recovery after {elapsed:.1f} s"

    load.during(kill_and_start)
    load.check(restores, tally)


def test_a_restarted_mongodb_loses_no_acknowledged_write(
    restores: RunningStack, api: httpx.Client, tally: Callable[..., None]
) -> None:
    load = Load(restores.api_url)

    def restart() -> None:
        restores.compose("restart", "mongodb")
        restores.wait_healthy("mongodb", timeout=60)
        status, elapsed = poll(api, 200, within=30)
        assert status == 200, f"no recovery after {elapsed:.1f} s"

    load.during(restart)
    load.check(restores, tally)


def test_a_killed_api_container_loses_no_acknowledged_write(
    restores: RunningStack, api: httpx.Client, tally: Callable[..., None]
) -> None:
    load = Load(restores.api_url)

    def kill_api() -> None:
        restores.compose("kill", "-s", "KILL", "api")  # requests in flight die with it
        restores.compose("start", "api")
        restores.wait_healthy("api", timeout=90)

    load.during(kill_api)
    # The killed process's open transactions hold the trainer until MongoDB drops them
    # (after 60 s): catches meanwhile lose the race for it, 409, and write nothing.
    load.check(restores, tally, refused=frozenset({409}))
    assert 0 in load.statuses, "the writers never met the killed API"
