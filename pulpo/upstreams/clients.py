"""One ``httpx.AsyncClient`` per upstream and event loop, reused across calls.

A client keeps a pool of connections, which belong to the event loop that opened
them: the API's loop, a Prefect worker's, each ``asyncio.run`` of a test. So clients
are kept per loop, and created on first use with the upstream's URL, timeout and
headers as the settings say *now*: when ``OFD_API_URL`` or ``OFD_TIMEOUT`` has changed
since, the old client is closed and a new one made.

Closing: :func:`close_all` closes the running loop's clients; the generated app's
lifespan calls it on shutdown. A loop whose code never calls it still closes them when
it ends, if it ends the standard way (``asyncio.run``, ``asyncio.Runner``, uvicorn):
those shut down the loop's asynchronous generators before closing it, and each loop's
clients are watched by one such generator (:func:`_closing_when_the_loop_ends`), whose
``finally`` closes them while the loop still runs. Without that, their sockets would
be left to the garbage collector, with a ``ResourceWarning`` each.
"""

import asyncio
import threading
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import httpx

from pulpo.declare.settings import resolved
from pulpo.declare.upstreams import Upstream


@dataclass(frozen=True)
class ClientConfig:
    """What a client is made with; a client whose config changed is replaced."""

    base_url: str
    timeout: float


@dataclass
class _LoopClients:
    """The clients of one event loop, and the generator that closes them when it ends."""

    clients: dict[Upstream, tuple[ClientConfig, httpx.AsyncClient]] = field(default_factory=dict)
    closer: AsyncGenerator[None, None] | None = None  # held here: the loop's set of them is weak


_loops: dict[asyncio.AbstractEventLoop, _LoopClients] = {}
_lock = threading.Lock()  # loops in other threads (a served app, a worker) share the table


def current_config(upstream: Upstream) -> ClientConfig:
    """The upstream's URL and timeout as its settings say now."""
    return ClientConfig(base_url=resolved(upstream.url), timeout=float(resolved(upstream.timeout)))


async def client_for(upstream: Upstream) -> httpx.AsyncClient:
    """This loop's client of ``upstream``, made (again) to its current settings."""
    loop = asyncio.get_running_loop()
    config = current_config(upstream)
    with _lock:
        for ended in [other for other in _loops if other.is_closed()]:
            del _loops[ended]  # a loop closed some other way: its connections died with it
        entry = _loops.get(loop)
        first = entry is None
        if entry is None:
            entry = _loops[loop] = _LoopClients()
        kept = entry.clients.get(upstream)
        if kept is not None and kept[0] == config:
            return kept[1]
        client = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.timeout),
            headers=dict(upstream.headers),
        )
        entry.clients[upstream] = (config, client)
    if first:
        entry.closer = _closing_when_the_loop_ends()
        await anext(entry.closer)  # its first step registers it with the loop
    if kept is not None:
        await kept[1].aclose()  # its settings changed: requests under way on it may fail
    return client


async def close_all() -> None:
    """Close every client of the running loop (the generated app's lifespan calls this)."""
    closer = await _close_loop_clients()
    if closer is not None:
        await closer.aclose()  # its own finally finds nothing left to close


async def _close_loop_clients() -> AsyncGenerator[None, None] | None:
    with _lock:
        entry = _loops.pop(asyncio.get_running_loop(), None)
    if entry is None:
        return None
    for _, client in entry.clients.values():
        await client.aclose()
    return entry.closer


async def _closing_when_the_loop_ends() -> AsyncGenerator[None, None]:
    """Wait; close the loop's clients when the loop shuts down its async generators."""
    try:
        yield
    finally:
        await _close_loop_clients()
