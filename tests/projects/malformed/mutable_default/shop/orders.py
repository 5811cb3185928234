"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(
    sku: str,
    tags: list[str] = [],  # expect: UNSUPPORTED_DEFAULT
) -> Receipt:
    return Receipt(sku=sku, total=len(tags))
