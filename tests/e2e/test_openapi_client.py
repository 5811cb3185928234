"""A client generated with openapi-python-client from the served schema, driving the pipeline.

The Pokemon example is served by uvicorn on a loopback port against the session's
database; ``openapi-python-client`` generates a Python client from its
``/openapi.json`` and the testing strategy document's pipeline runs through that
client alone. The client raises on any status the schema does not declare, so every
answer seen here is one the schema promised.

The only option the client is generated with is ``field_prefix: ""``: the document
id is ``_id`` on the wire, and openapi-python-client names a property with a leading
underscore ``field_<name>`` unless told to prefix nothing, which makes it ``id``.
"""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from served_app import served_app

pytestmark = pytest.mark.e2e

PACKAGE = "pokemon_client"
CLIENT_CONFIG = {"field_prefix": "", "post_hooks": [], "package_name_override": PACKAGE}


@pytest.fixture(scope="module")
def base_url(pokemon_project: Path, mongodb_url: str) -> Iterator[str]:
    database = f"client_{uuid4().hex[:10]}"
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    with served_app(pokemon_project, env) as base:
        yield base
    with MongoClient[dict[str, Any]](mongodb_url) as mongo:
        mongo.drop_database(database)


@pytest.fixture(scope="module")
def generated_client(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The client package, generated from the served schema and importable as ``pokemon_client``."""
    root = tmp_path_factory.mktemp("client")
    config = root / "config.json"
    config.write_text(json.dumps(CLIENT_CONFIG))
    command = [sys.executable, "-m", "openapi_python_client", "generate"]
    command += ["--url", f"{base_url}/openapi.json", "--meta", "none"]
    command += ["--output-path", str(root / PACKAGE), "--config", str(config)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Warning" not in output, output  # every endpoint and schema was understood
    sys.path.insert(0, str(root))
    yield root / PACKAGE
    sys.path.remove(str(root))
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


@pytest.fixture
def client(base_url: str, generated_client: Path) -> Iterator[Any]:
    package = importlib.import_module(PACKAGE)
    with package.Client(base_url=base_url, raise_on_unexpected_status=True) as client:
        yield client


def endpoint(name: str) -> ModuleType:
    """The client's module for one operation: ``endpoint("pokemon.create_pokemon")``."""
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def models() -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.models")


def test_the_client_has_one_function_per_operation_named_by_its_operation_id(
    base_url: str, generated_client: Path
) -> None:
    schema = httpx.get(f"{base_url}/openapi.json").json()
    operation_ids = {
        operation["operationId"] for item in schema["paths"].values() for operation in item.values()
    }
    modules = {path.stem for path in (generated_client / "api").rglob("*.py")}
    assert operation_ids <= modules, operation_ids - modules
    assert {"create_pokemon", "list_pokemons", "put_pokemon", "update_pokemon"} <= modules
    assert {"pokemon_management_catch", "pokemon_evolution_stage2"} <= modules


def test_the_documents_pipeline_through_the_generated_client(client: Any) -> None:
    m = models()
    ash, brock = f"Ash-{uuid4().hex[:6]}", f"Brock-{uuid4().hex[:6]}"
    create_pokemon = endpoint("pokemon.create_pokemon")
    pikachu = create_pokemon.sync(
        client=client,
        body=m.PokemonCreate(
            name="Pikachu",
            element=m.Element.ELECTRIC,
            health=35,
            attack=55,
            attacks=["Thunderbolt"],
        ),
    )
    assert isinstance(pikachu, m.PokemonRead)
    assert len(pikachu.id) == 24 and pikachu.element == m.Element.ELECTRIC
    assert (pikachu.level, pikachu.attacks, pikachu.trainer) == (5, ["Thunderbolt"], None)

    registered = endpoint("operations.pokemon_management_trainer_create").sync(
        client=client, body=m.TrainerCreateInput(trainer_name=ash, region=m.Region.KANTO)
    )
    assert isinstance(registered, m.TrainerCreated) and registered.trainer_name == ash
    catch = endpoint("operations.pokemon_management_catch")
    caught = catch.sync(
        client=client,
        body=m.CatchInput(trainer_name=ash, pokemon_name="Charmander", element=m.Element.FIRE),
    )
    assert isinstance(caught, m.CatchResult)
    assert caught.success and caught.in_team and caught.team_size == 1
    trained = endpoint("operations.pokemon_management_train").sync(
        client=client, body=m.TrainInput(pokemon_name="Charmander", training_hours=100)
    )
    assert isinstance(trained, m.TrainResult) and trained.new_level > 5
    stage1 = endpoint("operations.pokemon_evolution_stage1").sync(
        client=client, body=m.Stage1Input(pokemon_name="Charmander")
    )
    assert isinstance(stage1, m.Evolution) and stage1.evolved_name == "Charmeleon"
    stage2 = endpoint("operations.pokemon_evolution_stage2").sync(
        client=client, body=m.Stage2Input(pokemon_name=stage1.evolved_name)
    )
    assert isinstance(stage2, m.Evolution) and stage2.evolved_name == "Charizard"
    charizard = endpoint("pokemon.get_pokemon").sync(client=client, pokemon_id=caught.pokemon_id)
    assert isinstance(charizard, m.PokemonRead)
    assert (charizard.name, charizard.trainer) == ("Charizard", ash)
    assert charizard.level == trained.new_level

    brocks = catch.sync(
        client=client,
        body=m.CatchInput(
            trainer_name=brock, pokemon_name="Brock's Pokemon", element=m.Element.ELECTRIC
        ),
    )
    assert isinstance(brocks, m.CatchResult) and brocks.success
    outcome = endpoint("operations.pokemon_battles_trainer_execute").sync(
        client=client, body=m.TrainerExecuteInput(trainer1_name=ash, trainer2_name=brock)
    )
    assert isinstance(outcome, m.BattleOutcome)
    assert {outcome.winning_trainer, outcome.losing_trainer} == {ash, brock}

    page = endpoint("pokemon.list_pokemons").sync_detailed(client=client, trainer=ash, limit=1)
    assert page.status_code == 200 and page.headers["X-Total-Count"] == "1"
    assert [pokemon.id for pokemon in page.parsed] == [caught.pokemon_id]
    fights = endpoint("fight_result.list_fight_results").sync_detailed(client=client, trainer1=ash)
    assert fights.headers["X-Total-Count"] == "1"
    assert fights.parsed[0].winning_trainer == outcome.winning_trainer


def test_put_and_patch_through_the_client_change_only_the_given_fields(client: Any) -> None:
    m = models()
    squirtle = endpoint("pokemon.create_pokemon").sync(
        client=client,
        body=m.PokemonCreate(name="Squirtle", element=m.Element.WATER, health=44, attack=48),
    )
    put = endpoint("pokemon.put_pokemon").sync(
        client=client, pokemon_id=squirtle.id, body=m.PokemonUpdate(level=10, health=50)
    )
    assert isinstance(put, m.PokemonRead)
    assert (put.level, put.health, put.attack, put.name) == (10, 50, 48, "Squirtle")
    patched = endpoint("pokemon.update_pokemon").sync(
        client=client, pokemon_id=squirtle.id, body=m.PokemonUpdate(speed=41)
    )
    assert isinstance(patched, m.PokemonRead)
    assert (patched.speed, patched.level, patched.health) == (41, 10, 50)
    again = endpoint("pokemon.get_pokemon").sync(client=client, pokemon_id=squirtle.id)
    assert again == patched


def test_errors_come_back_as_the_declared_models(client: Any) -> None:
    m = models()
    missing = endpoint("pokemon.get_pokemon").sync_detailed(
        client=client, pokemon_id="0123456789abcdef01234567"
    )
    assert missing.status_code == 404 and isinstance(missing.parsed, m.ErrorResponse)
    assert "not found" in missing.parsed.detail
    eevee = endpoint("pokemon.create_pokemon").sync(
        client=client, body=m.PokemonCreate(name="Eevee", element=m.Element.NORMAL)
    )
    invalid = endpoint("pokemon.update_pokemon").sync_detailed(
        client=client, pokemon_id=eevee.id, body=m.PokemonUpdate(level=1000)
    )
    assert invalid.status_code == 422 and isinstance(invalid.parsed, m.HTTPValidationError)
    assert invalid.parsed.detail[0].loc == ["body", "level"]
    alone = f"Red-{uuid4().hex[:6]}"
    endpoint("operations.pokemon_management_catch").sync(
        client=client,
        body=m.CatchInput(trainer_name=alone, pokemon_name="Magikarp", element=m.Element.WATER),
    )
    itself = endpoint("operations.pokemon_battles_trainer_execute").sync_detailed(
        client=client, body=m.TrainerExecuteInput(trainer1_name=alone, trainer2_name=alone)
    )
    assert itself.status_code == 400 and isinstance(itself.parsed, m.ErrorResponse)
    fully_evolved = endpoint("operations.pokemon_evolution_stage1").sync_detailed(
        client=client, body=m.Stage1Input(pokemon_name="Magikarp")
    )
    assert fully_evolved.status_code == 409 and isinstance(fully_evolved.parsed, m.ErrorResponse)
