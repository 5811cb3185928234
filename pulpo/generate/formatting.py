"""Make generated code look hand-written: ruff sorts its imports and formats it.

Ruff runs with ``--isolated`` and its default settings (line length 88), so the
output does not depend on any configuration found around the project: a
compile is byte-identical wherever it runs, and ``ruff check`` / ``ruff format
--check`` with default settings pass on it.
"""

import subprocess
from collections.abc import Iterable
from pathlib import Path

from ruff.__main__ import find_ruff_bin

from pulpo.errors import PulpoError


class FormattingError(PulpoError):
    """ruff rejected generated code: a bug in Pulpo's templates, reported plainly."""


def format_tree(directory: Path, first_party: Iterable[str]) -> None:
    """Sort imports (isort rules) and format every Python file below ``directory`` in place."""
    known = ", ".join(f'"{name}"' for name in sorted(set(first_party)))
    settings = ["--config", f"lint.isort.known-first-party = [{known}]"]
    ruff = find_ruff_bin()
    isolated = ["--isolated", "--no-cache", "--quiet", *settings]
    _run([ruff, "check", *isolated, "--select", "I", "--fix", "."], directory)
    _run([ruff, "format", *isolated, "."], directory)


def _run(command: list[str], directory: Path) -> None:
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise FormattingError(f"ruff failed on generated code: {' '.join(output[:3])}")
