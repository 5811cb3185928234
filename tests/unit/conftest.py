"""The unit phase starts no servers.

A unit test that asks for a database (``mongodb_url``, ``database_name``), starts a
server process (a MongoDB server, Prefect, uvicorn, Docker) or listens on a socket
fails, saying where such a test belongs: tests/integration (Pulpo's modules against
real servers), tests/cli, or tests/e2e.
"""

import os
import shlex
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

SERVER_COMMANDS = frozenset({"mongod", "secantusd-py", "prefect", "uvicorn", "docker", "dockerd"})
"""Programs whose start means a server (``docker`` starts containers)."""

ELSEWHERE = "a test that needs a server belongs in tests/integration (or tests/cli, tests/e2e)"


@pytest.fixture(scope="session")
def mongodb_url() -> str:
    pytest.fail(f"the unit phase starts no database server: {ELSEWHERE}", pytrace=False)


@pytest.fixture
def database_name() -> str:
    pytest.fail(f"the unit phase uses no database: {ELSEWHERE}", pytrace=False)


def server_command(args: str | bytes | Sequence[Any]) -> str | None:
    """The server program ``args`` would start, if any."""
    if isinstance(args, bytes):
        args = args.decode()
    words = shlex.split(args) if isinstance(args, str) else [os.fsdecode(word) for word in args]
    return next((Path(word).name for word in words if Path(word).name in SERVER_COMMANDS), None)


@pytest.fixture(autouse=True)
def no_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test that starts a server process or listens on a socket."""
    popen_init = subprocess.Popen.__init__

    def refuse_servers(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
        if program := server_command(args):
            pytest.fail(f"the unit phase starts no servers ({program}): {ELSEWHERE}")
        popen_init(self, args, *rest, **options)

    def refuse_listening(self: socket.socket, *backlog: int) -> None:
        pytest.fail(f"the unit phase listens on no socket: {ELSEWHERE}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse_servers)
    monkeypatch.setattr(socket.socket, "listen", refuse_listening)
