"""A second datamodel called Product."""

from pydantic import BaseModel

from pulpo import datamodel


@datamodel(collection="items")  # expect: DUPLICATE_MODEL
class Product(BaseModel):
    name: str
