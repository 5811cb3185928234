"""Operations at a method and path of their own, required Idempotency-Keys and upstreams.

``tests/projects/routes`` serves a ``GET`` with a typed query, ``POST`` operations that
require an ``Idempotency-Key`` (one receiving it as a parameter), a ``POST`` without
parameters and a ``DELETE``, and declares an upstream. Its generated package imports,
routes each operation where it says, type-checks with ``mypy --strict`` and binds no
name the templates do not list. The e2e phase serves it (tests/e2e/test_custom_routes.py).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_awkward_names import top_level_names
from test_typecheck import mypy_strict

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.generate.context import build_context
from pulpo.generate.names import TEMPLATE_NAMES, imported_packages
from pulpo.validate import validate

pytestmark = pytest.mark.generation

ROUTES = Path(__file__).resolve().parents[2] / "tests" / "projects" / "routes"


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("routes") / "routes"
    shutil.copytree(ROUTES, project, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    compile_project(validate(discover(project)))
    return project


def openapi(project: Path) -> dict[str, object]:
    script = "import json\nfrom generated.app import app\nprint(json.dumps(app.openapi()))\n"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, object] = json.loads(result.stdout)
    return loaded


def test_each_operation_is_served_where_it_says(routes: Path) -> None:
    paths = openapi(routes)["paths"]
    assert isinstance(paths, dict)
    served = {path: sorted(item) for path, item in paths.items() if path.startswith("/v1/")}
    assert served == {
        "/v1/things": ["post"],
        "/v1/things/by-name": ["delete"],
        "/v1/things/register": ["post"],
        "/v1/things/status": ["get"],
        "/v1/things/sweep": ["post"],
    }
    assert not [path for path in paths if path.startswith("/operations/")]
    assert paths["/v1/things/status"]["get"]["operationId"] == "things_status"


def test_the_router_reads_a_query_a_body_the_key_or_nothing(routes: Path) -> None:
    router = (routes / "generated" / "routers" / "operations.py").read_text()
    assert '@router.get(\n    "/v1/things/status",' in router
    assert "query: Annotated[StatusInput, Query()]," in router
    assert "idempotency_key: KeyHeader," in router
    assert "key=idempotency_key," in router
    assert "dependencies=[KEY_REQUIRED]," in router  # register: required, not read
    assert "async def things_sweep() -> Swept:" in router  # no body at all
    assert '@router.delete(\n    "/v1/things/by-name",' in router
    schemas = (routes / "generated" / "schemas" / "operations.py").read_text()
    assert "at_least: int = Field(default=0, ge=-(2**63), le=2**63 - 1)" in schemas
    assert "key" not in schemas.split("class CreateInput")[1].split("class ")[0]


def test_health_reports_the_upstreams_and_the_app_closes_their_clients(routes: Path) -> None:
    health = (routes / "generated" / "routers" / "health.py").read_text()
    assert "import routes_app.upstreams" in health
    assert "UPSTREAMS = [routes_app.upstreams.peer]" in health
    app = (routes / "generated" / "app.py").read_text()
    assert "await close_all()" in app


def test_it_passes_mypy_strict(
    routes: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = mypy_strict(routes, ["routes_app"], tmp_path, tmp_path_factory.mktemp("mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_top_level_name_is_the_templates_or_claimed(routes: Path) -> None:
    valid = validate(discover(routes))
    known = TEMPLATE_NAMES | build_context(valid).claimed | imported_packages(valid)
    for path in sorted((routes / "generated").rglob("*.py")):
        if "stack" in path.relative_to(routes / "generated").parts:
            continue
        unknown = top_level_names(path) - known
        assert not unknown, f"{path.relative_to(routes)} binds {sorted(unknown)}"
