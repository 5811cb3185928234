"""Query-string types that say no to what pydantic's lax parsing would take.

Pydantic reads ``"0.5"`` as a datetime (half a second after 1970) and ``"20240101"``
as a date (a Unix timestamp); a query parameter documented as ``format: date-time``
must not. The generated list routes filter dates and times with these types: an
ISO 8601 text (``2026-11-29``, ``2026-11-29T12:00:00Z``) or a 422 naming the parameter.

The list routes' operator filters use two more: :data:`CommaSeparated` (``in`` and
``nin``: ``?element__in=Fire,Water``) and :data:`Regex` (``name__regex=^Char``), whose
grammar is small enough that every pattern it admits compiles and none can nest
repetitions (the cause of catastrophic backtracking).
"""

import datetime as dt
import re
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ValueError("must be an ISO 8601 date or date and time, e.g. 2026-11-29T12:00:00Z")
    return value


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso)]
"""A datetime written in ISO 8601, as the OpenAPI's ``format: date-time`` says."""

IsoDate = Annotated[dt.date, BeforeValidator(_iso)]
"""A date written in ISO 8601, as the OpenAPI's ``format: date`` says."""

QUERY_TYPES: dict[type, str] = {dt.datetime: "IsoDateTime", dt.date: "IsoDate"}
"""What a generated query filter writes in place of these types (imported from here)."""

MAX_VALUES = 100
"""The most values an ``in`` or ``nin`` filter takes."""

T = TypeVar("T")


def _split_commas(value: Any) -> Any:
    """``"Fire,Water"`` (or the parameter repeated, as OpenAPI clients send a list) → items."""
    values = value if isinstance(value, list) else [value]
    return [
        part for item in values for part in (item.split(",") if isinstance(item, str) else [item])
    ]


CommaSeparated = Annotated[
    list[T], BeforeValidator(_split_commas), Field(min_length=1, max_length=MAX_VALUES)
]
"""Values given comma-separated (``Fire,Water``) or repeated, each typed as ``T``."""

MAX_REGEX_LENGTH = 100
"""The longest pattern a ``regex`` filter takes."""

_LITERAL = r"[^\\^$.|?*+()\[\]{}]"  # any character but the special ones
_ESCAPE = r"\\[\\^$.|?*+()\[\]{}/dwsDWS-]"  # an escaped special character, \d, \w, \s...
_SET = r"\[\^?(?:[^\\\]\[^-]|\\[\\\]\[^-])+\]"  # [abc], [^abc]: no ranges, nothing nested
_ATOM = rf"(?:{_LITERAL}|{_ESCAPE}|\.|{_SET})"
REGEX_GRAMMAR = rf"^(?!(?:[^*+?]*[*+?]){{4}})\^(?:{_ATOM}[*+?]?)*\$?$"
"""What a ``regex`` filter admits: anchored with ``^``; literal characters, escapes
(``\\.``, ``\\d``, ``\\w``, ``\\s``...), ``.`` and character sets without ranges; at most
three of the repetition characters ``*``, ``+``, ``?`` (escaped ones count too), and no
groups, alternatives or counted repetitions, so that no pattern can backtrack
catastrophically; an optional final ``$``. Each character belongs to one atom, so
checking a pattern against this grammar takes linear time."""


def _compiles(pattern: str) -> str:
    """The grammar admits only valid patterns; Python's ``re`` checks it again."""
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a valid regular expression: {error}") from None
    return pattern


Regex = Annotated[
    str,
    Field(max_length=MAX_REGEX_LENGTH, pattern=REGEX_GRAMMAR),
    AfterValidator(_compiles),
]
"""A bounded regular expression anchored with ``^`` (see :data:`REGEX_GRAMMAR`)."""


def sort_grammar(fields: list[str], most: int = 5) -> str:
    """The pattern of a ``sort`` parameter over ``fields``: ``-level,name``.

    Up to ``most`` comma-separated fields, each optionally after ``-`` (descending),
    none twice (the look-ahead refuses a repeat, with or without ``-``). Longer names
    come first, so that ``nick`` never matches the start of ``nickname``.
    """
    names = "|".join(re.escape(name) for name in sorted(fields, key=lambda name: -len(name)))
    repeat = rf"(?!.*(?:^|,)-?({names})(?:,.*)?,-?\1(?:,|$))"
    return rf"^{repeat}-?(?:{names})(?:,-?(?:{names})){{0,{most - 1}}}$"
