"""``@operation(schedule=...)``: INVALID_SCHEDULE at the operation's decorator, one per problem.

The expected lines come from searching the projects' source for a marker, as in
``test_validate.py``; ``tests/projects/bad_schedules`` holds one problem per
operation, beside scheduled operations that are fine.
"""

from pathlib import Path

import pytest

from pulpo.discover import discover
from pulpo.validate import Code, Diagnostic, ProjectInvalid, diagnose, validate

pytestmark = pytest.mark.unit

PROJECTS = Path(__file__).resolve().parents[1] / "projects"
BAD = PROJECTS / "bad_schedules"
INTERVALS = BAD / "bad_schedules_app" / "intervals.py"
INPUTS = BAD / "bad_schedules_app" / "inputs.py"


def line_of(path: Path, marker: str) -> int:
    """The 1-based number of the one line of ``path`` that contains ``marker``."""
    lines = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if marker in line
    ]
    assert len(lines) == 1, f"{marker!r} is on lines {lines} of {path}"
    return lines[0]


@pytest.fixture(scope="module")
def diagnostics() -> list[Diagnostic]:
    return diagnose(discover(BAD))


def reported(diagnostics: list[Diagnostic], path: Path, marker: str) -> list[str]:
    """The messages reported on the line of ``marker``, each checked to be INVALID_SCHEDULE."""
    line = line_of(path, marker)
    here = [d for d in diagnostics if d.location.path == path.resolve() and d.location.line == line]
    assert all(d.code is Code.INVALID_SCHEDULE for d in here), here
    return [d.message for d in here]


def test_every_schedule_problem_in_one_run_and_nothing_else(
    diagnostics: list[Diagnostic],
) -> None:
    expected = [
        (INPUTS, '@operation("feed.needs_input"'),
        (INPUTS, '@operation("feed.model_needs_input"'),
        (INTERVALS, '@operation("clock.zero"'),
        (INTERVALS, '@operation("clock.text"'),
        (INTERVALS, '@operation("clock.boolean"'),
        (INTERVALS, '@operation("clock.forever"'),
        (INTERVALS, '@operation("clock.label"'),
        (INTERVALS, '@operation("clock.never"'),
        (INTERVALS, '@operation("clock.backwards"'),
        (INTERVALS, '@operation("clock.inline"'),
    ]
    assert [(d.code, d.location.path, d.location.line) for d in diagnostics] == [
        (Code.INVALID_SCHEDULE, path.resolve(), line_of(path, marker)) for path, marker in expected
    ]


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("clock.zero", "clock.zero: schedule=0 must be a positive number of seconds"),
        ("clock.text", "clock.text: schedule='30' must be a positive number of seconds"),
        ("clock.boolean", "clock.boolean: schedule=True must be a positive number of seconds"),
        ("clock.forever", "clock.forever: schedule=inf must be a positive number of seconds"),
        ("clock.label", "clock.label: schedule setting LABEL is a str; it must be an int or"),
        ("clock.never", "clock.never: schedule setting NEVER_IN_TESTS has test value 0.0;"),
        ("clock.backwards", "clock.backwards: schedule setting BACKWARDS has default -1;"),
        ("clock.inline", "clock.inline: schedule setting INLINE_INTERVAL must be assigned at"),
    ],
)
def test_an_interval_that_is_not_positive_seconds_says_why(
    diagnostics: list[Diagnostic], marker: str, message: str
) -> None:
    [said] = reported(diagnostics, INTERVALS, f'@operation("{marker}"')
    assert said.startswith(message), said


@pytest.mark.parametrize("marker", ["feed.needs_input", "feed.model_needs_input"])
def test_an_operation_that_needs_input_cannot_be_scheduled_without_an_example(
    diagnostics: list[Diagnostic], marker: str
) -> None:
    [said] = reported(diagnostics, INPUTS, f'@operation("{marker}"')
    assert said == (
        f"{marker}: a scheduled run has no input to give; make every parameter optional or "
        "add examples=[{...}] (the first one is what it runs with)"
    )


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        (INTERVALS, "clock.fine"),  # a setting of int, positive both ways
        (INTERVALS, "clock.literal"),  # half a second
        (INPUTS, "feed.optional_input"),
        (INPUTS, "feed.with_example"),
        (INPUTS, "feed.model_with_defaults"),
    ],
)
def test_scheduled_operations_that_can_run_alone_pass(
    diagnostics: list[Diagnostic], path: Path, marker: str
) -> None:
    assert reported(diagnostics, path, f'@operation("{marker}"') == []


def test_a_project_with_schedule_problems_compiles_nothing() -> None:
    with pytest.raises(ProjectInvalid) as raised:
        validate(discover(BAD))
    assert len(raised.value.diagnostics) == 10


def test_the_scheduled_example_project_is_valid() -> None:
    project = validate(discover(PROJECTS / "scheduled"))
    scheduled = {op.name: op.spec.schedule for op in project.operations if op.spec.schedule}
    assert set(scheduled) == {"clock.ticks.tick", "clock.ticks.slow"}
    assert [found.variable for found in project.settings] == ["TICK_INTERVAL"]


def test_flows_list_names_each_schedule_s_interval_and_deployment() -> None:
    from pulpo.run.flows import list_flows

    rows = {row.name: row for row in list_flows(validate(discover(PROJECTS / "scheduled")))}
    assert rows["clock.ticks.tick"].schedule == (
        "every TICK_INTERVAL s (60; 1 in tests) as clock.ticks.tick/schedule"
    )
    assert rows["clock.ticks.slow"].schedule == "every 1 s as clock.ticks.slow/schedule"
    assert rows["clock.report.count"].schedule is None
    assert rows["clock.ticks"].schedule is None
