"""The shop's operations."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int


@operation("shop.orders.place", examples=[{"sku": "a", "quantity": 1}])
async def place(sku: str, quantity: int = 1) -> Receipt:
    return Receipt(sku=sku, total=quantity)


@operation("shop.orders.ship", after="place")
async def ship(sku: str) -> Receipt:
    return Receipt(sku=sku, total=0)
