"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.ship", after="pack")  # expect: UNKNOWN_DEPENDENCY
async def ship(sku: str) -> Receipt:
    return Receipt(sku=sku, total=0)
