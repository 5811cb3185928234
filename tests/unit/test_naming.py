"""pulpo.declare.naming: the names Pulpo derives from the user's classes and operations."""

import pytest

from pulpo.declare.naming import collection_name, is_name_part, pascal_case, pluralize, snake_case

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Pokemon", "pokemon"),
        ("FightResult", "fight_result"),
        ("HTTPLog", "http_log"),
        ("Stage2Result", "stage2_result"),
        ("already_snake", "already_snake"),
        ("A", "a"),
    ],
)
def test_snake_case(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("pokemon", "pokemons"),
        ("trainer", "trainers"),
        ("box", "boxes"),
        ("address", "addresses"),
        ("match", "matches"),
        ("wish", "wishes"),
        ("category", "categories"),
        ("day", "days"),
        ("key", "keys"),
    ],
)
def test_pluralize(word: str, expected: str) -> None:
    assert pluralize(word) == expected


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("Pokemon", "pokemons"),
        ("Trainer", "trainers"),
        ("FightResult", "fight_results"),
        ("Category", "categories"),
        ("Box", "boxes"),
        ("HTTPLog", "http_logs"),
        ("BattleDay", "battle_days"),
    ],
)
def test_collection_name_is_plural_snake_case(model: str, expected: str) -> None:
    assert collection_name(model) == expected


@pytest.mark.parametrize(
    "part", ["pokemon", "management", "trainer_create", "stage1", "_private", "x"]
)
def test_valid_name_parts(part: str) -> None:
    assert is_name_part(part)


@pytest.mark.parametrize(
    "part",
    ["", "Pokemon", "trainerCreate", "1stage", "trainer-create", "has space", "class", "import"],
)
def test_invalid_name_parts(part: str) -> None:
    assert not is_name_part(part)


@pytest.mark.parametrize(
    ("snake", "expected"),
    [("trainer_create", "TrainerCreate"), ("stage1", "Stage1"), ("a__b", "AB"), ("x", "X")],
)
def test_pascal_case(snake: str, expected: str) -> None:
    assert pascal_case(snake) == expected
