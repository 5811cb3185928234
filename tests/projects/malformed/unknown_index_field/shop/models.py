"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel



@datamodel(indexes=[Index("barcode")])  # expect: UNKNOWN_INDEX_FIELD
class Product(BaseModel):
    sku: str
