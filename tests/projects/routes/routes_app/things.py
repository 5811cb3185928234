"""Operations at paths of their own."""

from pydantic import BaseModel, Field

from pulpo import IdempotencyKey, NotFound, operation, repository
from routes_app.models import Kind, Thing


class ThingsStatus(BaseModel):
    count: int
    kind: Kind | None
    at_least: int


class Created(BaseModel):
    id: str
    name: str
    key: str


class Swept(BaseModel):
    removed: int


class Removed(BaseModel):
    name: str


class NewThing(BaseModel):
    name: str = Field(min_length=1)
    size: int = 1


@operation("things.status", method="GET", path="/v1/things/status")
async def status(at_least: int = 0, kind: Kind | None = None) -> ThingsStatus:
    """Count the things at least so big (of one kind, when given)."""
    filters: dict[str, object] = {"size": {"$gte": at_least}}
    if kind is not None:
        filters["kind"] = kind.value
    count = await repository(Thing).count(filters)
    return ThingsStatus(count=count, kind=kind, at_least=at_least)


@operation("things.create", path="/v1/things", idempotency="required")
async def create(name: str, size: int, key: IdempotencyKey) -> Created:
    """Store a thing under the request's Idempotency-Key."""
    record = await repository(Thing).insert(Thing(name=name, size=size, key=key))
    return Created(id=record.id, name=name, key=key)


@operation("things.register", path="/v1/things/register", idempotency="required")
async def register(thing: NewThing) -> Created:
    """Store a thing; the key is required, though the operation does not read it."""
    record = await repository(Thing).insert(Thing(name=thing.name, size=thing.size))
    return Created(id=record.id, name=thing.name, key="")


@operation("things.sweep", path="/v1/things/sweep")
async def sweep() -> Swept:
    """Remove the things of size 0; takes no body at all."""
    removed = await repository(Thing).delete_where({"size": 0})
    return Swept(removed=removed)


@operation("things.remove", method="DELETE", path="/v1/things/by-name")
async def remove(name: str) -> Removed:
    """Remove one thing by name (404 when there is none)."""
    if not await repository(Thing).delete_where({"name": name}):
        raise NotFound(f"no thing is called {name!r}")
    return Removed(name=name)
