"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders")  # expect: NAME_CONFLICT
async def orders(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)


@operation("shop.orders.place")
async def place(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)
