"""The first module discovered: every class here is the first of its name and collection."""

from typing import Any

from pydantic import BaseModel

from pulpo import Index, datamodel


@datamodel
class Plain:
    """Not a pydantic model."""

    name: str


@datamodel
class Badge(BaseModel):
    """Declared again in other.py."""

    id: str
    label: str


@datamodel(indexes=[Index("label"), Index("-missing")])
class Sticker(BaseModel):
    """Indexes a field it does not have."""

    label: str


@datamodel
class Gadget(BaseModel):
    """Two fields MongoDB cannot store."""

    name: str
    payload: Any
    ratio: complex
    tags: list[str]


@datamodel(collection="health")
class Probe(BaseModel):
    """Its collection would shadow the /health route."""

    name: str


@datamodel(collection="fight-logs")
class FightLog(BaseModel):
    """Its collection cannot name a Python module."""

    name: str


@datamodel(server_managed=["score", "rank"])
class Scoreboard(BaseModel):
    """Marks a field it does not have as server-managed."""

    score: int = 0


@datamodel(
    server_managed=["owner"],  # a decorator on several lines
)
class Locker(BaseModel):
    """A server-managed field without a default: a created Locker could have no owner."""

    owner: str


@datamodel(server_managed=["owner"], routes=["get", "delete"])
class Key(BaseModel):
    """Fine: with no create route, nothing needs a default for the server-managed owner."""

    owner: str


@datamodel(routes=["list", "read"])
class Ledger(BaseModel):
    """Asks for a route that does not exist."""

    amount: int


@datamodel
class Fine(BaseModel):
    """No problem at all."""

    name: str
