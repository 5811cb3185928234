"""How a generated route reads its request: a query string of UTF-8, a body of strict JSON.

The routers of a generated app are ``APIRouter(..., route_class=JSONRoute)``. Before
FastAPI validates anything, a :class:`JSONRoute`

1. refuses a query string that is not UTF-8 once percent-decoded (422), and, on a
   route that requires an ``Idempotency-Key`` (:func:`pulpo.http.idempotency.idempotency_key`),
   a request without one (400), before its body is read;
2. on a route that takes a body, refuses one that is not JSON: ``Content-Type`` must
   be ``application/json`` or ``application/*+json`` (415), or curl's default
   ``application/x-www-form-urlencoded`` when the bytes are a JSON object or array
   (see :func:`reads_as_json`);
3. parses the body once, strictly (pydantic's parser: no ``NaN`` or ``Infinity``, no
   lone surrogate, no invalid UTF-8, at most 200 levels deep) and checks it against
   the rules of :mod:`pulpo.http.values` (422 listing what breaks them);
4. validates it against the route's model with JSON's types, as the OpenAPI states
   them (see :func:`json_type_errors`), and hands FastAPI the validated model, which
   it takes as it is.

So a body is validated once. Routes that take a body also declare 413 and 415 in
the OpenAPI schema.
"""

import email.message
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, from_json
from starlette.requests import ClientDisconnect
from starlette.types import Message

from pulpo.http.idempotency import HEADER, MISSING_KEY
from pulpo.http.settings import limits_of
from pulpo.http.values import json_errors, query_errors

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
"""The error body every generated app declares (``generated/errors.py``)."""

BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "The body is larger than the server takes (PULPO_MAX_BODY_BYTES), "
        "or the document larger than MongoDB stores.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
    415: {
        "description": "The body is not JSON (Content-Type application/json).",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    },
}

KEY_ERROR: dict[int | str, dict[str, Any]] = {
    400: {
        "description": f"No {HEADER} header: this route requires one.",
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }
}

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class JSONRoute(APIRoute):
    """A route whose query string and JSON body are read strictly (see the module)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.declared_lengths = (0, 0)
        # The whole body is one model (not several parameters FastAPI embeds in an object).
        self.body_adapter: TypeAdapter[Any] | None = None
        if requires_header(self.dependant, HEADER):
            self.responses = {**KEY_ERROR, **self.responses}
        if self.body_field is not None:
            self.responses = {**BODY_ERRORS, **self.responses}
            annotation = self.body_field.field_info.annotation
            self.declared_lengths = declared_lengths(annotation)
            if annotation is not None and not self._embed_body_fields:
                self.body_adapter = TypeAdapter(annotation)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        reads_body = self.body_field is not None
        requires_key = requires_header(self.dependant, HEADER)  # (called by __init__)

        async def read_strictly(request: Request) -> Response:
            errors = query_errors(request.scope.get("query_string", b""))
            if errors:
                raise RequestValidationError(errors)
            if requires_key and HEADER not in request.headers:
                raise HTTPException(400, MISSING_KEY)
            if reads_body:
                request = await self._parsed(request)
            return await handler(request)

        return read_strictly

    async def _parsed(self, request: Request) -> Request:
        strict = ParsedRequest(request.scope, request.receive)
        try:
            body = await strict.body()
        except ClientDisconnect:
            raise HTTPException(400, "The client left before sending the whole body") from None
        if not body:
            return strict  # FastAPI says what is missing
        content_type = request.headers.get("content-type")
        if not reads_as_json(content_type, body):
            sent = f"not {content_type!r}" if content_type else "no Content-Type was sent"
            raise HTTPException(415, f"Send the body as JSON (application/json); {sent[:80]}")
        if not is_json(content_type):  # JSON sent as curl's form: FastAPI reads JSON types only
            strict = labelled_json(strict, body)
        try:
            value = from_json(body, allow_inf_nan=False)
        except ValueError as error:
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body",),
                        "msg": "JSON decode error",
                        "ctx": {"error": str(error)[:200]},
                    }
                ]
            ) from None
        limits = limits_of(request.app)
        strings, items = self.declared_lengths
        errors = json_errors(
            value,
            max_string_length=max(limits.max_string_length, strings),
            max_items=max(limits.max_items, items),
        )
        if errors:
            raise RequestValidationError(errors)
        adapter = self.body_adapter
        strict.parsed = value if adapter is None else validated(adapter, body, value)
        return strict


def validated(adapter: TypeAdapter[Any], body: bytes, value: Any) -> Any:
    """The body as the route's model, validated with JSON's types; else ``value``.

    A body valid with JSON's types is validated once, here: FastAPI takes the model
    as it is. Otherwise FastAPI's own (lax) validation decides and words the errors,
    unless the body gives a JSON type the schema does not allow (``true`` or ``"5"``
    for an integer), which is refused here along with what FastAPI would refuse.
    """
    try:
        return adapter.validate_json(body, strict=True)
    except ValidationError as error:
        mismatches = json_type_errors(error)
    if not mismatches:
        return value
    try:
        adapter.validate_python(value)
        others: list[ErrorDetails] = []
    except ValidationError as error:
        others = error.errors(include_url=False)
    located = {tuple(mismatch["loc"]) for mismatch in mismatches}
    errors = mismatches + [other for other in others if tuple(other["loc"]) not in located]
    raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in errors])


def json_type_errors(error: ValidationError) -> list[ErrorDetails]:
    """The errors of a strict validation that a JSON Schema validator makes too.

    pydantic's lax mode reads ``true`` and ``"5"`` as numbers and ``1`` or ``"yes"``
    as ``true``; the OpenAPI says ``integer``, ``number`` and ``boolean``, which
    take none of them. An integral float for an integer (``5.0``) is not among
    these: JSON Schema counts it as an integer, and so does the lax validation.
    """
    return [
        detail
        for detail in error.errors(include_url=False)
        if (
            detail["type"] in ("int_type", "float_type") and isinstance(detail["input"], bool | str)
        )
        or (detail["type"] == "bool_type" and not isinstance(detail["input"], bool))
    ]


class ParsedRequest(Request):
    """A request whose JSON body was already read: ``json()`` returns it (or its model)."""

    parsed: Any = None

    async def json(self) -> Any:
        return self.parsed


def is_json(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` is JSON, as FastAPI decides it."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


FORM = "application/x-www-form-urlencoded"


def reads_as_json(content_type: str | None, body: bytes) -> bool:
    """Whether a body with this ``Content-Type`` is read as JSON.

    A JSON ``Content-Type``, or curl's default: ``curl -d '{"a": 1}' URL`` (and ``-d
    @file.json``) sends ``application/x-www-form-urlencoded`` unless told otherwise,
    and the documents this API serves post JSON that way. Bytes that start (after
    whitespace) with ``{`` or ``[`` are no form anyone meant (a form is
    ``name=value&...``), so they are read as the JSON they are, and a real form stays
    415. The JSON is then parsed as strictly as any other.
    """
    if is_json(content_type):
        return True
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    return message.get_content_type() == FORM and body.lstrip()[:1] in (b"{", b"[")


def labelled_json(request: ParsedRequest, body: bytes) -> ParsedRequest:
    """``request``, whose ``body`` was read, as if sent with ``Content-Type: application/json``."""
    headers = [(name, value) for name, value in request.scope["headers"] if name != b"content-type"]
    scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await request.receive()

    return ParsedRequest(scope, receive)


def requires_header(dependant: Dependant, name: str) -> bool:
    """Whether the route (or a dependency of it) requires the header ``name``."""
    pending = [dependant]
    while pending:
        node = pending.pop()
        for param in node.header_params:
            if param.alias.lower() == name.lower() and param.field_info.is_required():
                return True
        pending.extend(node.dependencies)
    return False


def declared_lengths(annotation: Any) -> tuple[int, int]:
    """The largest ``maxLength`` of a string and ``maxItems`` of an array ``annotation`` declares.

    A field whose model allows longer values than the app's limits keeps what
    its model says: the route's limits are raised to the largest declared ones.
    """
    schema = TypeAdapter(annotation).json_schema()
    strings, items = 0, 0
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if isinstance(node.get("maxLength"), int):
                strings = max(strings, node["maxLength"])
            if isinstance(node.get("maxItems"), int):
                items = max(items, node["maxItems"])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return strings, items
