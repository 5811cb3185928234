"""Serve a mock with uvicorn, as the mock image and ``pulpo mock`` do."""

import logging
import sys
from collections.abc import Callable

from pulpo.mock.spec import MockSpec, MockSpecError
from pulpo.run.processes import port_free


class PortTaken(MockSpecError):
    """The port the mock should listen on is in use (exit status 2, one line)."""


def serve(
    spec: MockSpec, *, host: str, port: int | None = None, announce: Callable[[str], None] = print
) -> None:
    """Serve ``spec`` on ``host``:``port`` (default: the declared port) until interrupted."""
    import uvicorn

    from pulpo.mock.app import create_app

    port = spec.mock.port if port is None else port
    if not port_free(host, port):
        raise PortTaken(f"port {port} on {host} is already in use; pick another with --port")
    _log_to_stderr()
    mock = spec.mock
    routes = ", ".join(f"{route.method} {route.path}" for route in mock.routes) or "no routes"
    announce(f"mock {spec.name}: http://{host}:{port} serving {routes}")
    announce(f"health: GET {mock.health}  control: POST {mock.control}/config, /reset")
    uvicorn.run(
        create_app(spec),
        host=host,
        port=port,
        log_level="info",
        server_header=False,  # a stand-in says nothing about what it runs on
    )


def _log_to_stderr() -> None:
    """Show the mock's own lines (config changes, resets) beside uvicorn's access log."""
    logger = logging.getLogger("pulpo.mock")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
