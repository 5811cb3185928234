"""What a generated ``flows`` module uses while its flows run.

Needs Prefect: ``pip install 'pulpo[flows]'``. The generated API never imports
this module; it reads flow outputs through :mod:`pulpo.data.flow_results`.

A group flow runs the steps of one stage with :func:`concurrently`, builds the
input of a later step with :func:`fill`, and, like every flow, ends with
:func:`store_result`.
"""

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from prefect.runtime import flow_run
from pydantic import BaseModel

from pulpo.data import flow_results

M = TypeVar("M", bound=BaseModel)


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
