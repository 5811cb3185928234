"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel



@datamodel(collection="health")  # expect: INVALID_COLLECTION
class Product(BaseModel):
    sku: str
