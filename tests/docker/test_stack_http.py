"""The whole HTTP contract, through the API container of the running stack."""

import uuid

import httpx
import pytest

pytestmark = pytest.mark.docker


def new_pokemon(api: httpx.Client, **fields: object) -> dict[str, object]:
    body = {"name": f"Pika-{uuid.uuid4().hex[:8]}", "element": "Electric", **fields}
    response = api.post("/pokemons", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_health_is_200_and_reaches_mongodb(api: httpx.Client) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


def test_create_returns_201_with_an_id(api: httpx.Client) -> None:
    created = new_pokemon(api, level=7)
    assert isinstance(created["_id"], str) and len(created["_id"]) == 24
    assert created["level"] == 7 and created["health"] == 40  # defaults filled in


def test_unknown_field_is_422_naming_it(api: httpx.Client) -> None:
    response = api.post("/pokemons", json={"name": "Eevee", "element": "Normal", "colour": "x"})
    assert response.status_code == 422
    assert "colour" in response.text


def test_invalid_value_is_422(api: httpx.Client) -> None:
    response = api.post("/pokemons", json={"name": "Eevee", "element": "plasma"})
    assert response.status_code == 422
    assert "element" in response.text


def test_list_pages_sorts_filters_and_counts(api: httpx.Client) -> None:
    name = f"Listy-{uuid.uuid4().hex[:8]}"
    for level in (3, 9, 6):
        new_pokemon(api, name=name, level=level)
    listed = api.get("/pokemons", params={"name": name, "sort": "-level", "limit": 2})
    assert listed.status_code == 200
    assert listed.headers["X-Total-Count"] == "3"
    assert [item["level"] for item in listed.json()] == [9, 6]
    rest = api.get("/pokemons", params={"name": name, "sort": "-level", "skip": 2})
    assert [item["level"] for item in rest.json()] == [3]
    filtered = api.get("/pokemons", params={"name": name, "level": 6})
    assert filtered.headers["X-Total-Count"] == "1"
    assert api.get("/pokemons", params={"limit": 0}).status_code == 422
    assert api.get("/pokemons", params={"sort": "nonsense"}).status_code == 422


def test_get_by_id_and_missing_ids(api: httpx.Client) -> None:
    created = new_pokemon(api)
    found = api.get(f"/pokemons/{created['_id']}")
    assert found.status_code == 200 and found.json() == created
    missing = api.get(f"/pokemons/{'0' * 24}")
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    assert api.get("/pokemons/not-an-object-id").status_code == 404


def test_patch_and_put_change_only_the_given_fields(api: httpx.Client) -> None:
    created = new_pokemon(api, level=5)
    patched = api.patch(f"/pokemons/{created['_id']}", json={"level": 12})
    assert patched.status_code == 200
    assert patched.json()["level"] == 12 and patched.json()["name"] == created["name"]
    put = api.put(f"/pokemons/{created['_id']}", json={"speed": 33})
    assert put.status_code == 200
    assert put.json()["speed"] == 33 and put.json()["level"] == 12
    assert api.patch(f"/pokemons/{'0' * 24}", json={"level": 2}).status_code == 404
    assert api.patch(f"/pokemons/{created['_id']}", json={"level": 1000}).status_code == 422


def test_delete_is_204_then_404(api: httpx.Client) -> None:
    created = new_pokemon(api)
    assert api.delete(f"/pokemons/{created['_id']}").status_code == 204
    assert api.get(f"/pokemons/{created['_id']}").status_code == 404
    assert api.delete(f"/pokemons/{created['_id']}").status_code == 404


def test_operations_answer_200_404_409_422(api: httpx.Client) -> None:
    trainer = f"Misty-{uuid.uuid4().hex[:8]}"
    create = "/operations/pokemon/management/trainer_create"
    first = api.post(create, json={"trainer_name": trainer, "region": "Kanto"})
    assert first.status_code == 200, first.text
    assert first.json()["trainer_name"] == trainer
    again = api.post(create, json={"trainer_name": trainer, "region": "Kanto"})
    assert again.status_code == 200 and again.json() == first.json()  # a retry is harmless
    elsewhere = api.post(create, json={"trainer_name": trainer, "region": "Johto"})
    assert elsewhere.status_code == 409 and "Kanto" in elsewhere.json()["detail"]
    unknown = api.post(
        "/operations/pokemon/management/train",
        json={"pokemon_name": f"nobody-{uuid.uuid4().hex}", "training_hours": 1},
    )
    assert unknown.status_code == 404 and "No Pokemon named" in unknown.json()["detail"]
    invalid = api.post(create, json={"trainer_name": trainer, "region": "atlantis"})
    assert invalid.status_code == 422
    assert api.post("/operations/pokemon/management/nothing", json={}).status_code == 404
