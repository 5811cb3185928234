"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel



@datamodel
class Product(BaseModel):
    sku: str
    weight: complex = 0j  # expect: UNSUPPORTED_FIELD_TYPE
