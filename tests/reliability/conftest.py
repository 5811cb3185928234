"""The reliability phase: hostile input and lost writes, tallied in one table at the end.

Every test module here names its suite (``SUITE = "malformed projects"``). A test
counts as one case tried, and as a failure when it fails; a test that tries many
cases at once (a fuzzer) or writes and counts documents says so through
``tally``::

    def test_fuzz(tally: Tally) -> None:
        tally(cases=312, failures=0)
        tally(acknowledged=40, found=40)

``make test-reliability`` prints the table: suite, cases tried, failures, writes
acknowledged, writes found.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rich.console import Console
from rich.table import Table

Tally = Callable[..., None]

_COUNTS = ("cases", "failures", "acknowledged", "found")


@dataclass
class _Row:
    cases: int = 0
    failures: int = 0
    acknowledged: int | None = None
    found: int | None = None


_ROWS: dict[str, _Row] = {}


@pytest.fixture(autouse=True)
def _suite(request: pytest.FixtureRequest) -> None:
    """Label every test with its module's suite, for the table."""
    suite = getattr(request.module, "SUITE", request.module.__name__)
    request.node.user_properties.append(("suite", suite))


@pytest.fixture
def tally(request: pytest.FixtureRequest) -> Tally:
    """Record counts of a test that tries many cases or counts writes."""

    def record(**counts: int) -> None:
        unknown = set(counts) - set(_COUNTS)
        if unknown:
            raise TypeError(f"tally() counts {', '.join(_COUNTS)}, not {', '.join(unknown)}")
        request.node.user_properties.extend(counts.items())

    return record


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each test once: at its call, or at its setup when that failed."""
    properties = report.user_properties
    suite = next((value for key, value in properties if key == "suite"), None)
    if suite is None or not (report.when == "call" or (report.when == "setup" and report.failed)):
        return
    row = _ROWS.setdefault(str(suite), _Row())
    counted = {key: int(value) for key, value in properties if key in _COUNTS}
    row.cases += counted.get("cases", 1)
    row.failures += counted.get("failures", 0) + (1 if report.failed else 0)
    for key in ("acknowledged", "found"):
        if key in counted:
            setattr(row, key, (getattr(row, key) or 0) + counted[key])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _ROWS:
        return
    table = Table("suite", "cases tried", "failures", "writes acknowledged", "writes found")
    for suite, row in _ROWS.items():
        table.add_row(
            suite,
            str(row.cases),
            str(row.failures),
            "-" if row.acknowledged is None else str(row.acknowledged),
            "-" if row.found is None else str(row.found),
        )
    console = Console(width=100, force_terminal=False, highlight=False)
    with console.capture() as captured:
        console.print(table)
    terminalreporter.write_sep("=", "reliability")
    for line in captured.get().rstrip().splitlines():
        terminalreporter.write_line(line)
