"""A project's additions to its stack, running: Redis from the catalogue, a mock upstream.

``tests/projects/stacked`` (Redis, an ``ofd`` upstream mocked on port 9100, an API service
named ``adapter``) is brought up with its test stack, as the Compose project
``pulpo-dockertest-stacked`` on free ports, and driven the way the design document drives
its stack: plain ``docker compose -f docker-compose.test.yml`` from the project root.
"""

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docker_stack import (
    COMPOSE_PROJECT,
    RunningStack,
    _engine_or_skip,
    _ports,
    offline_mode,
    report,
    terminal_lines,
)

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.stack.compose import Stack
from pulpo.stack.engine import compose_command
from pulpo.stack.running import down, up
from pulpo.validate import validate

pytestmark = pytest.mark.docker

STACKED = Path(__file__).resolve().parents[1] / "projects" / "stacked"
SEND = "/operations/stacked/ofd/send"


@pytest.fixture(scope="module")
def stacked(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    client = _engine_or_skip()
    project = Path(tempfile.mkdtemp(prefix="pulpo-docker-stacked-")) / "stacked"
    shutil.copytree(STACKED, project, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    compile_project(validate(discover(project)))
    offline = offline_mode()
    stack = Stack.load(
        project, offline=offline, test=True, dev=False, project_name=f"{COMPOSE_PROJECT}-stacked"
    )
    stack.variables.update(_ports(client, stack))
    stack.variables["PULPO_BIND_ADDRESS"] = "127.0.0.1"
    failures = request.session.testsfailed
    try:
        up(stack, report=terminal_lines(request))
        running = RunningStack(stack=stack, client=client, offline=offline)
        yield running
        if request.session.testsfailed > failures:
            report(running, terminal_lines(request).say)
    finally:
        down(stack, volumes=True)
        shutil.rmtree(project.parent, ignore_errors=True)


def plain_compose(running: RunningStack, *arguments: str) -> "subprocess.CompletedProcess[str]":
    """``docker compose -f docker-compose.test.yml ...`` in the project root, as people run it."""
    return subprocess.run(
        [*compose_command(), "-f", "docker-compose.test.yml", *arguments],
        cwd=running.stack.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_plain_compose_sees_the_test_stack(stacked: RunningStack) -> None:
    result = plain_compose(stacked, "ps", "--format", "json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    states = {row["Service"]: row["State"] for row in lines}
    assert set(states) == {
        *("mongodb", "adapter", "prefect-server", "flows", "redis", "mock_ofd", "test_runner")
    }
    assert set(states.values()) == {"running"}


def test_redis_answers_ping_inside_the_stack(stacked: RunningStack) -> None:
    code = (
        "import os, redis; c = redis.Redis.from_url(os.environ['REDIS_URL']); "
        "print(os.environ['REDIS_URL'], c.ping())"
    )
    result = plain_compose(stacked, "exec", "-T", "test_runner", "python", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://redis:6379/0", "True"]


def test_the_api_is_pointed_at_the_mock(stacked: RunningStack) -> None:
    environment = stacked.container("adapter").attrs["Config"]["Env"]
    assert "OFD_API_URL=http://mock_ofd:9100" in environment
    assert "OFD_TIMEOUT=5.0" in environment  # the setting's test value, from .env.test
    assert "REDIS_URL=redis://redis:6379/0" in environment


def test_the_mock_answers_and_its_failures_are_switched_over_http(
    stacked: RunningStack,
) -> None:
    mock = stacked.service_url("mock_ofd")
    with httpx.Client(timeout=30) as client:
        assert client.post(f"{mock}/ofd/v1/_test/reset").status_code == 200
        sent = client.post(f"{stacked.api_url}{SEND}", json={"text": "first"})
        assert sent.status_code == 200, sent.text
        assert sent.json() == {"ofd_id": "OFD-000001", "greeting": "hello, test stack"}
        health = client.get(f"{mock}/ofd/v1/health").json()
        assert health["receipts_received"] == 1

        switched = client.post(f"{mock}/ofd/v1/_test/config", json={"permanent_failure": True})
        assert switched.status_code == 200, switched.text
        refused = client.post(f"{stacked.api_url}{SEND}", json={"text": "second"})
        assert refused.status_code == 503, refused.text  # the upstream is unavailable
        assert client.get(f"{mock}/ofd/v1/health").json()["receipts_received"] == 1

        assert client.post(f"{mock}/ofd/v1/_test/reset").status_code == 200
        assert client.get(f"{mock}/ofd/v1/health").json()["permanent_failure"] is False
