"""Long steps reported as they happen: what is being done, for how long, and when it ended.

Bringing a stack up can take minutes (debootstrap, wheelhouses, image builds, waiting
for healthy services). The code doing the work says what it does through a
:class:`Reporter`; whoever shows it decides how: ``pulpo up`` draws a spinner with a
live clock (:class:`RichReporter`), the Docker test fixture and the scripts print
plain lines (:class:`Lines`)::

    with report.step("api: building the image") as step:
        for line in build_output:
            step.update(line)        # the current detail: "Step 7/15 : RUN pip install ..."
    # prints "api: building the image: done in 41.2 s" (or "... failed after 3.0 s")

    report.say("compiled generated/: 3 file(s) changed")    # a one-off line

A step that ends with an exception says it failed and lets the exception through.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Column


class Step(Protocol):
    """A step in progress: ``update`` replaces what it is doing right now."""

    def update(self, detail: str) -> None: ...


class Reporter(Protocol):
    """Where long-running work says what it does."""

    def say(self, line: str) -> None:
        """One line that stands on its own."""

    def step(self, title: str) -> AbstractContextManager[Step]:
        """A step that takes a while: reported when it starts, while it runs, when it ends."""


def seconds(elapsed: float) -> str:
    """``4.2 s`` / ``2 min 05 s``: how long a step took, for people."""
    if elapsed < 60:
        return f"{elapsed:.1f} s"
    minutes, rest = divmod(int(elapsed), 60)
    return f"{minutes} min {rest:02d} s"


def ended(title: str, elapsed: float, failed: bool) -> str:
    """The line that closes a step, the same in every rendering."""
    return f"{title}: {'failed after' if failed else 'done in'} {seconds(elapsed)}"


# --- plain lines -------------------------------------------------------------------------------


class _LineStep:
    def __init__(self, title: str, write: Callable[[str], None], interval: float) -> None:
        self.title, self.write, self.interval = title, write, interval
        self.started = self.last_written = time.monotonic()
        self.detail = ""

    def update(self, detail: str) -> None:
        detail = detail.strip()
        now = time.monotonic()
        # A log (CI, pytest) has no live line: the detail, now and then, with the clock.
        if detail and detail != self.detail and now - self.last_written >= self.interval:
            self.write(f"  {self.title}: {detail} ({seconds(now - self.started)})")
            self.last_written = now
        self.detail = detail or self.detail


class Lines:
    """A reporter that writes plain lines, for logs and pytest's terminal.

    A step writes a line when it starts and one when it ends with the elapsed time;
    in between, its current detail at most every ``interval`` seconds.
    """

    def __init__(self, write: Callable[[str], None] = print, interval: float = 10.0) -> None:
        self.write = write
        self.interval = interval

    def say(self, line: str) -> None:
        self.write(line)

    @contextmanager
    def step(self, title: str) -> Iterator[Step]:
        self.write(f"{title} ...")
        step = _LineStep(title, self.write, self.interval)
        try:
            yield step
        except BaseException:
            self.write(ended(title, time.monotonic() - step.started, failed=True))
            raise
        self.write(ended(title, time.monotonic() - step.started, failed=False))


# --- a live line on a terminal -----------------------------------------------------------------


class _RichStep:
    def __init__(self, progress: Progress, task: TaskID, title: str) -> None:
        self.progress, self.task, self.title = progress, task, title

    def update(self, detail: str) -> None:
        detail = detail.strip()
        if detail:
            self.progress.update(self.task, description=f"{self.title}: {detail}")


class RichReporter:
    """Steps drawn live on ``console``: a spinner, the step's current detail, a clock.

    When a step ends its line is replaced by ``title: done in 41.2 s``. Where the
    console is not a terminal (a log, a pipe) there is nothing to redraw, so it
    writes plain :class:`Lines`.
    """

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
