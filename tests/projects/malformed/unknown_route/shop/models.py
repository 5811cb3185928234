"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel


@datamodel(indexes=[Index("sku", unique=True)], routes=["list", "patch"])  # expect: UNKNOWN_ROUTE
class Product(BaseModel):
    """Something the shop sells."""

    sku: str
    price: int = 0
