"""The README's main job: `make demo` compiles Pokemon, serves it and drives the pipeline."""

import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest
from pymongo import MongoClient

from pulpo.run.processes import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_demo_drives_the_pipeline_and_prints_the_urls(mongodb_url: str) -> None:
    database = f"demo_{uuid4().hex[:10]}"
    port = free_port()
    env = {**os.environ, "MONGODB_URL": mongodb_url, "MONGODB_DATABASE": database}
    result = subprocess.run(
        [sys.executable, "scripts/demo.py", "--exit", "--port", str(port)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"http://127.0.0.1:{port}/docs" in result.stdout
    assert "Charizard in the database" in result.stdout
    with MongoClient(mongodb_url) as client:
        assert client[database]["pokemons"].count_documents({"name": "Charizard"}) == 1
        assert client[database]["fight_results"].count_documents({}) == 1
        client.drop_database(database)
