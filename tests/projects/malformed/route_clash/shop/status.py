"""An operation served where the shop's Product routes are."""

from pydantic import BaseModel

from pulpo import operation


class Count(BaseModel):
    products: int


@operation("shop.status.count", method="GET", path="/products/count")  # expect: ROUTE_CLASH
async def count() -> Count:
    return Count(products=0)
