"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(
    *skus: str,  # expect: UNSUPPORTED_PARAMETER
) -> Receipt:
    return Receipt(sku=skus[0], total=1)
