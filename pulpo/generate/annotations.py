"""Write Python type annotations back as source code, collecting the imports they need.

The generated app restates the user's types (``list[Attack]``, ``Element | None``)
in request models and query parameters; this module turns the runtime type
objects into that source text.
"""

import enum
import types
import typing
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from pulpo.generate.identifiers import Namespace
from pulpo.validate.types import strip_annotated

_BUILTINS = {str, int, float, bool, bytes, list, set, frozenset, tuple, dict, type(None)}


class Imports:
    """``from module import name`` lines for one generated module, deduplicated.

    With a :class:`~pulpo.generate.identifiers.Namespace`, every imported name is
    claimed there: a name the module already binds is imported under an alias
    (``from pokemon.models import Query as Query_``), and ``add`` returns the name
    to write.
    """

    def __init__(self, namespace: Namespace | None = None) -> None:
        self._names: dict[str, set[str]] = defaultdict(set)
        self._namespace = namespace

    def add(self, module: str, name: str) -> str:
        local = name
        if self._namespace is not None:
            local = self._namespace.claim(name, key=(module, name))
        self._names[module].add(name if local == name else f"{name} as {local}")
        return local

    def add_type(self, cls: type) -> str:
        if cls in _BUILTINS:
            return "None" if cls is type(None) else cls.__name__
        return self.add(cls.__module__, cls.__name__)

    def lines(self, *, exclude_module: str | None = None) -> list[str]:
        """Sorted import lines (ruff's isort pass groups them afterwards)."""
        return [
            f"from {module} import {', '.join(sorted(names, key=lambda name: name.split()[0]))}"
            for module, names in sorted(self._names.items())
            if module != exclude_module
        ]


def render_annotation(
    annotation: Any, imports: Imports, *, instead: Mapping[type, tuple[str, str]] = {}
) -> str:
    """``list[Attack] | None`` → ``"list[Attack] | None"``, importing ``Attack``.

    ``Annotated`` metadata is dropped: generated request models restate only the
    type, and the user's own model validates the constraints. ``instead`` writes
    some types as others: ``{datetime: ("pulpo.http.query", "IsoDateTime")}``.
    """
    annotation = strip_annotated(annotation)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is None:
        if isinstance(annotation, type) and annotation in instead:
            return imports.add(*instead[annotation])
        if isinstance(annotation, type):
            return imports.add_type(annotation)
        if annotation is None:
            return "None"
        raise TypeError(f"cannot render annotation {annotation!r}")
    if origin is typing.Literal:
        imports.add("typing", "Literal")
        return f"Literal[{', '.join(render_literal(value, imports) for value in arguments)}]"
    if origin in (typing.Union, types.UnionType):
        members = [render_annotation(argument, imports, instead=instead) for argument in arguments]
        # Optional last reads naturally: ``Element | None``.
        members.sort(key=lambda member: member == "None")
        return " | ".join(members)
    rendered = [
        "..." if argument is Ellipsis else render_annotation(argument, imports, instead=instead)
        for argument in arguments
    ]
    return f"{imports.add_type(origin)}[{', '.join(rendered)}]"


def render_literal(value: Any, imports: Imports) -> str:
    """A default or ``Literal`` value as source: ``'fire'``, ``3``, ``Element.FIRE``."""
    if isinstance(value, enum.Enum):
        return f"{imports.add_type(type(value))}.{value.name}"
    return repr(value)


def optional(annotation: Any) -> Any:
    """``T`` → ``T | None`` (unchanged when ``None`` is already allowed)."""
    stripped = strip_annotated(annotation)
    if type(None) in typing.get_args(stripped) or stripped is type(None):
        return stripped
    return stripped | None


# The constraints a generated field can restate as ``Field(...)`` arguments, by the
# attribute annotated_types (or pydantic) keeps them in.
_CONSTRAINTS = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "max_digits",
    "decimal_places",
    "allow_inf_nan",
)


def constraint_arguments(metadata: Iterable[Any]) -> list[str]:
    """``[Ge(ge=1), Le(le=100)]`` → ``["ge=1", "le=100"]``: a field's bounds, as source.

    A generated schema (an update, an operation's request) restates the bounds of
    the field it stands for, so its OpenAPI says what the model will accept and a
    request out of bounds is refused where it enters, naming the field. Metadata
    that is not a plain bound (a custom validator) cannot be written back as source;
    it is left to the user's model, which still validates what is stored.
    """
    arguments = []
    for item in metadata:
        for name in _CONSTRAINTS:
            value = getattr(item, name, None)
            if value is not None and _is_plain(value):
                arguments.append(f"{name}={value!r}")
    return arguments


def _is_plain(value: Any) -> bool:
    return type(value) in (bool, int, float, str) and (type(value) is not float or value == value)
