"""A project's stack plan: which services its stack has, built once, read by every step.

The service table (:mod:`pulpo.stack.services`) holds the services every stack has;
a project adds to them. :class:`StackPlan` says how, as plain data:

* ``catalogue``: standard services chosen in ``[tool.pulpo] services`` (Redis);
* ``mocks``: one ``mock_<name>`` per declared upstream with a ``mock``, test stack only;
* ``settings``: the project's own settings (:func:`pulpo.setting`), each with its
  production default (docker-compose.yml, ``.env.example``) and its test value
  (docker-compose.test.yml, ``.env.test``);
* ``ports``: ``[tool.pulpo.ports]``, host ports by service key; ``api_service``: the
  API's Compose service name (``[tool.pulpo] api_service``).

:func:`stack_services` turns a plan into the project's table, which the renderer, the
image builder and ``pulpo up`` all read. ``pulpo compile`` writes the plan beside the
stack (``stack/plan.json``), so running a stack reads what was compiled without
importing the project.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulpo.errors import UsageError
from pulpo.stack.catalogue import CATALOGUE
from pulpo.stack.mocks import MockPlan, mock_service
from pulpo.stack.services import (
    API_PORT,
    SERVICES,
    TEST_RUNNER,
    Env,
    Service,
    setting,
)

if TYPE_CHECKING:
    from pulpo.declare import Setting, Upstream

PLAN_FILE = "plan.json"  # below the generated package's stack/


class PlanError(UsageError):
    """The project's stack settings do not fit its stack (a port key no service has)."""

    exit_code = 2


@dataclass(frozen=True)
class ProjectSetting:
    """A project setting as the stack writes it: values already as environment strings."""

    name: str
    default: str
    test: str
    description: str = ""


@dataclass(frozen=True)
class StackPlan:
    """What a project adds to the fixed services; see the module's docstring."""

    has_flows: bool = False
    catalogue: tuple[str, ...] = ()
    mocks: tuple[MockPlan, ...] = ()
    settings: tuple[ProjectSetting, ...] = ()
    ports: tuple[tuple[str, int], ...] = ()
    api_service: str = "api"

    def to_json(self) -> str:
        document = {
            "api_service": self.api_service,
            "has_flows": self.has_flows,
            "catalogue": list(self.catalogue),
            "ports": dict(self.ports),
            "mocks": [vars(mock) for mock in self.mocks],
            "settings": [vars(item) for item in self.settings],
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "StackPlan":
        document: dict[str, Any] = json.loads(text)
        return cls(
            has_flows=bool(document.get("has_flows")),
            catalogue=tuple(document.get("catalogue", ())),
            mocks=tuple(MockPlan(**mock) for mock in document.get("mocks", ())),
            settings=tuple(ProjectSetting(**item) for item in document.get("settings", ())),
            ports=tuple((str(k), int(v)) for k, v in document.get("ports", {}).items()),
            api_service=str(document.get("api_service", "api")),
        )

    @classmethod
    def read(cls, stack_dir: Path) -> "StackPlan | None":
        """The plan ``pulpo compile`` wrote below ``stack_dir``; None for an older compile."""
        path = stack_dir / PLAN_FILE
        return cls.from_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def stack_services(plan: StackPlan, *, where: str = "[tool.pulpo]") -> tuple[Service, ...]:
    """The project's table: the fixed services, its catalogue services, its mocks, the runner.

    In that order (a failed start is diagnosed in dependency order, then this one). A
    port key or an API service name that does not fit is a :class:`PlanError`, its
    message starting with ``where`` (the settings file).
    """
    api = plan.api_service
    fixed = [s for s in SERVICES if s is not TEST_RUNNER and (not s.optional or plan.has_flows)]
    runner_environment = (
        Env("PULPO_API_URL", f"http://{api}:{API_PORT.container}"),
        *(Env(mock.runner_variable, mock.url) for mock in plan.mocks),
    )
    runner = replace(TEST_RUNNER, depends_on=(api,), environment=runner_environment)
    services = [
        *(replace(s, name=api) if s.key == "api" else s for s in fixed),
        *(CATALOGUE[name] for name in plan.catalogue),
        *(mock_service(mock) for mock in plan.mocks),
        runner,
    ]
    names = [service.name for service in services]
    if names.count(api) > 1:
        raise PlanError(f"{where} api_service: {api!r} is the name of another service")
    services = [_with_settings(service, plan.settings) for service in services]
    return tuple(_with_ports(services, dict(plan.ports), where))


def _with_settings(service: Service, settings: Iterable[ProjectSetting]) -> Service:
    """A service running the project's code gets its settings: defaults, and test values."""
    if not service.project_code:
        return service
    chosen = list(settings)
    main = tuple(
        Env(item.name, setting(item.name, _compose_value(item.default)), comment=item.description)
        for item in chosen
    )
    test = tuple(Env(item.name, setting(item.name, _compose_value(item.test))) for item in chosen)
    return replace(
        service,
        environment=(*service.environment, *main),
        test_environment=(*service.test_environment, *test),
    )


def _with_ports(services: list[Service], ports: Mapping[str, int], where: str) -> list[Service]:
    keys = {service.key: service for service in services if service.port is not None}
    for key in ports:
        if key not in keys:
            known = ", ".join(keys)
            raise PlanError(f"{where} ports: {key!r} is no service of the stack (keys: {known})")
    return [
        replace(s, port=replace(s.port, default=ports[s.key]))
        if s.port is not None and s.key in ports
        else s
        for s in services
    ]


def _compose_value(value: str) -> str:
    """A value inside ``${NAME:-value}``: a ``$`` doubled, so Compose does not read it."""
    return value.replace("$", "$$")


def environment_value(value: object) -> str:
    """A setting's value as its environment variable holds it (what ``Setting.parse`` reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value)


def project_settings(settings: Iterable["Setting[Any]"]) -> tuple[ProjectSetting, ...]:
    """The project's settings as the stack writes them, once each, in declaration order."""
    found: dict[str, ProjectSetting] = {}
    for item in settings:
        found.setdefault(
            item.name,
            ProjectSetting(
                item.name,
                environment_value(item.default),
                environment_value(item.test_value),
                item.description,
            ),
        )
    return tuple(found.values())


def project_mocks(upstreams: Iterable["Upstream"]) -> tuple[tuple[MockPlan, str], ...]:
    """Each mocked upstream's plan, with its spec file's text (:func:`pulpo.mock.spec.spec_of`)."""
    from pulpo.declare import Setting
    from pulpo.mock.spec import spec_of

    found = []
    for upstream in upstreams:
        if upstream.mock is None:
            continue
        mock = upstream.mock
        url = upstream.url.name if isinstance(upstream.url, Setting) else None
        plan = MockPlan(upstream.name, mock.port, mock.health, url)
        found.append((plan, json.dumps(spec_of(upstream), indent=2) + "\n"))
    return tuple(found)
