"""Operations ``kkt.receipt.*`` and ``kkt.buffer.status``: take receipts, report the buffer.

A receipt is accepted into the buffer at once, whatever the OFD's state: the sale never
waits for the fiscal data operator. What the till may rely on:

- **Sent twice, stored once.** ``Idempotency-Key`` is required (400 without). The API's
  idempotency layer answers a repeated request with the first answer, and beneath it the
  unique index on ``Receipt.idempotency_key`` holds even when that layer's record has
  expired: the acceptance is one upsert by key, so concurrent or late repeats find the
  first receipt and write nothing.
- **Full means refused, never dropped.** At BUFFER_MAX_SIZE pending receipts a new one
  is refused with 503 and ``detail``; none that was accepted is given up to make room.
- **Filling up is said early.** Past BUFFER_ALERT_THRESHOLD, every acceptance logs a
  warning and the buffer status carries the alert.
"""

from kkt_adapter.buffer import buffer_status, count, warn_if_filling
from kkt_adapter.errors import BufferFull
from kkt_adapter.models import BufferGate, Receipt, ReceiptPayload, ReceiptStatus
from kkt_adapter.results import BufferStatus, ReceiptAccepted
from kkt_adapter.settings import BUFFER_MAX_SIZE
from pulpo import IdempotencyKey, Record, operation, repository
from pulpo.data import atomically

GATE = "receipts"


@operation(
    "kkt.receipt.create",
    method="POST",
    path="/v1/kkt/receipt",
    idempotency="required",
)
async def create_receipt(
    receipt: ReceiptPayload, idempotency_key: IdempotencyKey
) -> ReceiptAccepted:
    """Accept a fiscal receipt into the buffer; the sync forwards it to the OFD.

    Requires an ``Idempotency-Key`` header (400 without): a receipt sent again with
    the same key is answered as the first time and stored once. With BUFFER_MAX_SIZE
    receipts pending, answers 503 and stores nothing.
    """
    record = await atomically(_accept, receipt, idempotency_key)
    warn_if_filling(await count(ReceiptStatus.PENDING))
    return accepted(record)


async def _accept(receipt: ReceiptPayload, key: str) -> Record[Receipt]:
    """One transaction: the receipt under ``key`` as it is, or stored if there is room."""
    receipts = repository(Receipt)
    known = await receipts.find_one({"idempotency_key": key})
    if known is not None:
        return known  # sent before: nothing to write
    # Take a turn at the gate before counting: concurrent acceptances write this one
    # document, so MongoDB commits one of them and runs the others again, which then
    # count its receipt (see BufferGate).
    gates = repository(BufferGate)
    await gates.find_or_insert({"name": GATE}, BufferGate(name=GATE))
    await gates.update_where({"name": GATE}, {"$inc": {"acceptances": 1}})
    pending = await receipts.count({"status": ReceiptStatus.PENDING.value})
    limit = BUFFER_MAX_SIZE.get()
    if pending >= limit:
        raise BufferFull(
            f"the buffer is full: {pending} receipts wait for the OFD (BUFFER_MAX_SIZE={limit}); "
            "send this one again later, with the same Idempotency-Key"
        )
    # An upsert by key, not an insert: the unique index decides between concurrent
    # first sends, and a failed insert would abort the transaction.
    return await receipts.find_or_insert(
        {"idempotency_key": key}, Receipt(payload=receipt, idempotency_key=key)
    )


def accepted(record: Record[Receipt]) -> ReceiptAccepted:
    receipt = record.data
    return ReceiptAccepted(
        receipt_id=record.id,
        idempotency_key=receipt.idempotency_key,
        status=receipt.status,
        ofd_id=receipt.ofd_id,
        created_at=receipt.created_at,
        payload=receipt.payload,
    )


@operation("kkt.buffer.status", method="GET", path="/v1/kkt/buffer/status")
async def status() -> BufferStatus:
    """The buffer: receipts pending, synced and failed, its fullness, the alert, the breaker."""
    return await buffer_status()
