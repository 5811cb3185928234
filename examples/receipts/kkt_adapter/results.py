"""What the operations answer: plain pydantic models, never stored."""

from datetime import datetime

from pydantic import BaseModel, Field

from kkt_adapter.models import ReceiptPayload, ReceiptStatus


class ReceiptAccepted(BaseModel):
    """A receipt the adapter holds: stored now, or earlier under the same Idempotency-Key."""

    receipt_id: str = Field(description="Id of the Receipt document (GET /receipts/{id}).")
    idempotency_key: str = Field(description="The key it was sent with.")
    status: ReceiptStatus = Field(description="pending until the OFD accepted it, then synced.")
    ofd_id: str | None = Field(default=None, description="The OFD's id once synced.")
    created_at: datetime = Field(description="When the adapter first took it.")
    payload: ReceiptPayload = Field(description="The receipt as stored.")


class BufferStatus(BaseModel):
    """How many receipts wait, how many reached the OFD, how full the buffer is."""

    pending: int = Field(ge=0, description="Receipts waiting to be sent to the OFD.")
    synced: int = Field(ge=0, description="Receipts the OFD accepted.")
    failed: int = Field(ge=0, description="Receipts the OFD refused (they are not sent again).")
    total: int = Field(ge=0, description="pending + synced + failed.")
    max_size: int = Field(ge=1, description="BUFFER_MAX_SIZE: pending receipts accepted at most.")
    fullness: float = Field(ge=0, description="pending / max_size, from 0 to 1.")
    alert_threshold: float = Field(description="BUFFER_ALERT_THRESHOLD.")
    alert: bool = Field(description="Whether fullness reached the alert threshold.")
    warning: str | None = Field(default=None, description="What the alert says, when it is on.")
    breaker: str = Field(
        description="The OFD circuit breaker in this process: closed, open or half-open."
    )


class SyncResult(BaseModel):
    """What one sync did."""

    sent: int = Field(ge=0, description="Receipts the OFD accepted in this run (now synced).")
    failed: int = Field(ge=0, description="Receipts the OFD refused in this run (now failed).")
    already_synced: int = Field(
        ge=0, description="Receipts accepted by the OFD that another sync had marked already."
    )
    pending: int = Field(ge=0, description="Receipts still pending after the run.")
    batches: int = Field(ge=0, description="Batches of SYNC_BATCH_SIZE read.")
    locked: bool = Field(
        default=False,
        description="True when another sync held the lock throughout: this one sent nothing.",
    )
    error: str | None = Field(
        default=None,
        description="Why the run stopped early: the OFD unavailable, its breaker open.",
    )
    breaker: str = Field(description="The OFD circuit breaker after the run.")


class HeartbeatResult(BaseModel):
    """What Odoo was told, and whether it heard."""

    kkt_id: str = Field(description="This cash register's id.")
    status: str = Field(description="What the adapter reported: 'online'.")
    buffer_fullness: float = Field(ge=0, description="pending / BUFFER_MAX_SIZE, as reported.")
    delivered: bool = Field(description="Whether Odoo accepted the heartbeat.")
    timestamp: int | None = Field(default=None, description="Odoo's time of receipt (Unix).")
    error: str | None = Field(default=None, description="Why it was not delivered.")


class AdapterHealth(BaseModel):
    """The adapter's own health: its database, its buffer, its upstreams and its lock."""

    status: str = Field(
        description="'ok', or 'degraded' when the buffer alerts or the OFD is cut off."
    )
    database: str = Field(description="'ok': this answer was read from MongoDB.")
    redis: str = Field(description="'ok' or 'unreachable': where the sync lock lives.")
    buffer: BufferStatus = Field(description="The buffer status.")
    ofd: str = Field(description="The OFD circuit breaker in this process.")
    odoo: str = Field(description="The Odoo circuit breaker in this process.")
