"""The discovered project: what every later stage of the pipeline works on."""

from dataclasses import dataclass, field
from pathlib import Path

from pulpo.declare import ModelSpec, OperationSpec
from pulpo.discover.config import ProjectConfig


@dataclass(frozen=True, order=True)
class Location:
    """A place in the user's code: a path relative to the project root and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ImportFailure:
    """A project module that raised while it was imported."""

    module: str
    location: Location
    message: str


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


@dataclass
class Project:
    """A project directory after discovery: its settings and every declaration in it."""

    root: Path
    config: ProjectConfig
    modules: dict[str, Path] = field(default_factory=dict)
    models: list[DiscoveredModel] = field(default_factory=list)
    operations: list[DiscoveredOperation] = field(default_factory=list)
    import_failures: list[ImportFailure] = field(default_factory=list)

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output

    def relative(self, path: Path) -> str:
        """``path`` as the user sees it: relative to the project root when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
