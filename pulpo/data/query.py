"""Small helpers that turn API query parameters into MongoDB query parts.

The list routes take filters as ``field`` (equals) or ``field__operator``
(``level__gte=10``); :func:`filter_document` builds the MongoDB filter from them.
Operators are named by the server's own table, never taken from the client: a value
such as ``"$gt"`` stays a plain value.
"""

from collections.abc import Mapping
from typing import Any

OPERATORS: dict[str, str] = {
    "ne": "$ne",
    "gt": "$gt",
    "gte": "$gte",
    "lt": "$lt",
    "lte": "$lte",
    "in": "$in",
    "nin": "$nin",
    "exists": "$exists",
    "regex": "$regex",
}
"""The filter suffixes (``level__gte``) and the MongoDB operators they stand for."""


def filter_document(parameters: Mapping[str, object]) -> dict[str, Any]:
    """``{"level__gte": 10, "level__lt": 50, "name": "Pikachu"}`` →
    ``{"level": {"$gte": 10, "$lt": 50}, "name": "Pikachu"}``.

    A key without a known suffix is an equality filter; when the same field also
    has operators, the equality joins them as ``$eq``. Field names holding ``__``
    are never filters (the generated queries leave them out), so the split is
    unambiguous. Values are left as they are: the repository converts them to what
    MongoDB compares (enums by value, dates as datetimes).
    """
    equal: dict[str, object] = {}
    operators: dict[str, dict[str, object]] = {}
    for key, value in parameters.items():
        field, _, suffix = key.rpartition("__")
        if field and suffix in OPERATORS:
            operators.setdefault(field, {})[OPERATORS[suffix]] = value
        else:
            equal[key] = value
    document: dict[str, Any] = dict(equal)
    for field, conditions in operators.items():
        if field in equal:
            conditions = {"$eq": equal[field], **conditions}
        document[field] = conditions
    return document


def sort_order(sort: str | None) -> list[tuple[str, int]]:
    """``"-level,name"`` → ``[("level", -1), ("name", 1)]``; ``None`` or ``""`` → ``[]``.

    The generated query has already checked the keys (declared fields, none twice).
    """
    if not sort:
        return []
    return [(key[1:], -1) if key.startswith("-") else (key, 1) for key in sort.split(",")]
