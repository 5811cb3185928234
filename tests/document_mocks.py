"""The design document's two mocks, declared once as a project declares them.

The mock OFD and the mock Odoo of the store-and-forward document (its section 4): the
unit tests of ``pulpo.mock``'s spec and state, and its integration tests over real
HTTP, all play these.
"""

from pulpo import Mock, MockRoute, upstream

OFD = upstream(
    "ofd",
    url="http://mock_ofd:9000",
    mock=Mock(
        port=9000,
        health="/ofd/v1/health",
        control="/ofd/v1/_test",
        failure_answer={"error": "OFD unavailable"},
        routes=[
            MockRoute(
                "POST",
                "/ofd/v1/receipt",
                counter="receipts_received",
                answer={"status": "accepted", "ofd_id": "OFD-{sequence:06d}"},
            )
        ],
    ),
)
ODOO = upstream(
    "odoo",
    url="http://mock_odoo:8070",
    mock=Mock(
        port=8070,
        health="/api/v1/health",
        control="/api/v1/_test",
        routes=[
            MockRoute(
                "POST",
                "/api/v1/kkt/heartbeat",
                counter="heartbeat_count",
                last="last_heartbeat",
                answer={"status": "accepted", "timestamp": "{unix_time}"},
            )
        ],
    ),
)
