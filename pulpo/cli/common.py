"""What every ``pulpo`` command shares: the consoles, the project argument, error reporting."""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from pulpo.discover import discover
from pulpo.errors import PulpoError

if TYPE_CHECKING:
    from pulpo.validate import ValidProject

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ProjectArgument = Annotated[Path, typer.Argument(help="The project directory.", show_default=True)]
F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn a user mistake into one line on stderr and an exit status, never a traceback.

    An invalid project is reported like ``pulpo check`` reports it: a line per
    problem, then the error line.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PulpoError as error:
            from pulpo.validate import ProjectInvalid

            if isinstance(error, ProjectInvalid):
                for diagnostic in error.diagnostics:
                    err.print(str(diagnostic), markup=False)
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


def valid_project(root: Path) -> "ValidProject":
    """Discover and validate; an invalid project raises ``ProjectInvalid`` (see reports_errors)."""
    from pulpo.validate import validate

    return validate(discover(root))
