"""Answer templates: the JSON a mock route answers, with a few values filled in per call.

A template is any JSON value. Its strings are Python format strings over three fields:

- ``sequence``: the 1-based number of the route's accepted calls (``"OFD-{sequence:06d}"``
  renders ``"OFD-000001"``, then ``"OFD-000002"``);
- ``unix_time``: the seconds since the epoch, an ``int``;
- ``now``: the same moment in ISO 8601 UTC, ``"2025-11-30T12:00:00Z"``.

A string that is exactly one bare placeholder becomes the value itself, so
``{"timestamp": "{unix_time}"}`` renders ``{"timestamp": 1701345600}``, a number, as the
document's mock Odoo answers. Objects and arrays are rendered item by item; object keys,
numbers, booleans and ``null`` are kept as they are; ``{{`` and ``}}`` are literal braces.
"""

import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

FIELDS = ("sequence", "unix_time", "now")
"""The placeholders a template may use."""

_FORMATTER = string.Formatter()
# A moment with every field at its widest, to try a template's format specs on.
_SAMPLE = {"sequence": 1, "unix_time": 1_701_345_600, "now": "2025-11-30T12:00:00Z"}


def iso(moment: datetime) -> str:
    """``moment`` in UTC, to the second, as the document writes times: ``2025-11-30T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fields(sequence: int, moment: datetime) -> dict[str, Any]:
    """The values a template is rendered with for the call numbered ``sequence`` at ``moment``."""
    return {"sequence": sequence, "unix_time": int(moment.timestamp()), "now": iso(moment)}


def render(template: Any, values: dict[str, Any]) -> Any:
    """``template`` with its strings formatted with ``values`` (see the module's docstring).

    The template must have passed :func:`problems`: an unknown placeholder raises here.
    """
    if isinstance(template, str):
        alone = _bare_placeholder(template)
        return values[alone] if alone is not None else template.format_map(values)
    if isinstance(template, dict):
        return {key: render(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [render(item, values) for item in template]
    return template


def problems(template: Any, where: str) -> Iterator[str]:
    """What is wrong with ``template``, each a line naming the string at fault (``where``)."""
    if isinstance(template, str):
        problem = _string_problem(template)
        if problem is not None:
            yield f"{where}: {problem} in {template!r}"
    elif isinstance(template, dict):
        for key, value in template.items():
            yield from problems(value, f"{where}.{key}")
    elif isinstance(template, list):
        for index, item in enumerate(template):
            yield from problems(item, f"{where}[{index}]")


def _bare_placeholder(text: str) -> str | None:
    """The field name when ``text`` is exactly ``{name}`` (no spec, no conversion), else None."""
    if not (text.startswith("{") and text.endswith("}")):
        return None
    name = text[1:-1]
    return name if name in FIELDS else None


def _string_problem(text: str) -> str | None:
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError as error:  # an unmatched brace
        return f"{error} (write {{{{ and }}}} for literal braces)"
    for _, name, _, _ in parts:
        if name is not None and name not in FIELDS:
            shown = "{" + name + "}" if name else "{}"
            return f"unknown placeholder {shown} (use {', '.join('{' + f + '}' for f in FIELDS)})"
    try:
        text.format_map(_SAMPLE)
    except (ValueError, TypeError) as error:  # a format spec that does not fit the value
        return f"bad format: {error}"
    return None
