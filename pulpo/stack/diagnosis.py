"""Why a stack did not come up, in one line, followed by the failing service's last log lines.

:func:`diagnose` turns what ``docker compose up --wait`` printed, and the state of the
stack's containers, into the error ``pulpo up`` reports: a port that is taken, or the
first service that failed. "First" follows the dependencies (the table's
:func:`~pulpo.stack.services.service_order`): when MongoDB is unhealthy, the API
waiting for it is not the news.
"""

import re
from typing import TYPE_CHECKING

from pulpo.stack.compose import SERVICE_LABEL, Stack
from pulpo.stack.engine import docker_client
from pulpo.stack.errors import EngineUnavailable, PortInUse, ServiceUnhealthy, StackError
from pulpo.stack.services import published_ports, service_order

if TYPE_CHECKING:
    from docker.models.containers import Container

LOG_LINES = 20
_HEALTHCHECK_REQUEST = re.compile(r'"GET /(api/)?health HTTP/[0-9.]+" \d{3}')


def diagnose(stack: Stack, compose_output: str) -> StackError:
    """The error for a stack that did not come up: the first failing service and its logs."""
    try:
        client = docker_client()
    except EngineUnavailable as error:
        return error
    lines = compose_output.strip().splitlines()
    allocated = [line for line in lines if "already allocated" in line or "address already" in line]
    if allocated:
        variables = [port.variable for port in published_ports(stack.services())]
        settings = ", ".join(variables[:-1]) + " or " + variables[-1]
        return PortInUse(
            f"a port of the stack is already in use ({allocated[-1].strip()[-200:]}); "
            f"set {settings} to free ports"
        )
    order = service_order(stack.all_services())
    problems = []  # (rank, service order, service, reason, container)
    for container in stack.containers(client):
        container.reload()
        service = container.labels.get(SERVICE_LABEL, container.name or "?")
        state = container.attrs.get("State", {})
        health = (state.get("Health") or {}).get("Status")
        if state.get("Status") == "running" and health in (None, "healthy"):
            continue
        if state.get("Status") == "created":
            continue  # waiting for a dependency: the dependency is the one to report
        checks = (state.get("Health") or {}).get("Log") or []
        last = (checks[-1].get("Output") or "").strip().splitlines() if checks else []
        check = f" (last check: {last[-1][:200]})" if last else ""
        if state.get("Status") in ("exited", "dead"):
            rank, reason = 0, f"exited with status {state.get('ExitCode')}"
        elif health == "unhealthy":
            rank, reason = 0, f"is unhealthy{check}"
        elif state.get("Status") == "restarting":
            rank, reason = 0, "keeps restarting"
        else:
            rank, reason = 1, f"was not healthy yet when the wait ended{check}"
        position = order.index(service) if service in order else len(order)
        problems.append((rank, position, service, reason, container))
    if problems:
        _, _, service, reason, container = min(problems, key=lambda problem: problem[:2])
        return ServiceUnhealthy(
            f"service {service!r} of {stack.compose_name} {reason}; its last log lines:\n"
            + last_lines(container)
        )
    detail = lines[-1].strip() if lines else "no output"
    return StackError(f"docker compose up failed: {detail}")


def last_lines(container: "Container", count: int = LOG_LINES) -> str:
    """The container's last log lines, indented, without the healthchecks' own requests."""
    from docker.errors import APIError
    from requests.exceptions import RequestException

    try:
        text = container.logs(tail=count * 10).decode("utf-8", "replace")
    except (APIError, RequestException) as error:  # the report goes on without them
        return f"  (logs unavailable: {error})"
    lines = [
        line.rstrip()
        for line in text.splitlines()
        if line.strip() and not _HEALTHCHECK_REQUEST.search(line)
    ]
    return "\n".join(f"  {line}" for line in lines[-count:]) if lines else "  (no output)"
