"""Scheduled operations in the generated flows: each declared as ``<operation>/schedule``.

``tests/projects/scheduled`` schedules ``clock.ticks.tick`` every TICK_INTERVAL
seconds (a setting assigned in another module than the operation's) and
``clock.ticks.slow`` every second. The generated module is imported in a
subprocess, as the flows container imports it, and asked for its deployments;
building them talks to no Prefect server.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_typecheck import mypy_strict

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.generation

SCHEDULED = Path(__file__).resolve().parents[1] / "projects" / "scheduled"

DEPLOYMENTS = textwrap.dedent(
    """
    import json

    from generated.flows import scheduled

    print(json.dumps([
        {
            "flow": deployment.flow_name,
            "name": deployment.name,
            "seconds": [item.schedule.interval.total_seconds() for item in deployment.schedules],
            "limit": deployment.concurrency_limit,
            "collision": deployment.concurrency_options.collision_strategy.value,
            "parameters": deployment.parameters,
        }
        for deployment in scheduled()
    ]))
    """
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scheduled") / "scheduled"
    shutil.copytree(SCHEDULED, root, ignore=shutil.ignore_patterns("generated", "__pycache__"))
    compile_project(validate(discover(root)))
    return root


def run_in(project: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("TICK_INTERVAL",)}
    environment.pop("PREFECT_API_URL", None)  # nothing here may need a server
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def deployments(project: Path, **env: str) -> dict[str, dict[str, object]]:
    result = run_in(project, ["-c", DEPLOYMENTS], **env)
    assert result.returncode == 0, result.stderr
    return {item["flow"]: item for item in json.loads(result.stdout)}


def test_each_scheduled_operation_is_a_deployment_on_its_interval(project: Path) -> None:
    found = deployments(project, TICK_INTERVAL="7")
    assert found == {
        "clock.ticks.tick": {
            "flow": "clock.ticks.tick",
            "name": "schedule",
            "seconds": [7.0],  # from the environment
            "limit": 1,
            "collision": "CANCEL_NEW",
            "parameters": {"body": {}},  # no parameters to give
        },
        "clock.ticks.slow": {
            "flow": "clock.ticks.slow",
            "name": "schedule",
            "seconds": [1.0],
            "limit": 1,
            "collision": "CANCEL_NEW",
            "parameters": {"body": {"seconds": 3.0}},  # its first example
        },
    }


def test_without_the_variable_the_setting_s_default_applies(project: Path) -> None:
    assert deployments(project)["clock.ticks.tick"]["seconds"] == [60.0]


def test_the_generated_module_names_the_setting_where_the_project_assigns_it(
    project: Path,
) -> None:
    source = (project / "generated" / "flows.py").read_text()
    assert "import scheduled_app.intervals\n" in source
    assert "every=scheduled_app.intervals.TICK_INTERVAL," in source
    assert "every=1.0," in source


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (
            "0",
            "error: clock.ticks.tick: schedule TICK_INTERVAL=0 is not a positive number of seconds",
        ),
        ("soon", "error: TICK_INTERVAL='soon': Input should be a valid integer"),
    ],
)
def test_a_variable_that_holds_no_interval_stops_serving_in_one_line(
    project: Path, value: str, said: str
) -> None:
    result = run_in(project, ["-m", "generated.flows"], TICK_INTERVAL=value)
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert line.startswith(said), result.stderr


def test_the_scheduled_package_passes_mypy_strict(
    project: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = mypy_strict(project, ["scheduled_app"], tmp_path, tmp_path_factory.mktemp("mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
