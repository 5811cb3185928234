"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(
    sku,  # expect: MISSING_PARAMETER_TYPE
) -> Receipt:
    return Receipt(sku=sku, total=1)
