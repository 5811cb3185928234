"""``@operation(schedule=...)``: an interval the flows can keep, and an input they have.

A scheduled operation runs every so many seconds as a Prefect deployment of the
flows process (:func:`pulpo.flows.schedule`), nobody there to give it an input. So:

* the schedule is a positive number of seconds, or a :func:`pulpo.setting` of ``int``
  or ``float`` whose default and test value are positive (the environment's value is
  checked when the flows start: it is not known before);
* a setting is assigned at the top level of a project module (``SYNC_INTERVAL =
  setting(...)``), where discovery records it: the ``.env`` files list it, and the
  generated flows read it from there;
* the operation runs with no input: it has no required parameter, or a first example
  (what every deployment runs with when given none).

Each problem is one ``INVALID_SCHEDULE`` at the operation's decorator.
"""

import math
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from pulpo.declare import Setting
from pulpo.discover.project import DiscoveredOperation, Location, Project
from pulpo.discover.source import locate
from pulpo.validate.diagnostics import Code, Diagnostic
from pulpo.validate.signature import OperationSignature, SignatureProblem, input_model

Signatures = Callable[
    [DiscoveredOperation], tuple[OperationSignature | None, list[SignatureProblem]]
]
"""Each operation's signature as the rules read it (once)."""


def check_schedules(project: Project, signatures: Signatures) -> Iterator[Diagnostic]:
    """One ``INVALID_SCHEDULE`` per problem of every scheduled operation of ``project``."""
    declared = {id(found.setting) for found in project.settings}
    for operation in project.operations:
        schedule = operation.spec.schedule
        if schedule is None:
            continue
        where = Location(operation.file, locate(operation.file, operation.spec.function.__name__))
        name = operation.spec.name
        for problem in _interval_problems(schedule, declared):
            yield Diagnostic(where, Code.INVALID_SCHEDULE, f"{name}: {problem}")
        signature, _ = signatures(operation)
        if signature is not None and not _runs_without_input(operation, signature):
            yield Diagnostic(
                where,
                Code.INVALID_SCHEDULE,
                f"{name}: a scheduled run has no input to give; make every parameter "
                "optional or add examples=[{...}] (the first one is what it runs with)",
            )


def _interval_problems(schedule: object, declared: set[int]) -> Iterator[str]:
    if isinstance(schedule, Setting):
        yield from _setting_problems(schedule, declared)
    elif not _is_seconds(schedule):
        yield f"schedule={schedule!r} must be a positive number of seconds or a pulpo.setting"


def _setting_problems(value: Setting[Any], declared: set[int]) -> Iterator[str]:
    if value.type not in (int, float):
        kind = getattr(value.type, "__name__", repr(value.type))
        yield f"schedule setting {value.name} is a {kind}; it must be an int or a float (seconds)"
        return
    for label, seconds in (("default", value.default), ("test value", value.test_value)):
        if not _is_seconds(seconds):
            yield f"schedule setting {value.name} has {label} {seconds!r}; it must be positive"
    if id(value) not in declared:
        yield (
            f"schedule setting {value.name} must be assigned at the top level of a project "
            f"module ({value.name} = setting(...)), where the .env files and the flows find it"
        )


def _is_seconds(value: object) -> bool:
    """A positive, finite int or float (``True`` is not a number of seconds)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _runs_without_input(operation: DiscoveredOperation, signature: OperationSignature) -> bool:
    """It has a first example (checked by its own rule), or ``{}`` is a valid input."""
    if operation.spec.examples:
        return True
    try:
        input_model(operation.spec.name, signature).model_validate({})
    except ValidationError:
        return False
    return True
