"""Comparing a generated tree with its golden copy, and saying how to accept a change.

A mismatch reads as a unified diff of every differing file (golden → generated), files
only on one side named, and the one command that makes the golden copy the new output.
"""

import difflib
import os
import shutil
from pathlib import Path

import pytest

ACCEPT_COMMAND = "PULPO_UPDATE_GOLDEN=1 .venv/bin/pytest -m generation tests/generation"
"""Rewrites the golden files from the current output (``make test-generation`` likewise)."""


ROOT = Path(__file__).resolve().parents[1]


def tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root`` by its relative path (bytecode left out)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def assert_golden(generated: Path, golden: Path) -> None:
    """Fail with the diff when ``generated`` differs from ``golden``; accept it on request.

    With ``PULPO_UPDATE_GOLDEN=1`` the golden copy is replaced by the output first.
    """
    if os.environ.get("PULPO_UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(generated, golden, ignore=shutil.ignore_patterns("__pycache__"))
    mismatch = golden_mismatch(
        tree(generated),
        tree(golden),
        golden_label=golden.relative_to(ROOT).as_posix(),
        output_label=generated.name,
    )
    if mismatch:
        pytest.fail(mismatch, pytrace=False)  # pytest.fail: the whole diff, never truncated


def golden_mismatch(
    output: dict[str, bytes], golden: dict[str, bytes], *, golden_label: str, output_label: str
) -> str | None:
    """``None`` when both trees hold the same files and bytes, else the report to print.

    ``output`` and ``golden`` map relative paths to contents; the labels head the diffs
    (``tests/generation/golden/pokemon``, ``generated``).
    """
    sections: list[str] = []
    for name in sorted(golden.keys() - output.keys()):
        sections.append(f"only in the golden copy (no longer generated): {name}")
    for name in sorted(output.keys() - golden.keys()):
        sections.append(f"generated but not in the golden copy: {name}")
        sections.append(_diff(b"", output[name], "/dev/null", f"{output_label}/{name}"))
    for name in sorted(output.keys() & golden.keys()):
        if output[name] != golden[name]:
            sections.append(
                _diff(
                    golden[name], output[name], f"{golden_label}/{name}", f"{output_label}/{name}"
                )
            )
    if not sections:
        return None
    return "\n".join(
        [
            "the generated files differ from the golden copy:",
            *sections,
            f"if the change is intended, accept it with:\n    {ACCEPT_COMMAND}",
        ]
    )


def _diff(before: bytes, after: bytes, before_label: str, after_label: str) -> str:
    lines = difflib.unified_diff(
        before.decode("utf-8", errors="replace").splitlines(keepends=True),
        after.decode("utf-8", errors="replace").splitlines(keepends=True),
        fromfile=before_label,
        tofile=after_label,
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    ).rstrip("\n")
