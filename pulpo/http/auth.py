"""Access control: who may call a generated app, and whether they may read or write.

Off by default (``PULPO_AUTH=none``): every request is served, as before. Switched on
by the settings (:mod:`pulpo.http.security` reads and checks them), a request must
carry one of:

- an API key, in the ``X-API-Key`` header (``PULPO_AUTH=api-key``). The app knows
  only the SHA-256 of each key, with a name and its scopes; the key itself is never
  stored, logged or compared as such. SHA-256 rather than a password hash: API keys
  are random strings of 32 bytes or more, which no dictionary holds, so a slow hash
  would add nothing but tens of milliseconds of CPU to every request (and a way to
  spend the server's CPU by sending keys);
- a JWT, in ``Authorization: Bearer ...`` (``PULPO_AUTH=jwt``), signed with the
  configured secret (HS256...) or by the holder of the configured public key
  (RS256, ES256, EdDSA...), not expired (``exp`` is required), for the configured
  audience and from the configured issuer when they are set. PyJWT checks it. Its
  scopes are the OAuth2 ``scope`` claim (space-separated) or ``scp`` (a list); its
  name is ``sub``;
- either (``PULPO_AUTH=api-key,jwt``).

Scopes: ``read`` for ``GET`` and ``HEAD`` (and ``OPTIONS``), ``write`` for every other
method (``POST``, ``PUT``, ``PATCH``, ``DELETE``): a route's scope follows from its
method, so every route of every generated router has one. ``write`` does not imply
``read``. No credentials, or wrong ones: 401 with ``WWW-Authenticate``; credentials
without the route's scope: 403. ``/health`` stays open; ``/docs``, ``/redoc``, their
assets and ``/openapi.json`` are open, protected (``read``) or absent (404) as
``PULPO_DOCS`` says.

**Where it runs.** :class:`Authenticate` is an ASGI layer placed after the bound on
requests in flight and before the body limit and the idempotency keys (see
:func:`pulpo.http.install`): a stranger's request costs a header check, its body is
never read, and an idempotent replay is only ever served to someone allowed to make
the request. (A route dependency alone would come too late: FastAPI reads a body
before it solves the dependencies, and idempotency replays answer before any route.)
The layer keeps who it let in as the request's ``scope["user"]`` (a
:class:`Principal`, so Starlette's ``request.user`` and ``request.auth`` work), and
idempotency keys are kept per principal.

**In the routes and in tests.** Every generated router but the health check has the
dependency :data:`AUTHORIZED` (:func:`authorized`, on :func:`caller`). In normal
operation it only hands the route the principal the layer let in. A test may override
:func:`caller`::

    app.dependency_overrides[caller] = lambda: Principal("tester", frozenset({"read"}), "test")

and the layer then steps aside: requests need no credentials, the routes run as the
override's principal, and :func:`authorized` still answers 403 to what its scopes do
not allow (here, any write). Overriding ``get_settings`` with ``PULPO_AUTH=none``
settings turns access control off altogether.

The OpenAPI schema declares what is switched on (:func:`with_access`): the security
schemes, each protected operation's scheme and scope, and its 401 and 403.
"""

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.authentication import AuthCredentials, BaseUser
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from pulpo.errors import PulpoError

logger = logging.getLogger(__name__)

READ = "read"
WRITE = "write"
SCOPES = frozenset({READ, WRITE})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_KEY_HEADER = "X-API-Key"
OPEN_PATHS = frozenset({"/health"})
"""Paths served to anyone, whatever the settings."""

DocsAccess = Literal["public", "protected", "off"]
"""``PULPO_DOCS``: the documentation open to anyone, needing ``read``, or not served."""

API_KEY_SCHEME = "APIKey"
BEARER_SCHEME = "BearerJWT"
"""The names of the security schemes in the OpenAPI schema."""

_API_KEY = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name=API_KEY_SCHEME,
    description="An API key the server knows the SHA-256 of; its scopes (read, write) "
    "are set where the key is configured (PULPO_API_KEYS).",
    auto_error=False,
)
_BEARER = HTTPBearer(
    bearerFormat="JWT",
    scheme_name=BEARER_SCHEME,
    description="A signed JWT with an exp claim; its scopes are the space-separated "
    "scope claim (or scp): read for GET and HEAD, write for the other methods.",
    auto_error=False,
)


def required_scope(method: str) -> str:
    """The scope a request with ``method`` needs: ``read`` to look, ``write`` to change."""
    return READ if method.upper() in READ_METHODS else WRITE


@dataclass(frozen=True)
class Principal(BaseUser):
    """Who a request comes from, as authenticated, and what they may do."""

    name: str
    scopes: frozenset[str]
    scheme: str
    """How they were authenticated: ``api-key``, ``jwt``, or ``anonymous`` (no one was)."""

    @property
    def is_authenticated(self) -> bool:
        return self.scheme != "anonymous"

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def identity(self) -> str:
        """Unique across schemes: an API key and a token subject may share a name."""
        return f"{self.scheme}:{self.name}"

    def may(self, scope: str) -> bool:
        return scope in self.scopes


ANYONE = Principal("anonymous", SCOPES, "anonymous")
"""Every request's principal while access control is off: it may do everything."""
NOBODY = Principal("anonymous", frozenset(), "anonymous")
"""The principal of a request to an open path (``/health``) while access control is on."""


class Refused(PulpoError):
    """A request access control does not let through: 401 or 403, and why."""

    def __init__(self, status: int, detail: str, challenges: Iterable[str] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.challenges = tuple(challenges)

    def response(self) -> JSONResponse:
        response = JSONResponse(status_code=self.status, content={"detail": self.detail})
        for challenge in self.challenges:
            response.raw_headers.append((b"www-authenticate", challenge.encode("latin-1")))
        return response


# --- API keys -------------------------------------------------------------------------------


def key_digest(key: str) -> str:
    """The SHA-256 of an API key (of its UTF-8 bytes), in hex: what the settings hold.

    The same as ``printf %s "$KEY" | sha256sum`` (``printf``, not ``echo``, which would
    hash a newline too).
    """
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """One API key the app accepts: its name, its scopes and the SHA-256 of the key."""

    name: str
    scopes: frozenset[str]
    digest: str
    """64 hex digits, lowercase."""


class ApiKeys:
    """The API keys the app accepts."""

    challenge = f'APIKey header="{API_KEY_HEADER}"'

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self.keys = tuple(keys)
        self._digests = [(bytes.fromhex(key.digest), key) for key in self.keys]

    def principal(self, presented: str) -> Principal:
        """Who holds ``presented``; :class:`Refused` (401) when it is no key of theirs.

        The digest is compared with every known one, in constant time each, so the
        answer takes as long whichever key (if any) matches.
        """
        digest = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
        found: ApiKey | None = None
        for known, key in self._digests:
            if hmac.compare_digest(digest, known):
                found = key
        if found is None:
            raise Refused(
                401, f"The {API_KEY_HEADER} is not a key this server knows", [self.challenge]
            )
        return Principal(found.name, found.scopes, "api-key")


# --- JWT ------------------------------------------------------------------------------------


def token_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """The scopes a token grants, of those the app knows: ``scope`` (RFC 8693, a
    space-separated string) and ``scp`` (a list, or a string, as some providers send)."""
    granted: set[str] = set()
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            granted.update(value.split())
        elif isinstance(value, list):
            granted.update(item for item in value if isinstance(item, str))
    return frozenset(granted & SCOPES)


_TOKEN_PROBLEMS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "The token has expired"),
    (jwt.ImmatureSignatureError, "The token is not valid yet"),
    (jwt.InvalidAudienceError, "The token is not meant for this server (aud)"),
    (jwt.InvalidIssuerError, "The token is not from the expected issuer (iss)"),
    (jwt.InvalidSignatureError, "The token's signature does not verify"),
    (jwt.InvalidAlgorithmError, "The token is signed with an algorithm this server does not take"),
    (jwt.MissingRequiredClaimError, "The token lacks a claim this server requires"),
)
"""What a bearer token's 401 says, by PyJWT's error; anything else: not a valid token."""


@dataclass(frozen=True)
class BearerTokens:
    """How the app checks a bearer JWT (built and checked by :mod:`pulpo.http.security`)."""

    key: Any
    """The HMAC secret (bytes) or the public key (a ``cryptography`` key object)."""
    algorithms: tuple[str, ...]
    audience: str | None = None
    issuer: str | None = None
    challenge: str = field(default="Bearer", init=False)

    def principal(self, token: str) -> Principal:
        """Who the token names, with its scopes; :class:`Refused` (401) when it does not verify."""
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=list(self.algorithms),
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp"]},
            )
        # PyJWT's errors, and what a malformed token may still raise from below it: a
        # client's token is never a 500.
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
            reason = next(
                (text for kind, text in _TOKEN_PROBLEMS if isinstance(error, kind)),
                "The bearer token is not a valid JWT",
            )
            if isinstance(error, jwt.MissingRequiredClaimError):
                reason = f"The token lacks the {error.claim} claim this server requires"
            raise Refused(
                401, reason, [f'Bearer error="invalid_token", error_description="{quoted(reason)}"']
            ) from None
        subject = claims.get("sub")
        name = subject if isinstance(subject, str) and subject else "unnamed"
        return Principal(name, token_scopes(claims), "jwt")


def quoted(text: str) -> str:
    """``text`` as the inside of a quoted-string an ``error_description`` may hold (RFC 6750)."""
    return "".join(char if " " <= char <= "~" and char not in '"\\' else "'" for char in text)


# --- the rule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """Who may call the app: the schemes switched on (none: everyone), and the docs' access."""

    api_keys: ApiKeys | None = None
    tokens: BearerTokens | None = None
    docs: DocsAccess = "public"
    broken: str | None = None
    """Why the settings could not be read: every request but ``/health`` is then 503."""

    @property
    def on(self) -> bool:
        return self.api_keys is not None or self.tokens is not None

    @property
    def challenges(self) -> list[str]:
        """What a 401 asks for, one ``WWW-Authenticate`` per scheme switched on."""
        schemes = [self.api_keys, self.tokens]
        return [scheme.challenge for scheme in schemes if scheme is not None]

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """Who sent a request with ``headers``; :class:`Refused` (401) when no one we know.

        An API key is looked at first, then a bearer token (when both are switched on).
        A credential of a scheme that is off is no credential.
        """
        key = headers.get(API_KEY_HEADER.lower())
        if self.api_keys is not None and key is not None:
            return self.api_keys.principal(key)
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if self.tokens is not None and scheme.lower() == "bearer" and token.strip():
            return self.tokens.principal(token.strip())
        wanted = " or ".join(
            ([f"an API key in {API_KEY_HEADER}"] if self.api_keys is not None else [])
            + (["a bearer token in Authorization"] if self.tokens is not None else [])
        )
        raise Refused(401, f"Not authenticated: send {wanted}", self.challenges)

    def authorize(self, principal: Principal, method: str) -> None:
        """:class:`Refused` (403) when ``principal`` may not make a ``method`` request."""
        if not principal.may(scope := required_scope(method)):
            raise forbidden(principal, scope)


def forbidden(principal: Principal, scope: str) -> Refused:
    held = ", ".join(sorted(principal.scopes)) or "none"
    what = {"api-key": "This API key", "jwt": "This token"}.get(principal.scheme, "This caller")
    challenges = []
    if principal.scheme == "jwt":
        challenges.append(f'Bearer error="insufficient_scope", scope="{scope}"')
    return Refused(403, f"{what} may not {scope} (its scopes: {held})", challenges)


# --- the layer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Documentation:
    """The paths of the app's documentation: its pages and schema, and the prefixes of
    its assets (whatever the app serves outside its OpenAPI schema)."""

    paths: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, app: FastAPI) -> "Documentation":
        paths = {app.openapi_url} if app.openapi_url else set()
        prefixes = []
        for route in app.routes:
            if isinstance(route, Route) and not route.include_in_schema:
                paths.add(route.path)
            elif isinstance(route, Mount):
                prefixes.append(route.path.rstrip("/") + "/")
        return cls(frozenset(paths), tuple(prefixes))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (path in self.paths or path.startswith(self.prefixes))


def route_path(scope: Scope) -> str:
    """The path the app routes on: the request's, without the ``root_path`` it is mounted at."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


def overridden(scope: Scope) -> bool:
    """Whether the app's tests replaced :func:`caller` (``app.dependency_overrides``)."""
    overrides = getattr(scope.get("app"), "dependency_overrides", None)
    return isinstance(overrides, dict) and caller in overrides


class Authenticate:
    """ASGI middleware: 401 and 403 before the body is read (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, access: Callable[[], Access], documentation: Callable[[], Documentation]
    ) -> None:
        self.app = app
        self.access = access
        self.documentation = documentation
        self._documentation: Documentation | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        access = self.access()
        path = route_path(scope)
        if self._documentation is None:
            self._documentation = self.documentation()
        docs = path in self._documentation
        if access.broken is not None and path not in OPEN_PATHS:
            detail = "The server's access control is misconfigured; its log says how"
            await JSONResponse(status_code=503, content={"detail": detail})(scope, receive, send)
            return
        if docs and access.docs == "off":
            await JSONResponse(status_code=404, content={"detail": "Not Found"})(
                scope, receive, send
            )
            return
        if overridden(scope):  # a test's principal: the routes' dependency checks its scopes
            await self.app(scope, receive, send)
            return
        if not access.on:
            principal = ANYONE
        elif path in OPEN_PATHS or (docs and access.docs == "public"):
            principal = NOBODY
        else:
            try:
                principal = access.authenticate(_headers(scope))
                access.authorize(principal, scope["method"])
            except Refused as refused:
                await refused.response()(scope, receive, send)
                return
        scope = {**scope, "user": principal, "auth": AuthCredentials(sorted(principal.scopes))}
        await self.app(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers, by lowercase name (the first of each), as text."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def principal_of(scope: Scope) -> Principal | None:
    """Who the layer let in, when someone authenticated; ``None`` for anonymous requests."""
    principal = scope.get("user")
    return principal if isinstance(principal, Principal) and principal.is_authenticated else None


# --- the routes' dependency -----------------------------------------------------------------


def caller(request: Request) -> Principal:
    """Who makes the request, as :class:`Authenticate` let them in (:data:`ANYONE` while
    access control is off). Override it in tests to call as someone else."""
    principal = request.scope.get("user")
    if isinstance(principal, Principal):
        return principal
    # No layer said who it is (an app built without pulpo.http.install): refuse.
    raise HTTPException(401, "Not authenticated")


def authorized(request: Request, principal: Annotated[Principal, Depends(caller)]) -> Principal:
    """The caller, when they may make this request (the scope its method needs); else 403."""
    scope = required_scope(request.method)
    if not principal.may(scope):
        refused = forbidden(principal, scope)
        headers = {"WWW-Authenticate": refused.challenges[0]} if refused.challenges else None
        raise HTTPException(403, refused.detail, headers=headers)
    return principal


AUTHORIZED = Depends(authorized)
"""The dependency of every generated router but the health check:
``APIRouter(..., dependencies=[AUTHORIZED])``."""


# --- the OpenAPI schema ---------------------------------------------------------------------

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}


def document_access(app: FastAPI, access: Callable[[], Access]) -> None:
    """Make ``app.openapi()`` declare the access control switched on (once, then cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_access(build(), access())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_access(openapi: dict[str, Any], access: Access) -> dict[str, Any]:
    """``openapi`` with ``access`` declared (changed in place, and returned).

    Nothing when access control is off: the schema then says what is true, that no
    route needs credentials. When it is on: the security schemes in use; on each
    operation of a protected path, those schemes with the scope its method needs (as
    OpenAPI 3.1 lets any scheme list the roles it requires), a 401 with its
    ``WWW-Authenticate`` header and a 403; on the open paths, ``security: []``.
    """
    if not access.on:
        return openapi
    schemes = {}
    if access.api_keys is not None:
        schemes[API_KEY_SCHEME] = _API_KEY.model.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
    if access.tokens is not None:
        schemes[BEARER_SCHEME] = _BEARER.model.model_dump(
            mode="json", by_alias=True, exclude_none=True
        )
    openapi.setdefault("components", {}).setdefault("securitySchemes", {}).update(schemes)
    unauthorized = {
        "description": "No credentials, or credentials this server does not accept.",
        "headers": {
            "WWW-Authenticate": {
                "description": "What to authenticate with.",
                "schema": {"type": "string"},
            }
        },
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
    for path, item in openapi.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            if path in OPEN_PATHS:
                operation["security"] = []
                continue
            scope = required_scope(method)
            operation["security"] = [{name: [scope]} for name in schemes]
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", dict(unauthorized))
            responses.setdefault(
                "403",
                {
                    "description": f"The credentials do not carry the {scope} scope.",
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                },
            )
    return openapi
