"""Run a compiled stack: ``pulpo up``, ``down``, ``ps`` and ``logs``, and waiting for health.

Everything goes through ``docker compose`` on the files ``pulpo compile`` wrote; the
Docker SDK reads the containers' state. Compiling comes first and is the caller's
(``pulpo up`` compiles, then calls :func:`up`)::

    compile_project(validate(discover(root)))
    stack = Stack.load(root, offline=True)
    urls = up(stack, report=Lines(print))  # builds what changed, waits until healthy
    down(stack, volumes=True)

Long steps (building images, waiting for healthy services) are reported through a
:class:`~pulpo.stack.progress.Reporter` as they happen, with their elapsed time. A
failure is a :class:`~pulpo.stack.errors.StackError` whose first line says what went
wrong (engine missing, port taken, a service unhealthy) and whose next lines are the
failing service's last log lines (:mod:`pulpo.stack.diagnosis`).
"""

import subprocess
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from pulpo.run.processes import port_free
from pulpo.stack.compose import SERVICE_LABEL, Stack
from pulpo.stack.diagnosis import diagnose
from pulpo.stack.engine import docker_client
from pulpo.stack.errors import PortInUse, StackError
from pulpo.stack.images import prepare
from pulpo.stack.progress import Lines, Reporter
from pulpo.stack.services import BIND_ADDRESS, BIND_VARIABLE, published_ports

if TYPE_CHECKING:
    from docker import DockerClient

DEFAULT_WAIT_SECONDS = 300


def up(
    stack: Stack,
    *,
    build: bool = False,
    wait_seconds: int = DEFAULT_WAIT_SECONDS,
    report: Reporter | None = None,
) -> dict[str, str]:
    """Build what is needed, start every service and wait until all are healthy.

    The project must be compiled. Returns the URLs to print, by label: the API, its
    docs, the Prefect UI, then MongoDB (see :func:`urls`).
    """
    report = report or Lines()
    check_ports(stack)
    prepare(stack, build=build, report=report)
    mode = " (dev mode)" if stack.dev else ""
    with report.step(f"{stack.compose_name}{mode}: starting, waiting until healthy") as step:
        arguments = ("up", "--detach", "--wait", "--wait-timeout", str(wait_seconds))
        with subprocess.Popen(
            stack.command(*arguments),
            env=stack.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as process:
            client = docker_client()
            while True:
                try:
                    output, _ = process.communicate(timeout=1)
                    break
                except subprocess.TimeoutExpired:  # still waiting: say for what
                    step.update(_waiting_for(client, stack))
        if process.returncode != 0:
            raise diagnose(stack, output)
    return urls(stack)


def _waiting_for(client: "DockerClient", stack: Stack) -> str:
    """``waiting for api (starting), flows (created)``: the services not healthy yet."""
    pending = []
    for container in stack.containers(client):
        state = container.attrs.get("State", {})
        status = (state.get("Health") or {}).get("Status") or state.get("Status", "?")
        if status not in ("healthy", "running"):
            pending.append(f"{container.labels.get(SERVICE_LABEL)} ({status})")
    return f"waiting for {', '.join(sorted(pending))}" if pending else ""


def urls(stack: Stack) -> dict[str, str]:
    """What ``pulpo up`` prints: each published port's links, web pages first.

    Offline, a stand-in's link says what stands in (``SecantusDB ..., a MongoDB
    wire-compatible stand-in``).
    """
    services = stack.services()
    notes = {s.name: s.stand_in.note for s in services if stack.offline and s.stand_in}
    found = [
        (link.label, stack.url(port, link.scheme) + link.path, notes.get(port.service, ""))
        for port in published_ports(services)
        for link in port.links
    ]
    found.sort(key=lambda item: not item[1].startswith("http"))  # stable: table order within
    return {label: url + (f"  ({note})" if note else "") for label, url, note in found}


def down(stack: Stack, *, volumes: bool = False) -> None:
    """Stop and remove the stack's containers (and, with ``volumes``, its data)."""
    stack.require_files()
    arguments = ["down", "--remove-orphans", "--timeout", "10"]
    if volumes:
        arguments.append("--volumes")
    # --remove-orphans: the test stack's services go too when it was brought up with --test.
    stack.compose(*arguments, capture=True)


def ps(stack: Stack) -> list[dict[str, str]]:
    """Every container of the stack: service, state, health, published ports and image."""
    client = docker_client()
    rows = []
    for container in stack.containers(client):
        state = container.attrs.get("State", {})
        ports = []
        for target, bindings in sorted((container.ports or {}).items()):
            for binding in bindings or []:
                ports.append(f"{binding['HostIp']}:{binding['HostPort']}->{target}")
        rows.append(
            {
                "service": container.labels.get(SERVICE_LABEL, "?"),
                "state": state.get("Status", container.status),
                "health": (state.get("Health") or {}).get("Status", "-"),
                "ports": ", ".join(ports),
                "image": _shown_tag(container.image.tags if container.image else []),
            }
        )
    return sorted(rows, key=lambda row: row["service"])


def _shown_tag(tags: list[str]) -> str:
    """The content tag rather than ``latest``, when an image has both."""
    specific = [tag for tag in tags if not tag.endswith(":latest")]
    return (specific or tags or [""])[0]


def logs(stack: Stack, service: str | None = None, *, follow: bool = False, tail: int = 100) -> int:
    """Print the services' logs through Compose; returns its exit status."""
    if service and not stack.test and service not in {s.name for s in stack.services()}:
        stack = replace(stack, test=True)  # a service only the test stack has: a mock
    stack.require_files()
    arguments = ["logs", "--tail", str(tail)]
    if follow:
        arguments.append("--follow")
    if service:
        arguments.append(service)
    return stack.compose(*arguments, check=False).returncode


def service_state(client: "DockerClient", stack: Stack, service: str) -> tuple[str, str]:
    """(state, health) of a service's container, e.g. ``("running", "healthy")``."""
    found = stack.containers(client, service)
    if not found:
        return "missing", "-"
    state = found[0].attrs.get("State", {})
    return state.get("Status", "?"), (state.get("Health") or {}).get("Status", "-")


def wait_healthy(stack: Stack, services: Iterable[str], timeout: float = 120) -> None:
    """Poll until every service's container is healthy; else ``ServiceUnhealthy``."""
    client = docker_client()
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending:
        pending = [s for s in pending if service_state(client, stack, s) != ("running", "healthy")]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise diagnose(stack, f"not healthy within {timeout:g} s: {', '.join(pending)}")
        time.sleep(0.5)


def check_ports(stack: Stack) -> None:
    """Refuse early, in one line, when a port to publish is taken by something else."""
    client = docker_client()
    ours: set[int] = set()
    for container in stack.containers(client):
        for bindings in (container.ports or {}).values():
            ours.update(int(binding["HostPort"]) for binding in bindings or [])
    host = stack.setting(BIND_VARIABLE, BIND_ADDRESS)
    for port in published_ports(stack.services()):
        value = stack.setting(port.variable, str(port.default))
        try:
            number = int(value)
        except ValueError:
            raise StackError(f"{port.variable}={value!r} is not a port number") from None
        if number in ours or number == 0:
            continue
        if not port_free(host, number):
            raise PortInUse(
                f"port {number} on {host} ({port.what}) is already in use: "
                f"set {port.variable} to a free port (in the environment or the project's .env)"
            )
