"""A second datamodel stored in the products collection."""

from pydantic import BaseModel

from pulpo import datamodel


@datamodel(collection="products")  # expect: DUPLICATE_COLLECTION
class Item(BaseModel):
    name: str
