"""Problems with parameters and return types."""

from bad_operations_app.results import Done
from pulpo import operation

DEFAULT_TAGS = ("new", "sale")


@operation("sig.untyped")
async def untyped(amount) -> Done:
    return Done(ok=True)


@operation("sig.no_result")
async def no_result(amount: int):
    return Done(ok=True)


@operation("sig.none_result")
async def none_result(amount: int) -> None:
    return None


@operation("sig.refund")
async def refund(
    order_id: str,
    *reasons: str,
    tags: tuple[str, ...] = DEFAULT_TAGS,
    weight: complex = 0,
) -> int:
    return 0
