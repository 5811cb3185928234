"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel



@datamodel
class Product(BaseModel):
    id: str  # expect: RESERVED_FIELD_NAME
    sku: str
