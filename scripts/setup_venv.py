"""Set up the development virtualenv, saying what it installs and how long it has taken.

    python3 scripts/setup_venv.py [--venv .venv]      (what `make setup` runs)

pip's own output is captured, and printed (its last lines) only when pip fails. On a
terminal a Rich spinner shows the step, the package pip is at and the elapsed time;
in a log, each step is one line when it starts and one when it ends.

It starts with the standard library alone: it creates the virtualenv and installs
Rich into it (seconds), then runs again with the virtualenv's Python to show the
long part, installing Pulpo with its development extra, with Rich.
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WITH_RICH = "--with-rich"  # set when running again inside the virtualenv
PIP = ["-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
STEPS = [
    ("upgrading pip", ["--upgrade", "pip"]),
    (
        "installing Pulpo and its dev extra (FastAPI, PyMongo, Prefect, SecantusDB, "
        "the Docker SDK, Compose, pytest, ruff)",
        ["-e", ".[dev]"],
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv")
    parser.add_argument(WITH_RICH, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.venv = args.venv.absolute()  # pip runs from the checkout, wherever make runs
    python = args.venv / "bin" / "python"
    if args.with_rich:
        return install(python, RichSteps())
    started = time.monotonic()
    if not python.is_file():
        say(f"setup: creating the virtualenv {args.venv}")
        subprocess.run([sys.executable, "-m", "venv", str(args.venv)], check=True)
    say("setup: installing Rich into it, to show the rest")
    if not pip(python, ["rich>=13"], lambda line: None):
        return 1
    say(f"setup: ready for Rich after {time.monotonic() - started:.1f} s")
    script = [str(python), __file__, "--venv", str(args.venv), WITH_RICH]
    return subprocess.run(script, check=False).returncode


def say(line: str) -> None:
    print(line, flush=True)


def pip(python: Path, arguments: list[str], progress: Callable[[str], None]) -> bool:
    """Run pip with its output captured, each line passed to ``progress``; False on failure."""
    output: list[str] = []
    with subprocess.Popen(
        [str(python), *PIP, *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        env={**os.environ, "PIP_NO_INPUT": "1"},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip())
            progress(line.strip())
    if process.returncode != 0:
        print(f"pip install {' '.join(arguments)} failed; its last lines:", file=sys.stderr)
        for line in output[-25:]:
            print(f"  {line}", file=sys.stderr)
        return False
    return True


class RichSteps:
    """Each step as a live line (spinner, what pip is at, elapsed), or two plain lines in a log."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(highlight=False, soft_wrap=True)  # a log line stays one line

    def run(self, title: str, step: Callable[[Callable[[str], None]], bool]) -> bool:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.table import Column

        started = time.monotonic()
        if self.console.is_terminal:
            columns = (
                SpinnerColumn(),
                TextColumn(
                    "{task.description}", markup=False, table_column=Column(no_wrap=True, ratio=1)
                ),
                TimeElapsedColumn(),
            )
            # expand: the detail takes what is left of the line, the clock stays in view.
            live = Progress(*columns, console=self.console, transient=True, expand=True)
            with live as progress:
                task = progress.add_task(title, total=None)

                def show(line: str) -> None:
                    if line.startswith(("Collecting", "Installing", "Building", "Downloading")):
                        progress.update(task, description=f"{title}: {line}")

                done = step(show)
        else:
            self.console.print(f"setup: {title} ...", markup=False)
            done = step(lambda line: None)
        outcome = "done in" if done else "failed after"
        self.console.print(
            f"setup: {title}: {outcome} {time.monotonic() - started:.1f} s", markup=False
        )
        return done


def install(python: Path, steps: RichSteps) -> int:
    for title, arguments in STEPS:
        if not steps.run(title, lambda show, arguments=arguments: pip(python, arguments, show)):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
