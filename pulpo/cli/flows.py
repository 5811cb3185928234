"""``pulpo flows``: list the Prefect flows of a project's operation hierarchy, and run one."""

import json
from pathlib import Path
from typing import Annotated

import typer

from pulpo.cli.common import ProjectArgument, err, out, reports_errors, valid_project
from pulpo.cli.tables import print_table

flows_app = typer.Typer(
    help="List and run the Prefect flows of a project (compile it first).", no_args_is_help=True
)


@flows_app.command("list")
@reports_errors
def flows_list_command(project: ProjectArgument = Path(".")) -> None:
    """List the flows: each group of operations, by stage, and each operation on its own.

    A scheduled operation says how often it runs on its own, and as which deployment.
    """
    from pulpo.run.flows import list_flows

    found = valid_project(project)
    rows = [
        [row.name, row.kind, "; ".join(filter(None, [row.runs or _ONE_TASK, row.schedule]))]
        for row in list_flows(found)
    ]
    # Names are what users copy into `pulpo flows run`: print_table never cuts a cell.
    print_table(out, ["flow", "kind", "runs (→ separates stages)"], rows)


@flows_app.command("run")
@reports_errors
def flows_run_command(
    name: Annotated[str, typer.Argument(help="A group or operation name, e.g. pokemon.evolution.")],
    project: ProjectArgument = Path("."),
    input: Annotated[
        str | None,
        typer.Option(
            "--input", "-i", help="The input as a JSON object (default: the flow's example)."
        ),
    ] = None,
) -> None:
    """Run a flow in-process against MONGODB_URL (or the embedded database); print its result.

    Each step is printed (on stderr) as it starts and ends; the result is JSON on stdout.
    Without --input the flow runs with its example input, from the operations' examples.
    Uses the Prefect server at PREFECT_API_URL, or a temporary local one when it is unset.
    """
    from pulpo.run.database import database_server
    from pulpo.run.flows import example_input, load_flows, parse_input, run
    from pulpo.run.serve import embedded_data_dir

    found = valid_project(project)
    flows = load_flows(found)
    if input is None and (example := example_input(flows, name)) is not None:
        err.print(f"no --input: running {name} with its example input {example}", markup=False)
    body = parse_input(flows, name, input)
    with database_server(embedded_data_dir(found)) as server:
        result = run(found, flows, name, body, server.url, announce=_step_line)
    out.print(json.dumps(result, indent=2), markup=False)


_ONE_TASK = "the operation, as one task"


def _step_line(line: str) -> None:
    err.print(line, markup=False)
