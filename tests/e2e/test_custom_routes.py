"""Operations served where the project wants them, over real HTTP (tests/projects/routes).

The routes of issue 10's adapter, on a small project: a ``GET`` whose parameters are
a typed query, a ``POST`` that requires an ``Idempotency-Key`` and receives it, one
that requires it without reading it, a ``POST`` with no parameters that takes no body
(``curl -X POST URL``), a ``DELETE`` with a query, JSON sent the way curl sends it by
default (``application/x-www-form-urlencoded``), and ``/health`` with the breaker of
the project's upstream.
"""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from served_app import served_app

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.e2e

ROUTES = Path(__file__).resolve().parents[1] / "projects" / "routes"
MISSING_KEY = {"detail": "Idempotency-Key header is required"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, mongodb_url: str) -> Iterator[str]:
    project = tmp_path_factory.mktemp("routes") / "routes"
    shutil.copytree(ROUTES, project, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    compile_project(validate(discover(project)))
    database = f"routes_{uuid4().hex[:10]}"
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    try:
        with served_app(project, env) as base:
            yield base
    finally:
        with MongoClient(mongodb_url) as mongo:
            mongo.drop_database(database)


@pytest.fixture
def api(served: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served, timeout=30) as client:
        yield client


def create(api: httpx.Client, key: str, **body: object) -> httpx.Response:
    return api.post("/v1/things", json=body, headers={"Idempotency-Key": key})


def test_a_get_operation_reads_a_typed_query(api: httpx.Client) -> None:
    for size in (1, 5, 9):
        assert create(api, uuid4().hex, name=f"s{size}", size=size).status_code == 200
    response = api.get("/v1/things/status", params={"at_least": 5})
    assert response.status_code == 200, response.text
    assert response.json()["at_least"] == 5
    assert response.json()["count"] >= 2
    assert api.get("/v1/things/status", params={"kind": "big"}).json()["kind"] == "big"
    assert api.get("/v1/things/status").json()["at_least"] == 0  # the default


@pytest.mark.parametrize(
    "params",
    [{"at_least": "many"}, {"kind": "huge"}, {"at_least": str(2**63)}, {"colour": "red"}],
    ids=["not an int", "not a kind", "beyond 64 bits", "unknown parameter"],
)
def test_a_bad_query_is_422(api: httpx.Client, params: dict[str, str]) -> None:
    response = api.get("/v1/things/status", params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def test_a_required_key_is_400_without_it_and_writes_nothing(
    api: httpx.Client, mongodb_url: str
) -> None:
    response = api.post("/v1/things", json={"name": "keyless", "size": 3})
    assert response.status_code == 400
    assert response.json() == MISSING_KEY
    register = api.post("/v1/things/register", json={"name": "keyless"})
    assert (register.status_code, register.json()) == (400, MISSING_KEY)
    assert api.get("/things", params={"name": "keyless"}).json() == []


def test_the_operation_receives_the_key_and_a_replay_writes_nothing(api: httpx.Client) -> None:
    key = uuid4().hex
    first = create(api, key, name="once", size=2)
    assert first.status_code == 200, first.text
    assert first.json()["key"] == key
    again = create(api, key, name="once", size=2)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/things", params={"name": "once"}).json()) == 1
    other = create(api, key, name="other", size=2)
    assert other.status_code == 422
    assert api.get("/things", params={"name": "other"}).json() == []


def test_a_quoted_key_reaches_the_operation_unquoted(api: httpx.Client) -> None:
    key = uuid4().hex
    response = api.post(
        "/v1/things", json={"name": "quoted", "size": 1}, headers={"Idempotency-Key": f'"{key}"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["key"] == key


def test_a_required_key_on_an_operation_that_does_not_read_it(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": uuid4().hex}
    first = api.post("/v1/things/register", json={"name": "registered"}, headers=headers)
    assert first.status_code == 200, first.text
    again = api.post("/v1/things/register", json={"name": "registered"}, headers=headers)
    assert again.json() == first.json()
    assert len(api.get("/things", params={"name": "registered"}).json()) == 1


def test_an_operation_without_parameters_takes_no_body(api: httpx.Client) -> None:
    assert create(api, uuid4().hex, name="empty", size=0).status_code == 200
    response = api.post("/v1/things/sweep")
    assert response.status_code == 200, response.text
    assert response.json()["removed"] >= 1
    assert api.post("/v1/things/sweep", content=b"").status_code == 200
    assert api.post("/v1/things/sweep", json={}).status_code == 200


def test_curl_without_a_content_type(served: str) -> None:
    """The design document's Example 3: ``curl -X POST URL -d '{...}'`` and no -H."""
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    posted = subprocess.run(
        [curl, "-sS", "-X", "POST", f"{served}/v1/things/register"]
        + ["-H", f"Idempotency-Key: {uuid4()}", "-d", '{"name": "curled", "size": 4}']
        + ["-w", "\n%{http_code}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, status = posted.stdout.rsplit("\n", 1)
    assert status == "200", body
    assert httpx.Response(200, content=body).json()["name"] == "curled"
    swept = subprocess.run(
        [curl, "-sS", "-X", "POST", f"{served}/v1/things/sweep", "-w", "\n%{http_code}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert swept.stdout.rsplit("\n", 1)[1] == "200", swept.stdout


def test_a_real_form_is_still_415(api: httpx.Client) -> None:
    response = api.post(
        "/v1/things/register", data={"name": "form"}, headers={"Idempotency-Key": uuid4().hex}
    )
    assert response.status_code == 415, response.text


def test_a_delete_operation_reads_its_query(api: httpx.Client) -> None:
    assert create(api, uuid4().hex, name="doomed", size=3).status_code == 200
    response = api.delete("/v1/things/by-name", params={"name": "doomed"})
    assert (response.status_code, response.json()) == (200, {"name": "doomed"})
    assert api.delete("/v1/things/by-name", params={"name": "doomed"}).status_code == 404
    assert api.delete("/v1/things/by-name").status_code == 422


def test_the_openapi_documents_the_routes(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    status = paths["/v1/things/status"]["get"]
    assert status["operationId"] == "things_status"
    query = {item["name"]: item for item in status["parameters"] if item["in"] == "query"}
    assert set(query) == {"at_least", "kind"}
    assert query["at_least"]["schema"]["maximum"] == 2**63 - 1
    assert "requestBody" not in status
    created = paths["/v1/things"]["post"]
    keys = [item for item in created["parameters"] if item["name"] == "Idempotency-Key"]
    assert len(keys) == 1 and keys[0]["required"] is True
    assert "400" in created["responses"]
    body = created["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/CreateInput")
    schema = api.get("/openapi.json").json()["components"]["schemas"]["CreateInput"]
    assert set(schema["properties"]) == {"name", "size"}  # the key is a header, not the body
    sweep = paths["/v1/things/sweep"]["post"]
    assert "requestBody" not in sweep
    optional = [item for item in sweep["parameters"] if item["name"] == "Idempotency-Key"]
    assert optional[0]["required"] is False  # every POST still takes one
    assert "delete" in paths["/v1/things/by-name"]
    assert not any(path.startswith("/operations/things") for path in paths)


def test_health_reports_the_upstream_breaker(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["status"] == "ok"
    peer = health["upstreams"]["peer"]
    assert peer["state"] == "closed"
    assert peer["failures"] == 0
    assert peer["url"] == "http://127.0.0.1:9"
