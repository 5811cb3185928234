"""What the operations store."""

from enum import Enum

from pydantic import BaseModel

from pulpo import datamodel


class Kind(Enum):
    SMALL = "small"
    BIG = "big"


@datamodel(routes=["list", "get"])
class Thing(BaseModel):
    """A thing; ``key`` is the Idempotency-Key it was created with, if it was."""

    name: str
    size: int
    kind: Kind = Kind.SMALL
    key: str | None = None
