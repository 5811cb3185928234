"""pulpo.discover.hierarchy: dotted names form a tree, ``after=`` splits siblings into stages."""

from collections.abc import Sequence

import pytest
from pydantic import BaseModel

from pulpo import operation
from pulpo.declare import OperationSpec, operation_spec
from pulpo.discover.hierarchy import DependencyCycle, Node, build_tree, resolve_after, stages

pytestmark = pytest.mark.unit


class Done(BaseModel):
    ok: bool


def spec(name: str, after: str | Sequence[str] = ()) -> OperationSpec:
    """The spec of a fresh async operation called ``name``."""

    async def function() -> Done:
        return Done(ok=True)

    operation(name, after=after)(function)
    found = operation_spec(function)
    assert found is not None
    return found


def group_of(*specs: OperationSpec) -> Node:
    """The one group that holds every given spec as a direct child."""
    (root,) = build_tree(specs)
    node = root
    while all(child.operation is None for child in node.children.values()):
        (node,) = node.children.values()
    return node


def stage_names(group: Node) -> list[list[str]]:
    return [[child.short_name for child in stage] for stage in stages(group)]


# --- build_tree ------------------------------------------------------------------


def test_build_tree_shape() -> None:
    add, remove, pay, reset = (
        spec("shop.cart.add"),
        spec("shop.cart.remove"),
        spec("shop.pay"),
        spec("admin.reset"),
    )

    roots = build_tree([add, remove, pay, reset])

    assert [root.name for root in roots] == ["shop", "admin"]
    shop, admin = roots
    assert shop.is_group and admin.is_group
    assert shop.operation is None
    assert list(shop.children) == ["cart", "pay"]
    cart = shop.children["cart"]
    assert cart.name == "shop.cart"
    assert cart.short_name == "cart"
    assert cart.is_group
    assert list(cart.children) == ["add", "remove"]
    assert cart.children["add"].name == "shop.cart.add"
    assert cart.children["add"].operation is add
    assert cart.children["remove"].operation is remove
    assert not cart.children["add"].is_group
    assert shop.children["pay"].operation is pay
    assert admin.children["reset"].operation is reset
    assert [group.name for group in shop.groups()] == ["shop", "shop.cart"]
    assert [group.name for group in admin.groups()] == ["admin"]
    assert cart.children["add"].groups() == []


def test_build_tree_of_nothing() -> None:
    assert build_tree([]) == []


def test_build_tree_keeps_declaration_order() -> None:
    roots = build_tree([spec("p.z"), spec("p.a"), spec("p.m")])

    assert list(roots[0].children) == ["z", "a", "m"]


# --- resolve_after ----------------------------------------------------------------


def test_resolve_after_short_and_full_names() -> None:
    pay = spec("shop.checkout.pay", after=["reserve", "shop.checkout.validate"])
    siblings = ["shop.checkout.reserve", "shop.checkout.validate", "shop.checkout.pay"]

    assert resolve_after(pay, siblings) == ["shop.checkout.reserve", "shop.checkout.validate"]


def test_resolve_after_unknown_names_are_none() -> None:
    pay = spec(
        "shop.checkout.pay",
        after=["missing", "shop.other.reserve", "reserve", "pay", "shop.checkout.pay"],
    )
    siblings = ["shop.checkout.reserve", "shop.checkout.pay"]

    # Unknown, a non-sibling full name, a sibling, and the operation itself (twice).
    assert resolve_after(pay, siblings) == [None, None, "shop.checkout.reserve", None, None]


def test_resolve_after_without_after() -> None:
    assert resolve_after(spec("a.b"), ["a.b", "a.c"]) == []


# --- stages ----------------------------------------------------------------------


def test_independent_siblings_share_one_stage() -> None:
    group = group_of(spec("p.g.a"), spec("p.g.b"), spec("p.g.c"))

    assert stage_names(group) == [["a", "b", "c"]]


def test_chain_gives_one_stage_per_link_whatever_the_declaration_order() -> None:
    group = group_of(spec("p.g.c", after="b"), spec("p.g.b", after="a"), spec("p.g.a"))

    assert stage_names(group) == [["a"], ["b"], ["c"]]


def test_diamond() -> None:
    group = group_of(
        spec("p.g.join", after=["left", "right"]),
        spec("p.g.left", after="start"),
        spec("p.g.right", after="p.g.start"),
        spec("p.g.start"),
    )

    assert stage_names(group) == [["start"], ["left", "right"], ["join"]]


def test_unrelated_operation_runs_in_the_first_stage_beside_a_chain() -> None:
    group = group_of(spec("p.g.b", after="a"), spec("p.g.a"), spec("p.g.lonely"))

    assert stage_names(group) == [["a", "lonely"], ["b"]]


def test_unknown_after_is_ignored_by_stages() -> None:
    group = group_of(spec("p.g.a", after="ghost"), spec("p.g.b", after="a"))

    assert stage_names(group) == [["a"], ["b"]]


def test_stages_of_a_group_of_groups() -> None:
    (root,) = build_tree([spec("p.one.x"), spec("p.two.y"), spec("p.z")])

    assert stage_names(root) == [["one", "two", "z"]]


def test_two_cycle_raises_with_its_members() -> None:
    group = group_of(spec("p.g.a", after="b"), spec("p.g.b", after="a"), spec("p.g.free"))

    with pytest.raises(DependencyCycle) as raised:
        stages(group)

    assert raised.value.members == ["p.g.a", "p.g.b", "p.g.a"]
    assert str(raised.value) == "p.g.a → p.g.b → p.g.a"


def test_three_cycle_after_a_valid_prefix() -> None:
    group = group_of(
        spec("p.g.start"),
        spec("p.g.x", after=["start", "z"]),
        spec("p.g.y", after="x"),
        spec("p.g.z", after="y"),
    )

    with pytest.raises(DependencyCycle) as raised:
        stages(group)

    assert raised.value.members == ["p.g.x", "p.g.z", "p.g.y", "p.g.x"]
