"""Render the templates of a project's generated package into file contents."""

from pathlib import PurePosixPath

from pulpo.generate.context import AppContext, header
from pulpo.templating import environment


def render_app(context: AppContext) -> dict[PurePosixPath, str]:
    """Every file of the generated package, by path relative to the package directory."""
    env = environment()
    common = {**vars(context), "header": header(f"the {context.project} project")}

    def render(template: str, **extra: object) -> str:
        return env.get_template(template).render(**common, **extra)

    files: dict[PurePosixPath, str] = {}
    for name in ("__init__.py", "settings.py", "dependencies.py", "errors.py", "app.py"):
        files[PurePosixPath(name)] = render(f"app/{name}.jinja")
    for package in ("routers", "schemas"):
        files[PurePosixPath(package, "__init__.py")] = render(f"app/{package}/__init__.py.jinja")
    files[PurePosixPath("routers/health.py")] = render("app/routers/health.py.jinja")
    for model in context.served_models:
        files[PurePosixPath("routers", f"{model.router_module}.py")] = render(
            "app/routers/model.py.jinja", model=model
        )
        files[PurePosixPath("schemas", f"{model.schema_module}.py")] = render(
            "app/schemas/model.py.jinja", model=model
        )
    if context.operations:
        files[PurePosixPath("routers/operations.py")] = render("app/routers/operations.py.jinja")
        files[PurePosixPath("schemas/operations.py")] = render("app/schemas/operations.py.jinja")
    if context.flows is not None:
        for name in ("flows.py", "schemas/flows.py", "routers/flows.py"):
            files[PurePosixPath(name)] = render(f"app/{name}.jinja")
    return files
