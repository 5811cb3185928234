"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place", examples=[{"sku": "a", "quantity": "many"}])  # expect: INVALID_EXAMPLE
async def place(sku: str, quantity: int = 1) -> Receipt:
    return Receipt(sku=sku, total=quantity)
