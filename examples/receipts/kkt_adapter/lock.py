"""The sync lock: one sync at a time across every adapter replica and the scheduled flow.

It lives in Redis (``REDIS_URL``) as redis-py's asyncio :class:`~redis.asyncio.lock.Lock`:
a key with a random token and an expiry. The expiry (``SYNC_LOCK_TIMEOUT``) frees it
when its holder dies mid-sync (a container killed): the next sync takes over once it
has passed. A live holder renews it after every receipt, so a long sync keeps it.

The lock is what keeps two syncs from sending the same receipt at once; it is not
what makes a receipt synced once. That is the conditional update in :mod:`kkt_adapter.sync`
(pending → synced), which holds even when a holder paused past the expiry and a second
sync started meanwhile; the OFD's deduplication by Idempotency-Key then absorbs the send.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

from kkt_adapter.errors import LockUnavailable
from kkt_adapter.settings import REDIS_URL, SYNC_LOCK_TIMEOUT

LOCK_NAME = "kkt_adapter:sync"
_CONNECT_TIMEOUT = 2.0  # seconds: an unreachable Redis is a 503 soon, not a hung request


def redis_client() -> "Redis":
    """A client of ``REDIS_URL`` for this call (clients belong to one event loop)."""
    return Redis.from_url(
        REDIS_URL.get(), socket_connect_timeout=_CONNECT_TIMEOUT, socket_timeout=_CONNECT_TIMEOUT
    )


class HeldLock:
    """The sync lock while this sync holds it."""

    def __init__(self, lock: Lock) -> None:
        self._lock = lock

    async def renew(self) -> bool:
        """Push the expiry back to SYNC_LOCK_TIMEOUT; ``False`` when the lock was lost
        (it expired and another sync took it): the caller stops."""
        try:
            await self._lock.reacquire()
        except LockError:
            return False
        return True


@asynccontextmanager
async def sync_lock() -> AsyncIterator[HeldLock | None]:
    """Hold the sync lock for the block; ``None`` when another sync held it throughout.

    Waits at most SYNC_LOCK_TIMEOUT for a sync in progress to finish. Raises
    :class:`LockUnavailable` (503) when Redis does not answer.
    """
    timeout = SYNC_LOCK_TIMEOUT.get()
    client = redis_client()
    try:
        lock = client.lock(LOCK_NAME, timeout=timeout, blocking_timeout=timeout)
        try:
            acquired = await lock.acquire()
        except RedisError as error:
            raise LockUnavailable(f"Redis did not answer, so no sync runs: {error}") from None
        if not acquired:
            yield None
            return
        try:
            yield HeldLock(lock)
        finally:
            # Expired, or Redis went away: then it frees itself at its expiry.
            with suppress(LockError, RedisError):
                await lock.release()
    finally:
        await client.aclose()


async def redis_health() -> str:
    """``ok`` when Redis answers a ping, else ``unreachable``."""
    client = redis_client()
    try:
        await client.ping()
    except (RedisError, OSError):
        return "unreachable"
    finally:
        await client.aclose()
    return "ok"
