"""Problems with names and with the function itself."""

from bad_operations_app.results import Done
from pulpo import operation


@operation("flat")
async def flat() -> Done:
    return Done(ok=True)


@operation("shop.Checkout")
async def checkout() -> Done:
    return Done(ok=True)


@operation("shop.sync")
def sync() -> Done:
    return Done(ok=True)


@operation("shop.order")
async def order() -> Done:
    return Done(ok=True)


@operation("shop.order")
async def order_again() -> Done:
    return Done(ok=True)


@operation("shop.cart")
async def cart() -> Done:
    return Done(ok=True)


@operation("shop.cart.add")
async def cart_add() -> Done:
    return Done(ok=True)


@operation("shop.slow", retries=-1)
async def slow() -> Done:
    return Done(ok=True)


@operation("shop.hasty", timeout=0)
async def hasty() -> Done:
    return Done(ok=True)
