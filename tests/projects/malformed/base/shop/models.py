"""The shop's stored documents."""

from pydantic import BaseModel

from pulpo import Index, datamodel


@datamodel(indexes=[Index("sku", unique=True)])
class Product(BaseModel):
    """Something the shop sells."""

    sku: str
    price: int = 0
