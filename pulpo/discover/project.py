"""The discovered project: what every later stage of the pipeline works on."""

from dataclasses import dataclass, field
from pathlib import Path

from pulpo.declare import ModelSpec, OperationSpec, Setting, Upstream
from pulpo.discover.config import ProjectConfig


@dataclass(frozen=True, order=True)
class Location:
    """A place in the user's code: a file and a 1-based line.

    The path is stored absolute (a relative one is resolved against the current
    directory when the Location is made), so a Location means the same file
    wherever the project was given from. ``str()`` renders it for the person
    reading it now, relative to their current directory (see :func:`shown`),
    which is what makes ``path:line`` clickable in a terminal or an editor.
    Locations sort by path, then line.
    """

    path: Path
    line: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path).resolve())

    def __str__(self) -> str:
        return f"{shown(self.path)}:{self.line}"


def shown(path: Path) -> str:
    """``path`` as printed: relative to the current directory when below it, else absolute."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:  # elsewhere: a ../../ chain would be harder to read than the full path
        return str(absolute)


@dataclass(frozen=True)
class ImportFailure:
    """A project module that raised while it was imported.

    ``also_breaks`` names the other modules that failed with the same error at
    the same place because they import ``module`` (or the file that raised).
    """

    module: str
    location: Location
    message: str
    also_breaks: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscoveredModel:
    spec: ModelSpec
    module: str
    file: Path


@dataclass(frozen=True)
class DiscoveredOperation:
    spec: OperationSpec
    module: str
    file: Path


@dataclass(frozen=True)
class DiscoveredSetting:
    """A :func:`pulpo.setting` a project module assigns at top level: ``NAME = setting(...)``."""

    setting: Setting[object]
    variable: str
    module: str
    location: Location


@dataclass(frozen=True)
class DiscoveredUpstream:
    """A :func:`pulpo.upstream` a project module assigns at top level."""

    upstream: Upstream
    variable: str
    module: str
    location: Location


@dataclass
class Project:
    """A project directory after discovery: its settings and every declaration in it."""

    root: Path
    config: ProjectConfig
    modules: dict[str, Path] = field(default_factory=dict)
    models: list[DiscoveredModel] = field(default_factory=list)
    operations: list[DiscoveredOperation] = field(default_factory=list)
    settings: list[DiscoveredSetting] = field(default_factory=list)
    upstreams: list[DiscoveredUpstream] = field(default_factory=list)
    import_failures: list[ImportFailure] = field(default_factory=list)

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output
