"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("place")  # expect: NON_HIERARCHICAL_NAME
async def place(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)
