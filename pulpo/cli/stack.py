"""``pulpo up``, ``down``, ``ps`` and ``logs``: the project's Docker stack, through Compose.

The logic lives in :mod:`pulpo.stack` (running in :mod:`pulpo.stack.running`); these
commands parse options, sequence the steps (``pulpo up`` compiles, then brings the
stack up) and print; :mod:`pulpo.cli.app` registers them.
"""

from pathlib import Path
from typing import Annotated

import typer

from pulpo.cli.common import ProjectArgument, err, out, reports_errors, valid_project
from pulpo.cli.tables import print_table
from pulpo.discover import ProjectError
from pulpo.stack.services import SERVICES


@reports_errors
def up_command(
    project: ProjectArgument = Path("."),
    build: Annotated[
        bool, typer.Option("--build", help="Rebuild the images even if nothing changed.")
    ] = False,
    offline: Annotated[
        bool | None,
        typer.Option(
            "--offline/--online",
            help="Build local stand-ins instead of pulling official images "
            "(default: PULPO_OFFLINE, from the environment or the project's .env).",
        ),
    ] = None,
    wait_timeout: Annotated[
        int, typer.Option("--wait-timeout", min=1, help="Seconds to wait for healthy services.")
    ] = 300,
    test: Annotated[
        bool,
        typer.Option(
            "--test",
            help="Add docker-compose.test.yml: .env.test's values, the mocks, a test_runner.",
        ),
    ] = False,
    dev: Annotated[
        bool | None,
        typer.Option(
            "--dev/--no-dev",
            help="Development mode: mount the project into the API and flows containers "
            "and restart them when it changes (edit, `pulpo compile`, live in seconds) "
            "(default: PULPO_DEV, from the environment or the project's .env).",
        ),
    ] = None,
) -> None:
    """Compile, build what changed, start the Docker stack and wait until it is healthy."""
    from pulpo.generate import compile_project
    from pulpo.stack.compose import Stack
    from pulpo.stack.progress import RichReporter
    from pulpo.stack.running import up

    report = RichReporter(err)
    compiled = compile_project(valid_project(project))
    stack = Stack.load(project, offline=offline, test=test, dev=dev)
    if compiled.changed:
        report.say(f"compiled {stack.generated}: {len(compiled.changed)} file(s) changed")
    urls = up(stack, build=build, wait_seconds=wait_timeout, report=report)
    width = max(len(name) for name in urls)
    for name, url in urls.items():
        out.print(f"{name.ljust(width)}  {url}", markup=False)
    if stack.dev:
        err.print(
            f"dev mode: {stack.root} is mounted into api and flows; they restart when a "
            "Python file changes (run `pulpo compile` after editing the domain)",
            markup=False,
        )


@reports_errors
def down_command(
    project: ProjectArgument = Path("."),
    volumes: Annotated[
        bool, typer.Option("--volumes", "-v", help="Also delete the stack's data volumes.")
    ] = False,
) -> None:
    """Stop and remove the stack's containers (with -v, its MongoDB and Prefect data too)."""
    from pulpo.stack.compose import Stack
    from pulpo.stack.running import down

    stack = Stack.load(project)
    down(stack, volumes=volumes)
    out.print(
        f"{stack.compose_name} is down" + (", volumes removed" if volumes else ""), markup=False
    )


@reports_errors
def ps_command(project: ProjectArgument = Path(".")) -> None:
    """List the stack's containers: state, health, published ports and image."""
    from pulpo.stack.compose import Stack
    from pulpo.stack.running import ps

    stack = Stack.load(project)
    rows = ps(stack)
    if not rows:
        out.print(f"{stack.compose_name} has no containers; start it with `pulpo up`", markup=False)
        return
    columns = ["service", "state", "health", "ports", "image"]
    print_table(out, columns, [[row[column] for column in columns] for row in rows])


@reports_errors
def logs_command(
    project: ProjectArgument = Path("."),
    service: Annotated[
        str | None,
        typer.Argument(
            help=f"One service ({', '.join(s.name for s in SERVICES if not s.test_only)}); "
            "give the project first."
        ),
    ] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing.")] = False,
    tail: Annotated[int, typer.Option("--tail", min=0, help="Lines per service.")] = 100,
) -> None:
    """Print the stack's logs (every service, or one).

    The project comes first, as in every command, and the service narrows it:
    `pulpo logs . api` prints the API's logs of the project in the current directory.
    """
    from pulpo.stack.compose import Stack
    from pulpo.stack.running import logs

    if service is None and not project.is_dir():
        # Most likely `pulpo logs api`: a service name where the project goes.
        raise ProjectError(
            f"{project}: not a project directory (to name a service, give the project "
            f"first: `pulpo logs . {project}`)"
        )
    status = logs(Stack.load(project), service, follow=follow, tail=tail)
    if status:
        raise typer.Exit(status)
