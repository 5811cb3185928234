"""The golden-file report: a unified diff per differing file and the command accepting it."""

import pytest
from golden import ACCEPT_COMMAND, golden_mismatch

pytestmark = pytest.mark.unit


def test_identical_trees_have_no_report() -> None:
    files = {"app.py": b"app = 1\n"}
    assert golden_mismatch(files, dict(files), golden_label="golden", output_label="out") is None


def test_a_mismatch_is_a_unified_diff_per_file_and_the_accepting_command() -> None:
    report = golden_mismatch(
        {"app.py": b"a = 1\nb = 2\n", "new.py": b"n = 0\n", "same.py": b"s\n"},
        {"app.py": b"a = 1\nb = 3\n", "gone.py": b"g\n", "same.py": b"s\n"},
        golden_label="tests/generation/golden/pokemon",
        output_label="generated",
    )
    assert report is not None
    lines = report.splitlines()
    assert "--- tests/generation/golden/pokemon/app.py" in lines
    assert "+++ generated/app.py" in lines
    assert lines.index("-b = 3") + 1 == lines.index("+b = 2")
    assert "only in the golden copy (no longer generated): gone.py" in lines
    assert "+n = 0" in lines and "+++ generated/new.py" in lines
    assert "same.py" not in report
    assert lines[-1].strip() == ACCEPT_COMMAND
    assert ACCEPT_COMMAND.startswith("PULPO_UPDATE_GOLDEN=1 ") and "-m generation" in ACCEPT_COMMAND
