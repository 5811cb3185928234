"""pulpo.mock over real HTTP: ``python -m pulpo.mock`` serving the document's two mocks.

The mock OFD and the mock Odoo of the store-and-forward document (tests/document_mocks.py,
declared as a project declares them) are each written to a spec file, as the Docker
stack writes it, and served by its own ``python -m pulpo.mock`` process on a free
loopback port. The requests are the document's: its curl commands send JSON with curl's
default form Content-Type.
"""

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from document_mocks import ODOO, OFD

from pulpo.mock import dumps, spec_of
from pulpo.run.processes import LOOPBACK, free_port, stop

pytestmark = pytest.mark.integration

STARTUP_BOUND = 60.0  # seconds: a hang bound, not a timing
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}  # what curl -d sends


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_mock(spec: dict[str, Any], directory: Path, port: int | None) -> Served:
    """``python -m pulpo.mock`` on ``spec`` (on ``port``, else the spec's), once healthy."""
    path = directory / f"{spec['name']}.json"
    path.write_text(dumps(spec), encoding="utf-8")
    log = directory / f"{spec['name']}.log"
    command = [sys.executable, "-m", "pulpo.mock", "--spec", str(path), "--host", LOOPBACK]
    if port is not None:
        command += ["--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://{LOOPBACK}:{port or spec['port']}"
    deadline = time.monotonic() + STARTUP_BOUND
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the mock exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + spec["health"], timeout=2).status_code == 200:
                return Served(url, process, log)
        except httpx.TransportError:
            time.sleep(0.1)
    stop(process, 5)
    pytest.fail(f"the mock did not answer within {STARTUP_BOUND}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def mocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    directory = tmp_path_factory.mktemp("mocks")
    # The OFD on a port given with --port; the Odoo on its spec's port, as the image runs it.
    odoo_spec = {**spec_of(ODOO), "port": free_port()}
    served = {
        "ofd": start_mock(spec_of(OFD), directory, free_port()),
        "odoo": start_mock(odoo_spec, directory, None),
    }
    yield served
    for mock in served.values():
        stop(mock.process, 10)


@pytest.fixture
def ofd(mocks: dict[str, Served]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mocks["ofd"].url, timeout=30) as client:
        assert client.post("/ofd/v1/_test/reset").json() == {"status": "reset"}
        yield client


@pytest.fixture
def odoo(mocks: dict[str, Served]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=mocks["odoo"].url, timeout=30) as client:
        assert client.post("/api/v1/_test/reset").json() == {"status": "reset"}
        yield client


def receipt(client: httpx.Client, number: int = 1) -> httpx.Response:
    """The document's receipt, as the adapter sends it."""
    return client.post("/ofd/v1/receipt", json={"pos_id": "POS-001", "number": number})


def configure(client: httpx.Client, prefix: str, body: str) -> httpx.Response:
    """``curl -X POST <prefix>/_test/config -d '<body>'``: JSON sent with curl's form type."""
    return client.post(f"{prefix}/_test/config", content=body, headers=FORM)


# --- the document's endpoints --------------------------------------------------------------


def test_the_ofd_health_reports_the_documents_keys(ofd: httpx.Client) -> None:
    response = ofd.get("/ofd/v1/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "call_count": 0,
        "receipts_received": 0,
        "permanent_failure": False,
        "failure_count": 0,
        "latency_ms": 0,
        "mode": "normal",
        "received": 0,
    }
    assert "server" not in response.headers  # a stand-in does not advertise a server


def test_receipts_are_accepted_and_numbered_and_counted(ofd: httpx.Client) -> None:
    first, second = receipt(ofd, 1), receipt(ofd, 2)

    assert (first.status_code, first.json()) == (
        200,
        {"status": "accepted", "ofd_id": "OFD-000001"},
    )
    assert (second.status_code, second.json()) == (
        200,
        {"status": "accepted", "ofd_id": "OFD-000002"},
    )
    health = ofd.get("/ofd/v1/health").json()
    assert health["receipts_received"] == 2  # Example 1: jq '.receipts_received'
    assert health["call_count"] == 2


def test_a_heartbeat_is_answered_with_a_unix_timestamp_and_its_time_is_reported(
    odoo: httpx.Client,
) -> None:
    assert odoo.get("/api/v1/health").json()["last_heartbeat"] is None
    before = int(time.time())

    response = odoo.post(
        "/api/v1/kkt/heartbeat",
        json={"kkt_id": "KKT-001", "status": "online", "buffer_fullness": 0.5},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted"
    assert isinstance(body["timestamp"], int) and body["timestamp"] >= before
    health = odoo.get("/api/v1/health").json()
    assert health["status"] == "healthy"
    assert health["heartbeat_count"] == 1
    assert ISO_UTC.match(health["last_heartbeat"]), health["last_heartbeat"]


# --- failures switched over the control API ------------------------------------------------


def test_failure_count_fails_the_next_calls_then_the_mock_answers_again(ofd: httpx.Client) -> None:
    config = ofd.post("/ofd/v1/_test/config", json={"failure_count": 3})
    assert config.json() == {
        "permanent_failure": False,
        "failure_count": 3,
        "latency_ms": 0,
        "status": 503,
        "mode": "failing",
    }
    assert ofd.get("/ofd/v1/health").json()["mode"] == "failing"

    failed = [receipt(ofd) for _ in range(3)]
    accepted = receipt(ofd)

    assert [(r.status_code, r.json()) for r in failed] == [(503, {"error": "OFD unavailable"})] * 3
    assert (accepted.status_code, accepted.json()["ofd_id"]) == (200, "OFD-000001")
    health = ofd.get("/ofd/v1/health").json()
    assert (health["call_count"], health["receipts_received"]) == (4, 1)
    assert (health["failure_count"], health["mode"]) == (0, "normal")


def test_permanent_failure_set_with_curls_form_body_and_back(ofd: httpx.Client) -> None:
    on = configure(ofd, "/ofd/v1", '{"permanent_failure": true}')
    assert on.status_code == 200 and on.json()["mode"] == "permanent_failure"

    refused = [receipt(ofd) for _ in range(5)]

    assert {(r.status_code, r.text) for r in refused} == {(503, '{"error": "OFD unavailable"}')}
    health = ofd.get("/ofd/v1/health").json()
    assert health["receipts_received"] == 0  # Example 2: the OFD never received
    assert (health["call_count"], health["permanent_failure"]) == (5, True)

    off = configure(ofd, "/ofd/v1", '{"permanent_failure": false}')
    assert off.json()["mode"] == "normal"
    assert receipt(ofd).json()["ofd_id"] == "OFD-000001"
    assert ofd.get("/ofd/v1/health").json()["receipts_received"] == 1


def test_the_status_failing_calls_answer_is_configurable(ofd: httpx.Client) -> None:
    ofd.post("/ofd/v1/_test/config", json={"failure_count": 1, "status": 500})

    failed = receipt(ofd)

    assert (failed.status_code, failed.json()) == (500, {"error": "OFD unavailable"})
    assert receipt(ofd).status_code == 200


def test_latency_delays_each_call_but_not_the_health_endpoint(ofd: httpx.Client) -> None:
    config = ofd.post("/ofd/v1/_test/config", json={"latency_ms": 5000})
    assert config.json()["latency_ms"] == 5000

    # Lower bounds only: a call cannot come back before the latency has passed.
    with pytest.raises(httpx.ReadTimeout):
        ofd.post("/ofd/v1/receipt", json={"pos_id": "POS-001"}, timeout=0.5)
    # That call is still waiting in the mock; health and control do not wait behind it.
    health = ofd.get("/ofd/v1/health", timeout=4).json()
    assert (health["latency_ms"], health["call_count"]) == (5000, 1)  # counted on arrival
    started = time.monotonic()
    late = ofd.post("/ofd/v1/receipt", json={"pos_id": "POS-001"})

    assert time.monotonic() - started >= 5.0
    assert late.status_code == 200


def test_reset_puts_counters_sequences_records_and_config_back(ofd: httpx.Client) -> None:
    receipt(ofd)
    receipt(ofd)
    ofd.post("/ofd/v1/_test/config", json={"permanent_failure": True, "latency_ms": 10})
    receipt(ofd)

    assert ofd.post("/ofd/v1/_test/reset", content=b"").json() == {"status": "reset"}

    assert ofd.get("/ofd/v1/health").json() == {
        "status": "healthy",
        "call_count": 0,
        "receipts_received": 0,
        "permanent_failure": False,
        "failure_count": 0,
        "latency_ms": 0,
        "mode": "normal",
        "received": 0,
    }
    assert ofd.get("/ofd/v1/_test/received").json() == {"total": 0, "calls": []}
    assert receipt(ofd).json()["ofd_id"] == "OFD-000001"


# --- what the mock received ----------------------------------------------------------------


def test_what_was_received_is_recorded_whatever_the_content_type(ofd: httpx.Client) -> None:
    ofd.post(
        "/ofd/v1/receipt",
        content='{"pos_id": "POS-001"}',
        headers={**FORM, "Idempotency-Key": "key-1"},
    )
    ofd.post("/ofd/v1/receipt", content=b"not json \xff", headers={"Content-Type": "text/plain"})
    ofd.post("/ofd/v1/_test/config", json={"failure_count": 1})
    receipt(ofd, 3)  # failed: counted as a call, not received

    received = ofd.get("/ofd/v1/_test/received").json()

    assert received["total"] == 2
    first, second = received["calls"]
    assert first["json"] == {"pos_id": "POS-001"} and first["text"] is None
    assert (first["method"], first["path"]) == ("POST", "/ofd/v1/receipt")
    assert (first["idempotency_key"], first["sequence"]) == ("key-1", 1)
    assert ISO_UTC.match(first["time"])
    assert second["json"] is None and second["text"] == "not json \ufffd"
    assert second["idempotency_key"] is None
    health = ofd.get("/ofd/v1/health").json()
    assert (health["call_count"], health["received"]) == (3, 2)


def test_a_body_no_json_encoder_could_write_back_is_still_recorded(ofd: httpx.Client) -> None:
    lone_surrogate = (
        b'{"note": "\\ud800", "city": "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0"}'
    )
    assert ofd.post("/ofd/v1/receipt", content=lone_surrogate).status_code == 200
    assert ofd.post("/ofd/v1/receipt", content=b'{"n": NaN}').status_code == 200

    received = ofd.get("/ofd/v1/_test/received")

    assert received.status_code == 200
    first, second = received.json()["calls"]
    assert first["json"] == {"note": "\ud800", "city": "Москва"}
    assert (second["json"], second["text"]) == (None, '{"n": NaN}')


# --- refusals -------------------------------------------------------------------------------


def test_an_unknown_path_is_a_json_404_and_a_wrong_method_a_405_with_allow(
    ofd: httpx.Client,
) -> None:
    unknown = ofd.post("/ofd/v1/receipts", json={})
    wrong = ofd.get("/ofd/v1/receipt")
    wrong_control = ofd.get("/ofd/v1/_test/config")

    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": "not found: POST /ofd/v1/receipts"},
    )
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert wrong.json() == {"detail": "method GET not allowed on /ofd/v1/receipt"}
    assert wrong_control.status_code == 405 and wrong_control.headers["allow"] == "POST"
    assert ofd.get("/ofd/v1/health").json()["call_count"] == 0


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('{"permanent_failure": "yes"}', 'permanent_failure must be true or false, not "yes"'),
        ('{"failure_count": -1}', "failure_count must be an integer in 0..1000000000, not -1"),
        ('{"latency_ms": 60001}', "latency_ms must be an integer in 0..60000, not 60001"),
        ('{"status": 302}', "status must be an integer in 400..599, not 302"),
        ('{"mode": "failing"}', '"mode": unknown field'),
        ("[true]", "the body must be a JSON object"),
        ("permanent_failure=true", "the body is not JSON"),
    ],
)
def test_a_bad_config_is_a_422_with_one_line_and_changes_nothing(
    ofd: httpx.Client, body: str, detail: str
) -> None:
    response = configure(ofd, "/ofd/v1", body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(detail)
    assert "\n" not in response.json()["detail"]
    assert ofd.get("/ofd/v1/health").json()["mode"] == "normal"


def test_a_body_over_the_limit_is_a_413_and_not_counted(ofd: httpx.Client) -> None:
    response = ofd.post("/ofd/v1/receipt", content=b"x" * (1024 * 1024 + 1))

    assert response.status_code == 413
    assert ofd.get("/ofd/v1/health").json()["call_count"] == 0


# --- concurrency ----------------------------------------------------------------------------


def test_concurrent_calls_lose_no_count_and_share_no_number(
    ofd: httpx.Client, mocks: dict[str, Served]
) -> None:
    ofd.post("/ofd/v1/_test/config", json={"failure_count": 10})

    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=mocks["ofd"].url, timeout=30) as client:
            calls = [client.post("/ofd/v1/receipt", json={"n": n}) for n in range(60)]
            return await asyncio.gather(*calls)

    responses = asyncio.run(send_all())

    statuses = [response.status_code for response in responses]
    assert statuses.count(503) == 10 and statuses.count(200) == 50
    ids = sorted(r.json()["ofd_id"] for r in responses if r.status_code == 200)
    assert ids == [f"OFD-{n:06d}" for n in range(1, 51)]
    health = ofd.get("/ofd/v1/health").json()
    assert (health["call_count"], health["receipts_received"], health["failure_count"]) == (
        60,
        50,
        0,
    )


# --- starting it wrong ----------------------------------------------------------------------


def run_mock(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulpo.mock", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"name": "ofd", "routes": []}), "port: missing"),
        (
            json.dumps(
                {**spec_of(OFD), "routes": [{"method": "POST", "path": "/r", "answer": "{x}"}]}
            ),
            "routes[0].answer: unknown placeholder {x}",
        ),
    ],
)
def test_a_bad_spec_file_exits_2_with_one_line(tmp_path: Path, text: str, problem: str) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(text, encoding="utf-8")

    result = run_mock("--spec", str(spec), "--port", str(free_port()))

    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"error: {spec}: {problem}")
    assert result.stdout == ""


def test_a_taken_port_exits_2_with_one_line(mocks: dict[str, Served], tmp_path: Path) -> None:
    spec = tmp_path / "ofd.json"
    spec.write_text(dumps(spec_of(OFD)), encoding="utf-8")
    taken = mocks["ofd"].url.rsplit(":", 1)[1]

    result = run_mock("--spec", str(spec), "--port", taken)

    assert result.returncode == 2
    assert (
        result.stderr
        == f"error: port {taken} on 127.0.0.1 is already in use; pick another with --port\n"
    )
