"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place", retries=-1)  # expect: INVALID_RUN_OPTION
async def place(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)
