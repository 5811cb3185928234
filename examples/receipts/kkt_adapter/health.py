"""Operation ``kkt.adapter.health``: ``GET /v1/health``, the adapter's own health.

Beside the generated ``GET /health`` (is MongoDB answering?), this one says what an
operator of a cash register asks: are receipts piling up, is the OFD cut off (its
breaker open), can a sync take its lock. It reads MongoDB, so while the database is
unreachable it answers 503 like every route that needs it.
"""

from kkt_adapter.buffer import buffer_status
from kkt_adapter.lock import redis_health
from kkt_adapter.results import AdapterHealth
from kkt_adapter.upstreams import odoo, ofd
from pulpo import operation


@operation("kkt.adapter.health", method="GET", path="/v1/health")
async def health() -> AdapterHealth:
    """The database, the buffer, the OFD and Odoo breakers, and Redis."""
    buffer = await buffer_status()
    redis = await redis_health()
    degraded = buffer.alert or ofd.breaker_state != "closed" or redis != "ok"
    return AdapterHealth(
        status="degraded" if degraded else "ok",
        database="ok",
        redis=redis,
        buffer=buffer,
        ofd=ofd.breaker_state,
        odoo=odoo.breaker_state,
    )
