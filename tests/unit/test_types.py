"""pulpo.validate.types: which annotations can be stored, validated and written back as code."""

import datetime
import decimal
import enum
import uuid
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from pydantic import BaseModel, Field

from pulpo.validate.types import (
    is_model,
    is_scalar,
    named_types,
    strip_annotated,
    strip_optional,
    unsupported_reason,
)

pytestmark = pytest.mark.unit


class Color(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    SMALL = 1


class Attack(BaseModel):
    name: str
    color: Color


class Move(BaseModel):
    attack: Attack
    tags: list[str] = []


class Tree(BaseModel):
    label: str
    children: list["Tree"] = []


class Holder(BaseModel):
    payload: Any


class Deep(BaseModel):
    inner: Holder


SUPPORTED: list[Any] = [
    str,
    int,
    float,
    bool,
    datetime.datetime,
    datetime.date,
    uuid.UUID,
    decimal.Decimal,
    Color,
    Size,
    Attack,
    Move,
    Tree,
    type(None),
    str | None,
    Optional[int],  # noqa: UP045 - the old spelling must work too
    Union[Attack, None],  # noqa: UP007
    list[int],
    list[Attack],
    list[list[str]],
    set[str],
    frozenset[int],
    tuple[str, ...],
    dict[str, int],
    dict[str, list[Attack]],
    dict[str, Attack] | None,
    Literal["a", "b"],
    Literal[1, 2, True],
    Annotated[int, Field(ge=0)],
    Annotated[list[Annotated[str, Field(min_length=1)]], "meta"],
    list[Color | None],
]


@pytest.mark.parametrize("annotation", SUPPORTED, ids=repr)
def test_supported(annotation: Any) -> None:
    assert unsupported_reason(annotation) is None


UNSUPPORTED: list[tuple[Any, str]] = [
    (complex, "type 'complex' cannot be stored in MongoDB"),
    (bytes, "type 'bytes' cannot be stored in MongoDB"),
    (object, "type 'object' cannot be stored in MongoDB"),
    (Any, "'Any' cannot be validated or documented; name the type"),
    (list, "bare 'list' needs an item type, e.g. list[str]"),
    (dict, "bare 'dict' needs an item type, e.g. dict[str, str]"),
    (tuple, "bare 'tuple' needs an item type, e.g. tuple[str, ...]"),
    (set, "bare 'set' needs an item type, e.g. set[str]"),
    (dict[int, str], "dict keys must be str (MongoDB document keys)"),
    (dict[str, complex], "type 'complex' cannot be stored in MongoDB"),
    (list[Any], "'Any' cannot be validated or documented; name the type"),
    (list[complex] | None, "type 'complex' cannot be stored in MongoDB"),
    (int | str, "unions other than 'T | None' are ambiguous to store"),
    (Union[int, str, None], "unions other than 'T | None' are ambiguous to store"),  # noqa: UP007
    (Attack | Move, "unions other than 'T | None' are ambiguous to store"),
    (tuple[int, str], "tuples must be 'tuple[T, ...]'"),
    (tuple[int], "tuples must be 'tuple[T, ...]'"),
    (Literal[1.5], "Literal values must be strings, integers or booleans"),
    (Holder, "Holder.payload: 'Any' cannot be validated or documented; name the type"),
    (Deep, "Deep.inner: Holder.payload: 'Any' cannot be validated or documented; name the type"),
    (
        list[Deep],
        "Deep.inner: Holder.payload: 'Any' cannot be validated or documented; name the type",
    ),
    (Annotated[complex, "meta"], "type 'complex' cannot be stored in MongoDB"),
]


@pytest.mark.parametrize(("annotation", "reason"), UNSUPPORTED, ids=lambda value: repr(value))
def test_unsupported(annotation: Any, reason: str) -> None:
    assert unsupported_reason(annotation) == reason


@pytest.mark.parametrize("container", [list, set, frozenset, tuple, dict], ids=repr)
def test_the_suggested_fix_for_a_bare_container_is_supported(container: type) -> None:
    reason = unsupported_reason(container)
    assert reason is not None
    suggestion = eval(reason.rpartition("e.g. ")[2])  # noqa: S307 - our own message, a type

    assert unsupported_reason(suggestion) is None


def test_unsupported_generic_is_named() -> None:
    reason = unsupported_reason(type[int])

    assert reason is not None
    assert "type[int]" in reason


def test_is_model() -> None:
    assert is_model(Attack)
    assert not is_model(Attack(name="Ember", color=Color.RED))
    assert not is_model(Color)
    assert not is_model(list[Attack])
    assert not is_model(int)


@pytest.mark.parametrize(
    "annotation",
    [str, int, datetime.date, Color, Size, Literal["x"], int | None, Annotated[str, "m"]],
    ids=repr,
)
def test_is_scalar(annotation: Any) -> None:
    assert is_scalar(annotation)


@pytest.mark.parametrize(
    "annotation", [Attack, list[int], dict[str, int], int | str, complex], ids=repr
)
def test_is_not_scalar(annotation: Any) -> None:
    assert not is_scalar(annotation)


def test_strip_helpers() -> None:
    assert strip_annotated(Annotated[Annotated[int, "a"], "b"]) is int
    assert strip_annotated(list[int]) == list[int]
    assert strip_optional(int | None) is int
    assert strip_optional(Optional[Attack]) is Attack  # noqa: UP045
    assert strip_optional(int | str) == int | str
    assert strip_optional(int) is int


def test_named_types_finds_nested_enums_and_models_once() -> None:
    class Team(BaseModel):
        moves: list[Move]
        favourite: Attack | None = None
        colors: dict[str, Color] = {}
        mode: Literal["a", "b"] = "a"

    assert named_types(Team) == [Team, Move, Attack, Color]
    assert named_types(list[Team | None]) == [Team, Move, Attack, Color]
    assert named_types(Tree) == [Tree]
    assert named_types(int) == []
    assert named_types(Literal["x"]) == []
