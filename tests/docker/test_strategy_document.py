"""The user's own tests, from "Docker Integration Testing Strategy" (shared/seeds/000_...txt).

Transcribed class by class with their literal payloads, and run in the document's
order against one fresh database (``pulpo_test``, the test stack's) of the running
stack. What the sketch got wrong is not copied (see shared/seeds/README.md):

* every test asserts something that can fail; ``pass`` bodies got a real check;
* no ``[200, 500, 503]``: a stopped database must answer 503, a healthy one 200;
* ``python -m prefect.cli flow run NAME`` is not a Prefect command: flows run with
  Pulpo's client, ``pulpo flows run NAME`` (in-process on the stack's Prefect server
  and database), and with Prefect's own, ``prefect deployment run 'FLOW/default'``
  inside the flows container, against the deployments that container serves;
* the stack's ports are its own (free ones), not fixed 8000/27017/4200;
* timings ("< 15 s", "< 100 ms", "< 1 s") are measured by ``make bench``
  (scripts/bench_docker.py), never asserted here.
"""

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from docker_stack import RunningStack
from pymongo import MongoClient

pytestmark = pytest.mark.docker

PULPO = str(Path(sys.executable).with_name("pulpo"))
FLOW_TIMEOUT = 300  # seconds; generous for a busy 2-core machine


@pytest.fixture(scope="module", autouse=True)
def fresh_database(docker_stack: RunningStack) -> None:
    """The document's tests start from an empty ``pulpo_test``; indexes stay in place."""
    assert docker_stack.database == "pulpo_test"
    with MongoClient(docker_stack.mongodb_url, directConnection=True) as client:
        database = client[docker_stack.database]
        for name in database.list_collection_names():
            if not name.startswith("system."):
                database[name].delete_many({})


@pytest.fixture(scope="module")
def docker_services(docker_stack: RunningStack) -> Path:
    """The document's ``docker_services``: the compiled project whose stack is running."""
    return docker_stack.stack.root


@pytest.fixture(scope="module")
def api_url(docker_stack: RunningStack) -> str:
    return docker_stack.api_url


@pytest.fixture
def mongo_client(docker_stack: RunningStack) -> Iterator[MongoClient[dict[str, Any]]]:
    """Connect to MongoDB in Docker (through the port the stack publishes)."""
    client: MongoClient[dict[str, Any]] = MongoClient(
        docker_stack.mongodb_url, directConnection=True, serverSelectionTimeoutMS=5000
    )
    yield client
    client.close()


def pulpo_flows_run(
    docker_stack: RunningStack, project: Path, name: str, *input: str
) -> subprocess.CompletedProcess[str]:
    """``pulpo flows run NAME [--input JSON]`` on the stack's Prefect server and database."""
    environment = {
        **os.environ,
        "PREFECT_API_URL": f"{docker_stack.prefect_url}/api",
        "MONGODB_URL": docker_stack.mongodb_url,
        "MONGODB_DATABASE": docker_stack.database,
    }
    arguments = ["--input", input[0]] if input else []
    return subprocess.run(
        [PULPO, "flows", "run", name, str(project), *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=FLOW_TIMEOUT,
        check=False,
    )


def prefect_deployment_run(docker_stack: RunningStack, deployment: str) -> tuple[str, str]:
    """Prefect's own CLI, inside the flows container: run a served deployment, watch it end.

    Returns what ``prefect deployment run --watch`` printed and the run's logs as
    ``prefect flow-run logs`` prints them.
    """

    def prefect(*arguments: str) -> str:
        result = docker_stack.compose(
            "exec", "-T", "flows", "prefect", *arguments, check=False
        )  # fmt: skip
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-3000:]
        return output

    watched = prefect(
        "deployment", "run", deployment, "--watch", "--watch-timeout", str(FLOW_TIMEOUT)
    )
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", watched)
    assert flow_run_id, watched
    return watched, prefect("flow-run", "logs", flow_run_id.group(1))


class TestMongoDBIntegration:
    """Test actual MongoDB operations."""

    def test_mongodb_connected(self, mongo_client: MongoClient[dict[str, Any]]) -> None:
        """Test MongoDB is running and responsive."""
        info = mongo_client.server_info()
        assert info["version"]

    def test_create_document(self, mongo_client: MongoClient[dict[str, Any]]) -> None:
        """Test creating a document in MongoDB."""
        db = mongo_client["pulpo_test"]
        collection = db["pokemons"]

        result = collection.insert_one(
            {"name": "Pikachu", "element": "Electric", "health": 35, "attack": 55}
        )

        doc = collection.find_one({"_id": result.inserted_id})
        assert doc is not None and doc["name"] == "Pikachu"

    def test_model_persistence(self, mongo_client: MongoClient[dict[str, Any]]) -> None:
        """Test @datamodel instances persist to MongoDB."""
        db = mongo_client["pulpo_test"]
        pokemon = {
            "name": "Charmander",
            "element": "Fire",
            "health": 39,
            "attacks": ["Scratch", "Ember"],
        }

        result = db.pokemons.insert_one(pokemon)

        retrieved = db.pokemons.find_one({"_id": result.inserted_id})
        assert retrieved is not None
        assert retrieved["name"] == "Charmander"
        assert retrieved["attacks"] == ["Scratch", "Ember"]

    def test_model_updates(self, mongo_client: MongoClient[dict[str, Any]]) -> None:
        """Test updating model documents."""
        db = mongo_client["pulpo_test"]
        collection = db["pokemons"]

        result = collection.insert_one({"name": "Bulbasaur", "level": 5, "experience": 0})
        collection.update_one(
            {"_id": result.inserted_id}, {"$set": {"level": 10, "experience": 1000}}
        )

        doc = collection.find_one({"_id": result.inserted_id})
        assert doc is not None
        assert doc["level"] == 10
        assert doc["experience"] == 1000


class TestAPIIntegration:
    """Test actual API endpoints running in Docker."""

    def test_api_health(self, api_url: str) -> None:
        response = requests.get(f"{api_url}/health", timeout=30)
        assert response.status_code == 200

    def test_create_pokemon_via_api(self, api_url: str) -> None:
        payload = {
            "name": "Pikachu",
            "element": "Electric",
            "health": 35,
            "attack": 55,
            "attacks": ["Thunderbolt"],
        }

        response = requests.post(
            f"{api_url}/pokemons",
            json=payload,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )

        assert response.status_code == 201, response.text
        data = response.json()
        assert data["name"] == "Pikachu"
        pokemon_id = data["_id"]

        response = requests.get(f"{api_url}/pokemons/{pokemon_id}", timeout=30)
        assert response.status_code == 200
        assert response.json()["name"] == "Pikachu"
        assert response.json()["attacks"] == ["Thunderbolt"]

    def test_operation_via_api(self, api_url: str) -> None:
        operation_payload = {
            "trainer_name": "Ash",
            "pokemon_name": "Pikachu",
            "element": "Electric",
        }

        response = requests.post(
            f"{api_url}/operations/pokemon/management/catch",
            json=operation_payload,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )

        assert response.status_code == 200, response.text
        result = response.json()
        assert result["success"] is True
        assert "Pikachu" in result["message"]

    def test_list_pokemons_api(self, api_url: str) -> None:
        for name in ["Pikachu", "Charmander", "Bulbasaur"]:
            created = requests.post(
                f"{api_url}/pokemons",
                json={"name": name, "element": "Fire", "health": 35, "attack": 55},
                timeout=30,
            )
            assert created.status_code == 201, created.text

        response = requests.get(f"{api_url}/pokemons", timeout=30)
        assert response.status_code == 200, response.text
        data = response.json()
        assert len(data) >= 3
        # The documents MongoDB's tests wrote directly are listed too, as far as they fit:
        # the Bulbasaur stored without an element reads with a null one.
        raw = [item for item in data if item["name"] == "Bulbasaur" and item["element"] is None]
        assert raw and raw[0]["level"] == 10 and raw[0]["experience"] == 1000

    def test_update_pokemon_via_api(self, api_url: str) -> None:
        create_response = requests.post(
            f"{api_url}/pokemons",
            json={"name": "Squirtle", "element": "Water", "health": 44, "attack": 48},
            timeout=30,
        )
        assert create_response.status_code == 201, create_response.text
        pokemon_id = create_response.json()["_id"]

        update_response = requests.put(
            f"{api_url}/pokemons/{pokemon_id}", json={"level": 10, "health": 50}, timeout=30
        )

        assert update_response.status_code == 200, update_response.text
        get_response = requests.get(f"{api_url}/pokemons/{pokemon_id}", timeout=30)
        assert get_response.json()["level"] == 10
        assert get_response.json()["health"] == 50


class TestPrefectIntegration:
    """Test actual Prefect flow execution in Docker."""

    def test_prefect_flow_runs(self, docker_stack: RunningStack, docker_services: Path) -> None:
        result = pulpo_flows_run(
            docker_stack,
            docker_services,
            "pokemon.management.catch",
            json.dumps({"trainer_name": "Ash", "pokemon_name": "Pikachu", "element": "Electric"}),
        )

        assert result.returncode == 0, result.stderr
        assert "Pikachu" in result.stdout
        assert json.loads(result.stdout)["success"] is True

    def test_parallel_operations(self, docker_stack: RunningStack, docker_services: Path) -> None:
        """catch, then train, each run by name with no input: their examples."""
        outputs = {}
        for name in ["pokemon.management.catch", "pokemon.management.train"]:
            result = pulpo_flows_run(docker_stack, docker_services, name)
            assert result.returncode == 0, result.stderr
            assert f"running {name} with its example input" in result.stderr
            outputs[name] = json.loads(result.stdout)

        assert outputs["pokemon.management.catch"]["pokemon_name"] == "Charmander"
        trained = outputs["pokemon.management.train"]
        assert trained["pokemon_name"] == "Charmander" and trained["new_level"] > 5

    def test_sequential_operations(self, docker_stack: RunningStack, docker_services: Path) -> None:
        """Evolution is sequential: stage1 → stage2, visibly in that order."""
        result = pulpo_flows_run(docker_stack, docker_services, "pokemon.evolution")

        assert result.returncode == 0, result.stderr
        assert result.stdout.index("stage1") < result.stdout.index("stage2")
        steps = result.stderr
        assert steps.index("pokemon.evolution.stage1 started") < steps.index(
            "pokemon.evolution.stage1 completed"
        )
        assert steps.index("pokemon.evolution.stage1 completed") < steps.index(
            "pokemon.evolution.stage2 started"
        )
        assert json.loads(result.stdout)["stage2"]["evolved_name"] == "Charizard"

    def test_prefects_own_cli_runs_the_served_deployments(
        self, docker_stack: RunningStack, mongo_client: MongoClient[dict[str, Any]]
    ) -> None:
        """A client Pulpo did not write: `prefect deployment run` in the flows container.

        The deployments the flows container serves run with their flow's example when
        started without parameters: a catch of a Charmander, then its evolution.
        """
        if not docker_stack.has_flows:
            pytest.fail("the generated stack has no flows service")
        pokemons = mongo_client["pulpo_test"]["pokemons"]
        before = pokemons.count_documents({"name": "Charizard"})

        watched, logs = prefect_deployment_run(docker_stack, "pokemon.management.catch/default")
        assert "Flow run finished successfully in 'Completed'" in watched
        assert "pokemon.management.catch completed" in logs
        watched, logs = prefect_deployment_run(docker_stack, "pokemon.evolution/default")

        assert "Flow run finished successfully in 'Completed'" in watched
        assert logs.index("pokemon.evolution.stage1 completed") < logs.index(
            "pokemon.evolution.stage2 started"
        )
        # The server streams logs to watchers too: --watch showed the steps as they ran.
        assert "pokemon.evolution.stage2 completed" in watched
        assert pokemons.count_documents({"name": "Charizard"}) == before + 1


class TestDataTransformationPipeline:
    """Test complete data transformation workflows."""

    def test_catch_train_evolve_pipeline(
        self, api_url: str, mongo_client: MongoClient[dict[str, Any]]
    ) -> None:
        trainer_response = requests.post(
            f"{api_url}/operations/pokemon/management/trainer_create",
            json={"trainer_name": "Ash", "region": "Kanto"},
            timeout=30,
        )
        assert trainer_response.status_code == 200, trainer_response.text

        catch_response = requests.post(
            f"{api_url}/operations/pokemon/management/catch",
            json={"trainer_name": "Ash", "pokemon_name": "Charmander", "element": "Fire"},
            timeout=30,
        )
        assert catch_response.status_code == 200, catch_response.text

        train_response = requests.post(
            f"{api_url}/operations/pokemon/management/train",
            json={"pokemon_name": "Charmander", "training_hours": 100},
            timeout=30,
        )
        assert train_response.status_code == 200, train_response.text
        train_data = train_response.json()
        assert train_data["new_level"] > 5

        evo1_response = requests.post(
            f"{api_url}/operations/pokemon/evolution/stage1",
            json={"pokemon_name": "Charmander"},
            timeout=30,
        )
        assert evo1_response.status_code == 200, evo1_response.text

        evo2_response = requests.post(
            f"{api_url}/operations/pokemon/evolution/stage2",
            json={"pokemon_name": "Charmeleon"},
            timeout=30,
        )
        assert evo2_response.status_code == 200, evo2_response.text

        db = mongo_client["pulpo_test"]
        pokemon = db.pokemons.find_one({"name": "Charizard"})
        assert pokemon is not None
        caught = db.pokemons.find_one({"_id": pokemon["_id"]})
        assert caught is not None and caught["element"] == "Fire"
        assert db.trainers.find_one({"name": "Ash"})["region"] == "Kanto"  # type: ignore[index]

    def test_battle_pipeline(self, api_url: str) -> None:
        for trainer_name in ["Ash", "Brock"]:
            registered = requests.post(
                f"{api_url}/operations/pokemon/management/trainer_create",
                json={"trainer_name": trainer_name, "region": "Kanto"},
                timeout=30,
            )
            assert registered.status_code == 200, registered.text

        for trainer_name in ["Ash", "Brock"]:
            caught = requests.post(
                f"{api_url}/operations/pokemon/management/catch",
                json={
                    "trainer_name": trainer_name,
                    "pokemon_name": f"{trainer_name}'s Pokemon",
                    "element": "Electric",
                },
                timeout=30,
            )
            assert caught.status_code == 200, caught.text

        battle_response = requests.post(
            f"{api_url}/operations/pokemon/battles/trainer_execute",
            json={"trainer1_name": "Ash", "trainer2_name": "Brock"},
            timeout=30,
        )

        assert battle_response.status_code == 200, battle_response.text
        battle_data = battle_response.json()
        assert battle_data["winning_trainer"] in ["Ash", "Brock"]
        assert battle_data["losing_trainer"] in ["Ash", "Brock"]
        assert battle_data["winning_trainer"] != battle_data["losing_trainer"]


class TestDockerErrorHandling:
    """Test error handling in Docker environment."""

    def test_invalid_operation_input(self, api_url: str) -> None:
        response = requests.post(
            f"{api_url}/operations/pokemon/management/catch",
            json={"trainer_name": "Ash"},  # Missing required fields
            timeout=30,
        )

        assert response.status_code == 422
        data = response.json()
        assert "pokemon_name" in str(data)

    def test_operation_not_found(self, api_url: str) -> None:
        response = requests.post(f"{api_url}/operations/nonexistent/operation", json={}, timeout=30)

        assert response.status_code == 404
        assert "detail" in response.json()

    def test_database_error_handling(self, docker_stack: RunningStack, api_url: str) -> None:
        """With MongoDB stopped the API says 503 with a detail; once it is back, 200."""
        payload = {"trainer_name": "Ash", "pokemon_name": "Pikachu", "element": "Electric"}
        docker_stack.compose("stop", "mongodb")
        try:
            response = requests.post(
                f"{api_url}/operations/pokemon/management/catch", json=payload, timeout=30
            )
            assert response.status_code == 503, response.text
            assert "MongoDB is unavailable" in response.json()["detail"]
        finally:
            docker_stack.compose("start", "mongodb")
            docker_stack.wait_healthy("mongodb", timeout=120)
        deadline = time.monotonic() + 60
        while True:
            response = requests.post(
                f"{api_url}/operations/pokemon/management/catch", json=payload, timeout=30
            )
            if response.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert response.status_code == 200, response.text
        assert response.json()["success"] is True


class TestServiceDiscovery:
    """Docker network & service discovery."""

    def test_service_discovery(self, api_url: str) -> None:
        """The API reaches MongoDB by its service name: /health pings it."""
        response = requests.get(f"{api_url}/health", timeout=30)
        assert response.status_code == 200
        assert response.json()["database"] == "reachable"

    def test_container_communication(
        self, docker_stack: RunningStack, api_url: str, mongo_client: MongoClient[dict[str, Any]]
    ) -> None:
        """What the API writes is in the mongodb container; the flows reach the Prefect server."""
        created = requests.post(
            f"{api_url}/pokemons", json={"name": "Mew", "element": "Psychic"}, timeout=30
        )
        assert created.status_code == 201, created.text
        stored = mongo_client["pulpo_test"]["pokemons"].find_one({"name": "Mew"})
        assert stored is not None and str(stored["_id"]) == created.json()["_id"]
        probes = {
            "api": "import os, pymongo; print(pymongo.MongoClient(os.environ['MONGODB_URL'], "
            "serverSelectionTimeoutMS=5000).admin.command('ping')['ok'])",
            "flows": "import urllib.request; "
            "print(urllib.request.urlopen('http://prefect-server:4200/api/health').status)",
        }
        for service, probe in probes.items():
            result = docker_stack.compose("exec", "-T", service, "python", "-c", probe, check=False)
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip() in ("1.0", "200"), result.stdout
