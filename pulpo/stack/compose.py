"""A project's stack as Compose sees it: its files, its modes, its settings.

:class:`Stack` reads only the project's settings (nothing is imported or compiled):
where the generated Compose files are, which overrides apply, and the variables
Pulpo hands to ``docker compose``::

    stack = Stack.load(Path("examples/pokemon"), offline=True)
    stack.compose("ps")          # docker compose -p pulpo-pokemon -f ... ps

Three modes, each an override file on top of ``docker-compose.yml``:

* **test** (``docker-compose.test.yml``): a test database, short timeouts, the settings'
  test values (``.env.test``), the mock upstreams, the test_runner;
* **offline** (``docker-compose.offline.yml``): local stand-ins for the official images,
  from ``[tool.pulpo] offline``, ``PULPO_OFFLINE`` or ``pulpo up --offline``;
* **dev** (``docker-compose.dev.yml``): the project mounted into the API and the flows,
  restarted when it changes, from ``PULPO_DEV`` or ``pulpo up --dev``. In dev mode the
  images' content tags cover only what they install (see :mod:`pulpo.stack.images`).

A setting is read as Compose reads it: Pulpo's own variables first, then the
environment, then the project's ``.env``.
"""

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import dotenv_values

from pulpo.discover import load_config
from pulpo.stack import layout
from pulpo.stack.engine import compose_command
from pulpo.stack.errors import StackError
from pulpo.stack.inputs import stack_name
from pulpo.stack.plan import StackPlan, stack_services
from pulpo.stack.services import BIND_ADDRESS, BIND_VARIABLE, PublishedPort, Service

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

PROJECT_NAME_VARIABLE = "COMPOSE_PROJECT_NAME"
OFFLINE_VARIABLE = "PULPO_OFFLINE"
DEV_VARIABLE = "PULPO_DEV"
PROJECT_LABEL = "com.docker.compose.project"  # Compose labels every container it creates
SERVICE_LABEL = "com.docker.compose.service"


def flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting: 1, true, yes or on."""
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def offline_requested(env: Mapping[str, str] | None = None) -> bool:
    """``PULPO_OFFLINE`` set to 1/true/yes/on (in ``env``, by default the environment)."""
    return flag(os.environ if env is None else env, OFFLINE_VARIABLE)


@dataclass
class Stack:
    """One project's stack: where its Compose files are, and how to call Compose on them."""

    root: Path
    package: str  # the generated package, below root
    packages: tuple[str, ...]  # the domain's packages: what the images copy
    compose_name: str  # the Compose project: pulpo-<project> unless renamed
    image_prefix: str  # the project's images: <prefix>-api, -flows, -test (content tags)
    offline: bool = False
    test: bool = False  # add docker-compose.test.yml (test values, mocks, test_runner)
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
        name = stack_name(config.name)
        stack = cls(
            root=root.resolve(),
            package=config.output,
            packages=tuple(config.packages),
            compose_name=project_name or os.environ.get(PROJECT_NAME_VARIABLE) or name,
            image_prefix=name,
            test=test,
        )
        settings = {**stack.dotenv(), **os.environ}
        stack.offline = (
            (config.offline or offline_requested(settings)) if offline is None else offline
        )
        stack.dev = flag(settings, DEV_VARIABLE) if dev is None else dev
        return stack

    @property
    def generated(self) -> Path:
        return self.root / self.package

    @property
    def env_file(self) -> Path:
        """The project's ``.env`` (beside ``pyproject.toml``), handed to Compose when present."""
        return self.root / ".env"

    def env_files(self) -> list[Path]:
        """What Compose reads its settings from, later files winning: the project's ``.env``;
        in test mode then the generated ``.env.test`` and the project's own ``.env.test``."""
        files = [self.env_file]
        if self.test:
            files += [self.generated / str(layout.ENV_TEST), self.root / str(layout.ENV_TEST)]
        return [path for path in files if path.is_file()]

    def plan(self) -> StackPlan:
        """The plan ``pulpo compile`` wrote (``stack/plan.json``).

        A stack compiled before plans were written has the fixed services only, with
        flows when ``stack/flows.Dockerfile`` was generated.
        """
        stack_dir = self.generated / layout.STACK_DIR
        found = StackPlan.read(stack_dir)
        if found is not None:
            return found
        return StackPlan(has_flows=(stack_dir / "flows.Dockerfile").is_file())

    def all_services(self) -> tuple[Service, ...]:
        """Every service of the compiled stack, the test stack's included, in table order."""
        return stack_services(self.plan())

    def services(self) -> tuple[Service, ...]:
        """The services of the compiled stack in this mode: the test stack's only in test mode."""
        return tuple(s for s in self.all_services() if self.test or not s.test_only)

    @property
    def api_service(self) -> str:
        """The API's Compose service name (``[tool.pulpo] api_service``, compiled)."""
        return self.plan().api_service

    def containers(self, client: "DockerClient", service: str | None = None) -> list["Container"]:
        """The stack's containers (of one service), found by the labels Compose gives them."""
        labels = [f"{PROJECT_LABEL}={self.compose_name}"]
        if service:
            labels.append(f"{SERVICE_LABEL}={service}")
        return list(client.containers.list(all=True, filters={"label": labels}))

    def compose_files(self) -> list[Path]:
        files = [self.generated / str(layout.COMPOSE_FILE)]
        if self.test:
            files.append(self.generated / str(layout.TEST_COMPOSE_FILE))
        if self.offline:
            files.append(self.generated / str(layout.OFFLINE_COMPOSE_FILE))
        if self.dev:  # last: its commands and mounts win
            files.append(self.generated / str(layout.DEV_COMPOSE_FILE))
        return files

    def require_files(self) -> None:
        """Refuse, in one line, to run Compose on files that were never generated."""
        missing = [path for path in self.compose_files() if not path.is_file()]
        if missing:
            raise StackError(f"{missing[0]} not found: run `pulpo up {self.root}` first")

    def dotenv(self) -> dict[str, str]:
        """The env files (:meth:`env_files`), read as Compose reads them."""
        found: dict[str, str] = {}
        for path in self.env_files():
            found.update({key: value or "" for key, value in dotenv_values(path).items()})
        return found

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
        """``docker compose -p NAME -f ... [--env-file .env ...] ARGUMENTS``."""
        command = [*compose_command(), "-p", self.compose_name]
        for path in self.compose_files():
            command += ["-f", str(path)]
        for path in self.env_files():
            command += ["--env-file", str(path)]
        return command + list(arguments)

    def environment(self) -> dict[str, str]:
        """What Compose runs with: the environment, with Pulpo's variables over it."""
        return {**os.environ, **self.variables}

    def host(self) -> str:
        """Where the published ports are reached: the bind address, loopback for "any"."""
        host = self.setting(BIND_VARIABLE, BIND_ADDRESS)
        return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host

    def url(self, port: PublishedPort, scheme: str = "http") -> str:
        return f"{scheme}://{self.host()}:{self.setting(port.variable, str(port.default))}"
