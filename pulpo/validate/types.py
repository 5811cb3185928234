"""Which Python types can be a stored field, a request field or a query parameter.

A supported type is one Pulpo can store in MongoDB without loss, validate with
pydantic and write back as source code in the generated app:

- scalars: ``str``, ``int``, ``float``, ``bool``, ``datetime``, ``date``, ``UUID``, ``Decimal``;
- ``Enum`` subclasses and ``Literal[...]`` of strings, numbers and booleans;
- pydantic models whose fields are supported (nested documents);
- ``list[T]``, ``set[T]``, ``tuple[T, ...]``, ``dict[str, T]`` and ``T | None`` of those;
- ``Annotated[T, ...]`` where ``T`` is supported (the metadata is kept by pydantic).
"""

import datetime
import decimal
import enum
import types
import typing
import uuid
from typing import Any, TypeGuard

from pydantic import BaseModel

SCALARS: tuple[type, ...] = (
    str,
    int,
    float,
    bool,
    datetime.datetime,
    datetime.date,
    uuid.UUID,
    decimal.Decimal,
)
_CONTAINERS = (list, set, frozenset, tuple)
_EXAMPLES = {tuple: "tuple[str, ...]", dict: "dict[str, str]"}  # what the rules accept


def is_model(value: Any) -> TypeGuard[type[BaseModel]]:
    """Is ``value`` a pydantic model class?"""
    return isinstance(value, type) and issubclass(value, BaseModel)


def is_scalar(annotation: Any) -> bool:
    """A single comparable value: usable as an equality filter and a sort key."""
    annotation = strip_optional(strip_annotated(annotation))
    if typing.get_origin(annotation) is typing.Literal:
        return True
    return isinstance(annotation, type) and (
        annotation in SCALARS or issubclass(annotation, enum.Enum)
    )


def strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def strip_optional(annotation: Any) -> Any:
    """``T | None`` → ``T``; anything else unchanged."""
    if _is_union(annotation):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def unsupported_reason(annotation: Any, _seen: frozenset[type] = frozenset()) -> str | None:
    """``None`` when ``annotation`` is supported; otherwise why not, in a few words."""
    annotation = strip_annotated(annotation)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if annotation is type(None):
        return None
    if annotation is Any:  # a class since Python 3.11: test it before the plain types
        return "'Any' cannot be validated or documented; name the type"
    if isinstance(annotation, type) and origin is None:
        if annotation in SCALARS or issubclass(annotation, enum.Enum):
            return None
        if is_model(annotation):
            return _model_reason(annotation, _seen)
        if annotation in (*_CONTAINERS, dict):
            example = _EXAMPLES.get(annotation, f"{annotation.__name__}[str]")
            return f"bare {annotation.__name__!r} needs an item type, e.g. {example}"
        return f"type {_describe(annotation)!r} cannot be stored in MongoDB"
    if origin is typing.Literal:
        if all(isinstance(value, (str, int, bool)) for value in arguments):
            return None
        return "Literal values must be strings, integers or booleans"
    if _is_union(annotation):
        members = [arg for arg in arguments if arg is not type(None)]
        if len(members) != 1:
            return "unions other than 'T | None' are ambiguous to store"
        return unsupported_reason(members[0], _seen)
    if origin in _CONTAINERS:
        items = [arg for arg in arguments if arg is not Ellipsis]
        if origin is tuple and (len(arguments) != 2 or arguments[1] is not Ellipsis):
            return "tuples must be 'tuple[T, ...]'"
        return unsupported_reason(items[0], _seen) if items else "a container needs an item type"
    if origin is dict:
        if not arguments or arguments[0] is not str:
            return "dict keys must be str (MongoDB document keys)"
        return unsupported_reason(arguments[1], _seen)
    return f"type {_describe(annotation)!r} is not supported"


def _model_reason(model: type[BaseModel], seen: frozenset[type]) -> str | None:
    if model in seen:
        return None
    for name, field in model.model_fields.items():
        reason = unsupported_reason(field.annotation, seen | {model})
        if reason is not None:
            return f"{model.__name__}.{name}: {reason}"
    return None


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _describe(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return repr(annotation).replace("typing.", "")


def named_types(annotation: Any, _seen: set[type] | None = None) -> list[type]:
    """The enums and pydantic models ``annotation`` refers to, nested ones included."""
    seen = _seen if _seen is not None else set()
    found: list[type] = []
    annotation = strip_annotated(annotation)
    if isinstance(annotation, type) and typing.get_origin(annotation) is None:
        if annotation in seen:
            return found
        if issubclass(annotation, enum.Enum):
            seen.add(annotation)
            found.append(annotation)
        elif is_model(annotation):
            seen.add(annotation)
            found.append(annotation)
            for field in annotation.model_fields.values():
                found.extend(named_types(field.annotation, seen))
        return found
    if typing.get_origin(annotation) is typing.Literal:
        return found
    for argument in typing.get_args(annotation):
        if argument is not Ellipsis:
            found.extend(named_types(argument, seen))
    return found
