"""The buffer's numbers: how many receipts are pending, synced, failed; how full it is."""

import logging

from kkt_adapter.models import Receipt, ReceiptStatus
from kkt_adapter.results import BufferStatus
from kkt_adapter.settings import BUFFER_ALERT_THRESHOLD, BUFFER_MAX_SIZE
from kkt_adapter.upstreams import ofd
from pulpo import repository

logger = logging.getLogger(__name__)


async def count(status: ReceiptStatus) -> int:
    """How many receipts have ``status``."""
    return await repository(Receipt).count({"status": status.value})


def fullness(pending: int) -> float:
    """``pending`` as a share of BUFFER_MAX_SIZE (above 1 if the limit was lowered since)."""
    return pending / max(BUFFER_MAX_SIZE.get(), 1)


def warning(pending: int) -> str | None:
    """What to say when the buffer is at or past the alert threshold; ``None`` below it."""
    share = fullness(pending)
    if share < BUFFER_ALERT_THRESHOLD.get():
        return None
    return (
        f"buffer {share:.0%} full ({pending} of {BUFFER_MAX_SIZE.get()} receipts pending): "
        "the OFD has not accepted receipts for a while"
    )


def warn_if_filling(pending: int) -> None:
    """Log the alert, when the buffer is past its threshold."""
    message = warning(pending)
    if message is not None:
        logger.warning(message)


async def buffer_status() -> BufferStatus:
    """The counts, the fullness and the alert, as ``GET /v1/kkt/buffer/status`` answers them."""
    pending = await count(ReceiptStatus.PENDING)
    synced = await count(ReceiptStatus.SYNCED)
    failed = await count(ReceiptStatus.FAILED)
    message = warning(pending)
    return BufferStatus(
        pending=pending,
        synced=synced,
        failed=failed,
        total=pending + synced + failed,
        max_size=BUFFER_MAX_SIZE.get(),
        fullness=round(fullness(pending), 4),
        alert_threshold=BUFFER_ALERT_THRESHOLD.get(),
        alert=message is not None,
        warning=message,
        breaker=ofd.breaker_state,
    )
