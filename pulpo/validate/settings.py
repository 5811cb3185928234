"""The rules a project's settings follow: each is one line of a ``.env`` file.

A :func:`pulpo.setting` becomes ``NAME=value`` in the generated ``.env.example``
(its default) and ``.env.test`` (its test value), and is read back from the
environment by :meth:`~pulpo.declare.settings.Setting.get`. So:

- its name is an environment variable's (letters, digits and ``_``, not starting
  with a digit), and not one the generated app reads itself (``MONGODB_URL``,
  ``PULPO_*``...);
- its type is one a line of text holds: ``str``, ``int``, ``float``, ``bool``, or a
  ``Literal`` or ``Enum`` of those;
- its default and its test value are values of that type, on one line;
- two declarations of one name agree (type, default and test value): the
  environment holds one value.

Every problem is reported at the line that assigns the setting.
"""

import enum
import re
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pulpo.declare.settings import UNSET
from pulpo.discover.project import DiscoveredSetting, Project
from pulpo.validate.diagnostics import Code, Diagnostic

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
LINE_TYPES: tuple[type, ...] = (str, int, float, bool)
# What the generated app reads from the environment itself (pulpo/templates/app/settings.py.jinja).
OWN_NAMES = frozenset(
    {"MONGODB_URL", "MONGODB_DATABASE", "MONGODB_TIMEOUT_MS", "MONGODB_WRITE_CONCERN"}
    | {"PREFECT_API_URL"}
)
OWN_PREFIX = "PULPO_"


def check_settings(project: Project) -> Iterator[Diagnostic]:
    """Every problem of the project's settings, each at the line that assigns it."""
    first: dict[str, DiscoveredSetting] = {}
    for found in project.settings:
        problems = list(_check_setting(found))
        yield from problems
        if problems:
            continue
        name = found.setting.name
        earlier = first.setdefault(name, found)
        if earlier is not found and _differs(earlier, found):
            yield Diagnostic(
                found.location,
                Code.SETTING_CONFLICT,
                f"setting {name!r} is also declared at {earlier.location} with another "
                "type, default or test value; the environment holds one value",
            )


def _check_setting(found: DiscoveredSetting) -> Iterator[Diagnostic]:
    setting = found.setting
    name = setting.name
    if not isinstance(name, str) or not NAME.fullmatch(name):
        yield Diagnostic(
            found.location,
            Code.INVALID_SETTING_NAME,
            f"setting name {name!r} must be an environment variable's name: letters, "
            "digits and '_', not starting with a digit",
        )
        return
    if name.upper() in OWN_NAMES or name.upper().startswith(OWN_PREFIX):
        yield Diagnostic(
            found.location,
            Code.INVALID_SETTING_NAME,
            f"setting name {name!r} is one the generated app reads itself; choose another",
        )
        return
    if reason := unsupported_setting_type(setting.type):
        yield Diagnostic(
            found.location, Code.UNSUPPORTED_SETTING_TYPE, f"setting {name!r}: {reason}"
        )
        return
    values = [("default", setting.default)]
    if setting.test is not UNSET:
        values.append(("test value", setting.test))
    for role, value in values:
        if reason := invalid_value(setting.type, value):
            yield Diagnostic(
                found.location,
                Code.INVALID_SETTING_VALUE,
                f"setting {name!r}: the {role} {value!r:.60} {reason}",
            )


def unsupported_setting_type(kind: Any) -> str | None:
    """Why a line of a ``.env`` file cannot hold a value of ``kind``; None when it can."""
    if typing.get_origin(kind) is typing.Literal:
        if all(type(value) in LINE_TYPES for value in typing.get_args(kind)):
            return None
        return "a Literal setting takes strings, integers, numbers or booleans"
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        if all(type(member.value) in LINE_TYPES for member in kind):
            return None
        return f"the values of {kind.__name__} must be strings, integers, numbers or booleans"
    if kind in LINE_TYPES:
        return None
    shown = kind.__name__ if isinstance(kind, type) else repr(kind).replace("typing.", "")
    return (
        f"type {shown!r} is not one a .env line holds (str, int, float, bool, "
        "or a Literal or Enum of those)"
    )


def invalid_value(kind: Any, value: Any) -> str | None:
    """Why ``value`` is not a value of the setting type ``kind``; None when it is."""
    try:
        # Strict: a default of "5" for an int setting, or 1 for a bool, is a mistake.
        TypeAdapter(kind).validate_python(value, strict=True)
    except ValidationError as error:
        return f"is not a valid {_shown(kind)}: {error.errors()[0]['msg']}"
    text = str(value.value if isinstance(value, enum.Enum) else value)
    if any(char in text for char in "\n\r\x00"):
        return "holds a line break or NUL, which a .env line cannot"
    return None


def _shown(kind: Any) -> str:
    return kind.__name__ if isinstance(kind, type) else repr(kind).replace("typing.", "")


def _differs(first: DiscoveredSetting, other: DiscoveredSetting) -> bool:
    a, b = first.setting, other.setting
    return bool(a.type != b.type or not _same(a.default, b.default) or not _same(a.test, b.test))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and bool(a == b)
