"""Putting projects on disk for tests: a copy of the Pokemon example, or files written inline.

The tests directory is on ``sys.path`` (it holds the root conftest), so any test
module can ``from project_files import copy_example, write``.
"""

import shutil
import textwrap
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pokemon"
# What a working copy of the example may hold besides its source: compile output,
# the embedded database, the .dockerignore `pulpo up` installs, bytecode.
NOT_SOURCE = shutil.ignore_patterns("generated", ".pulpo", ".dockerignore", "__pycache__")


def copy_example(destination: Path) -> Path:
    """The Pokemon example's source, copied to ``destination``; returns ``destination``."""
    shutil.copytree(EXAMPLE, destination, ignore=NOT_SOURCE)
    return destination


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path → source, dedented) below ``root``; returns ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root
