"""``pulpo mock [PROJECT] [UPSTREAM]``: serve a declared upstream's mock on this machine.

The same server the test stack runs in the upstream's place (:mod:`pulpo.mock`), for
local development and for tests that drive the project against it: point the upstream's
URL setting at it (``OFD_API_URL=http://127.0.0.1:9000``) and switch its failures over
its control API. The project is discovered, not compiled. The project comes first, as in
``pulpo logs``: the upstream is the narrowing, and may be left out when only one upstream
declares a mock.
"""

from pathlib import Path
from typing import Annotated

import typer

from pulpo.cli.common import ProjectArgument, err, reports_errors
from pulpo.discover import DiscoveredUpstream, Project, discover, shown
from pulpo.mock.spec import MockSpecError


@reports_errors
def mock_command(
    project: ProjectArgument = Path("."),
    upstream: Annotated[
        str | None,
        typer.Argument(
            help="The upstream's name (default: the only one with a mock).", show_default=False
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Port to listen on (default: the mock's)."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
) -> None:
    """Serve an upstream's mock: its routes, health and control API, until Ctrl-C."""
    from pulpo.mock.serve import serve
    from pulpo.mock.spec import parse, spec_of

    found = discover(project)
    declared = _find(found, upstream)
    try:
        spec = parse(spec_of(declared.upstream), f"upstream {declared.upstream.name!r}")
    except MockSpecError as error:  # the declaration is at fault: say where it is
        raise MockSpecError(f"{declared.location}: {error}") from None
    serve(spec, host=host, port=port, announce=lambda line: err.print(line, markup=False))


def _find(project: Project, name: str | None) -> DiscoveredUpstream:
    mocked = [item for item in project.upstreams if item.upstream.mock is not None]
    if name is None:
        if len(mocked) == 1:
            return mocked[0]
        names = ", ".join(item.upstream.name for item in mocked)
        if mocked:
            raise MockSpecError(f"name the upstream to mock: {names}")
        raise MockSpecError(
            f"no upstream of {shown(project.root)} declares a mock{_failures(project)}"
        )
    for item in project.upstreams:
        if item.upstream.name == name:
            if item.upstream.mock is None:
                raise MockSpecError(
                    f"{item.location}: upstream {name!r} declares no mock (add mock=Mock(...))"
                )
            return item
    known = ", ".join(item.upstream.name for item in project.upstreams) or "none"
    raise MockSpecError(
        f"no upstream {name!r} in {shown(project.root)} (declared: {known}){_failures(project)}"
    )


def _failures(project: Project) -> str:
    """Why an upstream may be missing: the first module that failed to import."""
    if not project.import_failures:
        return ""
    first = project.import_failures[0]
    return f"; {first.module} failed to import at {first.location}: {first.message}"
