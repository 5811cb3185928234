"""pulpo.declare: ``@datamodel`` and ``@operation`` record what was declared, and nothing else."""

import pytest
from pydantic import BaseModel

from pulpo import Index, datamodel, operation
from pulpo.declare import ROUTES, ModelSpec, OperationSpec, model_spec, operation_spec

pytestmark = pytest.mark.unit


class Done(BaseModel):
    ok: bool


# --- @datamodel ------------------------------------------------------------------


def test_bare_datamodel_uses_defaults_and_returns_the_class() -> None:
    class FightResult(BaseModel):
        """The record of a battle.

        Second paragraph.
        """

        winner: str

    marked = datamodel(FightResult)

    assert marked is FightResult
    spec = model_spec(FightResult)
    assert isinstance(spec, ModelSpec)
    assert spec.cls is FightResult
    assert spec.name == "FightResult"
    assert spec.collection == "fight_results"
    assert spec.description == "The record of a battle.\n\nSecond paragraph."
    assert spec.indexes == ()


def test_bare_datamodel_as_decorator() -> None:
    @datamodel
    class Category(BaseModel):
        label: str

    spec = model_spec(Category)
    assert spec is not None
    assert spec.collection == "categories"
    assert spec.description == ""
    # The class is still an ordinary pydantic model.
    assert Category(label="x").model_dump() == {"label": "x"}


def test_datamodel_with_options() -> None:
    @datamodel(
        collection="boxes_v2",
        description="Storage boxes.",
        indexes=[Index("owner", "-number"), Index("code", unique=True)],
    )
    class Box(BaseModel):
        """Ignored: the explicit description wins."""

        owner: str
        number: int
        code: str

    spec = model_spec(Box)
    assert spec is not None
    assert spec.collection == "boxes_v2"
    assert spec.description == "Storage boxes."
    assert spec.indexes == (Index("owner", "-number"), Index("code", unique=True))


def test_datamodel_description_defaults_to_the_docstring_when_only_other_options_are_given() -> (
    None
):
    @datamodel(indexes=(Index("name"),))
    class Trainer(BaseModel):
        """A Pokemon trainer."""

        name: str

    spec = model_spec(Trainer)
    assert spec is not None
    assert spec.collection == "trainers"
    assert spec.description == "A Pokemon trainer."
    assert isinstance(spec.indexes, tuple)


def test_datamodel_records_server_managed_fields_and_routes_as_written() -> None:
    @datamodel(server_managed=["team", "wins"], routes=["list", "get"])
    class Trainer(BaseModel):
        name: str
        team: list[str] = []
        wins: int = 0

    @datamodel(server_managed="wins", routes="get")
    class Rival(BaseModel):
        wins: int = 0

    @datamodel(routes=[])
    class Secret(BaseModel):
        code: str

    trainer, rival, secret = model_spec(Trainer), model_spec(Rival), model_spec(Secret)
    assert trainer is not None and rival is not None and secret is not None
    assert (trainer.server_managed, trainer.routes) == (("team", "wins"), ("list", "get"))
    assert (rival.server_managed, rival.routes) == (("wins",), ("get",))  # one name, not letters
    assert secret.routes == ()


def test_every_route_and_no_server_managed_field_by_default() -> None:
    @datamodel
    class Badge(BaseModel):
        label: str

    spec = model_spec(Badge)
    assert spec is not None
    assert spec.server_managed == ()
    assert spec.routes == ROUTES == ("create", "list", "get", "update", "delete")


def test_index_keys_and_field_names() -> None:
    compound = Index("trainer", "-level", "created_at")

    assert compound.fields == ("trainer", "-level", "created_at")
    assert compound.keys == [("trainer", 1), ("level", -1), ("created_at", 1)]
    assert compound.field_names == ["trainer", "level", "created_at"]
    assert compound.unique is False
    assert Index("name", unique=True).unique is True
    assert Index("-score").keys == [("score", -1)]


def test_model_spec_is_not_inherited_by_a_subclass() -> None:
    @datamodel
    class Pokemon(BaseModel):
        name: str

    class ShinyPokemon(Pokemon):
        sparkle: int

    assert model_spec(Pokemon) is not None
    assert model_spec(ShinyPokemon) is None
    # The attribute is still visible through inheritance; model_spec must ignore it.
    assert getattr(ShinyPokemon, "__pulpo_datamodel__", None) is model_spec(Pokemon)


def test_model_spec_of_things_that_are_not_datamodels() -> None:
    assert model_spec(Done) is None
    assert model_spec(Done(ok=True)) is None
    assert model_spec(42) is None
    assert model_spec("Pokemon") is None


def test_datamodel_records_a_plain_class_without_rejecting_it() -> None:
    class NotAModel:
        """A plain class, not a pydantic model."""

    assert datamodel(NotAModel) is NotAModel
    spec = model_spec(NotAModel)
    assert spec is not None
    assert spec.collection == "not_a_models"


# --- @operation ------------------------------------------------------------------


def test_operation_records_its_options_and_returns_the_same_function() -> None:
    async def stage2(pokemon_name: str) -> Done:
        """Evolve a first-stage Pokemon.

        More details.
        """
        return Done(ok=True)

    decorated = operation(
        "pokemon.evolution.stage2",
        after="stage1",
        retries=3,
        retry_delay_seconds=1.5,
        timeout=30.0,
        inputs={"pokemon_name": "stage1.evolved_name"},
    )(stage2)

    assert decorated is stage2
    spec = operation_spec(stage2)
    assert isinstance(spec, OperationSpec)
    assert spec.function is stage2
    assert spec.name == "pokemon.evolution.stage2"
    assert spec.after == ("stage1",)
    assert spec.retries == 3
    assert spec.retry_delay_seconds == 1.5
    assert spec.timeout == 30.0
    assert dict(spec.inputs) == {"pokemon_name": "stage1.evolved_name"}
    assert spec.description == "Evolve a first-stage Pokemon.\n\nMore details."
    assert spec.parts == ["pokemon", "evolution", "stage2"]
    assert spec.parent == "pokemon.evolution"
    assert spec.short_name == "stage2"


def test_operation_defaults() -> None:
    @operation("pokemon.management.catch")
    async def catch() -> Done:
        return Done(ok=True)

    spec = operation_spec(catch)
    assert spec is not None
    assert spec.after == ()
    assert spec.retries == 0
    assert spec.retry_delay_seconds == 0.0
    assert spec.timeout is None
    assert dict(spec.inputs) == {}
    assert spec.description == ""


def test_operation_after_list_and_explicit_description() -> None:
    @operation(
        "shop.checkout.pay",
        after=["validate", "shop.checkout.reserve"],
        description="Take the money.",
    )
    async def pay() -> Done:
        """Not used: the explicit description wins."""
        return Done(ok=True)

    spec = operation_spec(pay)
    assert spec is not None
    assert spec.after == ("validate", "shop.checkout.reserve")
    assert spec.description == "Take the money."


def test_operation_inputs_are_copied() -> None:
    inputs = {"total": "count.total"}

    @operation("flow.report", after="count", inputs=inputs)
    async def report(total: int) -> Done:
        return Done(ok=True)

    inputs["total"] = "changed.afterwards"
    spec = operation_spec(report)
    assert spec is not None
    assert dict(spec.inputs) == {"total": "count.total"}


def test_operation_records_a_sync_function_without_rejecting_it() -> None:
    def sync() -> Done:
        return Done(ok=True)

    assert operation("shop.sync")(sync) is sync
    spec = operation_spec(sync)
    assert spec is not None
    assert spec.name == "shop.sync"


def test_operation_spec_of_undecorated_things() -> None:
    async def plain() -> Done:
        return Done(ok=True)

    assert operation_spec(plain) is None
    assert operation_spec(Done) is None
    assert operation_spec("shop.pay") is None
