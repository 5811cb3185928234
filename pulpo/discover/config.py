"""Project settings: ``[tool.pulpo]`` in ``pyproject.toml``, or a ``pulpo.toml``.

A minimal ``pyproject.toml`` of a project::

    [tool.pulpo]
    name = "pokemon"          # default: the project directory's name
    packages = ["pokemon"]    # default: [name]
    output = "generated"      # the generated package, inside the project
    database = "pokemon"      # default MongoDB database name; default: name
    offline = false           # `pulpo up` without a container registry (or PULPO_OFFLINE=1)
    services = ["redis"]      # standard services added to the stack (pulpo.stack.catalogue)
    api_service = "api"       # the API's Compose service name (`docker compose logs api`)

    [tool.pulpo.ports]        # host ports of the stack's services, by service key
    api = 8001                # (default: PULPO_<KEY>_PORT's default, 18000 for the API)
    redis = 6380

``pulpo.toml`` holds the same keys at its top level (or under ``[tool.pulpo]``)
and wins over ``pyproject.toml`` when both exist.
"""

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pulpo.data.connection import DRIVERS
from pulpo.errors import UsageError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SERVICE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # what Compose takes as a service name


class ProjectError(UsageError):
    """The project directory or its settings cannot be used."""

    exit_code = 2


class ProjectConfig(BaseModel):
    """The validated ``[tool.pulpo]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Project name: the API title and the default database name.")
    packages: tuple[str, ...] = Field(description="Top-level packages or modules to discover.")
    output: str = Field(default="generated", description="Generated package directory name.")
    database: str = Field(description="Default MongoDB database name.")
    driver: str = Field(default="pymongo", pattern=f"^({'|'.join(DRIVERS)})$")
    offline: bool = Field(
        default=False,
        description="`pulpo up` builds local stand-in images instead of pulling official ones.",
    )
    services: tuple[str, ...] = Field(
        default=(), description="Standard services the stack adds, from pulpo.stack.catalogue."
    )
    api_service: str = Field(default="api", description="The API's Compose service name.")
    ports: dict[str, int] = Field(
        default_factory=dict, description="Host ports of the stack's services, by service key."
    )

    @field_validator("services")
    @classmethod
    def _catalogued(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from pulpo.stack.catalogue import CATALOGUE  # the stack's table, read lazily

        for name in value:
            if name not in CATALOGUE:
                known = ", ".join(sorted(CATALOGUE))
                raise ValueError(f"{name!r} is not a catalogue service (known: {known})")
        if len(set(value)) != len(value):
            raise ValueError("a service is named twice")
        return value

    @field_validator("api_service")
    @classmethod
    def _service_name(cls, value: str) -> str:
        if not _SERVICE_NAME.match(value):
            raise ValueError(f"{value!r} is not a Compose service name (a-z, 0-9, _ and -)")
        return value

    @field_validator("ports")
    @classmethod
    def _host_ports(cls, value: dict[str, int]) -> dict[str, int]:
        for key, port in value.items():
            if not 1 <= port <= 65535:
                raise ValueError(f"{key} = {port} is not a port number (1-65535)")
        return value

    @field_validator("name", "output", "database")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENTIFIER.match(value):
            raise ValueError(f"{value!r} must be a Python identifier")
        return value

    @field_validator("packages")
    @classmethod
    def _module_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one package")
        for package in value:
            if not all(_IDENTIFIER.match(part) for part in package.split(".")):
                raise ValueError(f"{package!r} is not a module name")
        return value


def load_config(root: Path) -> tuple[ProjectConfig, Path | None]:
    """Read the settings of the project in ``root``; returns them and the file they came from."""
    if not root.is_dir():
        raise ProjectError(f"{root}: not a project directory")
    table: dict[str, Any] = {}
    source: Path | None = None
    for candidate, in_tool_table in ((root / "pulpo.toml", False), (root / "pyproject.toml", True)):
        if candidate.is_file():
            document = _read_toml(candidate)
            found = document.get("tool", {}).get("pulpo")
            if found is None and not in_tool_table:
                found = document
            if found is not None:
                table, source = found, candidate
                break
    name = table.get("name", root.resolve().name)
    values = {"name": name, "packages": [name], "database": name, **table}
    try:
        return ProjectConfig.model_validate(values), source
    except ValidationError as error:
        where = source or root
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ProjectError(f"{where}: [tool.pulpo] {key}: {first['msg']}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ProjectError(f"{path}: invalid TOML: {error}") from None
