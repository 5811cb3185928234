"""A syntax error: the rest of the shop imports this module."""

from pydantic import BaseModel

from pulpo import datamodel


@datamodel
class Product(BaseModel):
    sku: str
    price: int = = 0  # expect: IMPORT_ERROR
