"""MongoDB in its container, reached by the API by service name on the Compose network."""

import uuid

import httpx
import pytest
from docker_stack import RunningStack
from pymongo import MongoClient

pytestmark = pytest.mark.docker


def test_documents_written_through_the_api_are_in_mongodb(
    docker_stack: RunningStack, api: httpx.Client
) -> None:
    name = f"Stored-{uuid.uuid4().hex[:8]}"
    created = api.post("/pokemons", json={"name": name, "element": "Grass", "level": 8})
    assert created.status_code == 201, created.text
    client: MongoClient[dict[str, object]] = MongoClient(
        docker_stack.mongodb_url, directConnection=True, serverSelectionTimeoutMS=5000
    )
    try:
        stored = client[docker_stack.database]["pokemons"].find_one({"name": name})
    finally:
        client.close()
    assert stored is not None
    assert str(stored["_id"]) == created.json()["_id"]
    assert stored["level"] == 8 and stored["element"] == "Grass"


def test_the_api_reaches_mongodb_by_service_name(docker_stack: RunningStack) -> None:
    api = docker_stack.container("api")
    environment = dict(item.split("=", 1) for item in api.attrs["Config"]["Env"])
    assert environment["MONGODB_URL"].startswith("mongodb://mongodb:27017/")
    assert environment["MONGODB_DATABASE"] == docker_stack.database
    # Both containers are on the stack's network, where "mongodb" is the database's name.
    network = f"{docker_stack.stack.compose_name}_default"
    mongodb = docker_stack.container("mongodb")
    assert network in api.attrs["NetworkSettings"]["Networks"]
    assert "mongodb" in mongodb.attrs["NetworkSettings"]["Networks"][network]["Aliases"]
    code, output = api.exec_run(
        ["python", "-c", "import socket; print(socket.gethostbyname('mongodb'))"]
    )
    assert code == 0, output
    address = mongodb.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
    assert output.decode().strip() == address


def test_the_api_runs_as_an_unprivileged_user(docker_stack: RunningStack) -> None:
    code, output = docker_stack.container("api").exec_run(["id", "-u"])
    assert code == 0 and output.decode().strip() != "0"


def test_the_test_runner_passes_inside_the_stack_network(docker_stack: RunningStack) -> None:
    """The test_runner stays up; the smoke tests run in it, as the design document runs pytest."""
    assert docker_stack.state("test_runner")[0] == "running"
    smoke = f"{docker_stack.stack.package}/stack/smoke_tests.py"
    result = docker_stack.compose(
        *("exec", "-T", "test_runner", "python", "-m", "pytest", "-q"),
        *("-p", "no:cacheprovider", smoke),
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_mongodb_keeps_its_data_in_a_named_volume(docker_stack: RunningStack) -> None:
    mounts = docker_stack.container("mongodb").attrs["Mounts"]
    data = [mount for mount in mounts if mount["Destination"] == "/data/db"]
    assert data and data[0]["Type"] == "volume"
    assert data[0]["Name"] == f"{docker_stack.stack.compose_name}_mongodb-data"


def test_the_offline_stand_in_says_what_it_is(docker_stack: RunningStack) -> None:
    if not docker_stack.offline:
        pytest.skip("online: mongodb is the official mongo image")
    labels = docker_stack.container("mongodb").image.labels
    assert "stand-in" in labels["org.opencontainers.image.title"]
    assert labels["io.pulpo.stand-in-for"] == "mongo:8.0"
