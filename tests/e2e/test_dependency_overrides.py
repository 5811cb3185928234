"""``app.dependency_overrides`` in a user's own tests, against the session's real database.

The generated app is imported in this process, as a user's test would import it,
and driven with FastAPI's TestClient (which runs the lifespan). Overriding
``get_settings`` points the whole app at another database, its lifespan included;
overriding a model's repository dependency puts another repository in its routes.
The environment names a server that does not exist, so only an override can reach
the real one.
"""

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from bson import ObjectId
from fastapi.testclient import TestClient
from pymongo import MongoClient

from pulpo.data import Repository

pytestmark = pytest.mark.e2e

NOWHERE = "mongodb://127.0.0.1:9/"  # the discard port: nothing answers MongoDB there


@pytest.fixture
def generated(pokemon_project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The example's generated modules, freshly imported; the environment points nowhere."""
    monkeypatch.setenv("MONGODB_URL", NOWHERE)
    monkeypatch.setenv("MONGODB_DATABASE", "not_this_one")
    monkeypatch.setenv("MONGODB_TIMEOUT_MS", "300")
    monkeypatch.syspath_prepend(str(pokemon_project))

    def forget() -> None:
        for name in [name for name in sys.modules if name.split(".")[0] == "generated"]:
            del sys.modules[name]

    forget()
    modules = SimpleNamespace(
        app=importlib.import_module("generated.app"),
        dependencies=importlib.import_module("generated.dependencies"),
        settings=importlib.import_module("generated.settings"),
        models=importlib.import_module("pokemon.models"),
    )
    yield modules
    modules.settings.get_settings.cache_clear()
    forget()


@pytest.fixture
def mongo(mongodb_url: str, database_name: str) -> Iterator[Any]:
    with MongoClient[dict[str, Any]](mongodb_url) as client:
        yield client[database_name]


def test_without_an_override_the_app_uses_the_environment(generated: SimpleNamespace) -> None:
    """The baseline: the environment names a server nobody runs, so the data routes say 503."""
    with TestClient(generated.app.create_app()) as client:
        assert client.get("/health").status_code == 503
        response = client.get("/pokemons")
        assert response.status_code == 503 and response.json()["detail"]


def test_overriding_settings_points_the_app_and_its_lifespan_at_another_database(
    generated: SimpleNamespace, mongodb_url: str, database_name: str, mongo: Any
) -> None:
    app = generated.app.create_app()
    settings = generated.settings.Settings(mongodb_url=mongodb_url, mongodb_database=database_name)
    app.dependency_overrides[generated.settings.get_settings] = lambda: settings
    with TestClient(app) as client:
        created = client.post("/pokemons", json={"name": "Vulpix", "element": "Fire"})
        assert created.status_code == 201, created.text
        listed = client.get("/pokemons", params={"name": "Vulpix"})
        assert listed.json() == [created.json()] and listed.headers["X-Total-Count"] == "1"
        # The flows routes read the same dependency: no Prefect in these settings.
        flow = client.post("/flows/pokemon/evolution", json={"stage1": {"pokemon_name": "Vulpix"}})
        assert flow.status_code == 503 and flow.json() == {"detail": "Prefect is not configured"}
    stored = mongo["pokemons"].find_one({"_id": ObjectId(created.json()["_id"])})
    assert stored is not None and stored["name"] == "Vulpix"
    # The lifespan connected with the overridden settings: it created the indexes there.
    assert "name_1" in mongo["pokemons"].index_information()


def test_create_app_with_settings_overrides_get_settings(
    generated: SimpleNamespace, mongodb_url: str, database_name: str, mongo: Any
) -> None:
    settings = generated.settings.Settings(mongodb_url=mongodb_url, mongodb_database=database_name)
    app = generated.app.create_app(settings)
    assert app.dependency_overrides[generated.settings.get_settings]() is settings
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok", "database": "reachable"}
        trainer = client.post("/trainers", json={"name": "Erika", "region": "Kanto"})
        assert trainer.status_code == 201, trainer.text
    assert mongo["trainers"].count_documents({"name": "Erika"}) == 1


def test_overriding_a_repository_puts_another_one_in_the_models_routes(
    generated: SimpleNamespace, mongodb_url: str, database_name: str, mongo: Any
) -> None:
    pokemon = generated.models.Pokemon

    class ArchivedPokemons(Repository[Any]):
        """Pokemon kept in a collection of their own."""

        def __init__(self) -> None:
            super().__init__(pokemon)
            self.collection_name = "archived_pokemons"

    archive = ArchivedPokemons()
    settings = generated.settings.Settings(mongodb_url=mongodb_url, mongodb_database=database_name)
    app = generated.app.create_app(settings)
    app.dependency_overrides[generated.dependencies.pokemon_repository] = lambda: archive
    with TestClient(app) as client:
        created = client.post("/pokemons", json={"name": "Eevee", "element": "Normal"}).json()
        assert client.get(f"/pokemons/{created['_id']}").json() == created
        patched = client.patch(f"/pokemons/{created['_id']}", json={"level": 7})
        assert patched.status_code == 200 and patched.json()["level"] == 7
        assert client.get("/pokemons").headers["X-Total-Count"] == "1"
        # Other models keep their own repository.
        assert client.post("/trainers", json={"name": "Gary"}).status_code == 201
    assert mongo["archived_pokemons"].find_one({"name": "Eevee"})["level"] == 7
    assert mongo["pokemons"].count_documents({}) == 0
    assert mongo["trainers"].count_documents({"name": "Gary"}) == 1
