"""Identifiers as a type: names from a project never collide with what generated code binds."""

import keyword

import pytest

from pulpo.generate.identifiers import PYTHON_NAMES, Identifier, Namespace, sanitize

pytestmark = pytest.mark.unit


def test_an_identifier_is_a_valid_non_keyword_name() -> None:
    assert Identifier("pokemons") == "pokemons"
    for bad in ("class", "2fast", "with space", "", "a-b"):
        with pytest.raises(ValueError, match="not a usable Python identifier"):
            Identifier(bad)


def test_sanitize_makes_identifier_characters() -> None:
    assert sanitize("fight-results") == "fight_results"
    assert sanitize("2nd") == "_2nd"
    assert sanitize("") == "_"


def test_free_names_are_kept_and_taken_ones_get_an_underscore() -> None:
    names = Namespace({"router", "status", "APIRouter"})
    assert names.claim("pokemons") == "pokemons"
    assert names.claim("status") == "status_"
    assert names.claim("router") == "router_"
    assert names.claim("status_") == "status__"  # never the identifier another name got


def test_keywords_and_builtins_are_always_taken() -> None:
    names = Namespace()
    assert names.claim("class") == "class_"
    assert names.claim("list") == "list_"
    assert names.claim("type") == "type_"
    assert all(keyword.iskeyword(word) or word in PYTHON_NAMES for word in keyword.kwlist)


def test_the_same_text_gets_the_same_identifier() -> None:
    names = Namespace({"flows"})
    first = names.claim("flows")
    assert names.claim("flows") is first
    assert names.claim("flows_") == "flows__"


def test_a_scope_avoids_its_parents_names() -> None:
    module = Namespace({"fill", "store_result"})
    module.claim("stage1_task")
    body = module.child({"body"})
    assert body.claim("fill") == "fill_"
    assert body.claim("stage1_task") == "stage1_task_"
    assert body.claim("body") == "body_"
    assert body.claim("stage2") == "stage2"
    assert "stage2" not in module  # a local stays local
