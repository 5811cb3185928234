"""The adapter's settings: environment variables with production defaults and test values.

``pulpo compile`` writes the defaults into ``.env.example`` and the test values into
``.env.test``, the configuration the test stack runs with (the design document's:
a smaller buffer, a shorter timeout, a breaker that opens and closes sooner, a faster
sync). Each is read when used (``BUFFER_MAX_SIZE.get()``), so a test or an operator
changes one by setting its variable.
"""

from pulpo import setting

# --- the buffer ------------------------------------------------------------------------------

BUFFER_MAX_SIZE = setting(
    "BUFFER_MAX_SIZE",
    1000,
    test=100,
    description="Pending receipts the buffer holds; at this many, a new receipt is refused (503).",
)
BUFFER_ALERT_THRESHOLD = setting(
    "BUFFER_ALERT_THRESHOLD",
    0.8,
    test=0.8,
    description="Fullness (pending / BUFFER_MAX_SIZE) from which the adapter warns.",
)

# --- the OFD (fiscal data operator) ----------------------------------------------------------

OFD_API_URL = setting(
    "OFD_API_URL",
    "https://ofd.example.com",
    test="http://mock_ofd:9000",
    description="Base URL of the OFD's API.",
)
OFD_TIMEOUT = setting(
    "OFD_TIMEOUT", 10.0, test=5.0, description="Seconds one call to the OFD may take."
)
CIRCUIT_BREAKER_THRESHOLD = setting(
    "CIRCUIT_BREAKER_THRESHOLD",
    5,
    test=3,
    description="Consecutive failed OFD calls after which the adapter stops calling it.",
)
CIRCUIT_BREAKER_TIMEOUT = setting(
    "CIRCUIT_BREAKER_TIMEOUT",
    60.0,
    test=10.0,
    description="Seconds the breaker stays open before one trial call is let through.",
)

# --- the sync ---------------------------------------------------------------------------------

SYNC_INTERVAL = setting(
    "SYNC_INTERVAL", 30.0, test=5.0, description="Seconds between scheduled syncs."
)
SYNC_BATCH_SIZE = setting(
    "SYNC_BATCH_SIZE", 100, test=10, description="Pending receipts read and sent per batch."
)
SYNC_LOCK_TIMEOUT = setting(
    "SYNC_LOCK_TIMEOUT",
    60.0,
    test=30.0,
    description="Seconds the sync lock outlives a crashed holder; a running sync renews it "
    "after every receipt, so it must exceed one send with its retries.",
)
REDIS_URL = setting(
    "REDIS_URL",
    "redis://localhost:6379/0",
    test="redis://redis:6379/0",
    description="Redis, where the sync lock lives (shared by every adapter replica).",
)

# --- the ERP (Odoo) ---------------------------------------------------------------------------

ODOO_API_URL = setting(
    "ODOO_API_URL",
    "https://odoo.example.com",
    test="http://mock_odoo:8070",
    description="Base URL of Odoo's API, which receives the heartbeats.",
)
KKT_ID = setting("KKT_ID", "KKT-001", description="This cash register's id, as Odoo knows it.")
HEARTBEAT_INTERVAL = setting(
    "HEARTBEAT_INTERVAL", 60.0, test=10.0, description="Seconds between heartbeats to Odoo."
)
