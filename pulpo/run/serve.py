"""``pulpo serve``: run a compiled project's API with uvicorn.

The API talks to ``MONGODB_URL`` when it is set; otherwise an embedded server
is started with its data under ``.pulpo/db`` in the project, so what you store
survives a restart of ``pulpo serve``.
"""

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from pulpo.errors import UsageError
from pulpo.run.database import database_server
from pulpo.run.processes import port_free
from pulpo.validate import ValidProject


def embedded_data_dir(project: ValidProject) -> Path:
    """Where the embedded database keeps a project's data."""
    return project.root / ".pulpo" / "db"


def serve(
    project: ValidProject, *, host: str, port: int, announce: Callable[[str], None] = print
) -> None:
    """Serve the generated app until interrupted."""
    package = project.output_dir
    if not (package / "app.py").is_file():
        raise UsageError(f"{package} not found: run `pulpo compile {project.root}` first")
    ensure_port_free(host, port)
    check_settings(project)
    with database_server(embedded_data_dir(project)) as server:
        announce(f"database: {server.description}")
        os.environ["MONGODB_URL"] = server.url
        os.environ.setdefault("MONGODB_DATABASE", project.config.database)
        announce(f"API: http://{host}:{port}  docs: http://{host}:{port}/docs")
        uvicorn.run(
            f"{project.config.output}.app:app",
            host=host,
            port=port,
            app_dir=str(project.root.resolve()),
            log_level="info",
            server_header=False,  # the app's answers name no server (pulpo.http.headers)
        )


def check_settings(project: ValidProject) -> None:
    """Build the API's settings from the environment now, as the app will when it starts:
    a wrong one (``PULPO_AUTH=api-key`` without keys, a limit that is no number) is one
    line here, rather than a traceback from uvicorn's startup."""
    root = str(project.root.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)  # as uvicorn's app_dir will
    module = importlib.import_module(f"{project.config.output}.settings")
    try:
        module.Settings()
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = " ".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise UsageError(f"the API's settings: {where + ': ' if where else ''}{message}") from None


def ensure_port_free(host: str, port: int) -> None:
    if not port_free(host, port):
        raise UsageError(f"port {port} on {host} is already in use; pick another with --port")
