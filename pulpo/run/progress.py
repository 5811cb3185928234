"""Long steps reported as they happen: what is being done, for how long, and when it ended.

Bringing a stack up can take minutes (debootstrap, wheelhouses, image builds, waiting
for healthy services). The code doing the work says what it does through a
:class:`Reporter`; whoever shows it decides how. ``pulpo up`` draws a spinner with a
live clock (:mod:`pulpo.cli.progress`); the Docker test fixture and scripts print
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
