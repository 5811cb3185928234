"""Choose, start and stop the MongoDB server a running project talks to.

This is the one module in Pulpo that knows *which* server it is. Everything
else receives a URL and speaks the MongoDB wire protocol to it. The choice, in
order:

1. ``MONGODB_URL`` is set: use it as-is; nothing is started (kind ``"external"``).
2. A ``mongod`` is on ``PATH``: start it on a free local port (kind ``"mongod"``).
3. SecantusDB, the MongoDB wire-compatible server installed by
   ``pip install 'pulpo[embedded]'``: start it likewise (kind ``"secantus"``).

Use it as a context manager; the server lives as long as the ``with`` block::

    with database_server(Path(".pulpo/db")) as server:
        print(server.description)
        run_app(mongodb_url=server.url)

``data_dir=None`` gives a throw-away database, gone when the block ends.

A started server is ready for what :mod:`pulpo.data` promises: transactions (it is a
single-node replica set: SecantusDB advertises itself as one, ``mongod`` is started
with ``--replSet`` and initiated) and durable acknowledged writes (SecantusDB syncs
its log on every commit, ``--sync-on-commit``; ``mongod`` journals by default).
"""

import importlib.metadata
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from pulpo.errors import UsageError
from pulpo.run.processes import LOOPBACK, free_port, stop

ServerKind = Literal["external", "mongod", "secantus"]

URL_VARIABLE = "MONGODB_URL"
"""The environment variable naming an already running server."""

LOG_FILE_NAME = "database.log"
"""The file, in the data directory, that receives the started server's output."""

_HOST = LOOPBACK
REPLICA_SET = "pulpo"
"""The name of the single-node replica set a started ``mongod`` forms."""
_ALREADY_INITIALIZED = 23  # mongod's error code when replSetInitiate finds a config
_STOP_TIMEOUT = 10.0
_POLL_INTERVAL = 0.05


@dataclass(frozen=True)
class DatabaseServer:
    """A MongoDB server that is ready to use.

    ``url`` is all a client needs; ``description`` is one line for humans, such as
    ``"SecantusDB 0.7.0b3 (MongoDB wire-compatible stand-in) on 127.0.0.1:40123,
    data in .pulpo/db"``.
    """

    url: str
    kind: ServerKind
    description: str
    pid: int | None = None  # the started server's process; None for MONGODB_URL's


class DatabaseStartError(UsageError):
    """The database server could not be found or started.

    The message is one line saying why, with the end of the server's log and
    the path of the full log when there is one.
    """


@contextmanager
def database_server(
    data_dir: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 30.0,
    port: int | None = None,
) -> Iterator[DatabaseServer]:
    """Provide a ready MongoDB server for the duration of the ``with`` block.

    ``data_dir`` is where a started server keeps its data (created if missing),
    so the data outlives the block; ``None`` keeps the data in memory (SecantusDB)
    or in a temporary directory (``mongod``) that is removed afterwards.
    ``env`` is the environment consulted for ``MONGODB_URL`` and ``PATH``
    (default: ``os.environ``); the server itself inherits ``os.environ``.
    ``port`` pins the local port (default: a free one), so that a server can be
    stopped and started again at the same address.

    A started server is ready when it answers ``ping``; if it exits first, or
    does not answer within ``startup_timeout`` seconds, ``DatabaseStartError``
    is raised. On leaving the block the server is stopped (terminated, then
    killed after 10 s) and temporary files are removed.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    external_url = environ.get(URL_VARIABLE, "").strip()
    if external_url:
        yield DatabaseServer(
            url=external_url,
            kind="external",
            description=f"MongoDB at {_redact(external_url)} (from {URL_VARIABLE})",
        )
        return

    launcher = _find_launcher(environ)
    with ExitStack() as stack:
        if data_dir is None:
            work_dir = Path(
                stack.enter_context(
                    tempfile.TemporaryDirectory(prefix="pulpo-db-", ignore_cleanup_errors=True)
                )
            )
            storage = launcher.ephemeral_storage(work_dir)
        else:
            work_dir = Path(data_dir).resolve()  # the server runs in it: no relative paths
            try:
                work_dir.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseStartError(
                    f"Cannot use {work_dir} as the database directory: {error}"
                ) from error
            storage = str(work_dir)

        port = port or free_port(_HOST)
        log_path = work_dir / LOG_FILE_NAME
        # Append, so that a second server failing on a directory that is in use
        # does not clobber the running server's log; remember where our output starts.
        log_file = stack.enter_context(log_path.open("ab"))
        log_start = log_file.tell()
        try:
            process = subprocess.Popen(
                launcher.command(port, storage),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=work_dir,
                # Own process group: Ctrl-C in the terminal reaches Pulpo, which
                # stops the server after the app has shut down, not before.
                start_new_session=os.name == "posix",
            )
        except OSError as error:
            raise DatabaseStartError(f"Could not start {launcher.name}: {error}") from error
        stack.callback(stop, process, _STOP_TIMEOUT)

        url = launcher.url(port)
        log = _Log(log_path, log_start, discarded=data_dir is None)
        deadline = time.monotonic() + startup_timeout
        version = _wait_until_ready(process, url, port, launcher, log, startup_timeout)
        if launcher.kind == "mongod":
            _become_primary(url, port, deadline, log)
        if data_dir is not None:
            place = str(data_dir)
        elif launcher.kind == "secantus":
            place = "memory (discarded on exit)"
        else:
            place = "a temporary directory (discarded on exit)"
        yield DatabaseServer(
            url=url,
            kind=launcher.kind,
            description=f"{launcher.title(version)} on {_HOST}:{port}, data in {place}",
            pid=process.pid,
        )


# --- the servers Pulpo knows how to start ----------------------------------------------------


@dataclass(frozen=True)
class _Launcher:
    """How to start one kind of server; all server-specific flags live here."""

    kind: Literal["mongod", "secantus"]
    executable: str

    @property
    def name(self) -> str:
        return "mongod" if self.kind == "mongod" else "SecantusDB"

    def command(self, port: int, storage: str) -> list[str]:
        if self.kind == "mongod":
            # A single-node replica set: transactions need one.
            return [
                *(self.executable, "--bind_ip", _HOST, "--port", str(port)),
                *("--dbpath", storage, "--replSet", REPLICA_SET),
            ]
        # Not --standalone: it advertises a single-node replica set, so drivers allow
        # transactions. --sync-on-commit: without it, writes acknowledged as journaled
        # could be lost when the server is killed.
        return [
            *(self.executable, "--host", _HOST, "--port", str(port)),
            *("--storage-path", storage, "--sync-on-commit"),
        ]

    def ephemeral_storage(self, work_dir: Path) -> str:
        if self.kind == "secantus":
            return ":memory:"
        path = work_dir / "data"
        path.mkdir()
        return str(path)

    def url(self, port: int) -> str:
        if self.kind == "secantus":
            # SecantusDB is slow to acknowledge retryable writes; plain writes are fine.
            return f"mongodb://{_HOST}:{port}/?retryWrites=false"
        # Direct: the replica set's one member is this address, whatever its config says.
        return f"mongodb://{_HOST}:{port}/?directConnection=true"

    def title(self, server_version: str | None) -> str:
        if self.kind == "mongod":
            return f"mongod {server_version}" if server_version else "mongod"
        version = self._secantus_version()
        name = f"SecantusDB {version}" if version else "SecantusDB"
        return f"{name} (MongoDB wire-compatible stand-in)"

    def _secantus_version(self) -> str | None:
        # Only trust our own environment's metadata for the executable installed in it.
        if Path(self.executable).parent != Path(sys.executable).parent:
            return None
        try:
            return importlib.metadata.version("SecantusDB")
        except importlib.metadata.PackageNotFoundError:
            return None


def _find_launcher(environ: Mapping[str, str]) -> _Launcher:
    search_path = environ.get("PATH")
    mongod = shutil.which("mongod", path=search_path)
    if mongod:
        return _Launcher("mongod", mongod)
    secantus = shutil.which("secantusd-py", path=str(Path(sys.executable).parent)) or shutil.which(
        "secantusd-py", path=search_path
    )
    if secantus:
        return _Launcher("secantus", secantus)
    raise DatabaseStartError(
        "No MongoDB server available: install the embedded one with "
        f"`pip install 'pulpo[embedded]'`, put `mongod` on PATH, or set {URL_VARIABLE}"
    )


# --- starting and stopping ---------------------------------------------------------------------


def _wait_until_ready(
    process: subprocess.Popen[bytes],
    url: str,
    port: int,
    launcher: _Launcher,
    log: "_Log",
    timeout: float,
) -> str | None:
    """Poll until the server answers ``ping``; return its reported version."""
    deadline = time.monotonic() + timeout
    last_error = "no answer yet"
    while True:
        code = process.poll()
        if code is not None:
            raise DatabaseStartError(
                f"{launcher.name} exited with code {code} before accepting connections: "
                f"{log.summary()} (full log: {log.kept()})"
            )
        if _port_open(port):
            try:
                return _ping(url)
            except PyMongoError as error:
                last_error = str(error).splitlines()[0][:200]
        else:
            last_error = f"nothing listening on {_HOST}:{port}"
        if time.monotonic() >= deadline:
            raise DatabaseStartError(
                f"{launcher.name} did not answer ping on {_HOST}:{port} within {timeout:g} s "
                f"({last_error}); its log ends: {log.summary()} (full log: {log.kept()})"
            )
        time.sleep(_POLL_INTERVAL)


def _become_primary(url: str, port: int, deadline: float, log: "_Log") -> None:
    """Make the started ``mongod`` the primary of its one-member replica set.

    A new data directory is initiated with this address; one initiated before at
    another port (``pulpo serve`` picks a free one) is reconfigured to this one.
    """
    member = f"{_HOST}:{port}"
    client: MongoClient[dict[str, object]] = MongoClient(
        url, directConnection=True, serverSelectionTimeoutMS=2000
    )
    try:
        hello = client.admin.command("hello")
        if hello.get("setName") and hello.get("isWritablePrimary"):
            return  # formed already, with this address
        try:
            client.admin.command(
                "replSetInitiate", {"_id": REPLICA_SET, "members": [{"_id": 0, "host": member}]}
            )
        except OperationFailure as error:
            if error.code != _ALREADY_INITIALIZED:
                raise
            config = client.admin.command("replSetGetConfig")["config"]
            if [m.get("host") for m in config.get("members", [])] != [member]:
                config["members"] = [{**config["members"][0], "host": member}]
                config["version"] = int(config.get("version", 1)) + 1
                client.admin.command("replSetReconfig", config, force=True)
        while not client.admin.command("hello").get("isWritablePrimary"):
            if time.monotonic() >= deadline:
                raise DatabaseStartError(
                    f"mongod on {member} did not become the primary of its replica set "
                    f"{REPLICA_SET!r} in time; its log ends: {log.summary()} "
                    f"(full log: {log.kept()})"
                )
            time.sleep(_POLL_INTERVAL * 4)
    except PyMongoError as error:
        raise DatabaseStartError(
            f"mongod on {member} could not form its replica set {REPLICA_SET!r}: "
            f"{str(error).splitlines()[0][:200]} (full log: {log.kept()})"
        ) from error
    finally:
        client.close()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((_HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def _ping(url: str) -> str | None:
    client: MongoClient[dict[str, object]] = MongoClient(
        url, directConnection=True, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000
    )
    try:
        client.admin.command("ping")
        version = client.admin.command("buildInfo").get("version")
        return str(version) if version else None
    finally:
        client.close()


# --- reporting ---------------------------------------------------------------------------------

_LINE_PREFIX = re.compile(r"^(\[[^\]]*\])+,?\s*")
_NOISE = re.compile(r'^(Traceback \(most recent call last\):|File ".*", line \d+.*|[\^~\s]+)$')
_ERROR_WORDS = re.compile(r"error|exception|fatal|failed|cannot|unable", re.IGNORECASE)


@dataclass(frozen=True)
class _Log:
    """The part of a server's log file written since the server was started."""

    path: Path
    start: int
    discarded: bool = False  # lives in a temporary directory removed on exit

    def kept(self) -> Path:
        """A path to the log that outlives the server: a copy if the original is discarded."""
        if not self.discarded:
            return self.path
        try:
            with tempfile.NamedTemporaryFile(
                prefix="pulpo-db-", suffix=".log", delete=False
            ) as copy:
                copy.write(self.path.read_bytes()[self.start :])
            return Path(copy.name)
        except OSError:
            return self.path

    def summary(self, max_chars: int = 400) -> str:
        """The last telling lines of the log, condensed into one line."""
        try:
            with self.path.open("rb") as file:
                file.seek(self.start)
                text = file.read().decode("utf-8", errors="replace")
        except OSError:
            return "(log unreadable)"
        lines = [_condense(line) for line in text.splitlines()]
        lines = [line for line in lines if line and not _NOISE.match(line)]
        if not lines:
            return "(log is empty)"
        errors = [line for line in lines if _ERROR_WORDS.search(line)]
        chosen = errors[-2:] if errors else lines[-3:]
        summary = " | ".join(dict.fromkeys(chosen))
        return summary if len(summary) <= max_chars else "…" + summary[-max_chars:]


def _condense(line: str) -> str:
    line = line.strip()
    if line.startswith("{"):  # mongod logs JSON lines
        try:
            entry = json.loads(line)
        except ValueError:
            return line
        if isinstance(entry, dict) and "msg" in entry:
            attr = entry.get("attr")
            return f"{entry['msg']}: {json.dumps(attr)}" if attr else str(entry["msg"])
    return _LINE_PREFIX.sub("", line)


def _redact(url: str) -> str:
    """The URL without its password, for display."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
