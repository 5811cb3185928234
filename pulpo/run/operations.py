"""``pulpo ops run``: run one operation in-process, against a real database.

The input is validated exactly as the generated endpoint validates it (the
operation's request model), the operation runs with the project's datamodels
indexed, and its output model is returned. Errors the operation raises on purpose
(``NotFound``, ``Conflict``) come back as :class:`OperationFailed` with their HTTP
status.
"""

import asyncio
import json
import os
from typing import Any

from pydantic import BaseModel, ValidationError

from pulpo.data import connection
from pulpo.errors import DomainError, PulpoError, UsageError
from pulpo.validate import Operation, ValidProject


class OperationFailed(PulpoError):
    """The operation raised a domain error (``NotFound``, ``Conflict``...)."""


class InvalidInput(UsageError):
    """The input does not match the operation's request model."""

    exit_code = 2


def find_operation(project: ValidProject, name: str) -> Operation:
    try:
        return project.operation(name)
    except KeyError:
        known = ", ".join(sorted(op.name for op in project.operations)) or "none"
        raise UsageError(f"unknown operation {name!r} (known: {known})") from None


def example_input(operation: Operation) -> str | None:
    """The operation's first example input as JSON, or None if it declares none."""
    example = operation.example
    return None if example is None else json.dumps(example)


def parse_input(operation: Operation, raw: str | None) -> dict[str, Any] | BaseModel:
    """Validate JSON input for ``operation`` (``None``: its first example, else ``{}``).

    Returns the user's input model, or the keyword arguments of the function.
    """
    if raw is None:
        raw = example_input(operation) or "{}"
    try:
        value = operation.request_model.model_validate_json(raw or "{}")
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'input'}: {item['msg']}"
            for item in error.errors()
        )
        raise InvalidInput(f"invalid input for {operation.name}: {problems}") from None
    if operation.input_model is not None:
        return value
    return {item.name: getattr(value, item.name) for item in operation.parameters}


async def run_operation(
    project: ValidProject,
    operation: Operation,
    arguments: dict[str, Any] | BaseModel,
    url: str,
) -> dict[str, Any]:
    """Run ``operation`` against the database at ``url``; its output as JSON-ready data."""
    # MONGODB_DATABASE overrides the configured name, as it does for the generated app.
    database = os.environ.get("MONGODB_DATABASE", "").strip() or project.config.database
    connection.configure(url, database, driver=project.config.driver)  # type: ignore[arg-type]
    try:
        await connection.ensure_indexes(model.cls for model in project.models)
        function = operation.spec.function
        try:
            if isinstance(arguments, BaseModel):
                result = await function(arguments)
            else:
                result = await function(**arguments)
        except DomainError as error:
            raise OperationFailed(
                f"{operation.name} failed ({error.status_code}): {error.detail}"
            ) from None
        output: dict[str, Any] = json.loads(result.model_dump_json())
        return output
    finally:
        await connection.close()


def run(project: ValidProject, name: str, raw_input: str | None, url: str) -> dict[str, Any]:
    operation = find_operation(project, name)
    arguments = parse_input(operation, raw_input)
    return asyncio.run(run_operation(project, operation, arguments, url))
