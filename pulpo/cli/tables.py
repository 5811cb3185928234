"""Tables that stay readable at any width: a Rich table when it fits, records when not.

The rule: a table is drawn as a Rich table only when it fits the console *without
wrapping a single cell*, that is when its natural width (the width at which Rich
wraps nothing) is at most the console's width. Otherwise each row is printed as
a record, because a squeezed table cuts names and descriptions into fragments
nobody can read or copy::

    pokemon.management.catch
      inputs:      trainer_name: str, pokemon_name: str, element: Element
      output:      CatchResult
      description: Catch a new Pokemon and add it to a trainer's team.

The first column is the record's heading; every other column follows as one
``label: value`` line, labels padded so the values line up. Empty values are left
out; a blank line separates records; a value with several lines continues under
its first line. Record lines are never wrapped by Rich: a value longer than the
console runs past its edge (a terminal folds it, a pipe keeps it on one line),
so it stays whole for grep and for copying.

When stdout is not a terminal, Rich assumes 80 columns unless ``COLUMNS`` says
otherwise, so a pipe gets records for any table wider than 80 columns.
"""

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

# Wide enough that Rich measures a table's natural width instead of the console's.
_UNLIMITED = 1_000_000


def print_table(console: Console, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Print ``rows`` under ``headers`` on ``console``: a table if it fits, else records.

    Cells are plain text: square brackets in them are printed, not read as markup.
    """
    rows = [list(row) for row in rows]
    table = Table(*headers)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    if fits(console, table):
        console.print(table)
    else:
        print_records(console, headers, rows)


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` can be drawn on ``console`` without wrapping any cell."""
    natural = console.measure(table, options=console.options.update_width(_UNLIMITED))
    return natural.maximum <= console.width


def print_records(console: Console, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """One block per row: the first cell as a heading, then ``  label: value`` lines."""
    heading, *labels = headers
    width = max((len(label) for label in labels), default=0) + 1  # the colon
    for number, (first, *values) in enumerate(rows):
        if number:
            console.print(soft_wrap=True)
        console.print(Text(first or f"({heading} not set)", style="bold"), soft_wrap=True)
        for label, value in zip(labels, values, strict=True):
            if not value:
                continue
            lead, *more = value.splitlines() or [""]
            lines = [f"  {label + ':':<{width}} {lead}"]
            lines += [f"  {'':<{width}} {line}" for line in more]
            for line in lines:
                console.print(Text(line), soft_wrap=True)
