"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
def place(sku: str) -> Receipt:  # expect: NOT_ASYNC
    return Receipt(sku=sku, total=1)
