"""Identifiers as a type: every name a user's project puts into generated Python comes from here.

A generated module binds names of its own (``router``, ``status``, ``Field``,
``not_found``...) and names taken from the project (a collection, a field, an
operation, a model class). When the two meet, the module breaks: a collection
called ``status`` once shadowed FastAPI's ``status`` and the app failed on import.
So a name from the project is never written as it is; it is *claimed* in the
:class:`Namespace` of the module (or function scope) it goes into, which knows
every name already bound there, Python's keywords and builtins included, and
hands back an :class:`Identifier` that cannot collide::

    names = Namespace(ROUTER_MODULE)          # what the template itself binds
    names.claim("status")                     # -> Identifier("status_")
    names.claim("pokemons")                   # -> Identifier("pokemons")

The same text claimed twice is the same identifier (a namespace remembers what it
handed out), and two different texts never get the same one. Clashes are resolved
by appending ``_``, as PEP 8 suggests for keywords, so the output stays readable.
Modelled on openapi-python-client's ``PythonIdentifier``.
"""

import builtins
import keyword
import re
from collections.abc import Iterable

_INVALID = re.compile(r"\W")

PYTHON_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
"""Keywords, soft keywords and builtins: never bound by generated code on a user's behalf."""


class Identifier(str):
    """A string that is a valid Python identifier and not a keyword."""

    __slots__ = ()

    def __new__(cls, value: str) -> "Identifier":
        if not value.isidentifier() or keyword.iskeyword(value):
            raise ValueError(f"{value!r} is not a usable Python identifier")
        return super().__new__(cls, value)


def sanitize(text: str) -> str:
    """``text`` made into identifier characters: ``"fight-results"`` → ``"fight_results"``."""
    cleaned = _INVALID.sub("_", text) or "_"
    return f"_{cleaned}" if cleaned[0].isdigit() else cleaned


class Namespace:
    """The names bound in one generated module or scope, and the ones handed out in it.

    ``taken`` are the names the template binds by itself (its imports, its own
    definitions); Python's keywords and builtins are always taken. A namespace
    made with a ``parent`` (a function scope inside a module) also avoids every
    name of its parent, so a local variable never shadows a global the function uses.
    """

    def __init__(self, taken: Iterable[str] = (), *, parent: "Namespace | None" = None) -> None:
        self._taken: set[str] = set(PYTHON_NAMES) | set(taken)
        self._claimed: dict[object, Identifier] = {}
        self._parent = parent

    def __contains__(self, name: object) -> bool:
        if name in self._taken:
            return True
        return self._parent is not None and name in self._parent

    def claim(self, wanted: str, *, key: object = None) -> Identifier:
        """An identifier for ``wanted`` that nothing else in this namespace is called.

        Claiming the same ``key`` again (by default, the same text) gives the same
        identifier; imports use ``(module, name)`` as the key, so two things of one
        name from different places get two identifiers.
        """
        key = wanted if key is None else key
        if key in self._claimed:
            return self._claimed[key]
        candidate = sanitize(wanted)
        while candidate in self or keyword.iskeyword(candidate):
            candidate += "_"
        identifier = Identifier(candidate)
        self._taken.add(identifier)
        self._claimed[key] = identifier
        return identifier

    def claimed(self) -> set[Identifier]:
        """Every identifier this namespace has handed out (not its parent's)."""
        return set(self._claimed.values())

    def child(self, taken: Iterable[str] = ()) -> "Namespace":
        """A scope inside this one (a function body, a class body)."""
        return Namespace(taken, parent=self)
