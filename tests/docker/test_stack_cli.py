"""``pulpo up``, ``ps``, ``logs`` and ``down`` as a user runs them, against real containers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docker_stack import RunningStack

from pulpo.run.processes import free_port

pytestmark = pytest.mark.docker

PULPO = str(Path(sys.executable).with_name("pulpo"))


def pulpo(
    *arguments: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PULPO, *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stack_env(docker_stack: RunningStack, **extra: str) -> dict[str, str]:
    return {
        "COMPOSE_PROJECT_NAME": docker_stack.stack.compose_name,
        "PULPO_OFFLINE": "1" if docker_stack.offline else "0",
        **{key: value for key, value in docker_stack.stack.variables.items() if "PORT" in key},
        **extra,
    }


def test_ps_lists_every_service_healthy(docker_stack: RunningStack) -> None:
    # Wide enough for the table layout, one line per service (narrower prints records).
    env = stack_env(docker_stack, COLUMNS="300")
    result = pulpo("ps", str(docker_stack.stack.root), env=env)
    assert result.returncode == 0, result.stderr
    for service in docker_stack.services():
        line = next(line for line in result.stdout.splitlines() if f" {service} " in line)
        assert "healthy" in line, result.stdout


def test_logs_of_one_service(docker_stack: RunningStack) -> None:
    result = pulpo(
        "logs", str(docker_stack.stack.root), "api", "--tail", "5",
        env=stack_env(docker_stack),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines and all(line.startswith("api") for line in lines)


def test_up_again_is_a_no_op_that_prints_the_urls(docker_stack: RunningStack) -> None:
    api_id = docker_stack.container("api").id
    result = pulpo("up", str(docker_stack.stack.root), "--test", env=stack_env(docker_stack))
    assert result.returncode == 0, result.stderr
    assert "building" not in result.stderr, "an unchanged project was rebuilt"
    assert f"API         {docker_stack.api_url}" in result.stdout
    assert f"docs        {docker_stack.api_url}/docs" in result.stdout
    assert "Prefect UI" in result.stdout
    if docker_stack.offline:
        assert "MongoDB wire-compatible stand-in" in result.stdout
    assert docker_stack.container("api").id == api_id, "a running service was recreated"


def test_a_taken_port_is_one_line_and_exit_1(docker_stack: RunningStack) -> None:
    env = stack_env(
        docker_stack,
        COMPOSE_PROJECT_NAME=f"{docker_stack.stack.compose_name}-ports",
        PULPO_MONGODB_PORT=str(free_port()),
        PULPO_PREFECT_PORT=str(free_port()),
    )  # PULPO_API_PORT stays the running stack's
    result = pulpo("up", str(docker_stack.stack.root), env=env)
    assert result.returncode == 1
    port = docker_stack.stack.variables["PULPO_API_PORT"]
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 (the API) is already in use: set PULPO_API_PORT "
        "to a free port (in the environment or the project's .env)"
    ]


def test_an_unhealthy_service_is_named_with_its_last_log_lines(
    docker_stack: RunningStack,
) -> None:
    env = stack_env(
        docker_stack,
        COMPOSE_PROJECT_NAME=f"{docker_stack.stack.compose_name}-broken",
        PULPO_API_PORT=str(free_port()),
        PULPO_MONGODB_PORT=str(free_port()),
        PULPO_PREFECT_PORT=str(free_port()),
        PULPO_STACK_MONGODB_URL="mongodb://nowhere.invalid:27017/",
    )
    root = str(docker_stack.stack.root)
    try:
        result = pulpo("up", root, "--wait-timeout", "15", env=env)
        assert result.returncode == 1, result.stdout
        lines = result.stderr.strip().splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("error: "))
        name = f"{docker_stack.stack.compose_name}-broken"
        assert lines[first].startswith(f"error: service 'api' of {name} ")
        assert lines[first].endswith("its last log lines:")
        assert any("nowhere.invalid" in line for line in lines[first + 1 :]), result.stderr
    finally:
        down = pulpo("down", root, "-v", env=env)
        assert down.returncode == 0, down.stderr


def test_without_an_engine_the_error_says_so() -> None:
    result = pulpo("ps", ".", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"}, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: no Docker engine answers at unix:///nonexistent/docker.sock"
    )
    assert len(result.stderr.strip().splitlines()) == 1
