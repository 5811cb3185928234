"""Idempotency keys over real HTTP: a retried POST does its work once (IETF draft)."""

import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from served_app import served_app

pytestmark = pytest.mark.reliability

SUITE = "idempotency keys"


@pytest.fixture(scope="module")
def database(mongodb_url: str) -> Iterator[str]:
    name = f"idem_{uuid4().hex[:10]}"
    yield name
    with MongoClient(mongodb_url) as client:
        client.drop_database(name)


@pytest.fixture(scope="module")
def api(pokemon_project: Path, mongodb_url: str, database: str) -> Iterator[httpx.Client]:
    # No Prefect server (whatever the session started): starting a flow is a 503.
    env = {
        "MONGODB_URL": mongodb_url,
        "MONGODB_DATABASE": database,
        "PREFECT_API_URL": "http://127.0.0.1:9/api",
    }
    with (
        served_app(pokemon_project, env) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def mongo(mongodb_url: str, database: str) -> Iterator[object]:
    with MongoClient(mongodb_url) as client:
        yield client[database]


def key() -> dict[str, str]:
    return {"Idempotency-Key": f'"{uuid4()}"'}


def test_a_retried_create_stores_one_document_and_answers_the_same(
    api: httpx.Client, mongo: object
) -> None:
    name = f"Eevee-{uuid4().hex[:6]}"
    headers = key()
    body = {"name": name, "element": "Normal"}
    first = api.post("/pokemons", json=body, headers=headers)
    again = api.post("/pokemons", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert mongo["pokemons"].count_documents({"name": name}) == 1  # type: ignore[index]


def test_the_same_key_with_another_request_is_422(api: httpx.Client) -> None:
    headers = key()
    assert (
        api.post("/pokemons", json={"name": "A", "element": "Fire"}, headers=headers).status_code
        == 201
    )
    other = api.post("/pokemons", json={"name": "B", "element": "Fire"}, headers=headers)
    assert other.status_code == 422
    [error] = other.json()["detail"]  # FastAPI's validation-error shape, at the header
    assert error["loc"] == ["header", "Idempotency-Key"] and "another request" in error["msg"]
    elsewhere = api.post("/trainers", json={"name": "A"}, headers=headers)
    assert elsewhere.status_code == 422


def test_concurrent_retries_of_one_catch_catch_once(api: httpx.Client, mongo: object) -> None:
    trainer = f"Ash-{uuid4().hex[:6]}"
    headers = key()
    body = {"trainer_name": trainer, "pokemon_name": "Pikachu", "element": "Electric"}
    answers: list[httpx.Response] = []

    def catch() -> None:
        with httpx.Client(base_url=str(api.base_url), timeout=30) as client:
            answers.append(
                client.post("/operations/pokemon/management/catch", json=body, headers=headers)
            )

    threads = [threading.Thread(target=catch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    done = [answer.json() for answer in answers if answer.status_code == 200]
    assert all(item == done[0] for item in done)
    assert mongo["pokemons"].count_documents({"trainer": trainer}) == 1  # type: ignore[index]
    after = api.post("/operations/pokemon/management/catch", json=body, headers=headers)
    assert after.status_code == 200 and after.json() == done[0]


def test_a_server_error_is_not_kept_so_a_retry_runs_again(api: httpx.Client) -> None:
    headers = key()  # this app's Prefect is unreachable: starting a flow is 503, each time
    for _ in range(2):
        response = api.post(
            "/flows/pokemon/evolution", json={"stage1": {"pokemon_name": "X"}}, headers=headers
        )
        assert response.status_code == 503, response.text
        assert "Idempotent-Replayed" not in response.headers


def test_keys_expire_through_a_ttl_index(api: httpx.Client, mongo: object) -> None:
    api.post("/pokemons", json={"name": "Ttl", "element": "Water"}, headers=key())
    indexes = mongo["pulpo_idempotency_keys"].index_information()  # type: ignore[index]
    ttl = [index for index in indexes.values() if "expireAfterSeconds" in index]
    assert ttl and ttl[0]["key"] == [("expires_at", 1)]


@pytest.mark.parametrize("bad", [b"", b"x" * 256, "naïve".encode("latin-1"), b"a key", b'""'])
def test_a_malformed_key_is_422_at_the_header(api: httpx.Client, bad: bytes) -> None:
    response = api.post(
        "/pokemons", json={"name": "K", "element": "Fire"}, headers={"Idempotency-Key": bad}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


def test_the_header_is_declared_on_every_post(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    posts = [operation for item in paths.values() if (operation := item.get("post"))]
    assert posts
    for operation in posts:
        names = [parameter["name"] for parameter in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, operation["operationId"]
        assert {"409", "422"} <= set(operation["responses"])
