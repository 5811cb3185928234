"""The HTTP contract of a generated app, driven over real HTTP against a real database.

The Pokemon example is compiled once per session, served by uvicorn on a
loopback port, and talks to the session's MongoDB-wire server.
"""

import os
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from served_app import served_app

from pulpo.run.database import database_server
from pulpo.run.processes import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def database(mongodb_url: str) -> Iterator[str]:
    name = f"e2e_{uuid4().hex[:10]}"
    yield name
    with MongoClient(mongodb_url) as client:
        client.drop_database(name)


@pytest.fixture(scope="module")
def api(pokemon_project: Path, mongodb_url: str, database: str) -> Iterator[httpx.Client]:
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    with (
        served_app(pokemon_project, env) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def mongo(mongodb_url: str, database: str) -> Iterator[object]:
    with MongoClient(mongodb_url) as client:
        yield client[database]


def operation(api: httpx.Client, name: str, **body: object) -> httpx.Response:
    return api.post("/operations/" + name.replace(".", "/"), json=body)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:6]}"


def new_pokemon(api: httpx.Client, **fields: object) -> dict[str, object]:
    response = api.post("/pokemons", json={"name": "Eevee", "element": "Normal", **fields})
    assert response.status_code == 201, response.text
    return response.json()


# --- health and docs ------------------------------------------------------------------------


def test_health_is_ok_when_the_database_answers(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_docs_serve_their_assets_from_the_app_not_a_cdn(api: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = api.get(page)
        assert html.status_code == 200
        scripts = re.findall(r'src="([^"]+\.js)"', html.text)
        assert scripts, f"{page} loads no script"
        for script in scripts:
            assert script.startswith("/"), f"{page} loads {script} from elsewhere"
            asset = api.get(script)
            assert asset.status_code == 200 and len(asset.content) > 100_000, script


def test_operation_examples_are_in_the_openapi(api: httpx.Client) -> None:
    catch = api.get("/openapi.json").json()["paths"]["/operations/pokemon/management/catch"]
    examples = catch["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert next(iter(examples.values()))["value"] == {
        "trainer_name": "Ash",
        "pokemon_name": "Charmander",
        "element": "Fire",
    }


def test_openapi_documents_every_route(api: httpx.Client) -> None:
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/pokemons", "/pokemons/{pokemon_id}", "/trainers", "/fight_results"):
        assert path in paths
    for name in (
        "management/catch",
        "management/train",
        "evolution/stage1",
        "battles/trainer_execute",
    ):
        post = paths[f"/operations/pokemon/{name}"]["post"]
        assert "requestBody" in post and "200" in post["responses"]


# --- CRUD -----------------------------------------------------------------------------------


def test_create_returns_201_and_the_stored_document(api: httpx.Client, mongo: object) -> None:
    created = new_pokemon(api, name="Pikachu", element="Electric", level=12)
    assert isinstance(created["_id"], str) and len(created["_id"]) == 24
    assert created["level"] == 12 and created["experience"] == 0
    stored = mongo["pokemons"].find_one({"name": "Pikachu", "level": 12})  # type: ignore[index]
    assert stored is not None and str(stored["_id"]) == created["_id"]


def test_create_rejects_unknown_fields_and_wrong_types_naming_the_field(api: httpx.Client) -> None:
    unknown = api.post("/pokemons", json={"name": "X", "element": "Fire", "colour": "red"})
    assert unknown.status_code == 422
    assert any("colour" in error["loc"] for error in unknown.json()["detail"])
    wrong = api.post("/pokemons", json={"name": "X", "element": "Fire", "level": "high"})
    assert wrong.status_code == 422
    assert any("level" in error["loc"] for error in wrong.json()["detail"])
    missing = api.post("/pokemons", json={"element": "Fire"})
    assert missing.status_code == 422
    assert any("name" in error["loc"] for error in missing.json()["detail"])


def test_get_by_id_and_not_found(api: httpx.Client) -> None:
    created = new_pokemon(api)
    assert api.get(f"/pokemons/{created['_id']}").json() == created
    for missing in ("0123456789abcdef01234567", "not-an-object-id"):
        response = api.get(f"/pokemons/{missing}")
        assert response.status_code == 404
        assert "detail" in response.json()


def test_list_pages_filters_sorts_and_counts(api: httpx.Client) -> None:
    name = unique("Oddish")
    for level in (3, 9, 6, 1):
        new_pokemon(api, name=name, element="Grass", level=level)
    response = api.get("/pokemons", params={"name": name, "sort": "-level", "limit": 2})
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "4"
    assert [p["level"] for p in response.json()] == [9, 6]
    second_page = api.get(
        "/pokemons", params={"name": name, "sort": "level", "skip": 1, "limit": 2}
    ).json()
    assert [p["level"] for p in second_page] == [3, 6]
    by_element = api.get("/pokemons", params={"name": name, "element": "Water"})
    assert by_element.json() == [] and by_element.headers["X-Total-Count"] == "0"
    any_casing = api.get("/pokemons", params={"name": name, "element": "grass"})
    assert any_casing.headers["X-Total-Count"] == "4"


def test_names_are_stored_as_the_games_write_them_whatever_the_casing(
    api: httpx.Client, mongo: object
) -> None:
    created = new_pokemon(api, name=unique("Raichu"), element="ELECTRIC",
                          attacks=["thunderbolt", "Made-up Move"])  # fmt: skip
    assert created["element"] == "Electric"
    assert created["attacks"] == ["Thunderbolt", "Made-up Move"]
    stored = mongo["pokemons"].find_one({"name": created["name"]})  # type: ignore[index]
    assert (stored["element"], stored["attacks"]) == ("Electric", ["Thunderbolt", "Made-up Move"])


def test_documents_other_clients_stored_are_listed_and_read(
    api: httpx.Client, mongo: object
) -> None:
    """The documents' raw inserts: missing fields take defaults, a missing required one is null."""
    name = unique("Bulbasaur")
    raw = mongo["pokemons"].insert_one({"name": name, "level": 5, "experience": 0})  # type: ignore[index]
    odd = mongo["pokemons"].insert_one({"_id": unique("hand-made"), "name": name, "level": "high"})  # type: ignore[index]
    listed = api.get("/pokemons", params={"name": name, "sort": "level"})
    assert listed.status_code == 200, listed.text
    by_id = {item["_id"]: item for item in listed.json()}
    bulbasaur = by_id[str(raw.inserted_id)]
    assert (bulbasaur["level"], bulbasaur["element"], bulbasaur["health"]) == (5, None, 40)
    assert by_id[odd.inserted_id]["level"] == 5  # a value that does not fit reads as its default
    for document_id in by_id:
        single = api.get(f"/pokemons/{document_id}")
        assert single.status_code == 200 and single.json() == by_id[document_id]
    # The read schema says so: element may be null; the create schema still requires it.
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    read = next(schema for key, schema in schemas.items() if key.startswith("PokemonRead"))
    assert {"type": "null"} in read["properties"]["element"]["anyOf"]
    assert "element" in schemas["PokemonCreate"]["required"]
    # An operation cannot act on a document that does not fit: 409, saying why.
    trained = operation(api, "pokemon.management.train", pokemon_name=name, training_hours=1)
    assert trained.status_code == 409 and "does not match Pokemon" in trained.json()["detail"]
    # Writing keeps the model's rules: the stored document must become valid.
    fix = api.patch(f"/pokemons/{raw.inserted_id}", json={"level": 10})
    assert fix.status_code == 422 and "element" in fix.text
    fixed = api.patch(f"/pokemons/{raw.inserted_id}", json={"level": 10, "element": "Grass"})
    assert fixed.status_code == 200 and fixed.json()["element"] == "Grass"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 100000},
        {"skip": -1},
        {"sort": "colour"},
        {"level": "high"},
        {"colour": "red"},
    ],
)
def test_list_rejects_bad_parameters(api: httpx.Client, params: dict[str, object]) -> None:
    response = api.get("/pokemons", params=params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_patch_and_put_change_only_the_given_fields(api: httpx.Client) -> None:
    created = new_pokemon(api, level=10, speed=40)
    patched = api.patch(f"/pokemons/{created['_id']}", json={"level": 11})
    assert patched.status_code == 200
    assert patched.json() == {**created, "level": 11}
    put = api.put(f"/pokemons/{created['_id']}", json={"speed": 41})
    assert put.status_code == 200
    assert put.json() == {**created, "level": 11, "speed": 41}
    assert api.get(f"/pokemons/{created['_id']}").json() == put.json()


def test_update_is_validated_and_leaves_the_document_unchanged(api: httpx.Client) -> None:
    created = new_pokemon(api, level=10)
    for body in ({"level": 1000}, {"level": None}, {"colour": "red"}, {"element": "plasma"}):
        response = api.patch(f"/pokemons/{created['_id']}", json=body)
        assert response.status_code == 422, body
        assert response.json()["detail"]
    assert api.get(f"/pokemons/{created['_id']}").json() == created


def test_update_and_delete_of_missing_ids_are_404(api: httpx.Client) -> None:
    for missing in ("0123456789abcdef01234567", "nope"):
        assert api.patch(f"/pokemons/{missing}", json={"level": 2}).status_code == 404
        assert api.put(f"/pokemons/{missing}", json={"level": 2}).status_code == 404
        assert api.delete(f"/pokemons/{missing}").status_code == 404


def test_delete_returns_204_then_the_document_is_gone(api: httpx.Client) -> None:
    created = new_pokemon(api)
    response = api.delete(f"/pokemons/{created['_id']}")
    assert response.status_code == 204 and response.content == b""
    assert api.get(f"/pokemons/{created['_id']}").status_code == 404


def test_unique_index_makes_a_duplicate_a_409(api: httpx.Client) -> None:
    trainer = {"name": unique("Brock"), "region": "Kanto"}
    assert api.post("/trainers", json=trainer).status_code == 201
    duplicate = api.post("/trainers", json=trainer)
    assert duplicate.status_code == 409
    assert "name" in duplicate.json()["detail"]


def test_unknown_routes_and_methods_answer_json_errors(api: httpx.Client) -> None:
    for response in (api.get("/nowhere"), api.delete("/pokemons")):
        assert response.status_code in (404, 405)
        assert "detail" in response.json()


def test_a_method_a_path_does_not_serve_is_405_allowing_every_method_it_does(
    api: httpx.Client,
) -> None:
    pokemon_id = new_pokemon(api)["_id"]
    cases = {
        # Four routes on one path; HEAD is served wherever GET is.
        ("POST", f"/pokemons/{pokemon_id}"): "DELETE, GET, HEAD, PATCH, PUT",
        ("DELETE", "/pokemons"): "GET, HEAD, POST",
        ("GET", "/operations/pokemon/management/catch"): "POST",
        ("POST", "/fight_results"): "GET, HEAD",
    }
    for (method, path), allowed in cases.items():
        response = api.request(method, path, json={})
        assert response.status_code == 405, (method, path)
        assert response.headers["Allow"] == allowed, (method, path)
        assert response.json()["detail"] == "Method Not Allowed"
    assert api.delete("/nowhere").status_code == 404  # no route on the path at all


# --- server-managed fields and read-only models --------------------------------------------


def registered_trainer(api: httpx.Client, mongo: object) -> tuple[str, dict[str, object]]:
    """A trainer with one Pokemon caught, as GET /trainers/{id} answers it."""
    name = unique("Serena")
    caught = operation(api, "pokemon.management.catch", trainer_name=name,
                       pokemon_name="Fennekin", element="Fire")  # fmt: skip
    assert caught.status_code == 200, caught.text
    stored = mongo["trainers"].find_one({"name": name})  # type: ignore[index]
    trainer = api.get(f"/trainers/{stored['_id']}")
    assert trainer.status_code == 200 and trainer.json()["team"] == [caught.json()["pokemon_id"]]
    return str(stored["_id"]), trainer.json()


def rejected_fields(response: httpx.Response) -> set[str]:
    """The fields a 422 names as not permitted."""
    assert response.status_code == 422, response.text
    return {
        str(error["loc"][-1])
        for error in response.json()["detail"]
        if error["type"] == "extra_forbidden"
    }


def test_server_managed_fields_cannot_be_written_over_http(
    api: httpx.Client, mongo: object
) -> None:
    trainer_id, before = registered_trainer(api, mongo)
    made_up = [f"{index:024x}" for index in range(10)]  # ten ids: past the six-Pokemon rule
    path = f"/trainers/{trainer_id}"
    assert rejected_fields(api.patch(path, json={"team": made_up})) == {"team"}
    assert rejected_fields(api.patch(path, json={"wins": 5})) == {"wins"}
    assert rejected_fields(api.put(path, json={"losses": 0, "box": made_up})) == {"losses", "box"}
    # One forbidden field refuses the whole change: the allowed one is not applied either.
    assert rejected_fields(api.patch(path, json={"badges": 3, "wins": 9})) == {"wins"}
    assert api.get(path).json() == before
    # What the client owns stays writable; the server-managed fields keep their values.
    moved = api.patch(path, json={"region": "Johto", "badges": 2})
    assert moved.status_code == 200, moved.text
    assert moved.json() == {**before, "region": "Johto", "badges": 2}


def test_a_created_document_starts_with_the_server_managed_defaults(api: httpx.Client) -> None:
    name = unique("Calem")
    forged = api.post("/trainers", json={"name": name, "team": ["x"] * 10, "wins": 99})
    assert rejected_fields(forged) == {"team", "wins"}
    created = api.post("/trainers", json={"name": name, "region": "Kalos"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["team"], body["box"], body["wins"], body["losses"]) == ([], [], 0, 0)
    assert (body["region"], body["badges"]) == ("Kalos", 0)
    # A Pokemon's trainer is set by catch only: one created or updated over HTTP is wild.
    claimed = api.post("/pokemons", json={"name": "Eevee", "element": "Normal", "trainer": name})
    assert rejected_fields(claimed) == {"trainer"}
    wild = new_pokemon(api)
    assert wild["trainer"] is None
    assert rejected_fields(api.patch(f"/pokemons/{wild['_id']}", json={"trainer": name})) == {
        "trainer"
    }
    # The create schema still applies the model's rules: bounds, and its validators.
    assert (
        api.post("/pokemons", json={"name": "Eevee", "element": "Normal", "level": 0}).status_code
        == 422
    )
    moves = new_pokemon(api, attacks=["thunderbolt"])
    assert moves["attacks"] == ["Thunderbolt"]


def test_fight_results_are_read_only_and_battles_still_write_them(
    api: httpx.Client, mongo: object
) -> None:
    red, blue = unique("Red"), unique("Blue")
    for trainer, pokemon, element in ((red, "Pikachu", "Electric"), (blue, "Onix", "Rock")):
        caught = operation(api, "pokemon.management.catch", trainer_name=trainer,
                           pokemon_name=pokemon, element=element)  # fmt: skip
        assert caught.status_code == 200, caught.text
    battle = operation(api, "pokemon.battles.trainer_execute", trainer1_name=red,
                       trainer2_name=blue, seed=7)  # fmt: skip
    assert battle.status_code == 200, battle.text
    outcome = battle.json()
    listed = api.get("/fight_results", params={"trainer1": red})
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    (fight,) = listed.json()
    assert (fight["winning_trainer"], fight["losing_trainer"]) == (
        outcome["winning_trainer"],
        outcome["losing_trainer"],
    )
    assert fight["rounds"] and fight["seed"] == 7
    assert api.get(f"/fight_results/{fight['_id']}").json() == fight
    forged = {**fight, "winning_trainer": fight["losing_trainer"]}
    del forged["_id"]
    for method, path in (
        ("POST", "/fight_results"),
        ("PATCH", f"/fight_results/{fight['_id']}"),
        ("PUT", f"/fight_results/{fight['_id']}"),
        ("DELETE", f"/fight_results/{fight['_id']}"),
    ):
        response = api.request(method, path, json=forged)
        assert response.status_code == 405, (method, path)
        assert response.headers["Allow"] == "GET, HEAD"
    assert mongo["fight_results"].count_documents({"trainer1": red}) == 1  # type: ignore[index]
    assert api.get(f"/fight_results/{fight['_id']}").json() == fight
    winner = api.get("/trainers", params={"name": outcome["winning_trainer"]}).json()[0]
    loser = api.get("/trainers", params={"name": outcome["losing_trainer"]}).json()[0]
    assert (winner["wins"], winner["losses"], loser["wins"], loser["losses"]) == (1, 0, 0, 1)


# --- operations -----------------------------------------------------------------------------


def test_operation_input_is_validated_naming_missing_fields(api: httpx.Client) -> None:
    response = operation(api, "pokemon.management.catch", trainer_name="ash")
    assert response.status_code == 422
    missing = {error["loc"][-1] for error in response.json()["detail"]}
    assert missing == {"pokemon_name", "element"}


def test_unknown_operation_is_404(api: httpx.Client) -> None:
    response = operation(api, "pokemon.management.fly", pokemon_name="Pidgey")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_unknown_pokemon_and_trainers_are_404_with_detail(api: httpx.Client) -> None:
    train = operation(api, "pokemon.management.train", pokemon_name=unique("Missingno"),
                      training_hours=3)  # fmt: skip
    battle = operation(api, "pokemon.battles.trainer_execute", trainer1_name=unique("nobody"),
                       trainer2_name=unique("noone"))  # fmt: skip
    for response in (train, battle):
        assert response.status_code == 404
        assert response.json()["detail"]


def test_a_first_catch_registers_the_trainer(api: httpx.Client, mongo: object) -> None:
    ash = unique("Ash")
    caught = operation(api, "pokemon.management.catch", trainer_name=ash,
                       pokemon_name="Pikachu", element="Electric")  # fmt: skip
    assert caught.status_code == 200, caught.text
    assert caught.json()["success"] is True and "Pikachu" in caught.json()["message"]
    trainer = mongo["trainers"].find_one({"name": ash})  # type: ignore[index]
    assert trainer["region"] is None and trainer["team"] == [caught.json()["pokemon_id"]]
    registered = operation(api, "pokemon.management.trainer_create", trainer_name=ash,
                           region="Kanto")  # fmt: skip
    assert registered.status_code == 200 and registered.json()["region"] == "Kanto"


def test_trainer_create_again_is_200_in_the_same_region_and_409_in_another(
    api: httpx.Client,
) -> None:
    name = unique("Misty")
    first = operation(api, "pokemon.management.trainer_create", trainer_name=name, region="Kanto")
    assert first.status_code == 200 and first.json()["trainer_name"] == name
    again = operation(api, "pokemon.management.trainer_create", trainer_name=name, region="kanto")
    assert again.status_code == 200 and again.json() == first.json()
    elsewhere = operation(api, "pokemon.management.trainer_create", trainer_name=name,
                          region="Johto")  # fmt: skip
    assert elsewhere.status_code == 409 and "Kanto" in elsewhere.json()["detail"]


def test_the_pokemon_pipeline_leaves_a_charizard(api: httpx.Client, mongo: object) -> None:
    ash = unique("Ash")
    assert (
        operation(
            api, "pokemon.management.trainer_create", trainer_name=ash, region="Kanto"
        ).status_code
        == 200
    )
    caught = operation(
        api, "pokemon.management.catch", trainer_name=ash, pokemon_name="Charmander", element="Fire"
    )
    assert caught.status_code == 200, caught.text
    assert caught.json()["success"] is True and "Charmander" in caught.json()["message"]
    assert caught.json()["team_size"] == 1
    trained = operation(
        api, "pokemon.management.train", pokemon_name="Charmander", training_hours=100
    )
    assert trained.status_code == 200 and trained.json()["new_level"] > 5
    stage1 = operation(api, "pokemon.evolution.stage1", pokemon_name="Charmander")
    assert stage1.status_code == 200 and stage1.json()["evolved_name"] == "Charmeleon"
    stage2 = operation(api, "pokemon.evolution.stage2", pokemon_name=stage1.json()["evolved_name"])
    assert stage2.status_code == 200 and stage2.json()["evolved_name"] == "Charizard"
    charizard = mongo["pokemons"].find_one({"name": "Charizard", "trainer": ash})  # type: ignore[index]
    assert charizard is not None and str(charizard["_id"]) == caught.json()["pokemon_id"]
    wrong_stage = operation(api, "pokemon.evolution.stage1", pokemon_name="Charizard")
    assert wrong_stage.status_code == 409


def test_a_battle_is_deterministic_and_recorded(api: httpx.Client, mongo: object) -> None:
    red, blue = unique("Red"), unique("Blue")
    for trainer, pokemon, element in ((red, "Bulbasaur", "Grass"), (blue, "Squirtle", "Water")):
        operation(api, "pokemon.management.trainer_create", trainer_name=trainer, region="Kanto")
        operation(
            api,
            "pokemon.management.catch",
            trainer_name=trainer,
            pokemon_name=pokemon,
            element=element,
        )
    first = operation(
        api, "pokemon.battles.trainer_execute", trainer1_name=red, trainer2_name=blue, seed=42
    )
    again = operation(
        api, "pokemon.battles.trainer_execute", trainer1_name=red, trainer2_name=blue, seed=42
    )
    assert first.status_code == again.status_code == 200
    outcome = first.json()
    assert {outcome["winning_trainer"], outcome["losing_trainer"]} == {red, blue}
    assert again.json()["winning_trainer"] == outcome["winning_trainer"]
    winner = mongo["trainers"].find_one({"name": outcome["winning_trainer"]})  # type: ignore[index]
    loser = mongo["trainers"].find_one({"name": outcome["losing_trainer"]})  # type: ignore[index]
    assert (winner["wins"], winner["losses"], loser["wins"], loser["losses"]) == (2, 0, 0, 2)
    fights = api.get("/fight_results", params={"trainer1": red}).json()
    assert len(fights) == 2 and fights[0]["winning_trainer"] == outcome["winning_trainer"]


def test_a_team_never_exceeds_six_under_concurrent_catches(
    api: httpx.Client, mongo: object
) -> None:
    trainer = unique("Gary")
    operation(api, "pokemon.management.trainer_create", trainer_name=trainer, region="Kanto")

    def catch(index: int) -> httpx.Response:
        return operation(api, "pokemon.management.catch", trainer_name=trainer,
                         pokemon_name=f"Rattata{index}", element="Normal")  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(catch, range(8)))
    assert [response.status_code for response in responses] == [200] * 8
    in_team = sorted(r.json()["in_team"] for r in responses)
    assert in_team == [False] * 2 + [True] * 6
    stored = mongo["trainers"].find_one({"name": trainer})  # type: ignore[index]
    assert (len(stored["team"]), len(stored["box"])) == (6, 2)
    assert mongo["pokemons"].count_documents({"trainer": trainer}) == 8  # type: ignore[index]


def test_operations_act_on_the_most_recent_pokemon_of_a_name(api: httpx.Client) -> None:
    name = unique("Ditto")
    older = new_pokemon(api, name=name, level=5)
    newer = new_pokemon(api, name=name, level=5)
    trained = operation(api, "pokemon.management.train", pokemon_name=name, training_hours=10)
    assert trained.status_code == 200
    assert trained.json()["pokemon_id"] == newer["_id"]
    assert api.get(f"/pokemons/{older['_id']}").json()["experience"] == 0


# --- an unreachable database ------------------------------------------------------------------


def test_database_outage_gives_503_then_the_api_recovers(
    pokemon_project: Path, tmp_path: Path
) -> None:
    port, data = free_port(), tmp_path / "db"
    # A server of our own (never an external MONGODB_URL): this test stops it.
    own_server = {key: value for key, value in os.environ.items() if key != "MONGODB_URL"}
    with ExitStack() as database:
        server = database.enter_context(database_server(data, port=port, env=own_server))
        env = {
            "MONGODB_URL": server.url,
            "MONGODB_DATABASE": "outage",
            "MONGODB_TIMEOUT_MS": "1000",
        }
        with (
            served_app(pokemon_project, env) as base,
            httpx.Client(base_url=base, timeout=30) as api,
        ):
            assert api.get("/health").status_code == 200
            created = new_pokemon(api, name="Snorlax")

            database.close()  # stop MongoDB under the running API
            started = time.monotonic()
            down = api.get("/health")
            assert down.status_code == 503 and down.json()["detail"]
            assert time.monotonic() - started < 5, "a down database must not make /health hang"
            listing = api.get("/pokemons")
            assert listing.status_code == 503 and listing.json()["detail"]

            with database_server(data, port=port, env=own_server):
                deadline = time.monotonic() + 20
                while api.get("/health").status_code != 200:
                    assert time.monotonic() < deadline, "the API did not recover"
                    time.sleep(0.2)
                assert api.get(f"/pokemons/{created['_id']}").json()["name"] == "Snorlax"
