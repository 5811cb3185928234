"""The receipts test stack, brought up for the Docker scenarios (``tests/docker``).

The stack comes from Pulpo's own Docker fixture (``tests/docker_stack.py`` of the Pulpo
repository: ``example_stack("receipts")``), which compiles the example, builds its images
(online or offline) and brings ``docker-compose.test.yml`` up on free ports, then down
with its volumes. Without it (the example copied elsewhere) or without a Docker engine,
the scenarios are skipped with the reason.

Every scenario starts from a fresh state (:func:`fresh`): the OFD answering, nothing
pending, the receipts and idempotency keys of earlier scenarios deleted, the mocks reset;
so it can expect the design document's numbers literally (``.pending`` is 10).
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kkt_client import KKT, Endpoints
from pymongo import MongoClient

PULPO_TESTS = Path(__file__).resolve().parents[4] / "tests"
ADAPTER = "kkt_adapter"  # the API's service, as the design document names it


@pytest.fixture(scope="session")
def receipts_stack() -> Iterator[Any]:
    """The running stack (Pulpo's ``RunningStack``): URLs, ``compose(...)``, ``wait_healthy``."""
    if (PULPO_TESTS / "docker_stack.py").exists():
        sys.path.insert(0, str(PULPO_TESTS))
    try:
        from docker_stack import example_stack  # type: ignore[import-not-found,attr-defined]
    except ImportError:
        pytest.skip("the Docker scenarios need Pulpo's tests/docker_stack.py example_stack fixture")
    with example_stack("receipts") as running:
        yield running


@pytest.fixture(scope="session")
def endpoints(receipts_stack: Any) -> Endpoints:
    return Endpoints(
        adapter=receipts_stack.service_url(ADAPTER),
        ofd=receipts_stack.service_url("mock_ofd"),
        odoo=receipts_stack.service_url("mock_odoo"),
    )


@pytest.fixture
def database(receipts_stack: Any) -> Iterator[Any]:
    """The adapter's MongoDB database, for what only it can tell (``mongosh``'s view)."""
    with MongoClient(receipts_stack.mongodb_url) as client:
        yield client[receipts_stack.database]


@pytest.fixture
def fresh(endpoints: Endpoints, database: Any) -> Iterator[KKT]:
    """A client of a stack with nothing pending, no receipts and the mocks reset."""
    kkt = KKT(endpoints)
    kkt.ofd_config(permanent_failure=False, failure_count=0, latency_ms=0)
    kkt.drain(timeout=180)  # an open breaker refuses for CIRCUIT_BREAKER_TIMEOUT first
    for collection in ("receipts", "buffer_gates", "pulpo_idempotency_keys"):
        database[collection].delete_many({})
    kkt.ofd_reset()
    kkt.odoo_reset()
    yield kkt
    kkt.close()
