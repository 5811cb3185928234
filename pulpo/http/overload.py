"""At most ``max_requests_in_flight`` requests are served at once; the others wait, briefly.

A request that finds every slot taken waits for one at most ``max_queue_wait_ms``
(0: not at all); then it is answered 503 with ``Retry-After`` at once, having cost
nothing but that wait. So an overloaded app says so quickly instead of holding
requests until their clients give up, and what it does serve, it serves in time.
Slots are freed when a response has been sent (or the request failed).
"""

import asyncio
import weakref
from collections import deque
from collections.abc import Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from pulpo.http.settings import Limits

RETRY_AFTER_SECONDS = 1


class Slots:
    """A counted set of slots, handed out first come, first served (one event loop)."""

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def acquire(self, timeout: float) -> bool:
        """Take a slot, waiting at most ``timeout`` seconds; whether one was taken."""
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return True
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
            return True
        except TimeoutError:
            return handed(waiter)  # a slot may have come just as the time ran out
        except asyncio.CancelledError:
            if handed(waiter):
                self.release()  # the request is gone: pass its slot on
            raise
        finally:
            if waiter in self.waiting:
                self.waiting.remove(waiter)

    def release(self) -> None:
        """Give a slot back: to the first request still waiting, or to the pool."""
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


def handed(waiter: "asyncio.Future[None]") -> bool:
    """Whether ``waiter`` was given a slot."""
    return waiter.done() and not waiter.cancelled()


class InFlightLimit:
    """ASGI middleware: 503 with ``Retry-After`` beyond ``Limits.max_requests_in_flight``."""

    def __init__(self, app: ASGIApp, limits: Callable[[], Limits]) -> None:
        self.app = app
        self.limits = limits
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Slots] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits()
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = Slots(limits.max_requests_in_flight)
        if not await slots.acquire(limits.max_queue_wait_ms / 1000):
            await busy()(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


def busy() -> JSONResponse:
    return JSONResponse(
        status_code=503,
        content={
            "detail": "The server is busy: too many requests at once; "
            f"retry after {RETRY_AFTER_SECONDS} s"
        },
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
