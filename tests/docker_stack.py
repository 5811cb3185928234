"""The ``docker_stack`` fixture: an example's generated Docker stack, really running.

Loaded from ``tests/conftest.py`` (``pytest_plugins``), so ``tests/docker`` and the
Docker pipeline test in ``tests/e2e`` share one stack per session. The example is
``examples/pokemon`` unless ``PULPO_DOCKER_EXAMPLE`` names another; an example's own
Docker tests get its stack from :func:`example_stack` (``with example_stack("receipts")
as running:``), whose :class:`RunningStack` gives each published service's URL
(``running.service_url("mock_ofd")``):

* the example is copied to ``$TMPDIR/pulpo-docker-tests/<example>`` and brought up
  with ``docker-compose.test.yml`` (its own database, .env.test, the mocks, the
  test_runner), as the Compose project ``pulpo-dockertest`` (``pulpo-dockertest-<example>``
  for another example) on free loopback ports, or on the example's own ports when
  ``PULPO_DOCKER_DEFAULT_PORTS=1`` and they are free (``run_docker_tests.sh --keep-up``:
  the design document's curl commands then work as written);
* images are built offline (local stand-ins) when no registry is reachable
  (one DNS lookup), or when ``PULPO_OFFLINE=1``; ``PULPO_DOCKER_BUILD=1`` rebuilds;
* at the end the stack goes ``down -v``, unless ``PULPO_KEEP_UP=1``: then it keeps
  running and the next session reuses it as it is;
* a kept-up stack runs in dev mode (``docker-compose.dev.yml``; ``PULPO_DOCKER_DEV``
  says otherwise): the project is mounted, the images' tags ignore its source, so a
  rerun after an edit of the example rebuilds nothing; the API and flows containers
  are restarted when the example or its generated package changed since they started;
* every ``pulpo up`` of the session installs the Pulpo wheel the stack was built with
  (``PULPO_WHEEL``), so an edit of Pulpo's source during the run rebuilds nothing;
* what takes long (images, waiting for healthy services) is reported as it happens,
  ``[docker]`` lines in pytest's terminal (:func:`terminal_lines`).

Without a Docker engine the tests are skipped with the reason, except under CI
(``CI`` set), where that is an error: CI provides the engine.
"""

import contextlib
import filecmp
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.run.processes import free_port, port_free
from pulpo.stack.compose import Stack, offline_requested
from pulpo.stack.engine import compose_command, docker_client, registry_reachable
from pulpo.stack.errors import EngineUnavailable
from pulpo.stack.progress import Lines, seconds
from pulpo.stack.running import down, ps, service_state, up, wait_healthy
from pulpo.stack.services import TEST_DATABASE, published_ports
from pulpo.stack.tags import content_tag
from pulpo.validate import validate

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "pokemon"
EXAMPLE_VARIABLE = "PULPO_DOCKER_EXAMPLE"
COMPOSE_PROJECT = os.environ.get("PULPO_DOCKER_TEST_PROJECT", "pulpo-dockertest")


def compose_project(example: str) -> str:
    """The Compose project of an example's test stack: ``pulpo-dockertest[-<example>]``."""
    return COMPOSE_PROJECT if example == "pokemon" else f"{COMPOSE_PROJECT}-{example}"


@dataclass
class RunningStack:
    """A stack that was healthy when the session started, and how to reach its parts."""

    stack: Stack
    client: "DockerClient"
    offline: bool

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.variables['PULPO_API_PORT']}"

    @property
    def api_service(self) -> str:
        """The API's Compose service name (``[tool.pulpo] api_service``)."""
        return self.stack.api_service

    def service_url(self, service: str, scheme: str = "http") -> str:
        """Where a service's published port is reached from the host: ``http://127.0.0.1:N``."""
        for port in published_ports(self.stack.services()):
            if port.service == service:
                return f"{scheme}://127.0.0.1:{self.stack.variables[port.variable]}"
        raise KeyError(f"{service} publishes no port")

    @property
    def urls(self) -> dict[str, str]:
        """Every published service's URL, by service name."""
        return {
            port.service: f"http://127.0.0.1:{self.stack.variables[port.variable]}"
            for port in published_ports(self.stack.services())
        }

    @property
    def prefect_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.variables['PULPO_PREFECT_PORT']}"

    @property
    def mongodb_url(self) -> str:
        # The replica set's one member is known by its address inside the stack: direct.
        url = f"mongodb://127.0.0.1:{self.stack.variables['PULPO_MONGODB_PORT']}/"
        return url + "?directConnection=true" + ("&retryWrites=false" if self.offline else "")

    @property
    def database(self) -> str:
        """The API's database: docker-compose.test.yml's, as the testing strategy names it."""
        return TEST_DATABASE

    @property
    def has_flows(self) -> bool:
        return "flows" in self.services()

    def compose(self, *arguments: str, check: bool = True) -> "subprocess.CompletedProcess[str]":
        return self.stack.compose(*arguments, capture=True, check=check)

    def container(self, service: str) -> "Container":
        found = self.stack.containers(self.client, service)
        assert found, f"no container for {service}"
        found[0].reload()
        return found[0]

    def state(self, service: str) -> tuple[str, str]:
        return service_state(self.client, self.stack, service)

    def wait_healthy(self, *services: str, timeout: float = 120) -> None:
        wait_healthy(self.stack, services or self.services(), timeout=timeout)

    def services(self) -> list[str]:
        """The services of the compiled stack that become healthy (the test_runner only runs)."""
        return [service.name for service in self.stack.services() if service.healthcheck]

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, timeout=30)


def _engine_or_skip() -> "DockerClient":
    try:
        client = docker_client()
        compose_command()
    except EngineUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide a Docker engine and Compose: {error}", pytrace=False)
        pytest.skip(f"Docker tests need an engine and Compose: {error}")
    return client


def _copied(example: Path) -> list[str]:
    """What a copy of the example holds: its packages (``[tool.pulpo] packages``) and tests."""
    from pulpo.discover import load_config

    config, _ = load_config(example)
    tops = dict.fromkeys(package.split(".")[0] for package in config.packages)
    return [name for name in [*tops, "tests"] if (example / name).is_dir()]


def sync_example(project: Path, example: Path = EXAMPLE) -> None:
    """Make ``project`` a copy of the example, writing only the files that differ.

    A dev-mode stack watches the project: rewriting unchanged files would restart it.
    """
    project.mkdir(parents=True, exist_ok=True)

    def copy_if_changed(source: str, target: str) -> None:
        if not (os.path.exists(target) and filecmp.cmp(source, target, shallow=False)):
            shutil.copyfile(source, target)

    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache")
    for name in _copied(example):
        shutil.copytree(
            example / name,
            project / name,
            ignore=ignore,
            copy_function=copy_if_changed,
            dirs_exist_ok=True,
        )
        for path in sorted((project / name).rglob("*"), reverse=True):
            gone = not (example / path.relative_to(project)).exists()
            if path.is_file() and "__pycache__" not in path.parts and gone:
                path.unlink()  # gone from the example
    copy_if_changed(str(example / "pyproject.toml"), str(project / "pyproject.toml"))


def offline_mode() -> bool:
    """``PULPO_OFFLINE`` when set; else offline when no registry is reachable."""
    if os.environ.get("PULPO_OFFLINE"):
        return offline_requested()
    return not registry_reachable()


def terminal_lines(request: pytest.FixtureRequest) -> Lines:
    """A :class:`~pulpo.stack.progress.Lines` reporter: ``[docker] ...`` on pytest's terminal.

    It writes at once, past pytest's output capturing: building takes minutes.
    """
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(f"[docker] {line}")
            return
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[docker] {line}")

    return Lines(write)


def _source_digest(project: Path) -> str:
    """What the API and flows containers run in dev mode: the domain and the generated code."""
    return content_tag(project, [*_copied(project), "generated", "pyproject.toml"])


@contextlib.contextmanager
def _pulpo_as_built(project: Path, scratch: Path) -> Iterator[None]:
    """Every ``pulpo up`` of the session installs the Pulpo the stack was built with.

    ``PULPO_WHEEL`` points at a copy of the wheel: an edit of Pulpo's source while the
    tests run (``pulpo up`` builds the wheel from it) must not rebuild the images.
    """
    if os.environ.get("PULPO_WHEEL"):
        yield
        return
    (wheel,) = (project / ".pulpo" / "dist").glob("pulpo-*.whl")
    os.environ["PULPO_WHEEL"] = str(shutil.copy(wheel, scratch))
    try:
        yield
    finally:
        del os.environ["PULPO_WHEEL"]


@contextlib.contextmanager
def _setting(name: str, value: bool) -> Iterator[None]:
    """``name`` set to 1 or 0 in the environment for the duration."""
    previous = os.environ.get(name)
    os.environ[name] = "1" if value else "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


def _restart_if_stale(running: "RunningStack", since: float, lines: Lines) -> None:
    """Restart api and flows when they started before ``since`` (wall clock), then wait.

    Their watchers would restart them too, a moment later: restarting here means
    the tests never meet a service in the middle of its reload.
    """
    from datetime import datetime

    stale = []
    api = running.api_service
    for service in (api, "flows") if running.has_flows else (api,):
        started = running.container(service).attrs["State"]["StartedAt"]
        if datetime.fromisoformat(started[:26].rstrip("Z") + "+00:00").timestamp() < since:
            stale.append(service)
    if stale:
        with lines.step(f"dev mode: the code changed, restarting {', '.join(stale)}"):
            running.compose("restart", *stale)
            running.wait_healthy()


def _ports(client: "DockerClient", stack: Stack) -> dict[str, str]:
    """The running stack's ports (a kept-up stack keeps them); else the stack's own ports
    when ``PULPO_DOCKER_DEFAULT_PORTS=1`` and they are free; else free ones."""
    ports: dict[str, str] = {}
    own = os.environ.get("PULPO_DOCKER_DEFAULT_PORTS") == "1"
    for port in published_ports(stack.services()):
        if os.environ.get(port.variable):
            ports[port.variable] = os.environ[port.variable]
            continue
        for container in stack.containers(client, port.service):
            bindings = (container.ports or {}).get(f"{port.container_port}/tcp") or []
            if bindings:
                ports[port.variable] = bindings[0]["HostPort"]
        default = int(stack.setting(port.variable, str(port.default)))
        if own and port.variable not in ports and port_free("127.0.0.1", default):
            ports[port.variable] = str(default)
        ports.setdefault(port.variable, str(free_port()))
    return ports


@contextlib.contextmanager
def example_stack(
    example: str = "pokemon",
    *,
    lines: Lines | None = None,
    failed: Callable[[], bool] = lambda: False,
    tmp: Path | None = None,
) -> Iterator[RunningStack]:
    """``examples/<example>``'s test stack, built and healthy; ``down -v`` at the end unless
    PULPO_KEEP_UP=1. ``failed()`` says, at the end, whether to report every service's state."""
    client = _engine_or_skip()
    lines = lines or Lines()
    source = EXAMPLES / example
    if not (source / "pyproject.toml").is_file():
        pytest.fail(f"{EXAMPLE_VARIABLE}={example}: no example at {source}", pytrace=False)
    name = compose_project(example)
    offline = offline_mode()
    keep_up = os.environ.get("PULPO_KEEP_UP") == "1"
    dev = os.environ.get("PULPO_DOCKER_DEV", "1" if keep_up else "0") == "1"
    # The example's copy, where a kept-up stack finds it again next session.
    project = Path(tempfile.gettempdir()) / "pulpo-docker-tests" / example
    before = _source_digest(project) if (project / "generated").is_dir() else ""
    sync_example(project, source)
    compile_project(validate(discover(project)))  # compile, then up: as `pulpo up` does
    stack = Stack.load(project, offline=offline, test=True, dev=dev, project_name=name)
    stack.variables.update(_ports(client, stack))
    stack.variables["PULPO_BIND_ADDRESS"] = "127.0.0.1"
    started, started_at = time.monotonic(), time.time()
    try:
        up(stack, build=os.environ.get("PULPO_DOCKER_BUILD") == "1", report=lines)
        running = RunningStack(stack=stack, client=client, offline=offline)
        if dev and before and _source_digest(project) != before:
            _restart_if_stale(running, started_at, lines)
    except BaseException:
        if not keep_up:
            down(stack, volumes=True)
        raise
    mode = " (dev mode)" if dev else ""
    lines.say(f"stack {name}{mode} ready in {seconds(time.monotonic() - started)}")
    scratch = Path(tempfile.mkdtemp(prefix="pulpo-wheel-", dir=tmp))
    # `pulpo up` in a test then keeps the session's mode.
    with _pulpo_as_built(project, scratch), _setting("PULPO_DEV", dev):
        yield running
    shutil.rmtree(scratch, ignore_errors=True)
    if failed():
        report(running, lines.say)
    if keep_up:
        if not os.environ.get("PULPO_DOCKER_RUNNER"):  # the runner script says it itself
            lines.say(f"PULPO_KEEP_UP=1: {name} keeps running ({running.api_url})")
    else:
        down(stack, volumes=True)


@pytest.fixture(scope="session")
def docker_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningStack]:
    """The stack of the example PULPO_DOCKER_EXAMPLE names (default: pokemon)."""
    with example_stack(
        os.environ.get(EXAMPLE_VARIABLE, "pokemon"),
        lines=terminal_lines(request),
        failed=lambda: bool(request.session.testsfailed),
        tmp=tmp_path_factory.mktemp("wheel"),
    ) as running:
        yield running


def report(running: RunningStack, announce: Callable[[str], None]) -> None:
    """After a failure: every service's state, and the logs of those that may explain it."""
    rows = ps(running.stack)
    ours = {service.name for service in running.stack.services() if service.build}
    for row in rows:
        announce(f"{row['service']}: {row['state']}, {row['health']}")
    for row in rows:
        if row["service"] in ours or row["health"] not in ("healthy", "-"):
            logs = running.container(row["service"]).logs(tail=200).decode("utf-8", "replace")
            lines = [line for line in logs.splitlines() if "GET /health" not in line]
            announce(f"---- last log lines of {row['service']} ----")
            for line in lines[-30:]:
                announce(f"  {line}")


@pytest.fixture
def api(docker_stack: RunningStack) -> Iterator[httpx.Client]:
    """An HTTP client of the API container, through its published port."""
    with docker_stack.http() as client:
        yield client
