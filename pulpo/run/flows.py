"""``pulpo flows``: list a project's flows, and run one in-process against a real database.

The flows are those ``pulpo compile`` generates into ``<output>/flows.py``: one
per group of the operation hierarchy, one per operation. A run talks to the
Prefect server at ``PREFECT_API_URL``, or, when it is unset, to the temporary
local server Prefect starts by itself (given two minutes to start: on a busy
two-core machine it needs more than Prefect's default 20 s). Prefect's console
logs are kept quiet: what is printed is each step as it starts and ends, then
the flow's result, or one line saying what failed.
"""

import asyncio
import importlib
import json
import logging
import os
import sys
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from pulpo.data import connection
from pulpo.declare import Setting
from pulpo.errors import DomainError, PulpoError, UsageError
from pulpo.validate import Operation, ValidProject

STEP_LOGGER = "pulpo.flows"  # pulpo.flows.STEP_LOGGER, named here without importing Prefect

PREFECT_SETTINGS = {
    # Prefect's console handler stays quiet; its logs still reach the server.
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    # The steps' "started" / "completed" lines reach the server too (the UI shows them).
    "PREFECT_LOGGING_EXTRA_LOGGERS": STEP_LOGGER,
    # The temporary local server needs 10-35 s to start on a busy 2-core machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
"""Prefect settings for flows run in this process, unless the environment sets them."""

FAILED_TASK_WAIT_SECONDS = 5.0
"""How long to wait for the server to record a failed task run (task states arrive as events)."""


class FlowInputInvalid(UsageError):
    """The flow does not exist, or its input is not valid JSON for it."""

    exit_code = 2


class FlowFailed(PulpoError):
    """The flow run ended in a state other than Completed."""


SCHEDULE_DEPLOYMENT = "schedule"  # pulpo.flows.SCHEDULE_DEPLOYMENT, likewise


@dataclass(frozen=True)
class FlowRow:
    """One line of ``pulpo flows list``."""

    name: str
    kind: str  # "group" or "operation"
    stages: list[list[str]]  # a group's children, by stage; empty for an operation
    schedule: str | None = None  # how often a scheduled operation runs on its own, and as what

    @property
    def runs(self) -> str:
        """``trainer_create, catch, train`` at once; ``stage1 → stage2`` in order."""
        return " → ".join(", ".join(stage) for stage in self.stages)


def list_flows(project: ValidProject) -> list[FlowRow]:
    """Every flow of a validated project: the groups, parents first, then the operations."""
    rows = [
        FlowRow(
            group.name,
            "group",
            [[child.rpartition(".")[2] for child in stage] for stage in group.stages],
        )
        for group in project.groups
    ]
    rows.extend(
        FlowRow(operation.name, "operation", [], _schedule(operation))
        for operation in project.operations
    )
    return rows


def _schedule(operation: Operation) -> str | None:
    """``every TICK_INTERVAL s (60; 1 in tests) as clock.ticks.tick/schedule``, if scheduled."""
    every = operation.spec.schedule
    if every is None:
        return None
    if isinstance(every, Setting):
        test = f"; {every.test_value} in tests" if every.test_value != every.default else ""
        seconds = f"{every.name} s ({every.default}{test})"
    else:
        seconds = f"{every:g} s"
    return f"every {seconds} as {operation.name}/{SCHEDULE_DEPLOYMENT}"


def load_flows(project: ValidProject) -> ModuleType:
    """Import the generated flows module of a compiled project."""
    path = project.output_dir / "flows.py"
    if not path.is_file():
        raise UsageError(f"{path} not found: run `pulpo compile {project.root}` first")
    for key, value in PREFECT_SETTINGS.items():
        os.environ.setdefault(key, value)
    root = str(project.root.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        return importlib.import_module(f"{project.config.output}.flows")
    except ImportError as error:
        if error.name and error.name.split(".")[0] == "prefect":
            raise UsageError("running flows needs Prefect: pip install 'pulpo[flows]'") from None
        raise


def example_input(flows: ModuleType, name: str) -> str | None:
    """The example input of the flow ``name`` as JSON, or None if it declares none."""
    example = getattr(flows, "EXAMPLES", {}).get(name)
    return None if example is None else json.dumps(example)


def parse_input(flows: ModuleType, name: str, raw: str | None) -> BaseModel:
    """The flow's input model, validated from JSON (``None``: its example input, else ``{}``)."""
    flow = flows.FLOWS.get(name)
    if flow is None:
        known = ", ".join(flows.FLOWS)
        raise FlowInputInvalid(f"unknown flow {name!r} (known: {known})")
    model: type[BaseModel] = typing.get_type_hints(flow.fn)["body"]
    if raw is None:
        raw = example_input(flows, name) or "{}"
    try:
        return model.model_validate_json(raw or "{}")
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'input'}: {item['msg']}"
            for item in error.errors()
        )
        raise FlowInputInvalid(f"invalid input for {name}: {problems}") from None


def run(
    project: ValidProject,
    flows: ModuleType,
    name: str,
    body: BaseModel,
    url: str,
    *,
    announce: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the flow ``name`` against the database at ``url``; its output as JSON-ready data.

    ``announce`` receives each step's "started" and "completed in …" line as it
    happens. Raises :class:`FlowFailed`, naming the task that failed, when the run
    does not complete, and when Prefect itself fails (one line, no traceback).
    """
    # MONGODB_DATABASE overrides the configured name, as it does for the generated app.
    database = os.environ.get("MONGODB_DATABASE", "").strip() or project.config.database
    connection.configure(url, database, driver=project.config.driver)  # type: ignore[arg-type]
    operations = {operation.name for operation in project.operations}
    with _steps_to(announce):
        try:
            return asyncio.run(_run(flows, name, body, operations))
        except PulpoError:
            raise
        except Exception as error:  # noqa: BLE001 - Prefect's own failures, said in one line
            raise FlowFailed(f"running {name} failed: {_prefect_failure(error)}") from None


@contextmanager
def _steps_to(announce: Callable[[str], None] | None) -> Iterator[None]:
    """Hand every record of the steps' logger to ``announce`` while the block runs."""
    if announce is None:
        yield
        return

    say = announce

    class Announcer(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            say(record.getMessage())

    handler = Announcer(logging.INFO)
    steps = logging.getLogger(STEP_LOGGER)
    steps.addHandler(handler)
    try:
        yield
    finally:
        steps.removeHandler(handler)


def _prefect_failure(error: Exception) -> str:
    """One line on why Prefect could not run the flow, and what to do about it."""
    text = " ".join(str(error).split()) or type(error).__name__
    if "ephemeral Prefect API server" in text:
        timeout = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "?")
        return (
            f"Prefect's temporary local server did not start within {timeout} s; set "
            "PREFECT_API_URL to a running Prefect server (`prefect server start`), or raise "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
        )
    api_url = os.environ.get("PREFECT_API_URL")
    where = f" (PREFECT_API_URL={api_url})" if api_url else ""
    return f"{type(error).__name__}: {text[:300]}{where}"


async def _run(
    flows: ModuleType, name: str, body: BaseModel, operations: set[str]
) -> dict[str, Any]:
    try:
        await flows.create_indexes()
        state = await flows.FLOWS[name](body, return_state=True)
        if state.is_completed():
            output: BaseModel = await state.result()
            return output.model_dump(mode="json")
        error = await state.result(raise_on_failure=False)
        failed = await failed_task(state.state_details.flow_run_id, operations, error)
        raise FlowFailed(f"{failed or name} failed{_describe(error, state.message)}")
    finally:
        await connection.close()


async def failed_task(flow_run_id: UUID, operations: set[str], error: object) -> str | None:
    """The name of the operation task whose failure failed the flow run, as Prefect recorded it.

    Looks through the run and its subflow runs. When several tasks failed, the one
    whose message names ``error`` is chosen, else the first to fail.
    """
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        run_ids = await _flow_run_tree(client, flow_run_id)
        deadline = asyncio.get_running_loop().time() + FAILED_TASK_WAIT_SECONDS
        while True:
            failed = [run for run in await _failed_task_runs(client, run_ids) if run.name]
            names = [(_operation_of(run.name, operations), run) for run in failed]
            found = [(name, run) for name, run in names if name is not None]
            if found or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
    for name, run in found:
        if run.state and run.state.message and str(error) in run.state.message:
            return name
    return found[0][0] if found else None


async def _flow_run_tree(client: Any, flow_run_id: UUID) -> list[UUID]:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    found, frontier = [flow_run_id], [flow_run_id]
    while frontier:
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=frontier)
            ),
            sort=FlowRunSort.START_TIME_ASC,
            limit=200,
        )
        frontier = [child.id for child in children]
        found.extend(frontier)
    return found


async def _failed_task_runs(client: Any, flow_run_ids: list[UUID]) -> list[Any]:
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterState,
        TaskRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import TaskRunSort

    newest_first = await client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=flow_run_ids)),
        task_run_filter=TaskRunFilter(
            state=TaskRunFilterState(type=TaskRunFilterStateType(any_=[StateType.FAILED]))
        ),
        sort=TaskRunSort.END_TIME_DESC,
        limit=200,
    )
    return list(newest_first[::-1])


def _operation_of(task_run_name: str, operations: set[str]) -> str | None:
    """``pokemon.management.catch-3f2`` → ``pokemon.management.catch``, if it is an operation."""
    name = task_run_name.rpartition("-")[0] or task_run_name
    return name if name in operations else None


def _describe(error: object, message: str | None) -> str:
    """``" (404): Trainer 'x' does not exist"``: the status and the reason, on one line."""
    if isinstance(error, DomainError):
        status, reason = f" ({error.status_code})", error.detail
    elif isinstance(error, BaseException):
        status, reason = "", f"{type(error).__name__}: {error}"
    else:
        status, reason = "", message or "no reason given"
    return f"{status}: {' '.join(reason.split())}"
