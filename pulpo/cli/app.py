"""``pulpo``: compile, check and run a Pulpo project.

Every command takes the project directory as a positional argument (default:
the current one), after the command's other positional arguments:
``pulpo ops run NAME [PROJECT]``. ``pulpo logs [PROJECT] [SERVICE]`` puts the
project first because the service is the optional narrowing.

A user mistake is reported as one line on stderr with a non-zero exit status:
2 for an invalid project or invalid input, 1 for anything else that failed.
"""

import json
import shutil
from pathlib import Path
from typing import Annotated

import typer

from pulpo import __version__
from pulpo.cli import mock, stack
from pulpo.cli.common import ProjectArgument, err, out, reports_errors, valid_project
from pulpo.cli.flows import flows_app
from pulpo.cli.tables import print_table
from pulpo.discover import discover, shown
from pulpo.errors import UsageError

# The app's help is the docstring of its callback, `options` below.
app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ops_app = typer.Typer(help="List and run a project's operations.", no_args_is_help=True)
app.add_typer(ops_app, name="ops")


def _print_version(asked: bool) -> None:
    if asked:
        out.print(f"pulpo {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            # Eager: handled while the options are parsed, before a command is required.
            is_eager=True,
            callback=_print_version,
            help="Print Pulpo's version and exit.",
        ),
    ] = False,
) -> None:
    """Turn a typed Python domain into a running FastAPI + MongoDB service."""


@app.command("check")
@reports_errors
def check_command(project: ProjectArgument = Path(".")) -> None:
    """Report every problem in the project, each with its code and file:line."""
    from pulpo.validate import diagnose

    found = discover(project)
    diagnostics = diagnose(found)
    for diagnostic in diagnostics:
        err.print(str(diagnostic), markup=False)
    if diagnostics:
        err.print(f"{len(diagnostics)} problem(s) found", markup=False)
        raise typer.Exit(2)
    out.print(
        f"ok: {len(found.models)} datamodel(s), {len(found.operations)} operation(s)",
        markup=False,
    )


@app.command("compile")
@reports_errors
def compile_command(
    project: ProjectArgument = Path("."),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the output is out of date.")
    ] = False,
) -> None:
    """Generate the project's FastAPI package (written atomically, deterministic)."""
    from pulpo.generate import compile_project

    result = compile_project(valid_project(project), check=check)
    where = shown(result.output)
    if check:
        if result.changed:
            for path in result.changed:
                err.print(f"out of date: {where}/{path}", markup=False)
            err.print(f"{where} is out of date; run `pulpo compile {project}`", markup=False)
            raise typer.Exit(1)
        out.print(f"{where} is up to date ({result.files} files)", markup=False)
        return
    state = f"{len(result.changed)} changed" if result.changed else "unchanged"
    out.print(f"compiled {where}: {result.files} files, {state}", markup=False)


@app.command("graph")
@reports_errors
def graph_command(
    project: ProjectArgument = Path("."),
    what: Annotated[str, typer.Option("--what", help="models, operations or all.")] = "all",
) -> None:
    """Print Mermaid diagrams of the datamodels and of the operation hierarchy."""
    from pulpo.generate.mermaid import models_diagram, operations_diagram

    if what not in ("models", "operations", "all"):
        raise UsageError(f"--what must be models, operations or all, not {what!r}")
    found = valid_project(project)
    diagrams = []
    if what in ("models", "all"):
        diagrams.append(models_diagram(found))
    if what in ("operations", "all"):
        diagrams.append(operations_diagram(found))
    out.print("\n\n".join(f"```mermaid\n{diagram}\n```" for diagram in diagrams), markup=False)


@ops_app.command("list")
@reports_errors
def ops_list_command(project: ProjectArgument = Path(".")) -> None:
    """List the operations: name, inputs, output and order."""
    from pulpo.generate.annotations import Imports, render_annotation

    found = valid_project(project)
    rows = []
    for operation in found.operations:
        if operation.input_model is not None:
            inputs = operation.input_model.__name__
        else:
            inputs = ", ".join(
                f"{item.name}: {render_annotation(item.annotation, Imports())}"
                for item in operation.parameters
            )
        summary = operation.description.splitlines()[0] if operation.description else ""
        after = ", ".join(name.rpartition(".")[2] for name in operation.after)
        rows.append([operation.name, inputs, operation.output.__name__, after, summary])
    # Names are what users copy into `pulpo ops run`: print_table never cuts a cell.
    print_table(out, ["operation", "inputs", "output", "after", "description"], rows)


@ops_app.command("run")
@reports_errors
def ops_run_command(
    name: Annotated[str, typer.Argument(help="The dotted operation name.")],
    project: ProjectArgument = Path("."),
    input: Annotated[
        str | None,
        typer.Option(
            "--input", "-i", help="The input as a JSON object (default: its first example)."
        ),
    ] = None,
) -> None:
    """Run one operation in-process against MONGODB_URL (or the embedded database)."""
    from pulpo.run.database import database_server
    from pulpo.run.operations import example_input, find_operation, run
    from pulpo.run.serve import embedded_data_dir

    found = valid_project(project)
    if input is None and (example := example_input(find_operation(found, name))) is not None:
        err.print(f"no --input: running {name} with its example input {example}", markup=False)
    with database_server(embedded_data_dir(found)) as server:
        result = run(found, name, input, server.url)
    out.print(json.dumps(result, indent=2), markup=False)


@app.command("serve")
@reports_errors
def serve_command(
    project: ProjectArgument = Path("."),
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 8000,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
) -> None:
    """Serve the compiled API with uvicorn (starts the embedded database without MONGODB_URL)."""
    from pulpo.run.serve import serve

    found = valid_project(project)
    serve(found, host=host, port=port, announce=lambda line: out.print(line, markup=False))


@app.command("clean")
@reports_errors
def clean_command(
    project: ProjectArgument = Path("."),
    data: Annotated[
        bool, typer.Option("--data", help="Also delete the embedded database's data.")
    ] = False,
) -> None:
    """Delete the generated package (and, with --data, the embedded database)."""
    from pulpo.discover import load_config
    from pulpo.generate.output import ensure_owned

    config, _ = load_config(project)
    output = project / config.output
    removed = []
    if output.exists():
        ensure_owned(output)
        shutil.rmtree(output)
        removed.append(str(output))
    if data and (project / ".pulpo").exists():
        shutil.rmtree(project / ".pulpo")
        removed.append(str(project / ".pulpo"))
    out.print(f"removed {', '.join(removed)}" if removed else "nothing to remove", markup=False)


@app.command("version")
def version_command() -> None:
    """Print Pulpo's version (as --version does)."""
    _print_version(True)


# Flows and the Docker stack come after the project commands in `pulpo --help`.
app.add_typer(flows_app, name="flows")
app.command("up")(stack.up_command)
app.command("down")(stack.down_command)
app.command("ps")(stack.ps_command)
app.command("logs")(stack.logs_command)
app.command("mock")(mock.mock_command)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
