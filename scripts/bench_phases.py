"""Wall time of each test phase, in ``make test-all``'s order, as a table (part of ``make bench``).

Each phase runs as its own pytest process, exactly as its ``make`` target does.
"""

import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
PHASES = [
    ("unit", ["-m", "unit", "tests/unit"]),
    ("cli", ["-m", "cli", "tests/cli"]),
    ("generation", ["-m", "generation", "tests/generation"]),
    ("integration", ["-m", "integration", "tests/integration"]),
    ("docker", ["-m", "docker", "tests/docker", "tests/e2e/test_pipeline_docker.py"]),
    ("e2e", ["-m", "e2e", "tests/e2e"]),
    ("reliability", ["-m", "reliability", "tests/reliability"]),
]


def main() -> int:
    table = Table(title="test phases (wall time, one pytest process each)")
    for column in ("phase", "result", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    failed = False
    for name, arguments in PHASES:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
        failed |= result.returncode != 0
        table.add_row(name, summary.strip("= "), f"{elapsed:.1f}")
    Console(width=120).print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
