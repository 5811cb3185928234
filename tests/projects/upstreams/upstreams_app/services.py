"""The document's mock OFD and mock Odoo, and an upstream without a mock."""

from pulpo import Mock, MockRoute, setting, upstream

OFD_API_URL = setting("OFD_API_URL", "https://ofd.example.com", test="http://mock_ofd:9000")
ODOO_URL = setting("ODOO_URL", "https://odoo.example.com", test="http://mock_odoo:8070")
CRM_URL = setting("CRM_URL", "https://crm.example.com")

ofd = upstream(
    "ofd",
    url=OFD_API_URL,
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

odoo = upstream(
    "odoo",
    url=ODOO_URL,
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

crm = upstream("crm", url=CRM_URL)  # no mock: `pulpo mock` refuses it
