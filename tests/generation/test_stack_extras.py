"""What a project adds to its stack: catalogue services, mock upstreams, settings, ports.

``tests/projects/stacked`` asks for Redis (``[tool.pulpo] services``), names its API
service ``adapter``, moves Redis's host port, declares an upstream with a mock and
settings with test values. Its compiled stack is read back as Compose reads it
(``docker compose config``), so what is asserted is what the engine would run.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values

from pulpo.discover import ProjectError, discover, load_config
from pulpo.generate import compile_project
from pulpo.stack.compose import Stack
from pulpo.stack.engine import compose_command
from pulpo.stack.errors import EngineUnavailable
from pulpo.stack.plan import PlanError, StackPlan
from pulpo.stack.progress import Lines
from pulpo.stack.wrapper import install_test_compose
from pulpo.validate import validate

pytestmark = pytest.mark.generation

STACKED = Path(__file__).resolve().parents[1] / "projects" / "stacked"


def copy_stacked(target: Path) -> Path:
    shutil.copytree(STACKED, target, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    return target


@pytest.fixture(scope="module")
def stacked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_stacked(tmp_path_factory.mktemp("extras") / "stacked")
    compile_project(validate(discover(project)))
    return project


def compose_config(generated: Path, *files: str, env_file: str | None = None) -> dict[str, Any]:
    """``docker compose config`` of ``files``: the model the engine would run."""
    try:
        compose = compose_command()
    except EngineUnavailable as error:
        pytest.skip(str(error))
    arguments = [argument for name in files for argument in ("-f", name)]
    if env_file:
        arguments += ["--env-file", env_file]
    result = subprocess.run(
        [*compose, *arguments, "config", "--format", "json"],
        cwd=generated,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},  # nothing of ours interpolated
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def test_production_stack_has_redis_and_no_mock(stacked: Path) -> None:
    config = compose_config(stacked / "generated", "docker-compose.yml")
    services = config["services"]
    assert set(services) == {"mongodb", "adapter", "prefect-server", "flows", "redis"}
    redis = services["redis"]
    assert redis["image"] == "redis:7-alpine"
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert redis["volumes"][0]["source"] == "redis-data"
    assert redis["ports"][0]["published"] == "16380"  # [tool.pulpo.ports] redis
    for name in ("adapter", "flows"):
        environment = services[name]["environment"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        # The project's settings, with their production defaults: the real OFD.
        assert environment["OFD_API_URL"] == "https://ofd.example.com"
        assert environment["OFD_TIMEOUT"] == "10.0"
        assert environment["GREETING"] == "hello"
        assert "mock_ofd" not in services[name]["depends_on"]
    # The images running the project's code can talk to Redis.
    requirements = (stacked / "generated" / "stack" / "requirements.txt").read_text()
    assert "redis>=5" in requirements.splitlines()


def test_test_stack_runs_the_mock_and_points_the_project_at_it(stacked: Path) -> None:
    generated = stacked / "generated"
    config = compose_config(
        generated, "docker-compose.yml", "docker-compose.test.yml", env_file=".env.test"
    )
    services = config["services"]
    assert set(services) == {
        *("mongodb", "adapter", "prefect-server", "flows", "redis"),
        *("mock_ofd", "test_runner"),
    }
    mock = services["mock_ofd"]
    assert mock["image"] == "pulpo-mock:latest"
    assert mock["command"] == [
        *("python", "-m", "pulpo.mock", "--spec", "/spec/ofd.json"),
        *("--host", "0.0.0.0", "--port", "9100"),
    ]
    assert mock["volumes"][0]["source"] == str(generated / "stack" / "mocks" / "ofd.json")
    assert mock["volumes"][0]["read_only"] is True
    assert mock["ports"][0]["published"] == "9100" and mock["ports"][0]["target"] == 9100
    assert "http://127.0.0.1:9100/ofd/v1/health" in mock["healthcheck"]["test"][-1]
    spec = json.loads((generated / "stack" / "mocks" / "ofd.json").read_text())
    assert spec["name"] == "ofd" and spec["health"] == "/ofd/v1/health"

    for name in ("adapter", "flows", "test_runner"):
        environment = services[name]["environment"]
        assert environment["OFD_API_URL"] == "http://mock_ofd:9100", name
        assert environment["OFD_TIMEOUT"] == "5.0", name  # the setting's test value
        assert environment["GREETING"] == "hello, test stack", name
        assert services[name]["depends_on"]["mock_ofd"]["condition"] == "service_healthy"
    runner = services["test_runner"]["environment"]
    assert runner["PULPO_API_URL"] == "http://adapter:8000"
    assert runner["MOCK_OFD_URL"] == "http://mock_ofd:9100"
    assert runner["REDIS_URL"] == "redis://redis:6379/0"
    assert services["test_runner"]["depends_on"]["adapter"]["condition"] == "service_healthy"


def test_env_files_hold_test_values_and_production_defaults(stacked: Path) -> None:
    generated = stacked / "generated"
    test = dotenv_values(generated / ".env.test")
    assert test["OFD_API_URL"] == "http://mock_ofd:9100"
    assert test["OFD_TIMEOUT"] == "5.0"
    assert test["GREETING"] == "hello, test stack"
    assert (test["PULPO_API_PORT"], test["PULPO_REDIS_PORT"]) == ("18000", "16380")
    assert test["PULPO_MOCK_OFD_PORT"] == "9100"
    example = (generated / ".env.example").read_text()
    assert "# Seconds an OFD call may take.\nOFD_TIMEOUT=10.0\n" in example
    assert "\nOFD_API_URL=https://ofd.example.com\n" in example
    assert "PULPO_MOCK_OFD_PORT" not in example  # the mocks are the test stack's only


def test_editing_env_test_changes_the_test_stack(stacked: Path, tmp_path: Path) -> None:
    generated = stacked / "generated"
    edited = tmp_path / ".env.test"
    text = (generated / ".env.test").read_text()
    edited.write_text(text.replace("OFD_TIMEOUT=5.0", "OFD_TIMEOUT=3"))
    services = compose_config(
        generated, "docker-compose.yml", "docker-compose.test.yml", env_file=str(edited)
    )["services"]
    assert services["adapter"]["environment"]["OFD_TIMEOUT"] == "3"


def test_the_plan_is_written_and_read_back(stacked: Path) -> None:
    stack = Stack.load(stacked, test=True)
    plan = stack.plan()
    assert plan.api_service == "adapter" and plan.catalogue == ("redis",)
    assert [(mock.name, mock.port, mock.url_setting) for mock in plan.mocks] == [
        ("ofd", 9100, "OFD_API_URL")
    ]
    assert StackPlan.from_json(plan.to_json()) == plan
    assert [s.name for s in stack.services()][-2:] == ["mock_ofd", "test_runner"]
    assert "mock_ofd" not in [s.name for s in Stack.load(stacked).services()]
    # In test mode Compose reads the generated .env.test, then the project's own.
    assert "--env-file" in stack.command("ps")
    assert stack.setting("PULPO_REDIS_PORT", "") == "16380"


def test_the_root_compose_file_includes_the_test_stack(stacked: Path) -> None:
    stack = Stack.load(stacked, test=True, offline=True)
    install_test_compose(stack, Lines(lambda line: None))
    wrapper = yaml.safe_load((stacked / "docker-compose.test.yml").read_text())
    assert wrapper["include"] == [
        {
            "path": [
                "generated/docker-compose.yml",
                "generated/docker-compose.test.yml",
                "generated/docker-compose.offline.yml",
            ],
            "env_file": ["generated/.env.test", ".env.test"],
        }
    ]
    # The project's own .env.test is created once, and wins over the generated one.
    (stacked / ".env.test").write_text("GREETING=mine\n")
    services = compose_config(stacked, "docker-compose.test.yml")["services"]
    assert services["adapter"]["environment"]["GREETING"] == "mine"
    assert services["adapter"]["image"] == "pulpo-stacked-api:latest"
    assert services["mongodb"]["image"].startswith("pulpo-offline/mongodb-standin:")
    assert services["redis"]["image"] == "pulpo-offline/redis-standin:7-bookworm"


def test_a_catalogue_service_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    project = copy_stacked(tmp_path / "stacked")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["redis"]', '["redis", "kafka"]'))
    with pytest.raises(ProjectError) as error:
        load_config(project)
    message = str(error.value)
    assert message.startswith(f"{pyproject}: [tool.pulpo] services")
    assert "'kafka' is not a catalogue service (known: redis)" in message
    assert "\n" not in message


def test_a_port_key_no_service_has_is_one_line(tmp_path: Path) -> None:
    project = copy_stacked(tmp_path / "stacked")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("redis = 16380", "postgres = 5432"))
    with pytest.raises(PlanError) as error:
        compile_project(validate(discover(project)))
    assert str(error.value).startswith(f"{pyproject}: [tool.pulpo] ports: 'postgres'")
    assert not (project / "generated").exists()  # nothing half-written
