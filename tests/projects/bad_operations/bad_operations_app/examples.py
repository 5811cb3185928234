"""Examples that are not valid inputs of their operation."""

from bad_operations_app.results import Done
from pulpo import operation


@operation("shop.refund", examples=[{"amount": "lots"}])
async def refund(amount: int) -> Done:
    return Done(ok=True)


@operation("shop.gift", examples={"wrapped": {"amount": 1, "colour": "red"}})
async def gift(amount: int) -> Done:
    return Done(ok=True)
