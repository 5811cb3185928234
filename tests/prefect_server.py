"""A local Prefect server, for the tests and benchmarks that run flows for real.

``prefect server start`` on a free loopback port, with its database and
settings under ``home``, ready when ``/api/health`` answers::

    with prefect_server(Path("/tmp/prefect")) as api_url:
        os.environ["PREFECT_API_URL"] = api_url

Needs Prefect: ``pip install 'pulpo[flows]'``. Test code, kept out of the package:
tests/e2e/conftest.py serves it to the e2e phase, scripts/bench_flows.py imports it.
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from pulpo.run.processes import LOOPBACK, free_port, stop

_HOST = LOOPBACK
_STOP_TIMEOUT = 15.0


class PrefectServerError(RuntimeError):
    """The Prefect server could not be started."""


@contextmanager
def prefect_server(home: Path, *, startup_timeout: float = 90.0) -> Iterator[str]:
    """Run a Prefect server for the duration of the ``with`` block; yields its API URL.

    The server keeps its SQLite database in ``home`` (PREFECT_HOME) and writes
    its output to ``home/server.log``. It is stopped when the block ends.
    """
    executable = shutil.which("prefect", path=str(Path(sys.executable).parent)) or shutil.which(
        "prefect"
    )
    if executable is None:
        raise PrefectServerError("prefect is not installed: pip install 'pulpo[flows]'")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port(_HOST)
    url = f"http://{_HOST}:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = home / "server.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [executable, "server", "start", "--host", _HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        _wait_until_healthy(process, url, log, startup_timeout)
        yield url
    finally:
        stop(process, _STOP_TIMEOUT)


def flush_to_server() -> None:
    """Send the logs and events this process still holds for the Prefect server.

    Call it before the server stops, or Prefect reports them as failing to send
    when the process exits.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    EventsWorker.drain_all(timeout=10)


def _answers_ok(url: str) -> bool:
    """Whether ``url`` answers 200; not listening yet is a no."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _wait_until_healthy(
    process: subprocess.Popen[bytes], url: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise PrefectServerError(
                f"prefect server exited with code {process.returncode}: {_tail(log)}"
            )
        if _answers_ok(f"{url}/health"):
            return
        if time.monotonic() > deadline:
            raise PrefectServerError(
                f"prefect server did not answer {url}/health within {timeout:g} s: {_tail(log)}"
            )
        time.sleep(0.2)


def _tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(lines[-5:]) or "(empty log)"
