"""The unit phase's guard (tests/unit/conftest.py): no database, no server process, no listening."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pulpo.run.database import database_server

pytestmark = pytest.mark.unit


def test_asking_for_the_database_fails(request: pytest.FixtureRequest) -> None:
    for fixture in ("mongodb_url", "database_name"):
        with pytest.raises(pytest.fail.Exception, match="tests/integration"):
            request.getfixturevalue(fixture)


def test_starting_the_database_server_fails(tmp_path: Path) -> None:
    if not (Path(sys.executable).parent / "secantusd-py").exists():
        pytest.skip("SecantusDB is not installed next to this Python")
    with (
        pytest.raises(pytest.fail.Exception, match=r"starts no servers \(secantusd-py\)"),
        database_server(tmp_path / "db", env={"PATH": ""}),
    ):
        pytest.fail("the server started")  # not the guard's failure: the match above fails


@pytest.mark.parametrize(
    "command",
    [
        ["/usr/bin/mongod", "--port", "1"],
        [sys.executable, "-m", "uvicorn", "generated.app:app"],
        "prefect server start",
        ["docker", "compose", "up"],
    ],
)
def test_server_commands_fail(command: list[str] | str) -> None:
    with pytest.raises(pytest.fail.Exception, match="starts no servers"):
        subprocess.Popen(command, shell=isinstance(command, str))


def test_listening_fails_and_other_programs_run() -> None:
    with socket.socket() as server, pytest.raises(pytest.fail.Exception, match="no socket"):
        server.bind(("127.0.0.1", 0))
        server.listen()
    done = subprocess.run([sys.executable, "-c", "print('ok')"], capture_output=True, text=True)
    assert done.stdout == "ok\n"
