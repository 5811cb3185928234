"""Long steps on the terminal: a Rich spinner with what is being done and a live clock.

:class:`RichReporter` renders the :class:`~pulpo.run.progress.Reporter` that
``pulpo up`` hands to :mod:`pulpo.run.stack`. While a step runs, one line shows
its title, its current detail (e.g. ``Step 7/15 : RUN pip install ...``) and the
elapsed time; when it ends, that line is replaced by ``title: done in 41.2 s``.
Where the console is not a terminal (a log, a pipe), there is nothing to redraw,
so it falls back to :class:`~pulpo.run.progress.Lines`.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column

from pulpo.run.progress import Lines, Step, ended


class _RichStep:
    def __init__(self, progress: Progress, task: TaskID, title: str) -> None:
        self.progress, self.task, self.title = progress, task, title

    def update(self, detail: str) -> None:
        detail = detail.strip()
        if detail:
            self.progress.update(self.task, description=f"{self.title}: {detail}")


class RichReporter:
    """Steps drawn live on ``console`` (plain lines when it is not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.lines = Lines(lambda line: console.print(line, markup=False, highlight=False))

    def say(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False)

    @contextmanager
    def step(self, title: str) -> Iterator[Step]:
        if not self.console.is_terminal:
            with self.lines.step(title) as step:
                yield step
            return
        progress = Progress(
            SpinnerColumn(),
            # Docker's output has brackets: no markup; one line, cut at the terminal's edge.
            TextColumn(
                "{task.description}", markup=False, table_column=Column(no_wrap=True, ratio=1)
            ),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            expand=True,  # the detail takes what is left of the line; the clock stays in view
        )
        started = time.monotonic()
        failed = False
        with progress:
            task = progress.add_task(title, total=None)
            try:
                yield _RichStep(progress, task, title)
            except BaseException:
                failed = True
                raise
            finally:
                progress.stop()
                self.say(ended(title, time.monotonic() - started, failed))
