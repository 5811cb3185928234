"""Import every module of a project exactly once and collect its declarations.

Modules are found on disk (not by importing packages to walk them), imported
with :func:`importlib.import_module` in a stable order, and each is scanned for
the specs that ``@datamodel`` and ``@operation`` attached to the objects it
*defines* (re-exports are skipped, so nothing is registered twice), and for the
settings and upstreams it assigns at top level (an object found under several
modules is the one whose source assigns it: ``NAME = setting(...)``). A module
that fails to import is recorded with the file and line that raised; the other
modules are still imported so that every problem is reported in one run.

Python forgets a module whose import failed, so every project module that
imports a broken one runs it again and fails again, at the same line with the
same message. Those repeats are folded into one failure (see :func:`_fold`): a
syntax error in ``models.py`` is one problem, whatever imports ``models``.
"""

import importlib
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType

from pulpo.declare import Setting, Upstream, model_spec, operation_spec
from pulpo.discover.config import ProjectError
from pulpo.discover.project import (
    DiscoveredModel,
    DiscoveredOperation,
    DiscoveredSetting,
    DiscoveredUpstream,
    ImportFailure,
    Location,
    Project,
)


def find_modules(root: Path, packages: tuple[str, ...], skip: set[str]) -> dict[str, Path]:
    """Map every module name under the configured packages to its file, sorted by name."""
    found: dict[str, Path] = {}
    for package in packages:
        base = root.joinpath(*package.split("."))
        if base.with_suffix(".py").is_file():
            found[package] = base.with_suffix(".py")
        elif (base / "__init__.py").is_file():
            for path in sorted(base.rglob("*.py")):
                relative = path.relative_to(root).with_suffix("")
                parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
                if any(part in skip or part.startswith(".") for part in parts):
                    continue
                if _is_inside_package(root, path.parent):
                    found[".".join(parts)] = path
        else:
            raise ProjectError(f"{root}: package {package!r} not found (looked for {base}/)")
    return dict(sorted(found.items()))


def import_project(project: Project) -> None:
    """Import the project's modules and fill ``project`` with what they declare."""
    root = str(project.root.resolve())
    if root in sys.path:  # first, even when an earlier discovery put it further down
        sys.path.remove(root)
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    project.modules = find_modules(project.root, project.config.packages, {project.config.output})
    _forget_foreign_modules(project)
    failures = []
    for name, path in project.modules.items():
        try:
            module = importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - user code may raise anything; it is reported
            failures.append(_describe_failure(project, name, path, error))
            continue
        _collect(project, module, path)
    project.import_failures = _fold(failures, project.modules)


def _collect(project: Project, module: ModuleType, path: Path) -> None:
    for variable, value in list(vars(module).items()):
        if isinstance(value, Setting | Upstream):
            _collect_assigned(project, variable, value, module.__name__, path)
            continue
        if getattr(value, "__module__", None) != module.__name__:
            continue
        if (spec := model_spec(value)) is not None:
            project.models.append(DiscoveredModel(spec, module.__name__, path))
        elif (op := operation_spec(value)) is not None:
            project.operations.append(DiscoveredOperation(op, module.__name__, path))


def _collect_assigned(
    project: Project, variable: str, value: Setting[object] | Upstream, module: str, path: Path
) -> None:
    """Record a setting or an upstream where its module's source assigns it, once."""
    known = project.settings if isinstance(value, Setting) else project.upstreams
    if any(found.variable == variable and found.module == module for found in known):
        return
    line = _assignment_line(path, variable)
    if line is None:  # imported from elsewhere: that module records it
        return
    location = Location(path, line)
    if isinstance(value, Setting):
        project.settings.append(DiscoveredSetting(value, variable, module, location))
    else:
        project.upstreams.append(DiscoveredUpstream(value, variable, module, location))


def _assignment_line(path: Path, variable: str) -> int | None:
    """The line of ``variable = ...`` (or ``variable: T = ...``) at the top level of ``path``."""
    pattern = re.compile(rf"^{re.escape(variable)}\s*(:[^=]*)?=(?!=)")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    return next((number for number, text in enumerate(lines, 1) if pattern.match(text)), None)


def _is_inside_package(root: Path, directory: Path) -> bool:
    """Every directory from ``root`` down to ``directory`` is a regular package."""
    while directory != root:
        if not (directory / "__init__.py").is_file():
            return False
        directory = directory.parent
    return True


def _forget_foreign_modules(project: Project) -> None:
    """Drop already-imported modules of the same names that come from another directory.

    Two projects may both call their package ``app``; without this, the second
    discovery in one process would silently see the first project's code.
    """
    for name, path in project.modules.items():
        loaded = sys.modules.get(name)
        loaded_file = getattr(loaded, "__file__", None)
        if loaded is not None and (
            loaded_file is None or Path(loaded_file).resolve() != path.resolve()
        ):
            for stale in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
                del sys.modules[stale]


def _describe_failure(
    project: Project, name: str, path: Path, error: BaseException
) -> ImportFailure:
    if isinstance(error, SyntaxError) and error.filename:
        location = Location(Path(error.filename), error.lineno or 1)
        return ImportFailure(name, location, f"SyntaxError: {error.msg}")
    location = Location(path, 1)
    root = project.root.resolve()
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        frame_path = Path(frame.filename)
        if frame_path.is_absolute() and frame_path.resolve().is_relative_to(root):
            location = Location(frame_path, frame.lineno or 1)
            break
    return ImportFailure(name, location, f"{type(error).__name__}: {error}")


def _fold(failures: list[ImportFailure], modules: dict[str, Path]) -> list[ImportFailure]:
    """One failure per distinct error: same place and same message are the same problem.

    It is reported for the module whose own file raised when that module is
    among the failed ones (else for the first imported), the other modules
    listed in ``also_breaks``, in import order.
    """
    repeats: dict[tuple[Location, str], list[ImportFailure]] = {}
    for failure in failures:
        repeats.setdefault((failure.location, failure.message), []).append(failure)
    folded = []
    for (location, message), group in repeats.items():
        own = [f for f in group if modules[f.module].resolve() == location.path]
        first = (own or group)[0]
        others = tuple(f.module for f in group if f is not first)
        folded.append(ImportFailure(first.module, location, message, others))
    return folded
