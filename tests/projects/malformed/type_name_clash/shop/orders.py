"""An output type named like a different class of the models module."""

from pydantic import BaseModel

from pulpo import operation


class Product(BaseModel):
    sku: str


@operation("shop.orders.place")  # expect: TYPE_NAME_CLASH
async def place(sku: str) -> Product:
    return Product(sku=sku)
