"""Fixtures shared by every test suite.

``mongodb_url`` is one MongoDB server for the whole session, chosen exactly as
``pulpo run`` chooses it (``MONGODB_URL``, else a ``mongod`` on PATH, else the
embedded SecantusDB); ``database_name`` is a fresh database per test.
"""

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from project_files import copy_example
from pymongo import MongoClient

from pulpo.run.database import database_server

# tests/docker_stack.py: the generated Docker stack, for tests/docker and tests/e2e.
pytest_plugins = ["docker_stack"]


@pytest.fixture(scope="session")
def mongodb_url() -> Iterator[str]:
    """The URL of a running MongoDB server, shared by the session."""
    with database_server() as server:
        yield server.url


@pytest.fixture
def database_name(mongodb_url: str) -> Iterator[str]:
    """A database name no other test uses; the database is dropped afterwards."""
    name = f"test_{uuid4().hex[:12]}"
    yield name
    client: MongoClient[dict[str, object]] = MongoClient(mongodb_url, serverSelectionTimeoutMS=5000)
    try:
        client.drop_database(name)
    finally:
        client.close()


@pytest.fixture(scope="session")
def pokemon_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the Pokemon example, compiled once per session. Treat it as read-only."""
    from pulpo.discover import discover
    from pulpo.generate import compile_project
    from pulpo.validate import validate

    project = tmp_path_factory.mktemp("example") / "pokemon"
    copy_example(project)
    compile_project(validate(discover(project)))
    return project
