"""The generated package passes ``mypy --strict``, as its owner would run it on their project.

Only the generated package's own errors count. Pulpo and the domain package are
imported with ``follow_imports = silent``: mypy reads their types, and their own
errors are theirs (Pulpo's are checked by ``make typecheck``). The configuration is
the test's own file, so nothing around the project changes the result.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from project_files import write

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.generation

MYPY_CONFIG = """
[mypy]
strict = True
python_version = 3.11
cache_dir = {cache}

[mypy-pulpo.*]
follow_imports = silent

{domain}
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """mypy's cache, shared by this module's runs: Pulpo, pydantic and FastAPI are read once."""
    return tmp_path_factory.mktemp("mypy-cache")


def mypy_strict(
    project: Path, domain: list[str], config_dir: Path, cache: Path
) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on the generated package of ``project``, from the project's root."""
    sections = "\n".join(f"[mypy-{package}.*]\nfollow_imports = silent\n" for package in domain)
    config = config_dir / "mypy.ini"
    config.write_text(MYPY_CONFIG.format(cache=cache, domain=sections))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "-p", "generated"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_generated_pokemon_package_passes_mypy_strict(
    pokemon_project: Path, tmp_path: Path, cache: Path
) -> None:
    result = mypy_strict(pokemon_project, ["pokemon"], tmp_path, cache)
    assert result.returncode == 0, result.stdout + result.stderr
    checked = int(result.stdout.split(" in ")[-1].split()[0])  # "Success: no issues found in N"
    assert checked >= len(list((pokemon_project / "generated").rglob("*.py"))), result.stdout


STATUS = {
    "pyproject.toml": """
        [tool.pulpo]
        name = "desk"
        packages = ["desk"]
    """,
    "desk/__init__.py": "",
    "desk/models.py": '''
        from pydantic import BaseModel

        from pulpo import datamodel


        @datamodel(collection="status")
        class Status(BaseModel):
            """The state of a service desk."""

            name: str
            open: bool = True


        @datamodel(collection="router")
        class Router(BaseModel):
            """A network router the desk looks after."""

            address: str
    ''',
    "desk/tickets.py": '''
        from pydantic import BaseModel

        from pulpo import operation


        class Ticket(BaseModel):
            number: int


        @operation("desk.tickets.open")
        async def open_ticket(subject: str) -> Ticket:
            """Open a ticket."""
            return Ticket(number=len(subject))
    ''',
}


def test_collections_named_like_the_routers_own_names_compile_import_and_type_check(
    tmp_path: Path, cache: Path
) -> None:
    """``collection="status"`` once shadowed FastAPI's ``status`` in its router."""
    project = write(tmp_path / "desk", STATUS)
    compile_project(validate(discover(project)))
    script = textwrap.dedent(
        """
        import json

        from generated.app import app

        print(json.dumps(sorted(app.openapi()["paths"])))
        """
    )
    imported = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True, check=False
    )
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == [
        "/flows/desk",
        "/flows/desk/tickets",
        "/flows/desk/tickets/open",
        "/flows/runs/{flow_run_id}",
        "/health",
        "/operations/desk/tickets/open",
        "/router",
        "/router/{router_id}",
        "/status",
        "/status/{status_id}",
    ]
    config_dir = tmp_path / "mypy"
    config_dir.mkdir()
    typed = mypy_strict(project, ["desk"], config_dir, cache)
    assert typed.returncode == 0, typed.stdout + typed.stderr
