"""pulpo.run.database: choosing, starting and stopping the real database server."""

import os
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient
from pymongo.errors import ServerSelectionTimeoutError

from pulpo.run.database import LOG_FILE_NAME, DatabaseStartError, database_server

pytestmark = pytest.mark.integration


def local_env() -> dict[str, str]:
    """The environment without MONGODB_URL, so that a server is really started."""
    return {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}


def client(url: str, timeout_ms: int = 3000) -> MongoClient[dict[str, object]]:
    return MongoClient(url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)


def test_ephemeral_server_answers_ping_and_is_gone_after_the_block() -> None:
    with database_server(env=local_env()) as server:
        assert server.kind in ("mongod", "secantus")
        assert "127.0.0.1:" in server.description
        with client(server.url) as mongo:
            assert mongo.admin.command("ping")["ok"] == 1
            mongo.scratch.things.insert_one({"n": 1})
            assert mongo.scratch.things.count_documents({}) == 1

    with client(server.url, timeout_ms=500) as mongo, pytest.raises(ServerSelectionTimeoutError):
        mongo.admin.command("ping")


def test_persistent_data_dir_keeps_data_across_server_lifetimes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data_dir = Path("nested", "db")  # relative, as in `.pulpo/db`; created on demand

    with database_server(data_dir, env=local_env()) as first, client(first.url) as mongo:
        assert str(data_dir) in first.description
        mongo.pokedex.pokemons.insert_one({"name": "pikachu"})

    assert (tmp_path / data_dir / LOG_FILE_NAME).is_file()
    assert not (tmp_path / data_dir / "nested").exists()  # not resolved against the server's cwd
    with database_server(data_dir, env=local_env()) as second, client(second.url) as mongo:
        names = [doc["name"] for doc in mongo.pokedex.pokemons.find({}, {"_id": 0})]
        assert names == ["pikachu"]


def test_second_server_on_a_data_dir_in_use_fails_fast(tmp_path: Path) -> None:
    with database_server(tmp_path, env=local_env()) as running:
        started = time.monotonic()
        with (
            pytest.raises(DatabaseStartError) as failure,
            database_server(tmp_path, env=local_env(), startup_timeout=60),
        ):
            pass  # pragma: no cover - must not be reached
        elapsed = time.monotonic() - started

        message = str(failure.value)
        assert "\n" not in message
        assert "exited" in message
        assert str(tmp_path / LOG_FILE_NAME) in message
        assert elapsed < 20, f"took {elapsed:.1f}s: the early exit was not noticed"

        # The first server was not disturbed.
        with client(running.url) as mongo:
            assert mongo.admin.command("ping")["ok"] == 1


def test_mongodb_url_is_used_as_is_and_nothing_is_started() -> None:
    url = "mongodb://pulpo:s3cret@db.invalid:27017/?authSource=admin"
    before = _child_processes()
    started = time.monotonic()

    with database_server(env={"MONGODB_URL": url}) as server:
        assert server.url == url
        assert server.kind == "external"
        assert "s3cret" not in server.description
        assert "db.invalid:27017" in server.description
        assert _child_processes() == before

    assert time.monotonic() - started < 1


def _child_processes() -> set[int] | None:
    """The ids of this process's children, where Linux tells them (else None)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    if not tasks.is_dir():
        return None
    children: set[int] = set()
    for task in tasks.iterdir():
        try:
            children |= {int(pid) for pid in (task / "children").read_text().split()}
        except OSError:
            return None
    return children


def test_a_mongod_on_path_is_preferred(tmp_path: Path) -> None:
    # A real server behind the name: a `mongod` that translates mongod's flags
    # (--bind_ip, --port, --dbpath) to SecantusDB's and becomes it.
    secantus = Path(sys.executable).parent / "secantusd-py"
    if not secantus.exists():
        pytest.skip("SecantusDB is not installed next to this Python")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "mongod"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "flags = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
        f"exe = {str(secantus)!r}\n"
        "os.execv(exe, [exe, '--host', flags['--bind_ip'], '--port', flags['--port'],\n"
        "               '--storage-path', flags['--dbpath']])\n"
    )
    fake.chmod(0o755)
    env = local_env() | {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}

    with database_server(env=env) as server, client(server.url) as mongo:
        assert server.kind == "mongod"
        assert server.description.startswith("mongod ")
        assert "retryWrites" not in server.url
        assert mongo.admin.command("ping")["ok"] == 1
