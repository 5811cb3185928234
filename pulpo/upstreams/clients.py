"""One ``httpx.AsyncClient`` per upstream and event loop, reused across calls.

A client keeps a pool of connections, which belong to the event loop that opened
them: the API's loop, a Prefect worker's, each ``asyncio.run`` of a test. So clients
are kept per loop, and created on first use with the upstream's URL, timeout and
headers as the settings say *now*: when ``OFD_API_URL`` or ``OFD_TIMEOUT`` has changed
since, the old client is closed and a new one made.

:func:`close_all` closes the current loop's clients; the generated app's lifespan
calls it on shutdown, tests at the end of their loop. Clients of loops that have
since closed are forgotten (their connections died with their loop).
"""

import asyncio
import threading
from dataclasses import dataclass

import httpx

from pulpo.declare.settings import resolved
from pulpo.declare.upstreams import Upstream


@dataclass(frozen=True)
class ClientConfig:
    """What a client is made with; a client whose config changed is replaced."""

    base_url: str
    timeout: float


_clients: dict[asyncio.AbstractEventLoop, dict[Upstream, tuple[ClientConfig, httpx.AsyncClient]]]
_clients = {}
_lock = threading.Lock()  # loops in other threads (a served app, a worker) share the table


def current_config(upstream: Upstream) -> ClientConfig:
    """The upstream's URL and timeout as its settings say now."""
    return ClientConfig(base_url=resolved(upstream.url), timeout=float(resolved(upstream.timeout)))


async def client_for(upstream: Upstream) -> httpx.AsyncClient:
    """This loop's client of ``upstream``, made (again) to its current settings."""
    loop = asyncio.get_running_loop()
    config = current_config(upstream)
    with _lock:
        for other in [other for other in _clients if other.is_closed()]:
            del _clients[other]
        clients = _clients.setdefault(loop, {})
        kept = clients.get(upstream)
        if kept is not None and kept[0] == config:
            return kept[1]
        client = httpx.AsyncClient(
            base_url=config.base_url,
            timeout=httpx.Timeout(config.timeout),
            headers=dict(upstream.headers),
        )
        clients[upstream] = (config, client)
    if kept is not None:
        await kept[1].aclose()  # its settings changed: requests under way on it may fail
    return client


async def close_all() -> None:
    """Close every client of the running loop (the generated app's lifespan calls this)."""
    with _lock:
        clients = _clients.pop(asyncio.get_running_loop(), {})
    for _, client in clients.values():
        await client.aclose()
