"""What the operations return."""

from pydantic import BaseModel


class Done(BaseModel):
    """A plain result."""

    ok: bool


class Count(BaseModel):
    """A result a later stage can read from."""

    total: int
