"""CORS: which other web origins' pages may call the app from a browser.

None by default: without ``PULPO_CORS_ORIGINS`` the app answers no preflight and
sends no ``Access-Control-*`` header, so browsers keep other sites' scripts out.
With origins, Starlette's ``CORSMiddleware`` answers their preflights (a refused
origin, method or header: 400) and marks their answers readable, exposing the
headers a client of the app reads (``X-Total-Count``, ``Idempotent-Replayed``,
``Retry-After``, ``WWW-Authenticate``, ``Allow``). Credentials travel in headers
(``X-API-Key``, ``Authorization``), never in cookies, so no origin gets
``Access-Control-Allow-Credentials``.

The layer sits outside everything that may refuse a request (see
:func:`pulpo.http.install`): a browser's preflight carries no credentials and must be
answered without them, and a 401, 413 or 503 must reach the page that asked.
"""

from collections.abc import Callable
from dataclasses import dataclass

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

EXPOSED_HEADERS = (
    "X-Total-Count",
    "Idempotent-Replayed",
    "Retry-After",
    "WWW-Authenticate",
    "Allow",
)
MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class CorsPolicy:
    """The origins that may call the app, with the methods and headers they may use."""

    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...]


class Cors:
    """ASGI middleware: Starlette's ``CORSMiddleware`` as ``policy()`` says, built on the
    first request (``None``: no CORS at all)."""

    def __init__(self, app: ASGIApp, policy: Callable[[], CorsPolicy | None]) -> None:
        self.app = app
        self.policy = policy
        self._served: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._served is None:
            policy = self.policy()
            self._served = (
                self.app
                if policy is None
                else CORSMiddleware(
                    self.app,
                    allow_origins=policy.origins,
                    allow_methods=policy.methods,
                    allow_headers=policy.headers,
                    expose_headers=EXPOSED_HEADERS,
                    max_age=MAX_AGE_SECONDS,
                )
            )
        await self._served(scope, receive, send)
