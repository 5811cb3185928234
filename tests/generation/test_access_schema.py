"""Access control in the generated app's schema and settings, switched on by the environment.

The compiled Pokemon example's ``app.openapi()`` declares no security while access
control is off (the default: it would be untrue), and with it on, the schemes in use,
each protected operation's scope and its 401 (with ``WWW-Authenticate``) and 403,
``/health`` open. The generated ``Settings`` refuse security settings that would not
do what they say, in one line naming the variable. Served over HTTP:
``tests/e2e/test_access_control.py``.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.generation

ERROR = "#/components/schemas/ErrorResponse"
LOCKED = {
    "PULPO_AUTH": "api-key,jwt",
    "PULPO_API_KEYS": "reporting:read:" + hashlib.sha256(b"a key").hexdigest(),
    "PULPO_JWT_SECRET": "x" * 32,
}
SCHEMA = "import json\nfrom generated.app import app\nprint(json.dumps(app.openapi()))\n"


def run(project: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("PULPO_")}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**clean, **env},
    )


def schema(project: Path, **env: str) -> dict[str, Any]:
    result = run(project, SCHEMA, **env)
    assert result.returncode == 0, result.stderr
    openapi: dict[str, Any] = json.loads(result.stdout)
    return openapi


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
    ]


def test_no_security_is_declared_while_access_control_is_off(pokemon_project: Path) -> None:
    openapi = schema(pokemon_project)
    assert "securitySchemes" not in openapi["components"]
    for method, path, operation in operations(openapi):
        assert "security" not in operation and "401" not in operation["responses"], (method, path)


def test_the_schemes_scopes_401_and_403_are_declared_when_it_is_on(pokemon_project: Path) -> None:
    openapi = schema(pokemon_project, **LOCKED)
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["APIKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["APIKey"]["description"],
    }
    assert schemes["BearerJWT"]["type"] == "http" and schemes["BearerJWT"]["scheme"] == "bearer"
    assert schemes["BearerJWT"]["bearerFormat"] == "JWT"
    protected = [(m, p, o) for m, p, o in operations(openapi) if p != "/health"]
    assert len(protected) > 20
    for method, path, operation in protected:
        scope = "read" if method == "get" else "write"
        assert operation["security"] == [{"APIKey": [scope]}, {"BearerJWT": [scope]}], path
        responses = operation["responses"]
        assert responses["401"]["content"]["application/json"]["schema"]["$ref"] == ERROR
        assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
        assert responses["403"]["content"]["application/json"]["schema"]["$ref"] == ERROR
    assert openapi["paths"]["/health"]["get"]["security"] == []
    assert not {"401", "403"} & set(openapi["paths"]["/health"]["get"]["responses"])


def test_only_the_schemes_switched_on_are_declared(pokemon_project: Path) -> None:
    openapi = schema(pokemon_project, PULPO_AUTH="jwt", PULPO_JWT_SECRET="x" * 32)
    assert set(openapi["components"]["securitySchemes"]) == {"BearerJWT"}
    post = openapi["paths"]["/pokemons"]["post"]
    assert post["security"] == [{"BearerJWT": ["write"]}]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PULPO_AUTH": "api-key"}, "PULPO_AUTH=api-key needs API keys"),
        ({"PULPO_AUTH": "jwt", "PULPO_JWT_SECRET": "short"}, "at least 32 bytes"),
        ({"PULPO_API_KEYS": LOCKED["PULPO_API_KEYS"]}, "PULPO_API_KEYS is set but PULPO_AUTH"),
        ({"PULPO_AUTH": "apikey"}, "PULPO_AUTH Input should be 'none', 'api-key'"),
        ({"PULPO_DOCS": "protected"}, "PULPO_DOCS=protected needs credentials"),
    ],
)
def test_the_settings_refuse_what_would_not_protect_in_one_line(
    pokemon_project: Path, env: dict[str, str], says: str
) -> None:
    script = """
from pydantic import ValidationError
from generated.settings import Settings
try:
    Settings()
except ValidationError as error:
    (first,) = error.errors()
    print(*first["loc"], first["msg"])
"""
    result = run(pokemon_project, script, **env)
    assert result.returncode == 0, result.stderr
    assert says in result.stdout and result.stdout.count("\n") == 1, result.stdout
