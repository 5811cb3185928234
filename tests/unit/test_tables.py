"""pulpo.cli.tables: a Rich table when it fits the console, whole records when it does not."""

from io import StringIO

import pytest
from rich.console import Console

from pulpo.cli.tables import print_table

pytestmark = pytest.mark.unit

HEADERS = ["operation", "inputs", "after", "description"]
ROWS = [
    ["shop.orders.place", "item: str, count: int", "", "Place an order [urgent] for an item."],
    ["shop.orders.ship", "order_id: str", "place", "Ship an order.\nThen tell the customer."],
]
# The first row as the table draws it when nothing is wrapped: the table's natural width.
PLACE = (
    "│ shop.orders.place │ item: str, count: int │       │ Place an order [urgent] for an item. │"
)
NATURAL = len(PLACE)


def printed(width: int, headers: list[str] = HEADERS, rows: list[list[str]] = ROWS) -> str:
    console = Console(file=StringIO(), width=width, highlight=False)
    print_table(console, headers, rows)
    output = console.file.getvalue()
    assert isinstance(output, str)
    return output


def test_a_table_that_fits_is_drawn_with_every_cell_on_one_line() -> None:
    output = printed(NATURAL)

    lines = output.splitlines()
    assert max(len(line) for line in lines) == NATURAL
    assert PLACE in lines
    assert len(lines) == 3 + 3 + 1  # header with rules, three row lines (one cell has two), bottom


def test_one_column_less_gives_records() -> None:
    output = printed(NATURAL - 1)

    assert output == (
        "shop.orders.place\n"
        "  inputs:      item: str, count: int\n"
        "  description: Place an order [urgent] for an item.\n"
        "\n"
        "shop.orders.ship\n"
        "  inputs:      order_id: str\n"
        "  after:       place\n"
        "  description: Ship an order.\n"
        "               Then tell the customer.\n"
    )


def test_a_value_longer_than_the_console_runs_on_whole() -> None:
    description = "A description far longer than twenty columns, never cut into fragments."

    output = printed(20, ["name", "description"], [["a.b", description]])

    assert output == f"a.b\n  description: {description}\n"


def test_no_rows_is_just_the_headers() -> None:
    output = printed(80, ["flow", "kind"], [])

    assert "┃ flow ┃ kind ┃" in output
