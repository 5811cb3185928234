"""Render the templates of a project's generated package into file contents."""

from pathlib import PurePosixPath

import jinja2

from pulpo.generate.context import AppContext, header


def environment(package: str = "pulpo") -> jinja2.Environment:
    """The Jinja2 environment of the templates in ``package``'s ``templates`` folder.

    Whitespace as a hand-written file has it, and an undefined name is an error,
    never an empty string.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Python source, not HTML
    )
    # ``{{ value | py }}`` writes a Python literal; ruff then normalizes its quotes.
    env.filters["py"] = repr
    return env


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
    for model in context.models:
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
