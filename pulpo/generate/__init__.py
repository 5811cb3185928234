"""Generate: turn a validated project into its FastAPI application package."""

from dataclasses import dataclass, field
from pathlib import Path

from pulpo.discover import Project
from pulpo.errors import PulpoError
from pulpo.generate.context import build_context
from pulpo.generate.formatting import format_tree
from pulpo.generate.output import differences, replace_output, staged
from pulpo.generate.render import render_app
from pulpo.generate.stack import render_stack
from pulpo.validate import Diagnostic, validate


class ProjectInvalid(PulpoError):
    """The project has errors; nothing was written."""

    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) found; nothing was written")
        self.diagnostics = diagnostics


@dataclass
class CompileResult:
    output: Path
    files: int
    changed: list[str] = field(default_factory=list)


def compile_project(project: Project, *, check: bool = False) -> CompileResult:
    """Validate ``project`` and write its generated package atomically.

    With ``check=True`` nothing is written: ``changed`` lists the files whose
    content on disk differs from what would be generated.
    """
    diagnostics = validate(project)
    if diagnostics:
        raise ProjectInvalid(diagnostics)
    files = render_app(build_context(project))
    files.update(render_stack(project, files))  # Dockerfiles and Compose files
    output = project.output_dir
    first_party = [*project.config.packages, project.config.output]
    with staged(output, files) as staging:
        format_tree(staging, (name.split(".")[0] for name in first_party))
        changed = differences(staging, output)
        if not check and changed:
            replace_output(staging, output)
    return CompileResult(output=output, files=len(files), changed=changed)


__all__ = ["CompileResult", "ProjectInvalid", "compile_project"]
