"""``@datamodel``: mark a pydantic model as a stored MongoDB document type."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args, overload

from pulpo.declare.naming import collection_name

_ATTRIBUTE = "__pulpo_datamodel__"

ModelT = TypeVar("ModelT", bound=type)

Route = Literal["create", "list", "get", "update", "delete"]
"""A CRUD route of a datamodel: ``POST /c``, ``GET /c``, ``GET /c/{id}``,
``PATCH`` and ``PUT /c/{id}`` (one partial update, two methods), ``DELETE /c/{id}``."""

ROUTES: tuple[Route, ...] = get_args(Route)
"""Every CRUD route, in the order the generated router declares them: the default."""


@dataclass(frozen=True)
class Index:
    """An index to create on the model's collection.

    ``Index("name", unique=True)`` or a compound ``Index("trainer", "-level")``;
    a leading ``-`` makes that key descending.
    """

    fields: tuple[str, ...]
    unique: bool = False

    def __init__(self, *fields: str, unique: bool = False) -> None:
        object.__setattr__(self, "fields", tuple(fields))
        object.__setattr__(self, "unique", unique)

    @property
    def keys(self) -> list[tuple[str, int]]:
        """The index keys as PyMongo expects them: ``[("level", -1), ...]``."""
        return [(name.removeprefix("-"), -1 if name.startswith("-") else 1) for name in self.fields]

    @property
    def field_names(self) -> list[str]:
        return [name.removeprefix("-") for name in self.fields]


@dataclass(frozen=True)
class ModelSpec:
    """What ``@datamodel`` recorded about one class."""

    cls: type
    collection: str
    description: str
    indexes: tuple[Index, ...] = field(default=())
    server_managed: tuple[str, ...] = ()  # as written; validation checks the names
    routes: tuple[str, ...] = ROUTES  # as written; validation checks the names

    @property
    def name(self) -> str:
        return self.cls.__name__


@overload
def datamodel(cls: ModelT, /) -> ModelT: ...


@overload
def datamodel(
    *,
    collection: str | None = None,
    description: str | None = None,
    indexes: tuple[Index, ...] | list[Index] = (),
    server_managed: str | Iterable[str] = (),
    routes: Route | Iterable[Route] = ROUTES,
) -> Callable[[ModelT], ModelT]: ...


def datamodel(
    cls: Any = None,
    /,
    *,
    collection: str | None = None,
    description: str | None = None,
    indexes: tuple[Index, ...] | list[Index] = (),
    server_managed: str | Iterable[str] = (),
    routes: Route | Iterable[Route] = ROUTES,
) -> Any:
    """Mark a pydantic ``BaseModel`` subclass as a document stored in MongoDB.

    Use it bare (``@datamodel``) or with options::

        @datamodel(indexes=[Index("name", unique=True)])
        class Trainer(BaseModel):
            name: str = Field(description="Unique trainer name.")

    The collection defaults to the plural snake_case of the class name
    (``FightResult`` → ``fight_results``); the description defaults to the
    class docstring. The class is returned unchanged but for one attribute.

    What the generated API lets a client do is said here too, beside ``indexes=``::

        @datamodel(server_managed=["team", "box", "wins", "losses"])
        class Trainer(BaseModel): ...

        @datamodel(routes=["list", "get"])
        class FightResult(BaseModel): ...

    ``server_managed`` fields are the operations' to write: they are left out of
    the create and update request bodies (a client sending one gets 422 naming
    it) and kept in every response. Each needs a default, which a created
    document starts with. ``routes`` chooses the CRUD routes the app serves, of
    ``"create"`` (``POST``), ``"list"`` (``GET`` the collection), ``"get"``,
    ``"update"`` (``PATCH`` and ``PUT``) and ``"delete"``; all by default, none
    with ``routes=[]``. A route left out is not generated: it is not in the
    OpenAPI schema, and a request to it answers 405 (listing the methods its path
    does allow in ``Allow``) or 404.

    Both are options of the decorator rather than markers on the fields
    (``Annotated[list[str], ServerManaged]``): who may write a field is a
    choice about the HTTP API, not about the document's type, so the class
    stays the plain pydantic model operations build and read, with its field
    types as written; and the API's whole surface (collection, indexes, what
    clients may write, which routes exist) reads in one place. The names are
    checked as ``indexes=`` names are: ``pulpo check`` reports a field or route
    that does not exist, at the decorator.
    """

    def mark(target: ModelT) -> ModelT:
        spec = ModelSpec(
            cls=target,
            collection=collection or collection_name(target.__name__),
            description=description or _docstring(target),
            indexes=tuple(indexes),
            server_managed=_names(server_managed),
            routes=_names(routes),
        )
        setattr(target, _ATTRIBUTE, spec)
        return target

    return mark(cls) if cls is not None else mark


def model_spec(obj: object) -> ModelSpec | None:
    """The spec ``@datamodel`` attached to ``obj`` itself (not inherited from a base class)."""
    spec = vars(obj).get(_ATTRIBUTE) if isinstance(obj, type) else None
    return spec if isinstance(spec, ModelSpec) else None


def _names(value: str | Iterable[str]) -> tuple[str, ...]:
    """One name or several, as a tuple; what they are is checked by validation."""
    return (value,) if isinstance(value, str) else tuple(value)


def _docstring(obj: object) -> str:
    import inspect

    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else ""
