"""``setting``: a value of the project read from the environment, with a default and a test value.

A domain declares its own knobs at module level, next to the code that reads them::

    BUFFER_MAX_SIZE = setting("BUFFER_MAX_SIZE", 1000, test=100,
                              description="Pending receipts accepted before 503.")

    async def create(...):
        if pending >= BUFFER_MAX_SIZE.get():
            ...

``pulpo compile`` finds every setting a project module defines: the default goes into
``.env.example`` (production), the test value into ``.env.test`` (what the test stack
runs with), and both into the project's generated documentation. At run time
:meth:`Setting.get` reads the environment variable ``name`` (parsed as the default's
type, pydantic's rules: ``"5"`` is 5, ``"true"`` is True) and falls back on the
default. A declared upstream's URL, timeout and breaker limits may be settings too
(:mod:`pulpo.declare.upstreams`).
"""

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from pulpo.errors import UsageError

T = TypeVar("T")


class SettingInvalid(UsageError):
    """An environment variable holds a value its setting cannot take."""


class _Unset:
    """No test value: the test stack uses the default."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True, eq=False)
class Setting(Generic[T]):
    """A named value read from the environment; see the module's docstring."""

    name: str  # the environment variable: BUFFER_MAX_SIZE
    default: T
    type: type[T]
    test: T = UNSET  # the value in .env.test; UNSET: the default
    description: str = ""

    @cached_property
    def adapter(self) -> TypeAdapter[T]:
        return TypeAdapter(self.type)

    @property
    def test_value(self) -> T:
        """What the test stack runs with."""
        return self.default if self.test is UNSET else self.test

    def parse(self, raw: str) -> T:
        """``raw`` as this setting's type; a one-line :class:`SettingInvalid` when it is not."""
        try:
            return self.adapter.validate_python(raw, strict=False)
        except ValidationError as error:
            message = error.errors()[0]["msg"]
            raise SettingInvalid(f"{self.name}={raw!r}: {message}") from None

    def get(self) -> T:
        """The environment's value of ``name``, else the default."""
        raw = os.environ.get(self.name)
        return self.default if raw is None or raw == "" else self.parse(raw)


def setting(
    name: str,
    default: T,
    *,
    test: T = UNSET,
    type: type[T] | None = None,  # noqa: A002 - the word a reader expects
    description: str = "",
) -> Setting[T]:
    """Declare the setting ``name`` (an environment variable) with a production ``default``.

    ``test`` is its value in the generated ``.env.test``; ``type`` defaults to the
    default's (``5.0`` makes a float setting, so ``OFD_TIMEOUT=5`` reads as 5.0).
    """
    kind = type if type is not None else default.__class__  # the parameter shadows builtins.type
    return Setting(name=name, default=default, type=kind, test=test, description=description)


def resolved(value: "T | Setting[T]") -> T:
    """A literal as it is; a setting's current value."""
    return value.get() if isinstance(value, Setting) else value
