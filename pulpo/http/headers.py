"""Security headers on every answer, and no ``Server`` header.

Every response gets, unless it set its own:

- ``X-Content-Type-Options: nosniff``: a browser takes a JSON body for JSON, never
  for a script or a page;
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page frames the app;
- ``Referrer-Policy: no-referrer``;
- ``Content-Security-Policy``: ``default-src 'none'`` for everything but HTML (the
  API's JSON loads nothing). The HTML pages (``/docs``, ``/redoc``) get what they
  need to render from the app itself (fastapi-offline serves their scripts): scripts
  from the app's origin plus exactly the page's own inline scripts, by their SHA-256
  (computed from the page as it is sent, so a new FastAPI's page still works and
  nothing else inline runs), styles from the app and inline (both UIs style
  elements at run time), images from the app and ``data:``, ReDoc's ``blob:`` worker,
  requests to the app only;
- ``Cache-Control: no-store``, except on what is meant to be cached and revalidated
  (an answer with an ``ETag``: the docs' static assets): an answer may hold data
  that only its caller may see;
- ``Strict-Transport-Security: max-age=N`` when ``PULPO_HSTS_SECONDS`` is set (only
  for a site always served over HTTPS).

A ``Server`` header an inner layer set is removed. The one uvicorn adds itself is
not the app's to remove: Pulpo starts uvicorn without it (``server_header=False``,
``--no-server-header``), as a deployment should.

This layer is the app's outermost, outside even Starlette's error middleware (see
:func:`pulpo.http.install`), so that every answer has the headers: 401s, 413s and
503s, and the 500 of an unexpected error too.
"""

import base64
import hashlib
import re
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HTML_POLICY = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
FIXED = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)


def html_policy(page: bytes) -> str:
    """The CSP of an HTML page: its own inline scripts allowed by their SHA-256."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return HTML_POLICY.format(hashes=hashes)


def secured(
    headers: list[tuple[bytes, bytes]], *, policy: str, hsts_seconds: int
) -> list[tuple[bytes, bytes]]:
    """``headers`` without ``Server``, with each security header they do not set themselves."""
    kept = [(name, value) for name, value in headers if name.lower() != b"server"]
    present = {name.lower() for name, _ in kept}
    added = [*FIXED, (b"content-security-policy", policy.encode())]
    if b"etag" not in present:
        added.append((b"cache-control", b"no-store"))
    if hsts_seconds > 0:
        added.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))
    return kept + [(name, value) for name, value in added if name not in present]


def is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.lower().startswith(b"text/html")
        for name, value in headers
    )


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (see the module docstring).

    An HTML page is held until its last byte, to hash its inline scripts (the docs'
    pages are a few hundred bytes); everything else passes as it comes.
    """

    def __init__(self, app: ASGIApp, hsts_seconds: Callable[[], int]) -> None:
        self.app = app
        self.hsts_seconds = hsts_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hsts = self.hsts_seconds()
        held: Message | None = None
        page = bytearray()

        async def with_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if is_html(headers):
                    held = message
                    return
                message = {
                    **message,
                    "headers": secured(headers, policy=JSON_POLICY, hsts_seconds=hsts),
                }
            elif message["type"] == "http.response.body" and held is not None:
                page.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                headers = secured(
                    list(held.get("headers", [])),
                    policy=html_policy(bytes(page)),
                    hsts_seconds=hsts,
                )
                await send({**held, "headers": headers})
                held = None
                message = {"type": "http.response.body", "body": bytes(page), "more_body": False}
            await send(message)

        await self.app(scope, receive, with_headers)
