"""No input breaks a generated API: schemathesis over its own OpenAPI, every check.

Each project is compiled, served on loopback against a fresh database of the
session's MongoDB-wire server, and attacked by schemathesis with all its checks
(no 5xx, status codes, content types, headers and bodies as documented, schema-valid
requests accepted and schema-violating ones refused, Allow headers, resources
reachable after creation) through all its phases, the stateful one included, from a
fixed seed. The run's numbers go to the reliability table; any failure fails the test
with what schemathesis found.

The ``/flows`` routes are left out: they need a Prefect server (without one they
answer 503 by design); the e2e phase drives them against a real one. Two settings
say what schemathesis cannot know: ``schemathesis.toml`` counts 413 (declared on
every body) as a refusal, and ``schemathesis_hooks.py`` leaves out the
``Idempotency-Key`` header, whose contract ``tests/reliability/test_idempotency.py`` proves.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from project_files import copy_example
from pymongo import MongoClient
from served_app import served_app

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.reliability

SUITE = "schemathesis (OpenAPI fuzzing)"
ST = str(Path(sys.executable).with_name("st"))
HERE = Path(__file__).resolve().parent
AWKWARD = HERE.parent / "projects" / "awkward"
EXAMPLES_PER_OPERATION = 40
SEED = 20261129


@pytest.fixture
def database(mongodb_url: str) -> Iterator[str]:
    name = f"fuzz_{uuid4().hex[:10]}"
    yield name
    with MongoClient(mongodb_url) as client:
        client.drop_database(name)


def project_copy(name: str, destination: Path) -> Path:
    if name == "pokemon":
        return copy_example(destination)
    shutil.copytree(AWKWARD, destination, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    return destination


@pytest.mark.parametrize("name", ["pokemon", "awkward"])
def test_no_input_breaks_the_api(
    name: str, tmp_path: Path, mongodb_url: str, database: str, tally: Callable[..., None]
) -> None:
    project = project_copy(name, tmp_path / name)
    compile_project(validate(discover(project)))
    report = tmp_path / "report.json"
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database, "MONGODB_TIMEOUT_MS": "2000"}
    hooks = {"SCHEMATHESIS_HOOKS": "schemathesis_hooks", "PYTHONPATH": str(HERE)}
    with served_app(project, env) as base:
        run = subprocess.run(
            [
                ST, "--config-file", str(HERE / "schemathesis.toml"),
                "run", f"{base}/openapi.json",
                "--checks", "all",
                "--phases", "examples,coverage,fuzzing,stateful",
                "--exclude-path-regex", "^/flows",
                "--max-examples", str(EXAMPLES_PER_OPERATION),
                "--seed", str(SEED),
                "--generation-database", "none",
                "--request-timeout", "30",
                "--workers", "1",
                "--no-color",
                "--report", "json,ndjson", "--report-json-path", str(report),
                "--report-ndjson-path", str(tmp_path / "events.ndjson"),
            ],
            cwd=tmp_path,
            env={**os.environ, **hooks},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )  # fmt: skip
    assert report.is_file(), run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads(report.read_text())
    cases = summary["test_cases"]
    tally(cases=cases["generated"], failures=cases["unique_failures"])
    found = [
        f"{failure['code']} {failure['title']} ×{failure['count']}: "
        + ", ".join(failure["operations"])
        for failure in summary["failures"]
    ]
    assert cases["unique_failures"] == 0 and not summary["errors"], (
        "\n".join(found) + "\n" + run.stdout[-4000:]
    )
    assert cases["generated"] > 500, "schemathesis tried too little to mean anything"
