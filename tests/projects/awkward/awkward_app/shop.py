"""Operations whose names repeat models' names and parameters named like builtins."""

from pydantic import BaseModel

from awkward_app.models import Order, Router, Status
from pulpo import operation, repository


class Receipt(BaseModel):
    """What an order operation returns."""

    id: str
    type: str
    status: Status


@operation("shop.order.order", examples=[{"name": "one"}])
async def order(order: Order) -> Receipt:
    """Store an order given as the model itself."""
    record = await repository(Order).insert(order)
    return Receipt(id=record.id, type="order", status=Status.NEW)


@operation("shop.router.router", examples=[{"type": "edge", "list": 2}])
async def router(type: str, list: int = 1, status: Status = Status.NEW) -> Receipt:
    """Store a router; parameters named like builtins and like FastAPI's status."""
    record = await repository(Router).insert(Router(type=type, list=list, status=status))
    return Receipt(id=record.id, type=type, status=status)


@operation("shop.router.flow", after="router", examples=[{"type": "edge"}])
async def flow(type: str, body: str = "x", fill: int = 0) -> Receipt:
    """An operation called flow, after one called router, with parameters the flows use."""
    found = await repository(Router).find_one({"type": type})
    if found is None:
        return Receipt(id="", type=type, status=Status.NEW)
    return Receipt(id=found.id, type=type, status=Status.DONE)
