"""What a 2xx, a 409 and a 503 mean for the data, over real HTTP against a real database.

The generated Pokemon app runs under uvicorn; the tests that kill or freeze the
database start a server of their own (never an external ``MONGODB_URL``) and send
it real signals: ``SIGKILL`` after acknowledged writes, ``SIGSTOP``/``SIGCONT`` under
load. Each request is timed on its own; the bounds only catch a hang.
"""

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from bson import ObjectId
from pymongo import MongoClient
from served_app import served_app

from pulpo.run.database import DatabaseServer, database_server
from pulpo.run.processes import free_port

pytestmark = pytest.mark.reliability

SUITE = "data guarantees (local server)"

EXPERIENCE_PER_HOUR = 50  # the example's rule (pokemon.rules.EXPERIENCE_PER_HOUR)
UNAVAILABLE_WITHIN = 5.0  # seconds: MONGODB_TIMEOUT_MS is 2 s; a hang is the 10 s and more


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:6]}"


def operation(api: httpx.Client, name: str, **body: object) -> httpx.Response:
    return api.post("/operations/" + name.replace(".", "/"), json=body)


@pytest.fixture(scope="module")
def shared(pokemon_project: Path, mongodb_url: str) -> Iterator[tuple[httpx.Client, Any]]:
    """The app on the session's database server, and that database through another client."""
    database = f"guarantees_{uuid4().hex[:10]}"
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    with (
        served_app(pokemon_project, env) as base,
        httpx.Client(base_url=base, timeout=30) as api,
        MongoClient(mongodb_url) as client,
    ):
        yield api, client[database]
        client.drop_database(database)


@contextmanager
def own_database(data: Path, port: int) -> Iterator[DatabaseServer]:
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}
    with database_server(data, port=port, env=env) as server:
        assert server.pid is not None
        yield server


def wait_for_health(api: httpx.Client, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while api.get("/health").status_code != 200:
        assert time.monotonic() < deadline, "the API did not recover"
        time.sleep(0.2)


# --- concurrency and all-or-nothing ---------------------------------------------------------------


def test_fifty_concurrent_trainings_all_succeed_and_add_up(
    shared: tuple[httpx.Client, Any],
) -> None:
    api, _ = shared
    name = unique("Onix")
    caught = operation(
        api, "pokemon.management.catch", trainer_name=unique("Brock"), pokemon_name=name,
        element="Rock",
    )  # fmt: skip
    assert caught.status_code == 200, caught.text
    before = api.get(f"/pokemons/{caught.json()['pokemon_id']}").json()

    def train(_: int) -> httpx.Response:
        return operation(api, "pokemon.management.train", pokemon_name=name, training_hours=3)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(train, range(50)))
    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses]
    after = api.get(f"/pokemons/{caught.json()['pokemon_id']}").json()
    assert after["experience"] == before["experience"] + 50 * 3 * EXPERIENCE_PER_HOUR
    assert sorted(r.json()["experience"] for r in responses)[-1] == after["experience"]


def test_a_catch_that_fails_halfway_leaves_nothing(shared: tuple[httpx.Client, Any]) -> None:
    api, mongo = shared
    trainer = unique("Misfit")
    # Another client stored a trainer the model refuses: the catch fails after storing
    # its Pokemon, and must take it back.
    mongo["trainers"].insert_one({"name": trainer, "wins": "many"})
    response = operation(
        api, "pokemon.management.catch", trainer_name=trainer, pokemon_name="Psyduck",
        element="Water",
    )  # fmt: skip
    assert response.status_code == 409 and "does not match Trainer" in response.json()["detail"]
    assert mongo["pokemons"].count_documents({"trainer": trainer}) == 0
    assert "team" not in mongo["trainers"].find_one({"name": trainer})


# --- a killed database ----------------------------------------------------------------------------


def test_every_acknowledged_write_survives_a_killed_database(
    pokemon_project: Path, tmp_path: Path, tally: Callable[..., None]
) -> None:
    data, port = tmp_path / "db", free_port()
    created: list[str] = []  # ids of 201s
    caught: list[str] = []  # Pokemon ids of 200 catches
    trainer = unique("Durable")
    with ExitStack() as database:
        server = database.enter_context(own_database(data, port))
        env = {"MONGODB_URL": server.url, "MONGODB_DATABASE": "durable"}
        with (
            served_app(pokemon_project, env) as base,
            httpx.Client(base_url=base, timeout=30) as api,
        ):
            stop = threading.Event()

            def create(worker: int) -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    try:
                        if n % 2:
                            body = {"name": f"Kept-{worker}-{n}", "element": "Water"}
                            answer = api.post("/pokemons", json=body)
                            if answer.status_code == 201:
                                created.append(answer.json()["_id"])
                        else:
                            answer = operation(
                                api, "pokemon.management.catch", trainer_name=trainer,
                                pokemon_name=f"Caught-{worker}-{n}", element="Fire",
                            )  # fmt: skip
                            if answer.status_code == 200:
                                caught.append(answer.json()["pokemon_id"])
                    except httpx.TransportError:
                        return
                    if answer.status_code >= 500:
                        assert answer.status_code == 503, answer.text
                        return

            with ThreadPoolExecutor(max_workers=6) as pool:
                writers = [pool.submit(create, worker) for worker in range(6)]
                deadline = time.monotonic() + 60
                while len(created) + len(caught) < 60:
                    assert time.monotonic() < deadline, "too few writes acknowledged"
                    time.sleep(0.01)
                assert server.pid is not None
                os.kill(server.pid, signal.SIGKILL)  # writes are in flight
                database.close()  # reaps the killed server
                stop.set()
                for writer in writers:
                    writer.result(timeout=60)

            # The same data directory, the same port: the running API reconnects by itself.
            database.enter_context(own_database(data, port))
            wait_for_health(api)
            missing = [
                id for id in created + caught if api.get(f"/pokemons/{id}").status_code != 200
            ]
            tally(acknowledged=len(created + caught), found=len(created + caught) - len(missing))
            assert not missing, f"{len(missing)} acknowledged writes lost"
            stored = api.get("/trainers", params={"name": trainer}).json()
            assert len(stored) <= 1
            claimed = (stored[0]["team"] + stored[0]["box"]) if stored else []
            assert set(caught) <= set(claimed)
    with own_database(data, port) as server, MongoClient(server.url) as client:
        pokemons = client["durable"]["pokemons"]
        # No half-written catch: every caught Pokemon stored has its slot, and back.
        stored_caught = {str(doc["_id"]) for doc in pokemons.find({"trainer": trainer})}
        assert stored_caught == set(claimed)
        assert pokemons.count_documents({"_id": {"$in": [ObjectId(id) for id in created]}}) == len(
            created
        )


# --- a frozen database ----------------------------------------------------------------------------


def test_a_frozen_database_is_503_on_every_route_then_the_api_recovers(
    pokemon_project: Path, tmp_path: Path
) -> None:
    trainer = unique("Frozen")
    with own_database(tmp_path / "db", free_port()) as server:
        assert server.pid is not None
        pid = server.pid
        env = {"MONGODB_URL": server.url, "MONGODB_DATABASE": "frozen"}
        with (
            served_app(pokemon_project, env) as base,
            httpx.Client(base_url=base, timeout=30) as api,
        ):
            for rival in (trainer, "Rival"):
                registered = operation(
                    api, "pokemon.management.trainer_create", trainer_name=rival, region="Kanto"
                )
                assert registered.status_code == 200, registered.text
            for species, rival in (("Charmander", trainer), ("Squirtle", "Rival")):
                first = operation(
                    api, "pokemon.management.catch", trainer_name=rival, pokemon_name=species,
                    element="Fire",
                )  # fmt: skip
                assert first.status_code == 200, first.text
            # Frozen requests may still be carried out once the database thaws (a 503
            # says the outcome is unknown): the ones that delete act on the rival's.
            pokemon_id = first.json()["pokemon_id"]
            trainer_id = api.get("/trainers", params={"name": "Rival"}).json()[0]["_id"]
            fights = operation(api, "pokemon.battles.trainer_execute",
                               trainer1_name=trainer, trainer2_name="Rival")  # fmt: skip
            assert fights.status_code == 200, fights.text
            fight_id = fights.json()["fight_id"]
            requests = every_route(api, pokemon_id, trainer_id, fight_id, trainer)

            # Catches under load while the database freezes and thaws.
            answers: list[httpx.Response] = []
            stop = threading.Event()

            def load(worker: int) -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    answers.append(
                        operation(
                            api,
                            "pokemon.management.catch",
                            trainer_name=trainer,
                            pokemon_name=f"Load-{worker}-{n}",
                            element="Grass",
                        )  # fmt: skip
                    )

            with ThreadPoolExecutor(max_workers=4 + len(requests)) as pool:
                loaders = [pool.submit(load, worker) for worker in range(4)]
                time.sleep(0.5)
                os.kill(pid, signal.SIGSTOP)
                try:
                    timed = list(pool.map(lambda request: timed_call(api, request), requests))
                finally:
                    os.kill(pid, signal.SIGCONT)
                time.sleep(1)
                stop.set()
                for loader in loaders:
                    loader.result(timeout=60)

            for (method, path, _), (status, elapsed, detail) in zip(requests, timed, strict=True):
                assert status == 503, f"{method} {path}: {status} {detail}"
                assert detail, f"{method} {path}: 503 without detail"
                assert elapsed < UNAVAILABLE_WITHIN, f"{method} {path}: 503 after {elapsed:.1f} s"
            covered = {(method, _template(path)) for method, path, _ in requests}
            assert covered == database_routes(api), "a route the test does not freeze"
            assert {r.status_code for r in answers} <= {200, 503}, [r.text for r in answers]

            # Recovered with no restart, and nothing half-written: every Pokemon the
            # load stored has its slot, every 200 catch's Pokemon is stored.
            # A catch writes the trainer every interrupted catch wrote: no transaction
            # left open by the freeze holds it.
            wait_for_health(api)
            deadline = time.monotonic() + 30
            while True:
                after = operation(api, "pokemon.management.catch", trainer_name=trainer,
                                  pokemon_name="Thawed", element="Ice")  # fmt: skip
                if after.status_code == 200:
                    break
                assert time.monotonic() < deadline, f"no recovery: {after.text}"
                time.sleep(0.2)
            answers.append(after)
            stored = api.get("/trainers", params={"name": trainer}).json()[0]
            claimed = set(stored["team"] + stored["box"])
            listed = api.get("/pokemons", params={"trainer": trainer, "limit": 1000}).json()
            assert {pokemon["_id"] for pokemon in listed} == claimed
            acknowledged = {r.json()["pokemon_id"] for r in answers if r.status_code == 200}
            assert acknowledged <= claimed
            assert len(claimed) == len(stored["team"]) + len(stored["box"])


Request = tuple[str, str, dict[str, Any] | None]


def every_route(
    api: httpx.Client, pokemon_id: str, trainer_id: str, fight_id: str, trainer: str
) -> list[Request]:
    """A valid request for every route of the app that reaches the database."""
    ops: dict[str, dict[str, Any]] = {
        "pokemon/management/trainer_create": {"trainer_name": unique("New"), "region": "Kanto"},
        "pokemon/management/catch": {
            "trainer_name": trainer, "pokemon_name": "Eevee", "element": "Normal"
        },
        "pokemon/management/train": {"pokemon_name": "Charmander", "training_hours": 2},
        "pokemon/evolution/stage1": {"pokemon_name": "Charmander"},
        "pokemon/evolution/stage2": {"pokemon_name": "Charmeleon"},
        "pokemon/battles/trainer_execute": {"trainer1_name": trainer, "trainer2_name": "Rival"},
    }  # fmt: skip
    requests: list[Request] = [
        ("GET", "/health", None),
        ("GET", "/pokemons", None),
        ("POST", "/pokemons", {"name": "Snorlax", "element": "Normal"}),
        ("GET", f"/pokemons/{pokemon_id}", None),
        ("PATCH", f"/pokemons/{pokemon_id}", {"level": 9}),
        ("PUT", f"/pokemons/{pokemon_id}", {"level": 10}),
        ("DELETE", f"/pokemons/{pokemon_id}", None),
        ("GET", "/trainers", None),
        ("POST", "/trainers", {"name": unique("Posted")}),
        ("GET", f"/trainers/{trainer_id}", None),
        ("PATCH", f"/trainers/{trainer_id}", {"badges": 1}),
        ("PUT", f"/trainers/{trainer_id}", {"badges": 2}),
        ("DELETE", f"/trainers/{trainer_id}", None),
        ("GET", "/fight_results", None),
        ("GET", f"/fight_results/{fight_id}", None),
        *(("POST", f"/operations/{path}", body) for path, body in ops.items()),
    ]
    return [
        (method, path, body)
        for method, path, body in requests
        if (method, _template(path)) in database_routes(api)
    ]


def database_routes(api: httpx.Client) -> set[tuple[str, str]]:
    """Every (method, path template) of the served schema but the Prefect ones and the docs."""
    paths = api.get("/openapi.json").json()["paths"]
    return {
        (method.upper(), path)
        for path, methods in paths.items()
        if not path.startswith("/flows")
        for method in methods
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


def _template(path: str) -> str:
    """``/pokemons/6650...`` → ``/pokemons/{pokemon_id}``: the schema's own spelling."""
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] != "operations" and ObjectId.is_valid(parts[1]):
        singular = {"pokemons": "pokemon", "trainers": "trainer", "fight_results": "fight_result"}
        return f"/{parts[0]}/{{{singular[parts[0]]}_id}}"
    return path


def timed_call(api: httpx.Client, request: Request) -> tuple[int, float, str]:
    method, path, body = request
    started = time.monotonic()
    response = api.request(method, path, json=body)
    elapsed = time.monotonic() - started
    detail = response.json().get("detail", "") if response.content else ""
    return response.status_code, elapsed, str(detail)
