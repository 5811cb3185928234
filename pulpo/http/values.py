"""What a value in a request may be: the rules no field type can break.

A request reaches MongoDB through BSON, which stores 64-bit integers, finite
doubles, UTF-8 strings and documents whose keys are names (a key starting with
``$`` is an operator, one with a ``.`` a path, and one with a NUL cannot be
encoded). So, wherever a value sits in a JSON body:

==================  =============================================================
integers            from ``INT64_MIN`` to ``INT64_MAX`` (BSON's int64)
numbers             finite (``1e400`` parses as infinity)
strings             at most ``max_string_length`` characters
arrays              at most ``max_items`` items
object keys         no leading ``$``, no ``.``, no NUL (``KEY_PATTERN``)
==================  =============================================================

Strings are valid Unicode and ``NaN``/``Infinity`` are refused by the parser
(:mod:`pulpo.http.routes`), before these rules run. A query string must be UTF-8
once percent-decoded (:func:`query_errors`).

Each rule answers with errors shaped like pydantic's (``type``, ``loc``, ``msg``,
``ctx``), so a 422 lists them beside the model's own. Valid input costs one pass
that builds nothing (:func:`json_errors` looks for locations only when it fails).
"""

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

KEY_PATTERN = r"^([^$.\x00][^.\x00]*)?$"
"""The keys a stored object may have, as a JSON Schema ``pattern``."""

Error = dict[str, Any]
"""One problem, as pydantic and FastAPI write them: ``type``, ``loc``, ``msg``, ``ctx``."""

Location = tuple[str | int, ...]


def bad_key(key: str) -> bool:
    """Whether MongoDB would read ``key`` as something else than a field name."""
    return bool(key) and (key[0] == "$" or "." in key or "\x00" in key)


def json_errors(
    value: Any,
    *,
    max_string_length: int,
    max_items: int,
    loc: Location = ("body",),
    limit: int = 20,
) -> list[Error]:
    """What in the parsed JSON ``value`` breaks a rule, at most ``limit`` errors (mostly none)."""
    if _fits(value, max_string_length, max_items):
        return []
    errors: list[Error] = []
    for error in _errors(value, loc, max_string_length, max_items):
        errors.append(error)
        if len(errors) == limit:
            break
    return errors


def _fits(value: Any, max_string_length: int, max_items: int) -> bool:
    kind = type(value)
    if kind is str:
        return len(value) <= max_string_length
    if kind is int:
        return bool(INT64_MIN <= value <= INT64_MAX)
    if kind is dict:
        for key, item in value.items():
            if len(key) > max_string_length or bad_key(key):
                return False
            if not _fits(item, max_string_length, max_items):
                return False
        return True
    if kind is list:
        if len(value) > max_items:
            return False
        return all(_fits(item, max_string_length, max_items) for item in value)
    if kind is float:
        return math.isfinite(value)
    return True  # bool, None


def _errors(value: Any, loc: Location, max_string_length: int, max_items: int) -> Iterator[Error]:
    kind = type(value)
    if kind is str and len(value) > max_string_length:
        yield too_long_string(loc, max_string_length)
    elif kind is int and value > INT64_MAX:
        yield {
            "type": "less_than_equal",
            "loc": loc,
            "msg": f"Input should be less than or equal to {INT64_MAX}",
            "ctx": {"le": INT64_MAX},
        }
    elif kind is int and value < INT64_MIN:
        yield {
            "type": "greater_than_equal",
            "loc": loc,
            "msg": f"Input should be greater than or equal to {INT64_MIN}",
            "ctx": {"ge": INT64_MIN},
        }
    elif kind is float and not math.isfinite(value):
        yield {"type": "finite_number", "loc": loc, "msg": "Input should be a finite number"}
    elif kind is dict:
        for key, item in value.items():
            if len(key) > max_string_length:
                yield too_long_string((*loc, key[:40], "[key]"), max_string_length)
            elif bad_key(key):
                yield {
                    "type": "string_pattern_mismatch",
                    "loc": (*loc, key, "[key]"),
                    "msg": "Keys must not start with '$' or hold '.' or NUL: "
                    "MongoDB reads them as operators and paths",
                    "ctx": {"pattern": KEY_PATTERN},
                }
            yield from _errors(item, (*loc, key), max_string_length, max_items)
    elif kind is list:
        if len(value) > max_items:
            yield {
                "type": "too_long",
                "loc": loc,
                "msg": f"List should have at most {max_items} items, not {len(value)}",
                "ctx": {"field_type": "List", "max_length": max_items, "actual_length": len(value)},
            }
        for index, item in enumerate(value):
            yield from _errors(item, (*loc, index), max_string_length, max_items)


def too_long_string(loc: Location, max_length: int) -> Error:
    return {
        "type": "string_too_long",
        "loc": loc,
        "msg": f"String should have at most {max_length} characters",
        "ctx": {"max_length": max_length},
    }


def query_errors(query_string: bytes, limit: int = 20) -> list[Error]:
    """The parameters of a raw query string that are not UTF-8 once percent-decoded.

    Starlette decodes them leniently (a bad byte becomes U+FFFD), which would
    silently filter, or store, something the client did not send.
    """
    if query_string.isascii() and b"%" not in query_string:
        return []
    errors: list[Error] = []
    for part in query_string.split(b"&"):
        name, _, value = part.partition(b"=")
        for raw in (name, value):
            try:
                unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                label = unquote_to_bytes(name).decode("utf-8", "replace")[:40]
                errors.append(
                    {
                        "type": "string_unicode",
                        "loc": ("query", label),
                        "msg": "Input should be a valid string, "
                        "unable to parse raw data as a unicode string",
                    }
                )
                break
        if len(errors) == limit:
            break
    return errors
