"""A datamodel whose CRUD routes an operation's path must not clash with."""

from pydantic import BaseModel

from pulpo import datamodel


@datamodel
class Gadget(BaseModel):
    name: str
