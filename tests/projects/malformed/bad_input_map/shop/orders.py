"""The shop's operations, with one mistake."""

from pydantic import BaseModel

from pulpo import operation


class Receipt(BaseModel):
    sku: str
    total: int



@operation("shop.orders.place")
async def place(sku: str) -> Receipt:
    return Receipt(sku=sku, total=1)


@operation("shop.orders.ship", after="place", inputs={"sku": "place.barcode"})  # expect: INVALID_INPUT_MAP
async def ship(sku: str) -> Receipt:
    return Receipt(sku=sku, total=0)
