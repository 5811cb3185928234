"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel


@datamodel(indexes=[Index("sku", unique=True)], server_managed=["sku"])  # expect: SERVER_MANAGED_WITHOUT_DEFAULT
class Product(BaseModel):
    """Something the shop sells."""

    sku: str
    price: int = 0
