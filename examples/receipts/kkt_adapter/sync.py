"""Operation ``kkt.buffer.sync``: forward the pending receipts to the OFD.

Runs every SYNC_INTERVAL seconds (a Prefect deployment of the flows container) and on
demand (``POST /v1/kkt/buffer/sync``, no body). One run:

1. takes the sync lock in Redis (:mod:`kkt_adapter.lock`), waiting for a run in progress;
2. reads the pending receipts oldest first, SYNC_BATCH_SIZE at a time, as many as were
   pending when it started (receipts arriving meanwhile wait for the next run);
3. sends each one to the OFD with its ``Idempotency-Key``, through the upstream client
   (its retries with backoff, its circuit breaker), and marks it:

   - accepted → ``synced`` with the OFD's id, by a conditional update (only a receipt
     still pending is marked, so each is marked once, whoever else is syncing);
   - refused (a 4xx: the OFD will never take it) → ``failed`` with the reason;
   - the OFD unavailable after the retries, or its breaker open → left ``pending``, its
     ``attempts`` and ``last_error`` recorded, and the run stops: the next one tries again.

A run that dies between the OFD's answer and the mark (the container killed) leaves
the receipt pending; the next run sends it again with the same key, and the OFD answers
it as the first time without counting it twice.
"""

from datetime import UTC, datetime

import httpx

from kkt_adapter.lock import HeldLock, sync_lock
from kkt_adapter.models import Receipt, ReceiptStatus
from kkt_adapter.results import SyncResult
from kkt_adapter.settings import SYNC_BATCH_SIZE, SYNC_INTERVAL
from kkt_adapter.upstreams import OFD_RECEIPT_PATH, ofd
from pulpo import Record, UpstreamUnavailable, operation, repository
from pulpo.data import stored_id

PENDING = {"status": ReceiptStatus.PENDING.value}
_ERROR_LENGTH = 300  # characters of an OFD answer kept in last_error


@operation("kkt.buffer.sync", method="POST", path="/v1/kkt/buffer/sync", schedule=SYNC_INTERVAL)
async def sync() -> SyncResult:
    """Send the pending receipts to the OFD, in batches, and mark each synced once.

    Stops at the first send the OFD does not answer (after retries) or its breaker
    refuses, leaving the rest pending. ``locked`` is true when another sync held the
    lock for as long as this one waited.
    """
    async with sync_lock() as held:
        if held is None:
            return SyncResult(
                sent=0,
                failed=0,
                already_synced=0,
                pending=await repository(Receipt).count(PENDING),
                batches=0,
                locked=True,
                breaker=ofd.breaker_state,
            )
        return await _run(held)


async def _run(held: HeldLock) -> SyncResult:
    receipts = repository(Receipt)
    result = SyncResult(
        sent=0, failed=0, already_synced=0, pending=0, batches=0, breaker=ofd.breaker_state
    )
    budget = await receipts.count(PENDING)  # this run's share: those pending now
    while budget > 0 and result.error is None:
        batch = await receipts.find(PENDING, limit=min(SYNC_BATCH_SIZE.get(), budget))
        if not batch:
            break
        result.batches += 1
        for record in batch:
            budget -= 1
            result.error = await _forward(record, result)
            if result.error is not None:
                break
            if not await held.renew():
                result.error = "the sync lock expired and another sync took over"
                break
    result.pending = await receipts.count(PENDING)
    result.breaker = ofd.breaker_state
    return result


async def _forward(record: Record[Receipt], result: SyncResult) -> str | None:
    """Send one receipt and mark it; an error message when the OFD could not be reached."""
    receipt = record.data
    try:
        response = await ofd.post(
            OFD_RECEIPT_PATH,
            json=receipt.payload.model_dump(mode="json"),
            headers={"Idempotency-Key": receipt.idempotency_key},
        )
    except UpstreamUnavailable as error:
        await _failed_attempt(record, error.detail)
        return error.detail
    if 400 <= response.status_code < 500:
        refusal = f"the OFD refused it: {response.status_code} {response.text[:_ERROR_LENGTH]}"
        if await _mark(record, ReceiptStatus.FAILED, {"last_error": refusal}):
            result.failed += 1
        return None
    ofd_id = _ofd_id(response)
    if response.is_error or ofd_id is None:
        problem = f"the OFD answered {response.status_code} without an ofd_id: {response.text}"
        await _failed_attempt(record, problem)
        return problem
    fields = {"ofd_id": ofd_id, "synced_at": datetime.now(UTC)}
    if await _mark(record, ReceiptStatus.SYNCED, fields):
        result.sent += 1
    else:
        result.already_synced += 1
    return None


async def _mark(record: Record[Receipt], status: ReceiptStatus, fields: dict[str, object]) -> bool:
    """pending → ``status``, only if the receipt is still pending: whether this call marked it."""
    marked = await repository(Receipt).update_where(
        {"_id": stored_id(record.id), **PENDING},
        {"$set": {"status": status.value, **fields}},
    )
    return marked is not None


async def _failed_attempt(record: Record[Receipt], error: str) -> None:
    """Count a send that did not get through; the receipt stays pending."""
    await repository(Receipt).update_where(
        {"_id": stored_id(record.id), **PENDING},
        {"$inc": {"attempts": 1}, "$set": {"last_error": error[:_ERROR_LENGTH]}},
    )


def _ofd_id(response: httpx.Response) -> str | None:
    """The ``ofd_id`` of the OFD's answer, if it has one."""
    try:
        answer = response.json()
    except ValueError:
        return None
    if isinstance(answer, dict):
        value = answer.get("ofd_id")
        if isinstance(value, str) and value:
            return value
    return None
