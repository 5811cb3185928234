"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.Orders.place")  # expect: INVALID_NAME_PART
async def place(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)
