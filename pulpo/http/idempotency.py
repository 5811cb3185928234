"""Idempotency keys: a ``POST`` retried with the same key does its work once.

After the IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header). A client that may retry a ``POST``
(a create, an operation, a flow start) sends a key of its choosing::

    POST /operations/pokemon/management/catch
    Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"

- The first request with a key runs, and its answer (status, headers, body) is kept
  with the key, in MongoDB (:data:`COLLECTION`), until the key expires
  (``PULPO_IDEMPOTENCY_TTL_SECONDS``, a TTL index removes it).
- A retry with the same key and the same request (method, path, query and body)
  runs nothing: it gets the first answer again, with ``Idempotent-Replayed: true``.
- The same key with another request is the client's mistake: 422, as a validation
  error of the header (the body FastAPI gives every 422, so clients read one shape).
- A retry while the first request still runs: 409; the client retries later.
- With access control on (:mod:`pulpo.http.auth`), keys are each principal's own: the
  same key from another API key or token subject is another key (:func:`owned_key`).
- When the first request failed on the server's side (5xx: MongoDB unavailable, an
  operation that could not finish), its key is forgotten, so a retry runs again:
  a 5xx means nothing was done (operations write in transactions).

Concurrent requests with one key are decided by MongoDB: the key is the stored
document's ``_id``, so exactly one of them inserts it and runs.

A route may require the header (``@operation(idempotency="required")``, or an
:data:`pulpo.IdempotencyKey` parameter): it depends on :func:`idempotency_key`, which
gives the route the key, declares the header required in the OpenAPI, and makes
:class:`~pulpo.http.routes.JSONRoute` answer 400 to a request without one, before
its body is read.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from bson import Binary
from fastapi import Depends, FastAPI, Header
from pymongo.errors import DuplicateKeyError, PyMongoError
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulpo.data.connection import current_database, database_errors
from pulpo.errors import DatabaseUnavailable
from pulpo.http.auth import principal_of

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
COLLECTION = "pulpo_idempotency_keys"
"""The collection of keys: ``_id`` the key, the request's fingerprint, the answer."""
MAX_KEY_LENGTH = 255
DEFAULT_TTL_SECONDS = 24 * 60 * 60
METHODS = frozenset({"POST"})
MISSING_KEY = f"{HEADER} header is required"
"""The ``detail`` of the 400 a route that requires a key answers to a request without one."""
_HEADER = HEADER.lower().encode()
_NOT_KEPT = frozenset({b"date", b"server", b"content-length"})


@dataclass
class _Answer:
    """An answer as the app sent it, held back until it is kept."""

    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class IdempotencyKeys:
    """ASGI middleware: the idempotency keys of ``POST`` requests (see the module docstring).

    ``ttl_seconds()`` says how long a key is kept; it is read on each request that
    carries one. Place it after the body limit: it reads the (bounded) body whole.
    """

    def __init__(self, app: ASGIApp, ttl_seconds: Callable[[], int]) -> None:
        self.app = app
        self.ttl_seconds = ttl_seconds
        self._indexed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in METHODS:
            await self.app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(_HEADER)
        if raw is None:
            await self.app(scope, receive, send)
            return
        key = parse_key(raw)
        if key is None:
            message = f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters"
            await _invalid_header(message, "idempotency_key_invalid")(scope, receive, send)
            return
        key = owned_key(scope, key)
        body, replay = await _read_body(receive)
        fingerprint = _fingerprint(scope, body)
        try:
            first = await self._claim(key, fingerprint, scope["path"])
        except DatabaseUnavailable as error:
            await _problem(503, error.detail)(scope, receive, send)
            return
        if first is not None:
            await _answer_again(first, fingerprint)(scope, receive, send)
            return
        answer = _Answer()

        async def held(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.body.extend(message.get("body", b""))

        try:
            await self.app(scope, replay, held)
        except BaseException:
            await self._forget(key)
            raise
        if answer.status >= 500:
            await self._forget(key)
        else:
            await self._keep(key, answer)
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        )
        await send({"type": "http.response.body", "body": bytes(answer.body)})

    async def _claim(self, key: str, fingerprint: str, path: str) -> dict[str, Any] | None:
        """Insert ``key`` as running; ``None`` when this request is its first, else the record."""
        now = datetime.now(UTC)
        record = {
            "_id": key,
            "fingerprint": fingerprint,
            "path": path,
            "state": "running",
            "created_at": now,
            "expires_at": now + timedelta(seconds=self.ttl_seconds()),
        }
        with database_errors():
            keys = current_database()[COLLECTION]
            if not self._indexed:
                await keys.create_index("expires_at", expireAfterSeconds=0)
                self._indexed = True
            for _ in range(2):  # the record may expire between the insert and the read
                try:
                    await keys.insert_one(record)
                    return None
                except DuplicateKeyError:
                    found: dict[str, Any] | None = await keys.find_one({"_id": key})
                    if found is not None:
                        return found
        raise DatabaseUnavailable(f"the {HEADER} {key!r} could not be claimed; retry")

    async def _keep(self, key: str, answer: _Answer) -> None:
        """Keep the answer with its key. If MongoDB is gone meanwhile, the client still
        gets the answer; a retry then sees the key running (409) until it expires."""
        headers = [[name, value] for name, value in answer.headers if name not in _NOT_KEPT]
        try:
            await current_database()[COLLECTION].update_one(
                {"_id": key},
                {
                    "$set": {
                        "state": "done",
                        "status": answer.status,
                        "headers": headers,
                        "body": Binary(bytes(answer.body)),
                    }
                },
            )
        except PyMongoError:
            return

    async def _forget(self, key: str) -> None:
        try:
            await current_database()[COLLECTION].delete_one({"_id": key, "state": "running"})
        except PyMongoError:
            return


def parse_key(raw: bytes) -> str | None:
    """The key of an ``Idempotency-Key`` header: a quoted string (the draft's form) or bare."""
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    if not 1 <= len(text) <= MAX_KEY_LENGTH or not all(" " < char < "\x7f" for char in text):
        return None
    return text


def idempotency_key(key: Annotated[str, Header(alias=HEADER)]) -> str:
    """The request's ``Idempotency-Key`` as the client chose it (quotes removed).

    A dependency of the routes that require the header: the key reached the route
    valid (the middleware answers 422 otherwise) and, when it is missing, the route
    answered 400 already (:class:`~pulpo.http.routes.JSONRoute`).
    """
    return parse_key(key.encode("latin-1")) or key


KeyHeader = Annotated[str, Depends(idempotency_key)]
"""A route parameter that receives the required ``Idempotency-Key``."""

KEY_REQUIRED = Depends(idempotency_key)
"""``dependencies=[KEY_REQUIRED]``: the route requires the header and ignores its value."""


def owned_key(scope: Scope, key: str) -> str:
    """The stored ``_id`` of ``key``: the key itself for an anonymous request; with access
    control on, the key within its principal's (``"api-key:importer <key>"``).

    So two clients that chose the same key never see each other's answers (the draft's
    keys are unique per client), and no replay reaches anyone but who made the first
    request. A key holds no space (:func:`parse_key`), so the pair reads back one way.
    """
    principal = principal_of(scope)
    return key if principal is None else f"{principal.identity} {key}"


def _fingerprint(scope: Scope, body: bytes) -> str:
    """What makes two requests the same request: method, path, query string and body."""
    digest = hashlib.sha256()
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1")):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(body)
    return digest.hexdigest()


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a ``receive`` that hands it to the app as if unread."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the app sees an empty body and the disconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _answer_again(record: dict[str, Any], fingerprint: str) -> Response:
    if record.get("fingerprint") != fingerprint:
        return _invalid_header(
            f"This {HEADER} was used with another request (method, path, query or body); "
            "use a new key for a new request",
            "idempotency_key_reused",
        )
    if record.get("state") != "done":
        return _problem(409, f"A request with this {HEADER} is still being processed; retry later")
    headers = [(bytes(name), bytes(value)) for name, value in record.get("headers", [])]
    response = Response(content=bytes(record.get("body", b"")), status_code=int(record["status"]))
    response.raw_headers = [
        *(item for item in headers if item[0] != b"content-length"),
        (b"content-length", str(len(response.body)).encode()),
        (REPLAYED.lower().encode(), b"true"),
    ]
    return response


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail})


def _invalid_header(message: str, kind: str) -> JSONResponse:
    """A 422 in FastAPI's validation-error shape, located at the header."""
    error = {"type": kind, "loc": ["header", HEADER], "msg": message}
    return JSONResponse(status_code=422, content={"detail": [error]})


def document_idempotency(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the header, and the 409 and 422 it brings, on every POST."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_idempotency(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_idempotency(openapi: dict[str, Any]) -> dict[str, Any]:
    """``openapi`` with the ``Idempotency-Key`` header on every POST (changed in place).

    A route that requires the header declares it already (:func:`idempotency_key`):
    it keeps ``required: true`` and gets the same description and schema.
    """
    parameter = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Any unique string of the client's choosing (a UUID does): a retry with the "
            "same key and request gets the first answer again and does nothing; the same "
            "key with another request is 422; a retry while the first still runs is 409."
        ),
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": r'^"?[!#-~]+"?$',
        },
    }
    error = {"$ref": "#/components/schemas/ErrorResponse"}
    for item in openapi.get("paths", {}).values():
        operation = item.get("post")
        if operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        declared = [
            item
            for item in parameters
            if item.get("in") == "header" and str(item.get("name", "")).lower() == HEADER.lower()
        ]
        if declared:
            declared[0].update({**parameter, "required": declared[0].get("required", False)})
        else:
            parameters.append(dict(parameter))
        responses = operation.setdefault("responses", {})
        for status, description in (
            ("409", "A request with this Idempotency-Key is still being processed."),
            ("422", "Invalid input, or an Idempotency-Key used with another request."),
        ):
            if status not in responses:
                content = {"application/json": {"schema": error}}
                responses[status] = {"description": description, "content": content}
    return openapi
