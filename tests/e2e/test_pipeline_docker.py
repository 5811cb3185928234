"""The Pokemon pipeline against the running Docker stack: HTTP in, MongoDB documents out.

trainer_create → catch → train → stage1 → stage2 gives a Charizard in the database,
then a battle; and the same evolution as a Prefect flow run, executed by the
flows container through the Prefect server container.
"""

import time
import uuid
from typing import Any

import httpx
import pytest
from bson import ObjectId
from docker_stack import RunningStack
from pymongo import MongoClient

pytestmark = pytest.mark.docker


def run(api: httpx.Client, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/operations/" + operation.replace(".", "/"), json=body)
    assert response.status_code == 200, f"{operation}: {response.status_code} {response.text}"
    return response.json()


def database(docker_stack: RunningStack) -> MongoClient[dict[str, Any]]:
    return MongoClient(
        docker_stack.mongodb_url, directConnection=True, serverSelectionTimeoutMS=5000
    )


def test_charmander_becomes_charizard_and_battles(
    docker_stack: RunningStack, api: httpx.Client
) -> None:
    tag = uuid.uuid4().hex[:6]
    ash, gary = f"Ash-{tag}", f"Gary-{tag}"
    for trainer in (ash, gary):
        run(api, "pokemon.management.trainer_create", {"trainer_name": trainer, "region": "Kanto"})
    caught = run(
        api,
        "pokemon.management.catch",
        {"trainer_name": ash, "pokemon_name": "Charmander", "element": "Fire"},
    )
    run(
        api,
        "pokemon.management.catch",
        {"trainer_name": gary, "pokemon_name": "Squirtle", "element": "Water"},
    )
    trained = run(
        api, "pokemon.management.train", {"pokemon_name": "Charmander", "training_hours": 100}
    )
    assert trained["new_level"] > trained["previous_level"]
    first = run(api, "pokemon.evolution.stage1", {"pokemon_name": "Charmander"})
    second = run(api, "pokemon.evolution.stage2", {"pokemon_name": "Charmeleon"})
    assert (first["evolved_name"], second["evolved_name"]) == ("Charmeleon", "Charizard")
    assert second["pokemon_id"] == caught["pokemon_id"]

    client = database(docker_stack)
    try:
        db = client[docker_stack.database]
        stored = db["pokemons"].find_one({"_id": ObjectId(caught["pokemon_id"])})
        assert stored is not None
        assert stored["name"] == "Charizard" and stored["trainer"] == ash

        outcome = run(
            api,
            "pokemon.battles.trainer_execute",
            {"trainer1_name": ash, "trainer2_name": gary, "seed": 7},
        )
        assert {outcome["winning_trainer"], outcome["losing_trainer"]} == {ash, gary}
        fight = db["fight_results"].find_one({"_id": ObjectId(outcome["fight_id"])})
        assert fight is not None and len(fight["rounds"]) == outcome["rounds"]
        winner = db["trainers"].find_one({"name": outcome["winning_trainer"]})
        assert winner is not None and winner["wins"] == 1
    finally:
        client.close()
    listed = api.get("/pokemons", params={"name": "Charizard", "trainer": ash})
    assert listed.headers["X-Total-Count"] == "1"


def test_the_evolution_flow_runs_in_the_flows_container(
    docker_stack: RunningStack, api: httpx.Client
) -> None:
    if not docker_stack.has_flows:
        pytest.skip("the generated package has no flows module")
    tag = uuid.uuid4().hex[:6]
    trainer = f"Brock-{tag}"
    run(api, "pokemon.management.trainer_create", {"trainer_name": trainer, "region": "Kanto"})
    caught = run(
        api,
        "pokemon.management.catch",
        {"trainer_name": trainer, "pokemon_name": "Charmander", "element": "Fire"},
    )
    run(api, "pokemon.management.train", {"pokemon_name": "Charmander", "training_hours": 100})
    started = api.post("/flows/pokemon/evolution", json={"stage1": {"pokemon_name": "Charmander"}})
    assert started.status_code == 202, started.text
    run_id = started.json()["flow_run_id"]
    deadline = time.monotonic() + 180
    while True:
        state = api.get(f"/flows/runs/{run_id}")
        assert state.status_code == 200, state.text
        if state.json()["state"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            break
        assert time.monotonic() < deadline, f"flow run still {state.json()['state']}"
        time.sleep(1)
    body = state.json()
    assert body["state"] == "COMPLETED", body
    assert body["result"]["stage2"]["evolved_name"] == "Charizard"
    client = database(docker_stack)
    try:
        stored = client[docker_stack.database]["pokemons"].find_one(
            {"_id": ObjectId(caught["pokemon_id"])}
        )
    finally:
        client.close()
    assert stored is not None and stored["name"] == "Charizard"
