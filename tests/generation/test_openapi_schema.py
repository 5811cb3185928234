"""The generated app as a client generator reads it, and what importing it does (nothing).

The OpenAPI schema of the compiled Pokemon example: operationIds a client can use
as method names, every status the app answers declared with its error body,
``X-Total-Count`` declared, and read schemas that require what every response
holds. ``tests/e2e/test_openapi_client.py`` generates a client from the served
schema and drives the app through it.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.generation

ERROR = "#/components/schemas/ErrorResponse"
INVALID = "#/components/schemas/HTTPValidationError"


def run_in(project: Path, script: str, **env: str) -> Any:
    """Run ``script`` with the project's root as the working directory; its JSON output."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def schema(pokemon_project: Path) -> dict[str, Any]:
    script = "import json\nfrom generated.app import app\nprint(json.dumps(app.openapi()))\n"
    openapi: dict[str, Any] = run_in(pokemon_project, script)
    return openapi


def operations(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def error_body(response: dict[str, Any]) -> str:
    return str(response["content"]["application/json"]["schema"]["$ref"])


def test_operation_ids_are_the_snake_case_names_clients_call(schema: dict[str, Any]) -> None:
    ids = {key: operation["operationId"] for key, operation in operations(schema).items()}
    assert len(set(ids.values())) == len(ids), "operationIds must be unique"
    assert ids[("post", "/operations/pokemon/management/catch")] == "pokemon_management_catch"
    assert ids[("post", "/operations/pokemon/evolution/stage2")] == "pokemon_evolution_stage2"
    assert ids[("post", "/pokemons")] == "create_pokemon"
    assert ids[("get", "/pokemons")] == "list_pokemons"
    assert ids[("get", "/pokemons/{pokemon_id}")] == "get_pokemon"
    assert ids[("patch", "/pokemons/{pokemon_id}")] == "update_pokemon"
    assert ids[("put", "/pokemons/{pokemon_id}")] == "put_pokemon"
    assert ids[("delete", "/pokemons/{pokemon_id}")] == "delete_pokemon"
    assert ids[("get", "/fight_results")] == "list_fight_results"
    assert ids[("post", "/flows/pokemon/evolution")] == "start_pokemon_evolution"
    assert ids[("get", "/flows/runs/{flow_run_id}")] == "read_flow_run"
    assert ids[("get", "/health")] == "health"


def test_put_and_patch_are_two_documented_operations_on_one_body(schema: dict[str, Any]) -> None:
    item = schema["paths"]["/pokemons/{pokemon_id}"]
    put, patch = item["put"], item["patch"]
    assert put["operationId"] != patch["operationId"]
    assert put["description"] != patch["description"]
    assert "PATCH" in put["description"] and "keep their values" in put["description"]
    body = "#/components/schemas/PokemonUpdate"
    for operation in (put, patch):
        assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"] == body
    assert "required" not in schema["components"]["schemas"]["PokemonUpdate"]


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("get", "/health", {"200", "503"}),
        ("post", "/pokemons", {"201", "409", "413", "415", "422", "503"}),
        ("get", "/pokemons", {"200", "422", "503"}),
        ("get", "/pokemons/{pokemon_id}", {"200", "404", "422", "503"}),
        ("patch", "/pokemons/{pokemon_id}", {"200", "404", "409", "413", "415", "422", "503"}),
        ("put", "/pokemons/{pokemon_id}", {"200", "404", "409", "413", "415", "422", "503"}),
        ("delete", "/pokemons/{pokemon_id}", {"204", "404", "422", "503"}),
        (
            "post",
            "/operations/pokemon/battles/trainer_execute",
            {"200", "400", "404", "409", "413", "415", "422", "503"},
        ),
        ("post", "/flows/pokemon/evolution", {"202", "409", "413", "415", "422", "502", "503"}),
        ("get", "/flows/runs/{flow_run_id}", {"200", "404", "422", "502", "503"}),
    ],
)
def test_every_status_a_route_answers_is_declared_with_its_body(
    schema: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    responses = schema["paths"][path][method]["responses"]
    assert set(responses) == statuses
    for status, response in responses.items():
        if status == "422":
            assert error_body(response) == INVALID
        elif int(status) >= 400:
            assert error_body(response) == ERROR, status
            assert response["description"]


INT64 = (-(2**63), 2**63 - 1)


def test_request_schemas_state_the_limits_the_app_enforces(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    create = components["PokemonCreate"]["properties"]
    assert (create["experience"]["minimum"], create["experience"]["maximum"]) == (0, INT64[1])
    assert (create["level"]["minimum"], create["level"]["maximum"]) == (1, 100)  # the model's
    assert create["name"]["maxLength"] == 65_536  # PULPO_MAX_STRING_LENGTH's default
    assert create["attacks"]["maxItems"] == 10_000  # PULPO_MAX_ITEMS's default
    battle = components["TrainerExecuteInput"]["properties"]["seed"]
    assert (battle["minimum"], battle["maximum"]) == INT64
    listing = schema["paths"]["/pokemons"]["get"]["parameters"]
    skip = next(parameter["schema"] for parameter in listing if parameter["name"] == "skip")
    assert skip["maximum"] == INT64[1]
    experience = next(p["schema"] for p in listing if p["name"] == "experience")["anyOf"][0]
    assert (experience["type"], experience["minimum"], experience["maximum"]) == ("integer", *INT64)
    # Responses say what is stored, which other clients may have written: no limits there.
    assert "maxLength" not in components["Round"]["properties"]["attacker"]
    assert "maximum" not in components["PokemonRead"]["properties"]["experience"]
    # HEAD is served on every GET route without doubling the operations.
    assert all("head" not in item for item in schema["paths"].values())


def test_lists_declare_the_total_count_header(schema: dict[str, Any]) -> None:
    for path in ("/pokemons", "/trainers", "/fight_results"):
        ok = schema["paths"][path]["get"]["responses"]["200"]
        assert ok["headers"]["X-Total-Count"]["schema"] == {"type": "integer"}
        assert ok["content"]["application/json"]["schema"]["type"] == "array"


def test_read_schemas_require_every_field_a_response_holds(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name in ("PokemonRead", "TrainerRead", "FightResultRead", "FlowRun", "Health"):
        read = components[name]
        assert set(read["required"]) == set(read["properties"]), name
    for name in ("PokemonRead", "TrainerRead", "FightResultRead"):
        assert components[name]["properties"]["_id"]["type"] == "string"
    pokemon = components["PokemonRead"]["properties"]
    assert pokemon["level"] == {
        "type": "integer",
        "title": "Level",
        "description": "Level, from 1 to 100.",
        "default": 5,
    }
    # No default, or one computed on creation: a stored document may lack it, so null.
    assert {"type": "null"} in pokemon["element"]["anyOf"]
    created_at = components["FightResultRead"]["properties"]["created_at"]
    assert {"type": "null"} in created_at["anyOf"]
    # Requests still follow the model: a new Pokemon needs its name and element only.
    assert set(components["PokemonCreate"]["required"]) == {"name", "element"}


def test_server_managed_fields_are_read_but_never_written(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    managed = {"team", "box", "wins", "losses"}
    for name in ("TrainerCreate", "TrainerUpdate"):
        assert components[name]["additionalProperties"] is False, name  # sent anyway: 422
        assert set(components[name]["properties"]) == {"name", "region", "badges"}, name
    assert managed <= set(components["TrainerRead"]["properties"])
    assert managed <= set(components["TrainerRead"]["required"])
    assert "trainer" not in components["PokemonCreate"]["properties"]
    assert "trainer" not in components["PokemonUpdate"]["properties"]
    assert "trainer" in components["PokemonRead"]["properties"]
    # The create schema written field by field restates the model's defaults and bounds.
    level = components["PokemonCreate"]["properties"]["level"]
    assert (level["default"], level["minimum"], level["maximum"]) == (5, 1, 100)
    assert components["TrainerCreate"]["properties"]["name"]["minLength"] == 1
    assert components["TrainerCreate"]["required"] == ["name"]
    # Still filters of the list route: the server writes them, anyone may read by them.
    filters = {item["name"] for item in schema["paths"]["/trainers"]["get"]["parameters"]}
    assert {"wins", "losses"} <= filters


def test_only_the_routes_a_model_declares_are_in_the_schema(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert set(paths["/fight_results"]) == {"get"}  # no POST: the battle writes them
    assert set(paths["/fight_results/{fight_result_id}"]) == {"get"}
    components = schema["components"]["schemas"]
    assert "FightResultCreate" not in components and "FightResultUpdate" not in components
    ids = {operation["operationId"] for operation in operations(schema).values()}
    assert {"list_fight_results", "get_fight_result"} <= ids
    assert not ids & {"create_fight_result", "update_fight_result", "delete_fight_result"}
    assert set(paths["/trainers/{trainer_id}"]) == {"get", "patch", "put", "delete"}


def test_importing_the_app_and_the_flows_reads_no_settings_and_binds_no_database(
    pokemon_project: Path,
) -> None:
    script = """
        import asyncio, json
        import generated.app, generated.flows
        from pulpo.data import connection
        from pulpo.errors import UsageError
        from generated.settings import get_settings

        async def bound():
            try:
                connection.current_database()
            except UsageError as error:
                return str(error)
            return "bound"

        try:
            get_settings()
            settings = "read"
        except Exception as error:
            settings = type(error).__name__
        print(json.dumps({"database": asyncio.run(bound()), "settings": settings}))
    """
    # Settings that cannot be read: importing must not try.
    report = run_in(pokemon_project, script, MONGODB_TIMEOUT_MS="soon")
    assert report["database"].startswith("pulpo.data is not configured")
    assert report["settings"] == "ValidationError"
