"""The HTTP contract on a project whose names collide with everything (tests/projects/awkward).

Its model ``Router`` lives in the collection ``status``; its fields are named like
builtins (``type``, ``list``, ``format``), keywords-with-underscore (``class_``,
``from_``) and the generated code's own names (``filters``, ``sort``, ``limit``,
``query``, ``Record``, ``repository``); its operations repeat a model's name and one
is called ``flow``. Served like any project, it answers like the Pokemon example.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from served_app import served_app

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.e2e

AWKWARD = Path(__file__).resolve().parents[1] / "projects" / "awkward"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, mongodb_url: str) -> Iterator[httpx.Client]:
    project = tmp_path_factory.mktemp("awkward") / "awkward"
    shutil.copytree(AWKWARD, project, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    compile_project(validate(discover(project)))
    database = f"awkward_{uuid4().hex[:10]}"
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    try:
        with served_app(project, env) as base, httpx.Client(base_url=base, timeout=30) as client:
            yield client
    finally:
        with MongoClient(mongodb_url) as mongo:
            mongo.drop_database(database)


ROUTER = {
    "type": "edge",
    "list": 3,
    "format": "json",
    "class_": "core",
    "from_": 7,
    "filters": "none",
    "sort": 2,
    "limit": 4,
    "query": "q",
    "response": "r",
    "router": "r1",
    "status": "new",
}


def test_crud_on_a_model_called_router_in_a_collection_called_status(api: httpx.Client) -> None:
    created = api.post("/status", json=ROUTER)
    assert created.status_code == 201, created.text
    body = created.json()
    assert {key: body[key] for key in ROUTER} == ROUTER
    router_id = body["_id"]
    assert api.get(f"/status/{router_id}").json() == body
    api.post("/status", json={**ROUTER, "type": "core", "list": 9})
    listed = api.get("/status", params={"type": "edge", "sort": "-list"})
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    assert [item["_id"] for item in listed.json()] == [router_id]
    by_field_named_filters = api.get("/status", params={"filters": "none", "sort": "-list"})
    assert [item["list"] for item in by_field_named_filters.json()] == [9, 3]
    patched = api.patch(f"/status/{router_id}", json={"list": 4, "class_": "edge"})
    assert patched.status_code == 200 and (patched.json()["list"], patched.json()["class_"]) == (
        4,
        "edge",
    )
    put = api.put(f"/status/{router_id}", json={"status": "done"})
    assert put.status_code == 200 and put.json()["status"] == "done"
    assert api.post("/status", json={**ROUTER, "colour": "red"}).status_code == 422
    assert api.delete(f"/status/{router_id}").status_code == 204
    assert api.get(f"/status/{router_id}").status_code == 404


def test_fields_named_like_the_generated_codes_own_names(api: httpx.Client) -> None:
    order = {"name": "first", "Record": "kept", "repository": "r", "settings": "s", "changes": 2}
    created = api.post("/orders", json=order)
    assert created.status_code == 201, created.text
    assert {key: created.json()[key] for key in order} == order
    listed = api.get("/orders", params={"Record": "kept"})
    assert listed.headers["X-Total-Count"] == "1"
    field = api.post("/fields", json={"value": 3})
    assert field.status_code == 201 and field.json()["value"] == 3


def test_operations_that_repeat_a_models_name(api: httpx.Client) -> None:
    order = api.post("/operations/shop/order/order", json={"name": "second"})
    assert order.status_code == 200, order.text
    assert order.json()["type"] == "order"
    assert api.get("/orders", params={"name": "second"}).headers["X-Total-Count"] == "1"
    router = api.post("/operations/shop/router/router", json={"type": "mesh", "list": 2})
    assert router.status_code == 200 and router.json()["status"] == "new"
    flow = api.post("/operations/shop/router/flow", json={"type": "mesh"})
    assert flow.status_code == 200 and flow.json()["status"] == "done"
    assert api.post("/operations/shop/router/router", json={"list": 2}).status_code == 422


def test_server_managed_fields_named_like_generated_names_and_routes_left_out(
    api: httpx.Client,
) -> None:
    """Ledger: Record, status and changes are server-managed; it serves create, get and update."""
    created = api.post("/ledgers", json={"entry": "rent"})
    assert created.status_code == 201, created.text
    ledger = created.json()
    assert {key: ledger[key] for key in ("Record", "status", "changes", "tags", "note")} == {
        "Record": 0,
        "status": "new",
        "changes": [],
        "tags": [],
        "note": "none",  # a lambda's default: filled by the model, not the create schema
    }
    assert ledger["opened"] == "2024-01-01"  # the model's own factory, imported
    for body in ({"entry": "rent", "status": "done"}, {"entry": "rent", "Record": 1}):
        refused = api.post("/ledgers", json=body)
        assert refused.status_code == 422, body
    assert api.post("/ledgers", json={"entry": "r"}).status_code == 422  # min_length=2
    path = f"/ledgers/{ledger['_id']}"
    assert api.patch(path, json={"changes": ["x"]}).status_code == 422
    tagged = api.put(path, json={"tags": ["a"]})
    assert tagged.status_code == 200 and tagged.json() == {**ledger, "tags": ["a"]}
    listing = api.get("/ledgers")
    assert listing.status_code == 405 and listing.headers["Allow"] == "POST"
    deleting = api.delete(path)
    assert deleting.status_code == 405 and deleting.headers["Allow"] == "GET, HEAD, PATCH, PUT"
    assert api.get("/audits").status_code == 404  # no route at all
