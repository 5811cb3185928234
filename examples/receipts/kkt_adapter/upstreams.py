"""The services the adapter calls: the OFD (receipts) and Odoo (heartbeats).

Each declaration is both the client the operations call (retries with backoff, a
circuit breaker, the timeout from the settings) and the description of the mock the
test stack runs in the service's place: the routes it serves, what it answers, what
its health endpoint counts. Those mocks answer exactly as the design document's
hand-written ones did, and are switched over their control API while tests run
(``POST /ofd/v1/_test/config`` with ``{"permanent_failure": true}`` or
``{"failure_count": 5}``; ``POST /ofd/v1/_test/reset``).
"""

from kkt_adapter.settings import (
    CIRCUIT_BREAKER_THRESHOLD,
    CIRCUIT_BREAKER_TIMEOUT,
    ODOO_API_URL,
    OFD_API_URL,
    OFD_TIMEOUT,
)
from pulpo import Breaker, Mock, MockRoute, Retry, upstream

OFD_RECEIPT_PATH = "/ofd/v1/receipt"
ODOO_HEARTBEAT_PATH = "/api/v1/kkt/heartbeat"

ofd = upstream(
    "ofd",
    url=OFD_API_URL,
    timeout=OFD_TIMEOUT,
    retry=Retry(attempts=3, backoff=0.5),
    breaker=Breaker(threshold=CIRCUIT_BREAKER_THRESHOLD, reset_timeout=CIRCUIT_BREAKER_TIMEOUT),
    description="The fiscal data operator: every receipt must reach it, once.",
    mock=Mock(
        port=9000,
        health="/ofd/v1/health",
        control="/ofd/v1/_test",
        failure_answer={"error": "OFD unavailable"},
        routes=[
            # The OFD deduplicates by Idempotency-Key: a receipt sent again after a crash
            # (sent, but not yet marked synced) is answered as the first time, not counted.
            MockRoute(
                "POST",
                OFD_RECEIPT_PATH,
                counter="receipts_received",
                dedupe="Idempotency-Key",
                answer={"status": "accepted", "ofd_id": "OFD-{sequence:06d}"},
            ),
        ],
    ),
)

odoo = upstream(
    "odoo",
    url=ODOO_API_URL,
    timeout=OFD_TIMEOUT,
    retry=Retry(attempts=2, backoff=0.5),
    breaker=Breaker(threshold=CIRCUIT_BREAKER_THRESHOLD, reset_timeout=CIRCUIT_BREAKER_TIMEOUT),
    description="The ERP: told every HEARTBEAT_INTERVAL that this cash register is online.",
    mock=Mock(
        port=8070,
        health="/api/v1/health",
        control="/api/v1/_test",
        routes=[
            MockRoute(
                "POST",
                ODOO_HEARTBEAT_PATH,
                counter="heartbeat_count",
                last="last_heartbeat",
                answer={"status": "accepted", "timestamp": "{unix_time}"},
            ),
        ],
    ),
)
