"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.pack", after="ship")  # expect: DEPENDENCY_CYCLE
async def pack(sku: str) -> Receipt:
    return Receipt(sku=sku, total=0)


@operation("shop.orders.ship", after="pack")
async def ship(sku: str) -> Receipt:
    return Receipt(sku=sku, total=0)
