"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(sku: str):  # expect: MISSING_RETURN_TYPE
    return Receipt(sku=sku, total=1)
