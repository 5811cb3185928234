"""The receipts the adapter stores: what the till sent, and where it is on its way to the OFD.

A :class:`Receipt` is written by operations only: ``POST /v1/kkt/receipt`` stores it as
``pending``, the sync marks it ``synced`` (with the OFD's id) or ``failed`` (the OFD
refused it). Over HTTP it is read-only (``GET /receipts``, ``GET /receipts/{id}``,
filterable by ``status``), so no request can mark a receipt synced that the OFD never saw.
"""

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pulpo import Index, datamodel

Money = Decimal
"""An amount in roubles, exact (a fiscal document does not round)."""


class ReceiptStatus(StrEnum):
    """Where a receipt is: waiting in the buffer, at the OFD, or refused by it."""

    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


class ReceiptItem(BaseModel):
    """One line of a receipt."""

    model_config = ConfigDict(extra="allow")  # the till's own fields travel on to the OFD

    name: str = Field(min_length=1, description="What was sold, as printed.")
    quantity: Decimal = Field(gt=0, description="How many (or how much: 0.5 kg).")
    price: Money = Field(ge=0, description="Price of one.")
    vat: str = Field(default="none", description="VAT rate code: 'vat20', 'vat10', 'none'...")


class Payment(BaseModel):
    """How the receipt was paid."""

    model_config = ConfigDict(extra="allow")

    method: str = Field(min_length=1, description="'cash', 'card', ...")
    amount: Money = Field(ge=0, description="The amount paid this way.")


class ReceiptPayload(BaseModel):
    """A fiscal receipt as the till sends it: ``{"pos_id": "POS-001", "items": [...], ...}``.

    Only ``pos_id`` is required: the design document promises nothing more of a receipt,
    and the OFD, not the adapter, is the judge of its fiscal content. The usual fields
    are typed where given (a negative total or an empty item name is a 422); any other
    field the till adds (cashier, shift, ...) is kept as sent and forwarded to the OFD.
    """

    model_config = ConfigDict(extra="allow")

    pos_id: str = Field(min_length=1, description="The point of sale that printed it: 'POS-001'.")
    items: list[ReceiptItem] = Field(default_factory=list, description="The receipt's lines.")
    total: Money | None = Field(default=None, ge=0, description="The receipt's total.")
    payment: Payment | None = Field(default=None, description="How it was paid.")


def _now() -> datetime:
    return datetime.now(UTC)


@datamodel(
    indexes=[Index("idempotency_key", unique=True), Index("status")],
    routes=["list", "get"],  # operations write receipts; clients read them
)
class Receipt(BaseModel):
    """A receipt in the adapter's buffer, from its arrival until the OFD accepted it.

    ``idempotency_key`` is the key the till sent it with, unique: the same receipt sent
    twice is stored once. It is also the ``Idempotency-Key`` the sync sends it to the
    OFD with, so a receipt sent again after a crash is counted there once.
    """

    payload: ReceiptPayload = Field(description="The receipt as the till sent it.")
    idempotency_key: str = Field(min_length=1, description="The till's Idempotency-Key.")
    status: ReceiptStatus = Field(
        default=ReceiptStatus.PENDING, description="pending, synced or failed."
    )
    attempts: int = Field(default=0, ge=0, description="Sends to the OFD that did not succeed.")
    last_error: str | None = Field(default=None, description="Why the last send failed.")
    ofd_id: str | None = Field(default=None, description="The OFD's id once synced: 'OFD-000001'.")
    created_at: datetime = Field(default_factory=_now, description="When the adapter took it.")
    synced_at: datetime | None = Field(default=None, description="When the OFD accepted it.")


@datamodel(indexes=[Index("name", unique=True)], routes=[])
class BufferGate(BaseModel):
    """A document every acceptance writes, so that acceptances take turns.

    Counting the pending receipts and storing a new one is one transaction; two such
    transactions would each count 99 and both store their receipt (past a limit of
    100), as they write different documents. Both also increment this one document, so
    MongoDB lets one commit and runs the other again, which then counts 100.
    """

    name: str = Field(description="Which gate: 'receipts'.")
    acceptances: int = Field(default=0, ge=0, description="Receipts accepted through it.")
