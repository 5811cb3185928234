"""Docker benchmarks of the generated stack, printed as a table.

    python scripts/bench_docker.py                 # cold build, warm up, no-op up
    python scripts/bench_docker.py --from-scratch  # also: nothing cached at all (slow, destructive)

Rows:

* **cold image build**: ``docker compose build --no-cache`` of every image of the
  Pokemon stack (offline: the base image and the wheelhouses stay cached);
* **warm up to healthy**: ``pulpo up`` with every image built, the stack down:
  containers created, started and healthy;
* **no-op up**: ``pulpo up`` of a stack that is already up and unchanged;
* **from scratch** (``--from-scratch``): an empty Pulpo cache and none of the
  ``pulpo-offline/*`` images: debootstrap, Debian's Python, wheelhouses, every
  image, then up. It deletes those images and caches; later runs rebuild them.

A second table holds the timing expectations of the testing strategy document
(shared/seeds/000_…txt), measured against the running stack instead of asserted in
a test: ``GET /health`` under 100 ms on average over 100 calls, and an operation
(the document's catch) under 1 s. Each is measured in rounds; the table shows the
median round and the spread (fastest to slowest round).

It runs its own copy of the example as the Compose project ``pulpo-bench`` on
free ports, and removes it (volumes included) at the end. Offline mode is used
when no registry is reachable, or with ``PULPO_OFFLINE=1``.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from rich.console import Console
from rich.table import Table

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.run.processes import free_port
from pulpo.stack.compose import OFFLINE_VARIABLE, Stack, offline_requested
from pulpo.stack.engine import docker_client, registry_reachable
from pulpo.stack.images import prepare
from pulpo.stack.offline import CACHE_VARIABLE
from pulpo.stack.progress import Lines
from pulpo.stack.running import down, up
from pulpo.stack.services import published_ports
from pulpo.validate import validate

if TYPE_CHECKING:
    from docker import DockerClient

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pokemon"
console = Console(highlight=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-scratch", action="store_true", help="time the uncached path too")
    parser.add_argument("--verbose", action="store_true", help="print what pulpo up says")
    args = parser.parse_args()
    client = docker_client()
    # PULPO_OFFLINE when set, else offline when no registry is reachable.
    offline = offline_requested() if os.environ.get(OFFLINE_VARIABLE) else not registry_reachable()

    say = Lines(
        (lambda line: console.print(f"  {line}", markup=False)) if args.verbose else _ignore
    )

    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="pulpo-bench-") as scratch:
        project = Path(scratch) / "pokemon"
        shutil.copytree(
            EXAMPLE, project, ignore=shutil.ignore_patterns("generated", ".pulpo", "__pycache__")
        )
        compile_project(validate(discover(project)))  # compile, then up: as `pulpo up` does
        stack = Stack.load(project, offline=offline, project_name="pulpo-bench")
        ports = published_ports(stack.services())
        stack.variables.update({port.variable: str(free_port()) for port in ports})
        try:
            if args.from_scratch:
                cache = Path(scratch) / "cache"
                os.environ[CACHE_VARIABLE] = str(cache)
                forget_offline_images(client)
                seconds = timed(lambda: up(stack, report=say))
                rows.append(("from scratch: cache, base images, images, up", seconds, "1 run"))
                down(stack, volumes=True)
            prepare(stack, report=say)  # base images and wheelhouses, as a user has them
            # Every image built here: the project's, and offline the stand-ins.
            services = [
                service.name
                for service in stack.services()
                if service.build or (offline and service.stand_in)
            ]
            seconds = timed(lambda: stack.compose("build", "--no-cache", *services, capture=True))
            rows.append(("cold image build (--no-cache)", seconds, ", ".join(services)))
            stack.variables.clear()
            stack.variables.update({port.variable: str(free_port()) for port in ports})
            seconds = timed(lambda: up(stack, report=say))
            rows.append(("warm up to healthy", seconds, "images built, stack down"))
            seconds = timed(lambda: up(stack, report=say))
            rows.append(("no-op up", seconds, "stack up and unchanged"))
            api = next(port for port in ports if port.service == "api")
            expectations = document_expectations(stack.url(api))
        finally:
            down(stack, volumes=True)

    mode = "offline (local stand-ins)" if offline else "online (official images)"
    table = Table("docker", "seconds", "notes", title=f"Pulpo Docker stack, {mode}")
    for name, seconds, note in rows:
        table.add_row(name, f"{seconds:.1f}", note)
    console.print(table)
    console.print(expectations)
    return 0


ROUNDS = 5
CATCH = {"trainer_name": "Ash", "pokemon_name": "Pikachu", "element": "Electric"}


def document_expectations(api: str) -> Table:
    """The document's two timing expectations, measured against the API at ``api``.

    Calls are made as the document makes them: ``requests`` without a session, so
    each one opens its own connection.
    """

    def health() -> None:
        assert requests.get(f"{api}/health", timeout=30).status_code == 200

    def catch() -> None:
        response = requests.post(
            f"{api}/operations/pokemon/management/catch", json=CATCH, timeout=30
        )
        assert response.status_code == 200, response.text

    table = Table(
        "expectation",
        "median round",
        "spread (rounds)",
        "target",
        "met",
        title=f"The testing strategy's timings ({ROUNDS} rounds each)",
    )
    for name, call, calls, target in (
        ("GET /health, mean of 100 calls", health, 100, 0.100),
        ("catch operation, mean of 10 calls", catch, 10, 1.0),
    ):
        call()  # warm: the first call may pay for connections and imports
        means = [mean_seconds(call, calls) for _ in range(ROUNDS)]
        median = statistics.median(means)
        table.add_row(
            name,
            f"{median * 1000:.1f} ms",
            f"{min(means) * 1000:.1f}–{max(means) * 1000:.1f} ms",
            f"< {target * 1000:.0f} ms",
            "yes" if median < target else "NO",
        )
    return table


def mean_seconds(call: Callable[[], None], calls: int) -> float:
    """The mean time of ``calls`` sequential calls of ``call``."""
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def _ignore(line: str) -> None:
    return None


def timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def forget_offline_images(client: "DockerClient") -> None:
    """Remove the pulpo-offline images (tags only where a container still uses one)."""
    from docker.errors import APIError

    for image in client.images.list():
        for tag in image.tags:
            if tag.startswith("pulpo-offline/"):
                try:
                    client.images.remove(tag)
                except APIError as error:  # in use by a container: keep it
                    console.print(f"  kept {tag}: {error.explanation or error}", markup=False)


if __name__ == "__main__":
    sys.exit(main())
