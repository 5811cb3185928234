"""Datamodels with awkward names."""

from enum import StrEnum

from pydantic import BaseModel, Field

from pulpo import Index, datamodel


class Status(StrEnum):
    """An enum called like FastAPI's ``status`` module, capitalised."""

    NEW = "new"
    DONE = "done"


@datamodel(collection="status", indexes=[Index("type")])
class Router(BaseModel):
    """A model called Router, stored in a collection called status."""

    type: str = Field(description="Named like the builtin.")
    list: int = Field(default=0, description="Named like the builtin.")
    format: str | None = None
    class_: str = "plain"
    from_: int = 0
    filters: str | None = Field(default=None, description="Named like the Query's method.")
    sort: int = 0
    limit: int = 0
    query: str | None = None
    response: str | None = None
    router: str | None = None
    status: Status = Status.NEW


@datamodel
class Order(BaseModel):
    """A model whose name an operation repeats, with fields named like the app's own names."""

    name: str
    settings: str | None = None
    app: str | None = None
    logger: str | None = None
    changes: int = 0
    Record: str | None = None
    repository: str | None = None
    labels: dict[str, str] = Field(
        default={}, description="Free keys: none may be a MongoDB operator or path."
    )


@datamodel(collection="fields")
class Field_(BaseModel):
    """A model named like pydantic's Field, escaped as users escape keywords."""

    value: int = 0


def _opened() -> str:
    """A default factory defined in the module: the create schema imports it."""
    return "2024-01-01"


@datamodel(server_managed=["Record", "status", "changes"], routes=["create", "get", "update"])
class Ledger(BaseModel):
    """Server-managed fields named like the schema module's own names; no list, no delete."""

    entry: str = Field(min_length=2, description="What was booked.")
    Record: int = Field(default=0, description="Server-managed, named like pulpo.Record.")
    status: Status = Status.NEW
    changes: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    opened: str = Field(default_factory=_opened)
    note: str = Field(default_factory=lambda: "none")


@datamodel(routes=[])
class Audit(BaseModel):
    """Stored by operations only: no route at all, so no router and no schema module."""

    event: str
