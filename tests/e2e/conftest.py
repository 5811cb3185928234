"""Fixtures of the end-to-end suite.

``prefect_api_url`` is one real Prefect server for the whole session, started on
first use on a free loopback port, with its database in a temporary
PREFECT_HOME, and stopped at the end of the session. While it runs,
PREFECT_API_URL points at it, for this process's Prefect client and for every
subprocess a test starts.
"""

import os
from collections.abc import Iterator

import pytest
from prefect_server import flush_to_server, prefect_server


@pytest.fixture(scope="session")
def prefect_api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API URL of a Prefect server that runs for the rest of the session."""
    with prefect_server(tmp_path_factory.mktemp("prefect-home")) as url:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        saved = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = url  # for subprocesses
        try:
            # Prefect reads its settings once; this process's client needs them replaced.
            with temporary_settings(updates={PREFECT_API_URL: url}):
                yield url
                flush_to_server()
        finally:
            if saved is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = saved
