"""Discover: find a project's settings, import its modules once, collect its declarations."""

from pathlib import Path

from pulpo.discover.config import ProjectConfig, ProjectError, load_config
from pulpo.discover.importer import import_project
from pulpo.discover.project import (
    DiscoveredModel,
    DiscoveredOperation,
    DiscoveredSetting,
    DiscoveredUpstream,
    ImportFailure,
    Location,
    Project,
    shown,
)


def discover(root: Path | str) -> Project:
    """Load the settings of the project in ``root`` and import everything it declares."""
    root = Path(root)
    config, _ = load_config(root)
    project = Project(root=root, config=config)
    import_project(project)
    return project


__all__ = [
    "DiscoveredModel",
    "DiscoveredOperation",
    "DiscoveredSetting",
    "DiscoveredUpstream",
    "ImportFailure",
    "Location",
    "Project",
    "ProjectConfig",
    "ProjectError",
    "discover",
    "load_config",
    "shown",
]
