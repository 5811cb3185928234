"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(sku: str) -> int:  # expect: INVALID_RETURN_TYPE
    return 1
