"""Error bodies of bounded size, whatever the request held.

FastAPI's 422 echoes each invalid ``input``: the whole body when a field is
missing, a megabyte string when it is too long; and an echoed ``NaN`` or lone
surrogate cannot even be written as JSON (a 500). Here every error body is short
and writable: at most :data:`MAX_ERRORS` errors, each string cut to a few hundred
characters, ``input`` kept only when it is a short scalar, ``detail`` strings cut
to :data:`MAX_DETAIL` characters.

What MongoDB refuses to store because it is too large (a document over its
16 MiB, with ``PULPO_MAX_BODY_BYTES`` raised above that) is the client's
request: 413, not 500.
"""

import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import DocumentTooLarge, OperationFailure

logger = logging.getLogger(__name__)

MAX_ERRORS = 20
MAX_TEXT = 200
MAX_MESSAGE = 1_000
MAX_DETAIL = 1_000
MAX_LOCATION = 32

TOO_LARGE_CODES = frozenset({10334, 17419, 17420})
"""MongoDB's codes for a document, or an update's result, over its size limit."""


def bounded_text(text: str, limit: int = MAX_DETAIL) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis), and writable as UTF-8."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def bounded_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validation errors as a 422 lists them, each short and JSON-safe (see the module)."""
    bounded: list[dict[str, Any]] = []
    for error in errors:
        if len(bounded) == MAX_ERRORS:
            break
        item: dict[str, Any] = {
            "type": bounded_text(str(error.get("type", "value_error")), MAX_TEXT),
            "loc": [_part(part) for part in list(error.get("loc", ()))[:MAX_LOCATION]],
            "msg": bounded_text(str(error.get("msg", "")), MAX_MESSAGE),
        }
        if "input" in error and _scalar(error["input"]):
            item["input"] = _value(error["input"])
        context = error.get("ctx")
        if isinstance(context, Mapping) and context:
            item["ctx"] = {
                bounded_text(str(key), MAX_TEXT): _value(value)
                if _scalar(value)
                else bounded_text(str(value))
                for key, value in list(context.items())[:MAX_LOCATION]
            }
        bounded.append(item)
    return bounded


def _part(part: Any) -> str | int:
    return part if isinstance(part, int) else bounded_text(str(part), MAX_TEXT)


def _scalar(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) < 10**40
    return isinstance(value, float | str)


def _value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or Infinity
    if isinstance(value, str):
        return bounded_text(value, MAX_TEXT)
    return value


async def request_invalid(request: Request, error: Exception) -> JSONResponse:
    """422 for a request FastAPI (or :mod:`pulpo.http.routes`) found invalid."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": bounded_errors(error.errors())})


async def document_too_large(request: Request, error: Exception) -> JSONResponse:
    """413 for a document MongoDB cannot store because of its size."""
    detail = f"The document is too large to store: {bounded_text(str(error), 200)}"
    return JSONResponse(status_code=413, content={"detail": detail})


async def storage_refused(request: Request, error: Exception) -> JSONResponse:
    """413 for an update whose result MongoDB finds too large; otherwise a bug (500)."""
    if isinstance(error, OperationFailure) and error.code in TOO_LARGE_CODES:
        return await document_too_large(request, error)
    logger.error("Unhandled error in %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse(status_code=500, content={"detail": "Internal server error"})


HANDLERS: dict[type[Exception], Any] = {
    RequestValidationError: request_invalid,
    DocumentTooLarge: document_too_large,
    OperationFailure: storage_refused,
}
"""The exception handlers :func:`pulpo.http.install` adds to an app."""
