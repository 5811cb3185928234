"""A project whose names collide with everything generated modules bind still compiles right.

``tests/projects/awkward`` has a model called ``Router`` stored in ``status``, fields
named like builtins, keywords-with-underscore and the generated code's own names
(``Record``, ``filters``, ``repository``...), operations whose last part repeats a
model's name and one called ``flow``. Every name it brings is claimed in the
project's namespace (pulpo.generate.names), so the output imports, type-checks
and reads like the Pokemon example's. The e2e phase serves it and drives its routes.
"""

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from golden import assert_golden
from test_typecheck import mypy_strict

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.generate.context import build_context
from pulpo.generate.names import TEMPLATE_NAMES, imported_packages
from pulpo.validate import validate

pytestmark = pytest.mark.generation

ROOT = Path(__file__).resolve().parents[2]
AWKWARD = ROOT / "tests" / "projects" / "awkward"
GOLDEN = Path(__file__).parent / "golden" / "awkward"


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("awkward") / "awkward"
    shutil.copytree(AWKWARD, project, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    compile_project(validate(discover(project)))
    return project


def test_output_matches_golden_files(awkward: Path) -> None:
    assert_golden(awkward / "generated", GOLDEN)


def test_it_imports_and_its_routes_are_where_the_collections_say(awkward: Path) -> None:
    script = (
        "import json, generated.flows\n"
        "from generated.app import app\n"
        "print(json.dumps(sorted(app.openapi()['paths'])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=awkward, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    paths = set(json.loads(result.stdout))
    assert {"/status", "/status/{router_id}", "/orders", "/fields"} <= paths
    assert {"/operations/shop/order/order", "/operations/shop/router/flow"} <= paths


def test_routes_left_out_are_not_generated(awkward: Path) -> None:
    """Ledger serves create, get and update; Audit no route: no router, no schema module."""
    script = (
        "import json\n"
        "from generated.app import app\n"
        "schema = app.openapi()\n"
        "print(json.dumps({path: sorted(item) for path, item in schema['paths'].items()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=awkward, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads(result.stdout)
    assert paths["/ledgers"] == ["post"]
    assert paths["/ledgers/{ledger_id}"] == ["get", "patch", "put"]
    assert not any(path.startswith("/audits") for path in paths)
    generated = awkward / "generated"
    assert not (generated / "routers" / "audits.py").exists()
    assert not (generated / "schemas" / "audit.py").exists()
    assert (
        "def audit_repository() -> Repository[Audit]:"
        in (generated / "dependencies.py").read_text()
    )  # operations and tests still get its repository
    schema = (generated / "schemas" / "ledger.py").read_text()
    assert "class LedgerQuery" not in schema and "Literal" not in schema
    assert "opened: str = Field(default_factory=_opened)" in schema  # the model's own factory
    assert "note: str | MISSING = Field(default=MISSING)" in schema  # a lambda: the model fills it


def test_it_passes_mypy_strict(
    awkward: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = mypy_strict(awkward, ["awkward_app"], tmp_path, tmp_path_factory.mktemp("mypy-cache"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_names_that_clash_are_claimed_with_an_underscore(awkward: Path) -> None:
    generated = awkward / "generated"
    assert (generated / "routers" / "status_.py").is_file()  # 'status' is a name routers bind
    schema = (generated / "schemas" / "order.py").read_text()
    assert "from pulpo import Record as Record_" in schema  # Order has a field called Record
    assert "record: Record_[Order]" in schema
    router = (generated / "routers" / "status_.py").read_text()
    assert "async def create_router(\n    router_: RouterCreate," in router  # not the APIRouter
    flows = (generated / "flows.py").read_text()
    assert "router_ = await shop_router_router_task(body.router)" in flows


@pytest.mark.parametrize("project", ["awkward", "pokemon"])
def test_every_top_level_name_is_the_templates_or_claimed(
    project: str, awkward: Path, pokemon_project: Path
) -> None:
    """A template that binds a new name must list it in TEMPLATE_NAMES, or claim it."""
    root = awkward if project == "awkward" else pokemon_project
    valid = validate(discover(root))
    known = TEMPLATE_NAMES | build_context(valid).claimed | imported_packages(valid)
    for path in sorted((root / "generated").rglob("*.py")):
        if "stack" in path.relative_to(root / "generated").parts:
            continue
        unknown = top_level_names(path) - known
        assert not unknown, f"{path.relative_to(root)} binds {sorted(unknown)}"


def top_level_names(path: Path) -> set[str]:
    """The names a module binds at its top level: imports, definitions, assignments."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names
