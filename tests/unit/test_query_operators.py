"""The pure helpers behind the list routes' filters and sorting.

:func:`pulpo.data.query.filter_document` and :func:`~pulpo.data.query.sort_order`
build MongoDB query parts; :mod:`pulpo.http.query` holds the grammars the generated
query models check parameters against (``in`` lists, the bounded regex, ``sort``).
"""

import re
import time
from enum import StrEnum

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pulpo.data.documents import to_bson_value
from pulpo.data.query import filter_document, sort_order
from pulpo.http.query import CommaSeparated, Regex, sort_grammar

pytestmark = pytest.mark.unit


class Element(StrEnum):
    FIRE = "Fire"
    WATER = "Water"


def test_bare_names_are_equalities_and_suffixes_operators() -> None:
    parameters = {
        "name": "Pikachu",
        "level__gte": 10,
        "level__lt": 50,
        "element__in": [Element.FIRE, Element.WATER],
        "element__nin": [Element.WATER],
        "nickname__exists": True,
        "name__regex": "^Char",
        "speed__ne": 3,
    }
    assert filter_document(parameters) == {
        "name": {"$eq": "Pikachu", "$regex": "^Char"},
        "level": {"$gte": 10, "$lt": 50},
        "element": {"$in": [Element.FIRE, Element.WATER], "$nin": [Element.WATER]},
        "nickname": {"$exists": True},
        "speed": {"$ne": 3},
    }


def test_only_equalities_stay_plain_values() -> None:
    assert filter_document({"name": "Pikachu", "level": 5}) == {"name": "Pikachu", "level": 5}
    assert filter_document({}) == {}


def test_values_are_never_read_as_operators() -> None:
    document = filter_document({"name": "$gt", "level__in": ["$where"], "x__$gt": 1})
    assert document == {"name": "$gt", "level": {"$in": ["$where"]}, "x__$gt": 1}


def test_unknown_suffixes_are_part_of_the_name() -> None:
    assert filter_document({"level__like": 1, "__in": 2}) == {"level__like": 1, "__in": 2}


def test_the_repository_converts_enum_values_for_mongodb() -> None:
    stored = to_bson_value(filter_document({"element__in": [Element.FIRE]}))
    assert stored == {"element": {"$in": ["Fire"]}}
    assert type(stored["element"]["$in"][0]) is str


@pytest.mark.parametrize(
    ("sort", "keys"),
    [
        (None, []),
        ("", []),
        ("level", [("level", 1)]),
        ("-level", [("level", -1)]),
        ("-level,name", [("level", -1), ("name", 1)]),
        ("a,-b,c", [("a", 1), ("b", -1), ("c", 1)]),
    ],
)
def test_sort_order(sort: str | None, keys: list[tuple[str, int]]) -> None:
    assert sort_order(sort) == keys


@pytest.mark.parametrize(
    ("value", "admitted"),
    [
        ("name", True),
        ("-level,name", True),
        ("nick,nickname", True),
        ("nickname,-nick", True),
        ("name,level,speed", False),
        ("name,level,nick,nickname", True),
        ("level,-level", False),
        ("nick,level,nick", False),
        ("-nickname,nickname", False),
        ("colour", False),
        ("", False),
        ("level,", False),
        ("--level", False),
        ("name,level,nick,nickname,-speed", False),
    ],
)
def test_sort_grammar(value: str, admitted: bool) -> None:
    grammar = re.compile(sort_grammar(["name", "level", "nick", "nickname"], most=5))
    assert bool(grammar.match(value)) is admitted


def test_sort_grammar_takes_at_most_the_given_number_of_keys() -> None:
    grammar = re.compile(sort_grammar(["a", "b", "c", "d", "e", "f"], most=5))
    assert grammar.match("a,b,c,d,e") and not grammar.match("a,b,c,d,e,f")


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")

    level__in: CommaSeparated[int] | None = Field(default=None)
    element__in: CommaSeparated[Element] | None = Field(default=None)
    name__regex: Regex | None = Field(default=None)


def test_lists_are_comma_separated_or_repeated_and_typed() -> None:
    assert Query(level__in="5,10").level__in == [5, 10]  # type: ignore[arg-type]
    assert Query(level__in=["5", "10,20"]).level__in == [5, 10, 20]  # type: ignore[list-item]
    assert Query(element__in="Fire").element__in == [Element.FIRE]  # type: ignore[arg-type]
    for bad in ("5,x", ",".join(["1"] * 101)):
        with pytest.raises(ValidationError) as error:
            Query(level__in=bad)  # type: ignore[arg-type]
        assert error.value.errors()[0]["loc"][0] == "level__in"


@pytest.mark.parametrize(
    "pattern",
    ["^Char", "^Char.*zard$", "^[Cc]har", r"^Mr\. Mime", r"^\d+", "^a.*b.*c.*", "^[^x]"],
)
def test_regex_admits_anchored_bounded_patterns(pattern: str) -> None:
    assert Query(name__regex=pattern).name__regex == pattern
    re.compile(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "Char",  # not anchored
        "^(a+)+$",  # groups: nested repetition
        "^a|b",  # alternatives
        "^a{2,}",  # counted repetition
        "^a*b*c*d*",  # more than three repetitions
        "^[z-a]",  # ranges
        "^*",  # nothing to repeat
        r"^\1",  # back-references
        "^a$b",  # '$' only at the end
        "^" + "a" * 100,  # too long
    ],
)
def test_regex_refuses_the_rest(pattern: str) -> None:
    with pytest.raises(ValidationError):
        Query(name__regex=pattern)


def test_checking_a_regex_takes_linear_time() -> None:
    # The grammar has one way to read each character: a hostile pattern is refused at once.
    started = time.perf_counter()
    for hostile in ("^" + "a" * 98 + "(", "^" + "[a" * 49, "^" + r"\a" * 49 + "("):
        with pytest.raises(ValidationError):
            Query(name__regex=hostile)
    assert time.perf_counter() - started < 5  # a hang bound, not a timing
