"""Operation ``kkt.adapter.heartbeat``: tell Odoo this cash register is online.

Runs every HEARTBEAT_INTERVAL seconds (a Prefect deployment of the flows container),
and on demand (``POST /v1/kkt/heartbeat``). Odoo learns the register's id and how full
its buffer is, so an ERP user sees a register whose receipts pile up.
"""

from kkt_adapter.buffer import buffer_status
from kkt_adapter.results import HeartbeatResult
from kkt_adapter.settings import HEARTBEAT_INTERVAL, KKT_ID
from kkt_adapter.upstreams import ODOO_HEARTBEAT_PATH, odoo
from pulpo import UpstreamUnavailable, operation


@operation(
    "kkt.adapter.heartbeat", method="POST", path="/v1/kkt/heartbeat", schedule=HEARTBEAT_INTERVAL
)
async def heartbeat() -> HeartbeatResult:
    """Post ``{"kkt_id", "status": "online", "buffer_fullness"}`` to Odoo.

    A heartbeat Odoo does not take is reported (``delivered: false`` with the reason),
    not raised: the next one follows in HEARTBEAT_INTERVAL seconds, and a missing
    heartbeat is itself what Odoo watches for.
    """
    fullness = (await buffer_status()).fullness
    report = HeartbeatResult(
        kkt_id=KKT_ID.get(), status="online", buffer_fullness=fullness, delivered=False
    )
    body = {"kkt_id": report.kkt_id, "status": report.status, "buffer_fullness": fullness}
    try:
        response = await odoo.post(ODOO_HEARTBEAT_PATH, json=body)
    except UpstreamUnavailable as error:
        report.error = error.detail
        return report
    if response.is_error:
        report.error = f"Odoo answered {response.status_code}: {response.text[:300]}"
        return report
    report.delivered = True
    try:
        answer = response.json()
    except ValueError:
        return report
    timestamp = answer.get("timestamp") if isinstance(answer, dict) else None
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool):
        report.timestamp = int(timestamp)
    return report
