"""Problems with after= and inputs= between sibling operations."""

from bad_operations_app.results import Count, Done
from pulpo import operation


@operation("flow.count")
async def count() -> Count:
    return Count(total=1)


@operation("flow.first", after="missing")
async def first() -> Done:
    return Done(ok=True)


@operation("flow.ping", after="pong")
async def ping() -> Done:
    return Done(ok=True)


@operation("flow.pong", after="ping")
async def pong() -> Done:
    return Done(ok=True)


@operation("flow.loop", after="loop")
async def loop() -> Done:
    return Done(ok=True)


@operation("flow.report", after="count", inputs={"total": "count.missing"})
async def report(total: int) -> Done:
    return Done(ok=True)


@operation("flow.audit", inputs={"total": "count.total"})
async def audit(total: int) -> Done:
    return Done(ok=True)


@operation("flow.bogus", after="count", inputs={"nothere": "count.total"})
async def bogus(total: int) -> Done:
    return Done(ok=True)


@operation("flow.shape", after="count", inputs={"total": "count"})
async def shape(total: int) -> Done:
    return Done(ok=True)


@operation("flow.fed", after="count", inputs={"total": "count.total"})
async def fed(total: int) -> Done:
    return Done(ok=True)
