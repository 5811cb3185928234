"""``HEAD`` on every ``GET`` route: the same status and headers, no body.

FastAPI routes answer only the methods they declare, so ``HEAD /pokemons`` would be
a 405. Declaring ``HEAD`` on each route would double every ``GET`` operation in the
OpenAPI schema; instead a ``HEAD`` request is served as the ``GET`` it stands for
and its body dropped (``Content-Length`` still says how long it would be). A 405
whose ``Allow`` names ``GET`` names ``HEAD`` too.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: ``HEAD`` served as ``GET`` without a body; ``HEAD`` in ``Allow``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                message = {**message, "headers": with_head(message.get("headers", []))}
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"} if head else scope, receive, answer)


def with_head(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``HEAD`` added to an ``Allow`` that names ``GET``."""
    changed = []
    for name, value in headers:
        if name.lower() == b"allow":
            methods = [method.strip() for method in value.split(b",") if method.strip()]
            if b"GET" in methods and b"HEAD" not in methods:
                methods.insert(methods.index(b"GET") + 1, b"HEAD")
            value = b", ".join(methods)
        changed.append((name, value))
    return changed
