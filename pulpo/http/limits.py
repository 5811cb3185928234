"""A body larger than ``max_body_bytes`` is answered 413 before it is read.

A request that declares its length (``Content-Length``) is answered at once, before
the app sees it: nothing of the body is read or buffered (the server discards what
the client still sends, and the connection serves the next request). A chunked body
is counted as it arrives, and answered 413 as soon as it passes the limit.
"""

from collections.abc import Callable

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulpo.http.settings import Limits


class BodyLimit:
    """ASGI middleware: 413 for a body over ``Limits.max_body_bytes``."""

    def __init__(self, app: ASGIApp, limits: Callable[[], Limits]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits().max_body_bytes
        length = content_length(scope)
        if length is not None and length > limit:
            await too_large(limit)(scope, receive, send)
            return
        if length is not None:  # the server holds the client to the length it declared
            await self.app(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, too_large_detail(limit))
            return message

        await self.app(scope, counted, send)


def content_length(scope: Scope) -> int | None:
    """The ``Content-Length`` a request declares; ``None`` when it declares none (or nonsense)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def too_large_detail(limit: int) -> str:
    return f"The body is larger than this server takes: at most {limit} bytes"


def too_large(limit: int) -> JSONResponse:
    return JSONResponse(status_code=413, content={"detail": too_large_detail(limit)})
