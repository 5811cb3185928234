"""Serve a compiled project's API with uvicorn in a subprocess, on a free loopback port."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import httpx
from pymongo import MongoClient

from pulpo.run.processes import free_port


@contextmanager
def served_app(project: Path, env: Mapping[str, str], timeout: float = 30) -> Iterator[str]:
    """Run ``uvicorn generated.app:app`` for ``project``; yields the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "generated.app:app", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--log-level", "warning", "--no-server-header"]
    process = subprocess.Popen(
        command, cwd=project, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"uvicorn exited: {process.stderr.read() if process.stderr else ''}"
                )
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{base} did not start in {timeout} s") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def serving(
    project: Path, mongodb_url: str, *, prefix: str, **settings: str
) -> Iterator[httpx.Client]:
    """``project``'s app on a database of its own (``<prefix>_<random>``, dropped after),
    with ``settings`` in its environment; yields a client of it."""
    database = f"{prefix}_{uuid4().hex[:10]}"
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database, **settings}
    try:
        with served_app(project, env) as base, httpx.Client(base_url=base, timeout=60) as client:
            yield client
    finally:
        with MongoClient(mongodb_url) as mongo:
            mongo.drop_database(database)
