"""What BSON cannot store is a ValidationError located at the value, not a driver's crash."""

from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from pulpo.data import to_bson_value, to_document

pytestmark = pytest.mark.unit


class Round(BaseModel):
    damage: int = 0


class Fight(BaseModel):
    seed: int = 0
    rounds: list[Round] = []
    prices: dict[str, Decimal] = {}


@pytest.mark.parametrize(
    ("fight", "kind", "loc"),
    [
        (Fight(seed=2**63), "less_than_equal", ("seed",)),
        (Fight(seed=-(2**63) - 1), "greater_than_equal", ("seed",)),
        (Fight(rounds=[Round(), Round(damage=2**64)]), "less_than_equal", ("rounds", 1, "damage")),
        (Fight(prices={"gold": Decimal("1e9999")}), "decimal128", ("prices", "gold")),
    ],
)
def test_unstorable_values_are_validation_errors_where_they_are(
    fight: Fight, kind: str, loc: tuple[object, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        to_document(fight)
    [error] = raised.value.errors()
    assert (error["type"], error["loc"]) == (kind, loc)


def test_the_64_bit_extremes_are_stored() -> None:
    document = to_document(Fight(seed=2**63 - 1, rounds=[Round(damage=-(2**63))]))
    assert document["seed"] == 2**63 - 1 and document["rounds"] == [{"damage": -(2**63)}]


def test_filters_are_checked_too() -> None:
    assert to_bson_value({"level": {"$gte": 5}}) == {"level": {"$gte": 5}}
    with pytest.raises(ValidationError) as raised:
        to_bson_value({"experience": 2**63})
    assert raised.value.errors()[0]["loc"] == ("experience",)
