"""Generate: turn a validated project into its FastAPI application package."""

from dataclasses import dataclass, field
from pathlib import Path

from pulpo.generate.context import build_context, header
from pulpo.generate.formatting import format_tree
from pulpo.generate.output import differences, replace_output, staged
from pulpo.generate.render import render_app
from pulpo.stack import StackInputs
from pulpo.stack import render as render_stack
from pulpo.stack.plan import project_mocks, project_settings
from pulpo.validate import ValidProject


@dataclass
class CompileResult:
    output: Path
    files: int
    changed: list[str] = field(default_factory=list)


def compile_project(project: ValidProject, *, check: bool = False) -> CompileResult:
    """Write the generated package of a validated project atomically.

    With ``check=True`` nothing is written: ``changed`` lists the files whose
    content on disk differs from what would be generated.
    """
    app = build_context(project)
    files = render_app(app)
    stack = StackInputs(
        project=app.project,
        package=app.package,
        database=app.database,
        title=app.title,
        header=header(f"the {app.project} project"),
        root=project.root,
        packages=tuple(project.config.packages),
        has_flows=app.flows is not None,
        list_routes=tuple(model.route for model in app.models if "list" in model.routes),
        operation_routes=tuple(operation.path for operation in app.operations),
        settings=project_settings(found.setting for found in project.settings),
        mocks=project_mocks(found.upstream for found in project.upstreams),
        catalogue=project.config.services,
        ports=tuple(project.config.ports.items()),
        api_service=project.config.api_service,
        settings_file=_settings_file(project.root),
    )
    files.update(render_stack(stack))  # Dockerfiles and Compose files
    output = project.output_dir
    first_party = [*project.config.packages, project.config.output]
    with staged(output, files) as staging:
        format_tree(staging, (name.split(".")[0] for name in first_party))
        changed = differences(staging, output)
        if not check and changed:
            replace_output(staging, output)
    return CompileResult(output=output, files=len(files), changed=changed)


def _settings_file(root: Path) -> str:
    """Where ``[tool.pulpo]`` is read from, as errors name it."""
    for name in ("pulpo.toml", "pyproject.toml"):
        if (root / name).is_file():
            return str(root / name) + ": [tool.pulpo]"
    return "[tool.pulpo]"


__all__ = ["CompileResult", "compile_project"]
