"""What the stack is rendered from, and the few things it reads of a project itself.

``pulpo compile`` hands the stack a :class:`StackInputs`: a small, frozen summary of
the validated project (names, the domain packages, whether there are flows, the
routes the smoke tests call). The stack never sees the project model, the template
context of the app, or anything else of the generate stage, so either side can
change without the other::

    files = render(StackInputs(project="pokemon", package="generated", ...))

Three facts about a project are needed both when its stack is rendered and when it
is run, and live here once: the stack's name (:func:`stack_name`), the paths the
images copy (:func:`copied_paths`) and the project's own requirements
(:func:`project_requirements`).
"""

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pulpo.stack.mocks import MockPlan
from pulpo.stack.plan import ProjectSetting, StackPlan

_NOT_A_PIN = re.compile(r"^\s*pulpo(\s*\[[^\]]*\])?\s*($|[<>=!~;@ ])", re.IGNORECASE)


@dataclass(frozen=True)
class StackInputs:
    """The project, as far as its Docker stack is concerned."""

    project: str  # [tool.pulpo] name
    package: str  # the generated package: its directory below the root, the build context
    database: str  # the API's database unless PULPO_DATABASE says otherwise
    title: str  # "Pokemon API": how the images and the smoke tests name the app
    header: str  # the comment every generated file starts with (the generate stage's)
    root: Path  # the project root: the images' build context
    packages: tuple[str, ...]  # the domain's packages or modules, as [tool.pulpo] packages
    has_flows: bool  # the package has a flows module, so the stack has a flows service
    list_routes: tuple[str, ...] = ()  # "/pokemons": list routes the smoke tests call
    operation_routes: tuple[str, ...] = ()  # "/operations/pokemon/management/catch"
    settings: tuple[ProjectSetting, ...] = ()  # the project's pulpo.setting declarations
    mocks: tuple[tuple[MockPlan, str], ...] = ()  # each mocked upstream, with its spec (JSON)
    catalogue: tuple[str, ...] = ()  # [tool.pulpo] services
    ports: tuple[tuple[str, int], ...] = ()  # [tool.pulpo.ports]
    api_service: str = "api"  # [tool.pulpo] api_service
    settings_file: str = "[tool.pulpo]"  # where those come from, for errors: "pyproject.toml"

    @property
    def optional_services(self) -> tuple[str, ...]:
        """The optional services of the table this project's stack has."""
        return ("flows",) if self.has_flows else ()

    @property
    def plan(self) -> StackPlan:
        """What this project adds to the fixed services (see :mod:`pulpo.stack.plan`)."""
        return StackPlan(
            has_flows=self.has_flows,
            catalogue=self.catalogue,
            mocks=tuple(mock for mock, _ in self.mocks),
            settings=self.settings,
            ports=self.ports,
            api_service=self.api_service,
        )

    @property
    def has_tests(self) -> bool:
        """The project has a ``tests/`` directory: the test_runner's image copies it."""
        return (self.root / "tests").is_dir()


def stack_name(project: str) -> str:
    """``pulpo-<project>``: the Compose project and the prefix of the project's images."""
    return "pulpo-" + project.lower().replace("_", "-")


def copied_paths(root: Path, packages: Iterable[str]) -> tuple[str, ...]:
    """What the images copy of the domain: ``pokemon/`` for a package, ``tools.py`` for a module.

    Once each, in the order of ``packages``; a package keeps its trailing slash, as
    ``COPY`` wants it.
    """
    paths: list[str] = []
    for package in packages:
        top = package.split(".")[0]
        path = f"{top}/" if (root / top).is_dir() else f"{top}.py"
        if path not in paths:
            paths.append(path)
    return tuple(paths)


def project_requirements(root: Path) -> tuple[str, ...]:
    """``[project] dependencies`` of the project's ``pyproject.toml``, without Pulpo itself.

    Pulpo goes into the images as a wheel that ``pulpo up`` builds; everything else
    the domain needs is installed from the index (or, offline, the wheelhouse).
    """
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return ()
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return ()  # discovery reports an unreadable pyproject.toml
    dependencies = document.get("project", {}).get("dependencies", [])
    return tuple(
        str(item).strip()
        for item in dependencies
        if isinstance(item, str) and not _NOT_A_PIN.match(item)
    )
