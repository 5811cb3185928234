"""Operations that run on a schedule, and one that does not."""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from pulpo import datamodel, operation, repository
from scheduled_app.intervals import TICK_INTERVAL


@datamodel
class Tick(BaseModel):
    """One run of a scheduled operation: which, and when it started and ended."""

    kind: str
    started: datetime
    ended: datetime


class Ticked(BaseModel):
    tick_id: str


class Count(BaseModel):
    kind: str
    total: int


@operation("clock.ticks.tick", schedule=TICK_INTERVAL)
async def tick() -> Ticked:
    """Record that the clock ticked."""
    now = datetime.now(UTC)
    record = await repository(Tick).insert(Tick(kind="tick", started=now, ended=now))
    return Ticked(tick_id=record.id)


@operation("clock.ticks.slow", schedule=1, examples=[{"seconds": 3.0}])
async def slow(seconds: Annotated[float, Field(ge=0, le=60)] = 0.1) -> Ticked:
    """Take ``seconds`` (longer than the schedule's one), then record when it ran."""
    started = datetime.now(UTC)
    await asyncio.sleep(seconds)
    record = await repository(Tick).insert(
        Tick(kind="slow", started=started, ended=datetime.now(UTC))
    )
    return Ticked(tick_id=record.id)


@operation("clock.report.count")
async def count(kind: str) -> Count:
    """How many times the operation ``kind`` ran: not scheduled, it needs an input."""
    return Count(kind=kind, total=await repository(Tick).count({"kind": kind}))
