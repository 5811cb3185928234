"""Schedules that are not a positive number of seconds."""

from bad_schedules_app.results import Done
from pulpo import operation, setting

SYNC_INTERVAL = setting("SYNC_INTERVAL", 30, test=5)  # fine: an int, positive both ways
LABEL = setting("LABEL", "every minute")
NEVER_IN_TESTS = setting("NEVER_IN_TESTS", 30.0, test=0.0)
BACKWARDS = setting("BACKWARDS", -1, test=5)


@operation("clock.fine", schedule=SYNC_INTERVAL)
async def fine() -> Done:
    return Done(ok=True)


@operation("clock.literal", schedule=0.5)
async def literal() -> Done:
    return Done(ok=True)


@operation("clock.zero", schedule=0)
async def zero() -> Done:
    return Done(ok=True)


@operation("clock.text", schedule="30")
async def text() -> Done:
    return Done(ok=True)


@operation("clock.boolean", schedule=True)
async def boolean() -> Done:
    return Done(ok=True)


@operation("clock.forever", schedule=float("inf"))
async def forever() -> Done:
    return Done(ok=True)


@operation("clock.label", schedule=LABEL)
async def label() -> Done:
    return Done(ok=True)


@operation("clock.never", schedule=NEVER_IN_TESTS)
async def never() -> Done:
    return Done(ok=True)


@operation("clock.backwards", schedule=BACKWARDS)
async def backwards() -> Done:
    return Done(ok=True)


@operation("clock.inline", schedule=setting("INLINE_INTERVAL", 5.0))
async def inline() -> Done:
    return Done(ok=True)
