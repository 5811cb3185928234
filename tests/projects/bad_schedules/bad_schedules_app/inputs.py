"""Scheduled operations and the input a scheduled run gives them: none."""

from pydantic import BaseModel

from bad_schedules_app.results import Done
from pulpo import operation


class Batch(BaseModel):
    size: int = 10


class Target(BaseModel):
    address: str


@operation("feed.needs_input", schedule=5)
async def needs_input(kkt_id: str) -> Done:
    return Done(ok=bool(kkt_id))


@operation("feed.optional_input", schedule=5)
async def optional_input(batch_size: int = 10) -> Done:
    return Done(ok=batch_size > 0)


@operation("feed.with_example", schedule=5, examples=[{"kkt_id": "KKT-001"}])
async def with_example(kkt_id: str) -> Done:
    return Done(ok=bool(kkt_id))


@operation("feed.model_with_defaults", schedule=5)
async def model_with_defaults(batch: Batch) -> Done:
    return Done(ok=batch.size > 0)


@operation("feed.model_needs_input", schedule=5)
async def model_needs_input(target: Target) -> Done:
    return Done(ok=bool(target.address))
