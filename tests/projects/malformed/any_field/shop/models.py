"""The shop's stored documents, with one mistake."""

from pydantic import BaseModel
from typing import Any

from pulpo import Index, datamodel



@datamodel
class Product(BaseModel):
    sku: str
    extra: Any = None  # expect: UNSUPPORTED_FIELD_TYPE
