"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)


@operation("shop.orders.place")  # expect: DUPLICATE_OPERATION
async def place_again(sku: str) -> Receipt:
    return Receipt(sku=sku, total=2)
