"""The OpenAPI schema says what a request may hold, as the app enforces it.

A client generator or a fuzzer reads the schema, so the limits of
:mod:`pulpo.http.values` are written into every schema a request uses (request
bodies, query and path parameters), where the model does not say more:

- an integer gets ``minimum``/``maximum`` within 64 bits;
- a string (of a body) gets ``maxLength`` and an array ``maxItems``, the app's limits;
- an object with free keys (a ``dict``) gets ``propertyNames``: no ``$``, ``.`` or NUL;
- a value of any type (``Any``, the extra keys a model ignores, a ``dict``'s values
  when they are ``Any``) refers to ``JSONValue``: any JSON whose objects keep the
  same rule about keys, all the way down, since the app checks the whole body.

Every 503 declares the ``Retry-After`` an overloaded app sends with it.

Responses are left as they are: a stored document another client wrote may
break them. A component that both requests and responses use is therefore split:
requests get a copy named ``<Name>-Input``, as FastAPI names its own.
"""

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI

from pulpo.http.settings import Limits
from pulpo.http.values import INT64_MAX, INT64_MIN, KEY_PATTERN

REF_PREFIX = "#/components/schemas/"
RETRY_AFTER = {
    "description": "When the app is overloaded: seconds to wait before trying again.",
    "schema": {"type": "integer"},
}

Schema = dict[str, Any]

# Keys whose value maps names to schemas; keys whose value is data, not a schema.
_MAPPINGS = frozenset(("properties", "patternProperties", "$defs", "dependentSchemas"))
_VALUES = frozenset(("examples", "example", "default", "const", "enum", "propertyNames"))

# Keys that make a schema say something about its value; a schema with none takes anything.
_SAYS_SOMETHING = frozenset(
    ("type", "$ref", "anyOf", "oneOf", "allOf", "not", "enum", "const", "properties", "items")
)


def document_limits(app: FastAPI, limits: Callable[[], Limits]) -> None:
    """Make ``app.openapi()`` write ``limits`` into the request schemas (once, then cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_limits(build(), limits())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_limits(openapi: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """``openapi`` with the request limits written in (changed in place, and returned)."""
    components: dict[str, Schema] = openapi.get("components", {}).get("schemas", {})
    bodies = list(_request_bodies(openapi))
    parameters = list(_parameters(openapi))
    requested = _reachable([*bodies, *parameters], components)
    shared = requested & _reachable(list(_responses(openapi)), components)
    # Split what the limits change, and what refers to something split.
    split = {name for name in shared if _bounded(components[name], limits) != components[name]}
    while grown := {
        name for name in shared - split if any(ref in split for ref in _refs(components[name]))
    }:
        split |= grown
    renamed = {name: _input_name(name, components) for name in sorted(split)}
    for name, copy_name in renamed.items():
        components[copy_name] = copy.deepcopy(components[name])
    for schema in [*bodies, *parameters, *(components[name] for name in renamed.values())]:
        _rename_refs(schema, renamed)
    for name in sorted(requested - shared):
        _rename_refs(components[name], renamed)
    free = _unused_name("JSONValue", components)
    for name in [*sorted(requested - shared), *renamed.values()]:
        _bound(components[name], limits, body=True, free=free)
    for schema in bodies:
        _bound(schema, limits, body=True, free=free)
    for schema in parameters:
        _bound(schema, limits, body=False, free=free)
    if any(free in _refs(schema) for schema in [*bodies, *components.values()]):
        components[free] = json_value(free, limits)
    for operation in _operations(openapi):
        unavailable = operation.get("responses", {}).get("503")
        if isinstance(unavailable, dict):
            unavailable.setdefault("headers", {}).setdefault("Retry-After", RETRY_AFTER)
    return openapi


def json_value(name: str, limits: Limits) -> Schema:
    """Any JSON value the app takes: objects' keys as MongoDB reads names, within the limits."""
    itself = {"$ref": REF_PREFIX + name}
    return {
        "description": "Any JSON value; no object key in it may start with '$' or hold '.' "
        "or NUL (MongoDB reads those as operators and paths).",
        "anyOf": [
            {
                "type": "object",
                "propertyNames": {"pattern": KEY_PATTERN, "maxLength": limits.max_string_length},
                "additionalProperties": itself,
            },
            {"type": "array", "items": itself, "maxItems": limits.max_items},
            {"type": "string", "maxLength": limits.max_string_length},
            {"type": "integer", "minimum": INT64_MIN, "maximum": INT64_MAX},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
        ],
    }


def _bounded(schema: Schema, limits: Limits) -> Schema:
    bounded = copy.deepcopy(schema)
    _bound(bounded, limits, body=True, free="JSONValue")
    return bounded


def _operations(openapi: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in openapi.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                yield operation


def _request_bodies(openapi: dict[str, Any]) -> Iterator[Schema]:
    for operation in _operations(openapi):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            if isinstance(media.get("schema"), dict):
                yield media["schema"]


def _parameters(openapi: dict[str, Any]) -> Iterator[Schema]:
    for operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            if isinstance(parameter.get("schema"), dict):
                yield parameter["schema"]


def _responses(openapi: dict[str, Any]) -> Iterator[Schema]:
    for operation in _operations(openapi):
        for response in operation.get("responses", {}).values():
            for media in response.get("content", {}).values():
                if isinstance(media.get("schema"), dict):
                    yield media["schema"]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            yield ref.removeprefix(REF_PREFIX)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(schemas: list[Schema], components: dict[str, Schema]) -> set[str]:
    """The component names ``schemas`` refer to, directly or through other components."""
    found: set[str] = set()
    pending = [name for schema in schemas for name in _refs(schema)]
    while pending:
        name = pending.pop()
        if name in found or name not in components:
            continue
        found.add(name)
        pending.extend(_refs(components[name]))
    return found


def _input_name(name: str, components: dict[str, Schema]) -> str:
    return _unused_name(f"{name}-Input", components)


def _unused_name(name: str, components: dict[str, Schema]) -> str:
    candidate, number = name, 2
    while candidate in components:
        candidate, number = f"{name}{number}", number + 1
    return candidate


def _rename_refs(node: Any, renamed: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.removeprefix(REF_PREFIX) in renamed:
            node["$ref"] = REF_PREFIX + renamed[ref.removeprefix(REF_PREFIX)]
        for value in node.values():
            _rename_refs(value, renamed)
    elif isinstance(node, list):
        for value in node:
            _rename_refs(value, renamed)


def _bound(node: Any, limits: Limits, *, body: bool, free: str) -> None:
    """Write the limits into one schema and the schemas it holds (not those it refers to).

    ``free`` names the component of any JSON value (:func:`json_value`), which a
    body's schema that takes anything is made to refer to.
    """
    if isinstance(node, list):
        for value in node:
            _bound(value, limits, body=body, free=free)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if body and not _SAYS_SOMETHING & node.keys() and "additionalProperties" not in node:
        node["$ref"] = REF_PREFIX + free
    elif kind == "integer":
        node["minimum"] = max(node.get("minimum", INT64_MIN), INT64_MIN)
        node["maximum"] = min(node.get("maximum", INT64_MAX), INT64_MAX)
    elif body and kind == "string" and "enum" not in node and "const" not in node:
        node.setdefault("maxLength", limits.max_string_length)
    elif body and kind == "array":
        node.setdefault("maxItems", limits.max_items)
    elif body and kind == "object":
        declared = node.get("properties", {})
        if all(re.fullmatch(KEY_PATTERN, name) for name in declared):
            names = node.setdefault("propertyNames", {})
            names.setdefault("pattern", KEY_PATTERN)
            names.setdefault("maxLength", limits.max_string_length)
        if node.get("additionalProperties", True) in (True, {}):
            # A dict of anything, or the keys a model ignores: still read and checked.
            node["additionalProperties"] = {"$ref": REF_PREFIX + free}
    for key, value in node.items():
        if key in _MAPPINGS and isinstance(value, dict):
            for schema in value.values():  # keyed by names, not a schema itself
                _bound(schema, limits, body=body, free=free)
        elif key not in _VALUES:
            _bound(value, limits, body=body, free=free)
