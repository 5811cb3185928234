"""What a generated ``flows`` module uses while its flows run.

Needs Prefect: ``pip install 'pulpo[flows]'``. The generated API never imports
this module; it reads flow outputs through :mod:`pulpo.data.flow_results`.

A group flow runs the steps of one stage with :func:`concurrently`, builds the
input of a later step with :func:`fill`, and, like every flow, ends with
:func:`store_result`. Every task runs its operation inside :func:`step`, which
says when it starts and how it ended. An operation declared with ``schedule=`` is
served by :func:`schedule` as well, on its interval.
"""

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import Any, TypeGuard, TypeVar

from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.runtime import flow_run
from pydantic import BaseModel

from pulpo.data import flow_results
from pulpo.declare.settings import Setting, resolved
from pulpo.errors import UsageError

M = TypeVar("M", bound=BaseModel)

STEP_LOGGER = "pulpo.flows"
"""The logger :func:`step` reports to. Listed in PREFECT_LOGGING_EXTRA_LOGGERS (as the
generated flows image does), its records reach the Prefect server with the run they
belong to, so the UI and ``prefect deployment run --watch`` show them; ``pulpo flows
run`` prints them."""

_steps = logging.getLogger(STEP_LOGGER)
# Progress is what this logger is for: without a level of its own it would inherit the
# root logger's WARNING and say nothing.
_steps.setLevel(logging.INFO)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Report the operation ``name`` as started, then as completed or failed, with its time::

    pokemon.evolution.stage1 started
    pokemon.evolution.stage1 completed in 0.04 s
    """
    _steps.info("%s started", name)
    started = time.perf_counter()
    try:
        yield
    except BaseException as error:  # a cancelled step (its timeout) failed too; re-raised
        elapsed = time.perf_counter() - started
        reason = getattr(error, "detail", None) or str(error) or type(error).__name__
        _steps.info("%s failed after %.2f s: %s", name, elapsed, reason)
        raise
    _steps.info("%s completed in %.2f s", name, time.perf_counter() - started)


async def concurrently(*steps: Awaitable[Any]) -> list[Any]:
    """Run the steps of one stage at once, on the running event loop; their results in order.

    When a step fails, the others still run to their end (an operation is never
    cut off halfway through its writes), then the first failure is raised.
    """
    results = await asyncio.gather(*steps, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def fill(model: type[M], given: M | None, /, **fed: Any) -> M:
    """The input of a step: what the caller gave explicitly, ``fed`` values filling the rest.

    ``fill(Stage2Input, body.stage2, pokemon_name=stage1.evolved_name)`` is
    ``body.stage2`` when the caller set ``pokemon_name``, and otherwise takes it
    from ``stage1``'s output. Fields the caller left at their default count as
    not given.
    """
    explicit = given.model_dump(exclude_unset=True) if given is not None else {}
    return model.model_validate({**fed, **explicit})


async def store_result(output: M) -> M:
    """Keep the running flow's output in MongoDB under its flow run id; return it.

    Outside a flow run (the flow's function called directly) nothing is stored.
    """
    if flow_run.id is not None:
        await flow_results.save(flow_run.id, flow_run.flow_name, output)
    return output


SCHEDULE_DEPLOYMENT = "schedule"
"""The name of a scheduled operation's deployment: ``<operation name>/schedule``."""


class ScheduleInvalid(UsageError):
    """A schedule's setting holds no positive number of seconds in this environment."""


def schedule(
    flow: Flow[..., Any], every: float | Setting[Any], body: dict[str, Any]
) -> RunnerDeployment:
    """The deployment ``<flow name>/schedule``: a run of ``flow`` with ``body`` every ``every`` s.

    A setting is read now, when the flows start serving, so the environment decides
    (``SYNC_INTERVAL=5`` in the test stack's ``.env.test``); a value that is not a
    positive number of seconds is a one-line :class:`ScheduleInvalid`.

    Runs never pile up: the deployment runs one at a time, and a run that falls due
    while the previous one still runs is cancelled at once (Prefect's ``CANCEL_NEW``
    collision strategy; ``ENQUEUE`` would let a slow operation build an endless queue).
    The next run falls due one interval later. The flow's ``<flow name>/default``
    deployment, which the API starts by hand, is not limited by this one.
    """
    seconds = resolved(every)
    if not _positive_seconds(seconds):
        source = f"{every.name}={seconds!r}" if isinstance(every, Setting) else repr(seconds)
        raise ScheduleInvalid(f"{flow.name}: schedule {source} is not a positive number of seconds")
    return RunnerDeployment.from_flow(
        flow,
        name=SCHEDULE_DEPLOYMENT,
        interval=seconds,
        parameters={"body": body},
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
        ),
        description=f"{flow.name} every {seconds:g} s, one run at a time.",
    )


def _positive_seconds(value: object) -> TypeGuard[float]:
    """A positive, finite int or float (``True`` is no number of seconds)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
