"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel

from pulpo import Index, datamodel



@datamodel  # expect: NOT_A_PYDANTIC_MODEL
class Product:
    sku: str
