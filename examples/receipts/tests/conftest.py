"""Fixtures of the example's tests: a client of the running adapter and its mocks.

``tests/integration`` runs against a test stack that is already up: from the host
(``pytest tests/integration``, the document's host ports or ``PULPO_API_URL``,
``MOCK_OFD_URL``, ``MOCK_ODOO_URL``) or inside it
(``docker compose -f docker-compose.test.yml exec test_runner pytest tests/integration``,
where those variables name the services). When nothing answers there, the tests are
skipped with the reason.
"""

from collections.abc import Iterator

import httpx
import pytest
from kkt_client import KKT, Endpoints


@pytest.fixture(scope="session")
def endpoints() -> Endpoints:
    found = Endpoints.from_env()
    for name, url in (
        ("the adapter", f"{found.adapter}/v1/health"),
        ("the mock OFD", f"{found.ofd}/ofd/v1/health"),
        ("the mock Odoo", f"{found.odoo}/api/v1/health"),
    ):
        try:
            httpx.get(url, timeout=5)
        except httpx.TransportError as error:
            pytest.skip(
                f"{name} does not answer at {url} ({error}): start the test stack "
                "(scripts/run_docker_tests.sh --example receipts --keep-up)"
            )
    return found


@pytest.fixture
def kkt(endpoints: Endpoints) -> Iterator[KKT]:
    """A client; the OFD back to normal and the buffer drained before and after the test.

    The stack's scheduled sync runs meanwhile (every SYNC_INTERVAL): a test starts with
    nothing pending, so what it counts is its own.
    """
    client = KKT(endpoints)
    client.ofd_config(permanent_failure=False, failure_count=0)
    client.drain()
    yield client
    client.ofd_config(permanent_failure=False, failure_count=0)
    client.drain()
    client.close()
