"""HTTP: what stands between a client and a generated app's routes.

No input from a client may produce a 5xx, hold the app, or reach MongoDB as
something other than data. Each module holds one idea:

- :mod:`~pulpo.http.methods`: ``HEAD`` on every ``GET`` route, ``HEAD`` in ``Allow``;
- :mod:`~pulpo.http.overload`: at most so many requests at once, 503 + ``Retry-After`` beyond;
- :mod:`~pulpo.http.limits`: 413 for a body over the limit, before it is read;
- :mod:`~pulpo.http.idempotency`: a ``POST`` retried with the same ``Idempotency-Key``
  does its work once;
- :mod:`~pulpo.http.auth`: access control, off by default: API keys and bearer JWTs,
  ``read`` and ``write`` scopes, 401 and 403 before the body is read;
- :mod:`~pulpo.http.headers`: security headers on every answer, no ``Server`` header;
- :mod:`~pulpo.http.cors`: which other origins' pages may call the app (none by default);
- :mod:`~pulpo.http.security`: those three's settings, checked when the settings are built;
- :mod:`~pulpo.http.routes`: ``JSONRoute``, the generated routers' route class: query
  strings of UTF-8 (422), bodies of JSON only (415), parsed strictly, once (422);
- :mod:`~pulpo.http.values`: the rules on every value of a body (64-bit integers,
  finite numbers, bounded lengths, keys MongoDB reads as names);
- :mod:`~pulpo.http.errors`: error bodies of bounded size, 413 for what MongoDB
  finds too large;
- :mod:`~pulpo.http.openapi`: the schema states those limits;
- :mod:`~pulpo.http.settings`: the limits, from the app's settings.

A generated app calls :func:`install` once, in ``create_app``.
"""

from collections.abc import Callable

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from pulpo.http.auth import AUTHORIZED, Access, Authenticate, Documentation, document_access
from pulpo.http.cors import Cors
from pulpo.http.errors import HANDLERS
from pulpo.http.headers import SecurityHeaders
from pulpo.http.idempotency import IdempotencyKeys, document_idempotency
from pulpo.http.limits import BodyLimit
from pulpo.http.methods import HeadAsGet
from pulpo.http.openapi import document_limits
from pulpo.http.overload import InFlightLimit
from pulpo.http.routes import JSONRoute
from pulpo.http.security import SecuritySource
from pulpo.http.settings import STATE_KEY, HTTPSettings, Limits, LimitsSource

__all__ = ["AUTHORIZED", "HTTPSettings", "JSONRoute", "Limits", "install"]


def install(app: FastAPI, settings: Callable[[], HTTPSettings]) -> None:
    """Put Pulpo's HTTP layers around ``app``; ``settings()`` is read on the first request.

    The layers, outermost first (the order matters; a new layer goes where its
    reason puts it, in the list below):

    0. Outside the app's own error handling (Starlette's ``ServerErrorMiddleware``,
       which answers an unexpected error's 500), so that every answer, that 500
       included, gets what they add:

       a. ``SecurityHeaders``: the security headers, no ``Server`` header. Outermost,
          so that CORS's own answers (preflights) get them too.
       b. ``Cors``: answers preflights (a browser sends them without credentials, so
          before authentication) and marks answers readable by the allowed origins,
          401s, 413s and 503s included.

    1. ``HeadAsGet``: a ``HEAD`` is served as its ``GET``, body dropped. Outermost, so
       that every layer inside sees a plain ``GET`` and no answer to a ``HEAD``, a 503
       or a 413 included, carries a body. (Headers every answer needs, CORS or
       security headers, go before it, so that the 503s and 413s below get them too.)
    2. ``InFlightLimit``: a request beyond the limit costs nothing but its wait for a
       slot: 503 with ``Retry-After`` before anything is read or checked.
       (Authentication goes after it, so that a flood of bad credentials is bounded
       too, and before the body is read, so that a stranger's body is never read.)
    3. ``Authenticate``: 401 without credentials the app takes, 403 without the scope
       the method needs. After the request bound, so that a flood of bad credentials
       waits its turn like any request; before the body limit and the idempotency
       keys, so that a stranger's body is never read (not even to answer 413) and a
       replay is never served to someone who may not make the request.
    4. ``BodyLimit``: before anything reads the body, 413 for one over the limit.
    5. ``IdempotencyKeys``: reads the (bounded) body whole to fingerprint the request,
       and answers a replay from MongoDB without running the route. After the body
       limit, so that the body it reads is bounded; inside the request bound, so that
       replays count as requests.

    Then the app: its exception handlers (here: 422 with bounded errors, 413 for
    documents MongoDB finds too large) and its routes, whose ``JSONRoute`` reads the
    query and the body; every router but the health check depends on
    :data:`~pulpo.http.auth.AUTHORIZED`. The OpenAPI schema documents the limits, the
    idempotency keys and the access control switched on.
    """
    limits = LimitsSource(settings)
    setattr(app.state, STATE_KEY, limits)
    security = SecuritySource(settings)

    def access() -> Access:
        return security().access

    layers = [  # outermost first
        Middleware(HeadAsGet),
        Middleware(InFlightLimit, limits=limits),
        Middleware(Authenticate, access=access, documentation=lambda: Documentation.of(app)),
        Middleware(BodyLimit, limits=limits),
        Middleware(IdempotencyKeys, ttl_seconds=lambda: limits().idempotency_ttl_seconds),
    ]
    for layer in reversed(layers):  # add_middleware puts the last one added outermost
        app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
    build = app.build_middleware_stack

    def outermost() -> ASGIApp:  # around Starlette's ServerErrorMiddleware too
        cors = Cors(build(), policy=lambda: security().cors)
        return SecurityHeaders(cors, hsts_seconds=lambda: security().hsts_seconds)

    app.build_middleware_stack = outermost  # type: ignore[method-assign]
    document_limits(app, limits)
    document_idempotency(app)
    document_access(app, access)
