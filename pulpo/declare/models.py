"""``@datamodel``: mark a pydantic model as a stored MongoDB document type."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

from pulpo.declare.naming import collection_name

_ATTRIBUTE = "__pulpo_datamodel__"

ModelT = TypeVar("ModelT", bound=type)


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
) -> Callable[[ModelT], ModelT]: ...


def datamodel(
    cls: Any = None,
    /,
    *,
    collection: str | None = None,
    description: str | None = None,
    indexes: tuple[Index, ...] | list[Index] = (),
) -> Any:
    """Mark a pydantic ``BaseModel`` subclass as a document stored in MongoDB.

    Use it bare (``@datamodel``) or with options::

        @datamodel(indexes=[Index("name", unique=True)])
        class Trainer(BaseModel):
            name: str = Field(description="Unique trainer name.")

    The collection defaults to the plural snake_case of the class name
    (``FightResult`` → ``fight_results``); the description defaults to the
    class docstring. The class is returned unchanged but for one attribute.
    """

    def mark(target: ModelT) -> ModelT:
        spec = ModelSpec(
            cls=target,
            collection=collection or collection_name(target.__name__),
            description=description or _docstring(target),
            indexes=tuple(indexes),
        )
        setattr(target, _ATTRIBUTE, spec)
        return target

    return mark(cls) if cls is not None else mark


def model_spec(obj: object) -> ModelSpec | None:
    """The spec ``@datamodel`` attached to ``obj`` itself (not inherited from a base class)."""
    spec = vars(obj).get(_ATTRIBUTE) if isinstance(obj, type) else None
    return spec if isinstance(spec, ModelSpec) else None


def _docstring(obj: object) -> str:
    import inspect

    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else ""
