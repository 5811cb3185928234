"""Discovered after models.py: the second of a name or a collection is the one reported."""

from pydantic import BaseModel

from pulpo import datamodel


@datamodel
class Badge(BaseModel):
    """Same class name as models.Badge."""

    label: str


@datamodel(collection="stickers")
class Label(BaseModel):
    """Same collection as models.Sticker."""

    text: str
