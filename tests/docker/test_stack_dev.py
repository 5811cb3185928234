"""Dev mode (``pulpo up --dev``): an edit plus ``pulpo compile`` is live without a rebuild.

The test runs a stack of its own (Compose project ``<test project>-dev``, its own copy
of the example, free ports), so the edit it makes never reaches the session's stack.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from docker_stack import (
    COMPOSE_PROJECT,
    _engine_or_skip,
    offline_mode,
    sync_example,
    terminal_lines,
)

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.run.processes import free_port
from pulpo.stack.compose import Stack
from pulpo.stack.images import prepare
from pulpo.stack.progress import Lines
from pulpo.stack.running import down, up
from pulpo.stack.services import published_ports
from pulpo.validate import validate

pytestmark = pytest.mark.docker

PULPO = str(Path(sys.executable).with_name("pulpo"))
ROUTE = "/operations/pokemon/greetings/hello"
# A new module of the example: a new operation, so a new route and a new flow.
GREETINGS = '''\
"""Greetings: added by the dev-mode test while the stack runs."""

from pydantic import BaseModel

from pulpo import operation


class Greeting(BaseModel):
    text: str


@operation("pokemon.greetings.hello")
async def hello(trainer_name: str) -> Greeting:
    """Greet a trainer."""
    return Greeting(text=f"Hello, {trainer_name}!")
'''


@dataclass
class DevStack:
    stack: Stack  # dev=True
    client: Any  # docker.DockerClient
    api_url: str

    def container(self, service: str) -> Any:
        found = self.stack.containers(self.client, service)
        assert len(found) == 1, f"{service}: {len(found)} containers"
        found[0].reload()
        return found[0]

    def identity(self, service: str) -> tuple[str, str, str]:
        """What changes when a container is recreated or its image rebuilt: id, start, image."""
        container = self.container(service)
        return container.id, container.attrs["State"]["StartedAt"], container.image.id


@pytest.fixture(scope="module")
def dev_stack(request: pytest.FixtureRequest) -> Iterator[DevStack]:
    """The example in dev mode, in a directory and a Compose project of its own."""
    client = _engine_or_skip()
    project = Path(tempfile.gettempdir()) / "pulpo-docker-dev" / "pokemon"
    shutil.rmtree(project.parent, ignore_errors=True)
    sync_example(project)
    compile_project(validate(discover(project)))  # compile, then up: as `pulpo up` does
    stack = Stack.load(
        project, offline=offline_mode(), dev=True, project_name=f"{COMPOSE_PROJECT}-dev"
    )
    stack.variables.update(
        {port.variable: str(free_port()) for port in published_ports(stack.services())}
    )
    stack.variables["PULPO_BIND_ADDRESS"] = "127.0.0.1"
    try:
        up(stack, report=terminal_lines(request))
        yield DevStack(stack, client, f"http://127.0.0.1:{stack.variables['PULPO_API_PORT']}")
    finally:
        down(stack, volumes=True)
        shutil.rmtree(project.parent, ignore_errors=True)


def poll(what: str, check: Any, within: float) -> Any:
    """Call ``check`` until it returns something true; fail naming ``what`` after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            if found := check():
                return found
        except httpx.TransportError:
            pass  # the API is restarting
        assert time.monotonic() < deadline, f"{what}: not within {within:g} s"
        time.sleep(0.5)


def test_an_edit_and_a_compile_are_live_without_a_rebuild(
    dev_stack: DevStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Pulpo stays as the images have it, whatever happens to its source meanwhile.
    (wheel,) = (dev_stack.stack.root / ".pulpo" / "dist").glob("pulpo-*.whl")
    monkeypatch.setenv("PULPO_WHEEL", str(shutil.copy(wheel, tmp_path)))
    services = ("api", "flows")
    before = {service: dev_stack.identity(service) for service in services}
    api = httpx.Client(base_url=dev_stack.api_url, timeout=10)
    assert ROUTE not in api.get("/openapi.json").json()["paths"]

    (dev_stack.stack.root / "pokemon" / "greetings.py").write_text(GREETINGS)
    compiled = subprocess.run(
        [PULPO, "compile", str(dev_stack.stack.root)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr

    # The API restarted on the new code: the route is there and runs the new operation.
    poll(
        "the new route in /openapi.json",
        lambda: ROUTE in api.get("/openapi.json").json()["paths"],
        90,
    )
    answer = api.post(ROUTE, json={"trainer_name": "Ash"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"text": "Hello, Ash!"}

    # The flows container restarted too: it serves the new flow, and runs it.
    def started() -> str | None:
        response = api.post("/flows/pokemon/greetings/hello", json={"trainer_name": "Misty"})
        return response.json()["flow_run_id"] if response.status_code == 202 else None

    run_id = poll("the new flow served by the flows container", started, 180)

    def finished() -> dict[str, Any] | None:
        body = api.get(f"/flows/runs/{run_id}").json()
        return body if body["state"] in ("COMPLETED", "FAILED", "CRASHED") else None

    body = poll("the new flow's run", finished, 120)
    assert body["state"] == "COMPLETED", body
    assert body["result"] == {"text": "Hello, Misty!"}

    # Not one container recreated or restarted by Docker, not one image rebuilt...
    assert {service: dev_stack.identity(service) for service in services} == before
    # ...and `pulpo up --dev` on the edited project reuses every image as it is.
    built = prepare(dev_stack.stack, report=Lines(lambda line: None))
    assert [image.service for image in built if image.built] == []
    api.close()
