"""The outputs of flow runs, kept in MongoDB by flow run id.

A generated flow stores its output here when it finishes, so the generated
API can answer ``GET /flows/runs/{id}`` without Prefect's result storage, and
without importing Prefect at all::

    await flow_results.save(flow_run_id, "pokemon.evolution", output)
    await flow_results.load(flow_run_id)  # {"stage1": {...}, "stage2": {...}}

Outputs are stored as JSON (dates as ISO strings), exactly as the API returns them.
"""

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from pulpo.data.connection import current_database, database_errors

COLLECTION = "pulpo_flow_results"
"""The collection that holds one document per finished flow run, ``_id`` = the flow run id."""


async def save(flow_run_id: str, flow_name: str, output: BaseModel) -> None:
    """Store (or replace) the output of the flow run ``flow_run_id``."""
    document = {
        "_id": flow_run_id,
        "flow": flow_name,
        "result": output.model_dump(mode="json"),
        "finished_at": datetime.now(UTC),
    }
    with database_errors():
        await current_database()[COLLECTION].replace_one(
            {"_id": flow_run_id}, document, upsert=True
        )


async def load(flow_run_id: str) -> dict[str, Any] | None:
    """The stored output of ``flow_run_id``, or ``None`` if none was stored."""
    with database_errors():
        document = await current_database()[COLLECTION].find_one({"_id": flow_run_id})
    return None if document is None else document["result"]
