"""``pulpo mock PROJECT UPSTREAM``: a declared upstream's mock served on this machine.

The project is tests/projects/upstreams: the document's mock OFD and mock Odoo, and an
upstream without a mock. The command runs as a user runs it, the installed script in a
subprocess; the mock it serves is driven over real HTTP.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pulpo.run.processes import LOOPBACK, free_port, stop

pytestmark = pytest.mark.cli

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "projects" / "upstreams"
SERVICES = PROJECT / "upstreams_app" / "services.py"
PULPO = str(Path(sys.executable).parent / "pulpo")
STARTUP_BOUND = 60.0  # seconds: a hang bound, not a timing


def line_of(text: str) -> int:
    """The 1-based line of ``text`` in the project's services module."""
    return next(
        number
        for number, line in enumerate(SERVICES.read_text().splitlines(), start=1)
        if text in line
    )


def pulpo_mock(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``pulpo mock ...`` for a command that must end by itself (a mistake)."""
    result = subprocess.run(
        [PULPO, "mock", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env={key: value for key, value in os.environ.items() if key != "COLUMNS"},
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture
def served_ofd(tmp_path: Path) -> Iterator[str]:
    """``pulpo mock PROJECT ofd --port N`` running; its URL."""
    port = free_port()
    log = tmp_path / "mock.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [PULPO, "mock", str(PROJECT), "ofd", "--port", str(port)],
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + STARTUP_BOUND
        while True:
            if process.poll() is not None:
                pytest.fail(f"pulpo mock exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/ofd/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"pulpo mock did not answer in {STARTUP_BOUND}s:\n{log.read_text()}"
                    )
                time.sleep(0.1)
        yield url
    finally:
        stop(process, 10)
    assert "Traceback" not in log.read_text()
    assert f"mock ofd: http://{LOOPBACK}:{port} serving POST /ofd/v1/receipt" in log.read_text()


def test_pulpo_mock_serves_the_declared_upstream_on_the_host(served_ofd: str) -> None:
    with httpx.Client(base_url=served_ofd, timeout=30) as client:
        first = client.post("/ofd/v1/receipt", json={"pos_id": "POS-001"})
        client.post(
            "/ofd/v1/_test/config",
            content='{"failure_count": 1}',
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        failed = client.post("/ofd/v1/receipt", json={"pos_id": "POS-001"})
        second = client.post("/ofd/v1/receipt", json={"pos_id": "POS-001"})
        health = client.get("/ofd/v1/health").json()

    assert first.json() == {"status": "accepted", "ofd_id": "OFD-000001"}
    assert (failed.status_code, failed.json()) == (503, {"error": "OFD unavailable"})
    assert second.json()["ofd_id"] == "OFD-000002"
    assert (health["call_count"], health["receipts_received"]) == (3, 2)


def test_an_unknown_upstream_is_one_line_naming_the_declared_ones(tmp_path: Path) -> None:
    result = pulpo_mock(str(PROJECT), "ofdd", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == f"error: no upstream 'ofdd' in {PROJECT} (declared: ofd, odoo, crm)\n"
    assert result.stdout == ""


def test_an_upstream_without_a_mock_is_one_line_at_its_declaration(tmp_path: Path) -> None:
    result = pulpo_mock(str(PROJECT), "crm", cwd=tmp_path)

    assert result.returncode == 2
    where = f"{SERVICES}:{line_of('crm = upstream(')}"
    assert (
        result.stderr == f"error: {where}: upstream 'crm' declares no mock (add mock=Mock(...))\n"
    )


def test_the_upstream_may_be_left_out_only_when_one_declares_a_mock(tmp_path: Path) -> None:
    result = pulpo_mock(str(PROJECT), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == "error: name the upstream to mock: ofd, odoo\n"


def test_a_mock_that_cannot_be_served_is_one_line_at_its_declaration(tmp_path: Path) -> None:
    package = tmp_path / "project" / "broken_mock_app"
    package.mkdir(parents=True)
    (package.parent / "pyproject.toml").write_text(
        '[tool.pulpo]\nname = "broken_mock"\npackages = ["broken_mock_app"]\n'
    )
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text(
        "from pulpo import Mock, MockRoute, upstream\n"
        "\n"
        "ofd = upstream(\n"
        '    "ofd",\n'
        '    url="http://ofd",\n'
        '    mock=Mock(port=9000, routes=[MockRoute("POST", "/r", answer={"id": "{seq}"})]),\n'
        ")\n"
    )

    result = pulpo_mock(str(package.parent), "ofd", cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: project/broken_mock_app/services.py:3: upstream 'ofd': routes[0].answer.id: "
        "unknown placeholder {seq} (use {sequence}, {unix_time}, {now}) in '{seq}'"
    ]


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = pulpo_mock(str(PROJECT), "odoo", "--port", str(port), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use; pick another with --port\n"
    )


def test_pulpo_help_lists_the_mock_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [PULPO, "mock", "--help"], cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0
    assert "Serve an upstream's mock" in result.stdout
