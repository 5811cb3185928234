"""The README's quick start, run as written: the testing strategy's requests with curl.

The block between the ``quickstart`` markers of README.md runs under bash against
the Pokemon example served on a fresh database; ``curl -f`` makes any error status
fail the block.
"""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from pymongo import MongoClient
from served_app import served_app

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(
    r"<!-- quickstart[^>]*-->\s*```bash\n(?P<script>.*?)```\s*<!-- /quickstart -->", re.DOTALL
)


@pytest.fixture
def database(mongodb_url: str) -> Iterator[str]:
    name = f"readme_{uuid4().hex[:10]}"
    yield name
    with MongoClient(mongodb_url) as client:
        client.drop_database(name)


def test_the_quick_start_requests_work_as_written(
    pokemon_project: Path, mongodb_url: str, database: str
) -> None:
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"CI must provide {tool}: the README's quick start uses it")
            pytest.skip(f"the README's quick start needs {tool}")
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found, "README.md has no quickstart block"
    script = found.group("script")
    env = {"MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    with served_app(pokemon_project, env) as base:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "API": base},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert '"success":true' in result.stdout and '"evolved_name":"Charizard"' in result.stdout
    with MongoClient(mongodb_url) as client:
        stored = client[database]
        assert stored.pokemons.find_one({"name": "Charizard", "trainer": "Ash"}) is not None
        squirtle = stored.pokemons.find_one({"name": "Squirtle"})
        assert squirtle is not None and (squirtle["level"], squirtle["health"]) == (10, 50)
        assert stored.trainers.find_one({"name": "Ash"})["region"] == "Kanto"
        assert stored.fight_results.count_documents({}) == 1
