"""The receipts example (issue 10's KKT adapter) proven locally, before any container.

The example is compiled and served by uvicorn on the session's MongoDB-wire server; its
two upstreams are the real mock server (``python -m pulpo.mock``, the mock image's own
command) on free loopback ports, and its sync lock is a real ``redis-server``. Each test
gets a fresh database and a fresh app (so a fresh circuit breaker) and resets the mocks;
settings are the test stack's (``.env.test``'s values) with a few made shorter or smaller.

What is proven, all over HTTP: create → status → sync → synced; a missing key is a 400; a
key sent twice stores and forwards one receipt (the idempotency layer, and beneath it the
unique index); offline buffering and recovery; a full buffer refuses (503) and loses
nothing; transient failures are retried, each receipt delivered once; the breaker opens
at its threshold, refuses without calling, half-opens and closes; a receipt sent before a
crash is absorbed by the OFD's deduplication; concurrent syncs send no receipt twice;
heartbeats reach Odoo; a sync without Redis is a 503.
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from pymongo import MongoClient
from served_app import served_app

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.http.idempotency import COLLECTION as IDEMPOTENCY_KEYS
from pulpo.mock import dumps, spec_of
from pulpo.run.processes import free_port
from pulpo.validate import validate

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "receipts"
sys.path.insert(0, str(EXAMPLE / "tests"))  # the example's own HTTP helpers

from kkt_client import KKT, SAMPLE_RECEIPT, Endpoints, accepted_keys, new_key, wait_until  # noqa: E402

pytestmark = pytest.mark.e2e

NOT_SOURCE = shutil.ignore_patterns("generated", ".pulpo", ".dockerignore", "__pycache__", "tests")


@pytest.fixture(scope="module")
def receipts_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The example compiled in a copy; and the environment of its test stack (.env.test's)."""
    project = tmp_path_factory.mktemp("receipts") / "receipts"
    shutil.copytree(EXAMPLE, project, ignore=NOT_SOURCE)
    found = discover(project)
    compile_project(validate(found))
    test_values = {item.setting.name: str(item.setting.test_value) for item in found.settings}
    specs = {}
    for item in found.upstreams:
        spec = project / f"mock_{item.upstream.name}.json"
        spec.write_text(dumps(spec_of(item.upstream)), encoding="utf-8")
        specs[f"{item.upstream.name}_spec"] = str(spec)
    return project, {**test_values, **specs}


def _wait_answering(url: str, process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise RuntimeError(f"{what} exited: {stderr}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not answer at {url}") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port, nothing persisted."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if binary is None:
        pytest.skip(
            "the receipts example's sync lock needs redis-server (apt-get install redis-server)"
        )
    port = free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while (
            subprocess.run(  # noqa: S603 - our own binary
                [binary.replace("redis-server", "redis-cli"), "-p", str(port), "ping"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            != "PONG"
        ):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {process.stderr}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def mocks(receipts_project: tuple[Path, dict[str, str]]) -> Iterator[dict[str, str]]:
    """The mock OFD and the mock Odoo, served by ``python -m pulpo.mock`` as in their image."""
    _, env = receipts_project
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for name, health in (("ofd", "/ofd/v1/health"), ("odoo", "/api/v1/health")):
            port = free_port()
            command = [sys.executable, "-m", "pulpo.mock", "--spec", env[f"{name}_spec"]]
            process = subprocess.Popen(
                [*command, "--port", str(port)], stderr=subprocess.PIPE, text=True
            )
            stack.callback(_stop, process)
            urls[name] = f"http://127.0.0.1:{port}"
            _wait_answering(urls[name] + health, process, f"the {name} mock")
        yield urls


Start = Callable[..., KKT]


@pytest.fixture
def start_adapter(
    receipts_project: tuple[Path, dict[str, str]],
    mocks: dict[str, str],
    redis_url: str,
    mongodb_url: str,
) -> Iterator[Start]:
    """``start_adapter(BUFFER_MAX_SIZE="5", ...)``: the app served with the test values and
    these, on a fresh database, the mocks reset; a client of it and the mocks."""
    project, test_values = receipts_project
    database = f"receipts_{uuid4().hex[:10]}"
    with ExitStack() as stack:

        def start(**overrides: str) -> KKT:
            env = {
                **test_values,
                "MONGODB_URL": mongodb_url,
                "MONGODB_DATABASE": database,
                "OFD_API_URL": mocks["ofd"],
                "ODOO_API_URL": mocks["odoo"],
                "REDIS_URL": redis_url,
                **overrides,
            }
            base = stack.enter_context(served_app(project, env))
            kkt = KKT(Endpoints(adapter=base, ofd=mocks["ofd"], odoo=mocks["odoo"]))
            stack.callback(kkt.close)
            kkt.ofd_reset()
            kkt.odoo_reset()
            return kkt

        yield start
    with MongoClient(mongodb_url) as client:
        client.drop_database(database)


# --- the happy path ---------------------------------------------------------------------------


def test_create_status_sync_synced(start_adapter: Start) -> None:
    kkt = start_adapter()
    key = new_key()
    created = kkt.create_receipt(key)
    assert created["status"] == "pending" and created["idempotency_key"] == key
    assert created["payload"]["pos_id"] == "POS-001"
    assert kkt.status()["pending"] == 1

    result = kkt.sync()
    assert result["sent"] == 1 and result["pending"] == 0 and result["error"] is None

    status = kkt.status()
    assert (status["pending"], status["synced"], status["total"]) == (0, 1, 1)
    stored = kkt.receipt(created["receipt_id"])
    assert stored["status"] == "synced" and stored["ofd_id"] == "OFD-000001"
    assert stored["synced_at"] is not None and stored["attempts"] == 0
    assert kkt.ofd_health()["receipts_received"] == 1
    (call,) = kkt.ofd_received()
    assert call["idempotency_key"] == key  # the till's key travels on to the OFD
    assert call["json"]["pos_id"] == "POS-001" and call["json"]["cashier"] == "Ivanova A."
    assert len(call["json"]["items"]) == 3


def test_health_reports_database_buffer_breaker_and_redis(start_adapter: Start) -> None:
    kkt = start_adapter()
    health = kkt.health()
    assert (health["status"], health["database"], health["redis"]) == ("ok", "ok", "ok")
    assert (health["ofd"], health["odoo"]) == ("closed", "closed")
    assert health["buffer"]["pending"] == 0 and health["buffer"]["alert"] is False


def test_receipts_are_read_only_over_http(start_adapter: Start) -> None:
    kkt = start_adapter()
    created = kkt.create_receipt()
    base = kkt.endpoints.adapter
    forged = {"payload": created["payload"], "idempotency_key": "x", "status": "synced"}
    assert kkt.http.post(f"{base}/receipts", json=forged).status_code == 405
    patched = kkt.http.patch(f"{base}/receipts/{created['receipt_id']}", json={"status": "synced"})
    assert patched.status_code == 405
    listed = kkt.http.get(f"{base}/receipts", params={"status": "pending"})
    assert [item["_id"] for item in listed.json()] == [created["receipt_id"]]


# --- idempotency ------------------------------------------------------------------------------


def test_a_receipt_without_idempotency_key_is_400_and_stores_nothing(start_adapter: Start) -> None:
    kkt = start_adapter()
    response = kkt.post_receipt(key="")
    assert response.status_code == 400, response.text
    assert "Idempotency-Key" in response.json()["detail"]
    assert kkt.status()["total"] == 0


def test_an_invalid_receipt_is_422_naming_the_field(start_adapter: Start) -> None:
    kkt = start_adapter()
    line = {"name": "Lens", "quantity": 0, "price": 1}  # nothing sold: not a line
    response = kkt.post_receipt({"pos_id": "POS-001", "items": [line], "total": 1})
    assert response.status_code == 422, response.text
    assert "items" in response.text
    assert kkt.post_receipt({"total": 1}).status_code == 422  # no pos_id
    assert kkt.status()["total"] == 0
    minimal = kkt.post_receipt({"pos_id": "POS-001"})  # all the document shows of one
    assert minimal.status_code == 200, minimal.text
    assert kkt.status()["total"] == 1


def test_the_same_key_twice_is_stored_and_forwarded_once(
    start_adapter: Start, mongodb_url: str
) -> None:
    kkt = start_adapter()
    key = new_key()
    first = kkt.post_receipt(key=key)
    again = kkt.post_receipt(key=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["receipt_id"] == first.json()["receipt_id"]
    assert kkt.status()["total"] == 1

    # Beneath the idempotency layer: once its record of the key is gone (expired), the
    # same key still finds the first receipt (one upsert by key, unique index).
    with MongoClient(mongodb_url) as client:
        databases = [name for name in client.list_database_names() if name.startswith("receipts_")]
        removed = sum(
            client[name][IDEMPOTENCY_KEYS].delete_many({}).deleted_count for name in databases
        )
    assert removed >= 1
    late = kkt.post_receipt(key=key)
    assert late.status_code == 200, late.text
    assert late.headers.get("Idempotent-Replayed") is None  # the operation ran again...
    assert late.json()["receipt_id"] == first.json()["receipt_id"]  # ...and found the first
    assert kkt.status()["total"] == 1

    assert kkt.sync()["sent"] == 1
    assert kkt.sync()["sent"] == 0
    assert kkt.ofd_health()["receipts_received"] == 1
    assert accepted_keys(kkt.ofd_received()) == [key]


# --- offline, recovery, a full buffer ---------------------------------------------------------


def test_offline_receipts_are_buffered_then_synced_on_recovery(start_adapter: Start) -> None:
    kkt = start_adapter(CIRCUIT_BREAKER_TIMEOUT="1")
    kkt.ofd_config(permanent_failure=True)
    keys = [new_key() for _ in range(10)]
    for key in keys:
        assert kkt.create_receipt(key)["status"] == "pending"
    assert kkt.status()["pending"] == 10

    offline = kkt.sync()
    assert offline["sent"] == 0 and offline["pending"] == 10
    assert "ofd" in offline["error"]
    assert kkt.ofd_health()["receipts_received"] == 0
    waiting = kkt.http.get(f"{kkt.endpoints.adapter}/receipts", params={"sort": "created_at"})
    first = waiting.json()[0]
    assert first["status"] == "pending" and first["attempts"] == 1 and first["last_error"]

    kkt.ofd_config(permanent_failure=False)
    status = kkt.drain()  # the breaker refuses until its timeout has passed
    assert (status["pending"], status["synced"]) == (0, 10)
    assert kkt.ofd_health()["receipts_received"] == 10
    assert sorted(accepted_keys(kkt.ofd_received())) == sorted(keys)


def test_a_full_buffer_refuses_with_503_and_loses_nothing(start_adapter: Start) -> None:
    kkt = start_adapter(BUFFER_MAX_SIZE="5", BUFFER_ALERT_THRESHOLD="0.8")
    kkt.ofd_config(permanent_failure=True)
    keys = [new_key() for _ in range(5)]
    for number, key in enumerate(keys, 1):
        kkt.create_receipt(key)
        assert kkt.status()["alert"] is (number >= 4)  # 4 of 5 is the 0.8 threshold
    status = kkt.status()
    assert status["fullness"] == 1.0 and "5 of 5" in status["warning"]
    assert kkt.health()["status"] == "degraded"

    refused_key = new_key()
    refused = kkt.post_receipt(key=refused_key)
    assert refused.status_code == 503, refused.text
    assert "full" in refused.json()["detail"]
    assert kkt.status()["total"] == 5  # nothing written for it, nothing dropped for it

    kkt.ofd_config(permanent_failure=False)
    kkt.drain()
    retried = kkt.post_receipt(key=refused_key)  # the till sends it again: taken now
    assert retried.status_code == 200, retried.text
    kkt.drain()
    assert sorted(accepted_keys(kkt.ofd_received())) == sorted([*keys, refused_key])


def test_concurrent_receipts_never_pass_the_buffer_limit(start_adapter: Start) -> None:
    kkt = start_adapter(BUFFER_MAX_SIZE="10")
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: kkt.post_receipt().status_code, range(24)))
    assert answers.count(200) == 10 and answers.count(503) == 14, answers
    assert kkt.status()["pending"] == 10


# --- the OFD failing --------------------------------------------------------------------------


def test_transient_failures_are_retried_and_each_receipt_delivered_once(
    start_adapter: Start,
) -> None:
    kkt = start_adapter()
    keys = [kkt.create_receipt()["idempotency_key"] for _ in range(3)]
    kkt.ofd_config(failure_count=2)  # the next two calls fail, then the OFD answers
    result = kkt.sync()
    assert result["sent"] == 3 and result["error"] is None
    assert kkt.ofd_health()["call_count"] == 5  # two failed attempts, three accepted
    assert accepted_keys(kkt.ofd_received()) == keys  # in order, each once


def test_the_breaker_opens_refuses_half_opens_and_closes(start_adapter: Start) -> None:
    kkt = start_adapter(CIRCUIT_BREAKER_THRESHOLD="3", CIRCUIT_BREAKER_TIMEOUT="2")
    created = kkt.create_receipt()
    kkt.ofd_config(permanent_failure=True)

    opened = kkt.sync()
    assert opened["breaker"] == "open" and opened["pending"] == 1
    assert kkt.ofd_health()["call_count"] == 3  # the threshold: three failed attempts
    assert kkt.health()["ofd"] == "open"

    refused = kkt.sync()  # open: refused without calling the OFD
    assert "breaker" in refused["error"] and refused["pending"] == 1
    assert kkt.ofd_health()["call_count"] == 3
    stored = kkt.receipt(created["receipt_id"])
    assert stored["status"] == "pending" and stored["attempts"] == 2
    assert "breaker" in stored["last_error"]

    kkt.ofd_config(permanent_failure=False)
    wait_until(
        lambda: kkt.status()["breaker"],
        lambda state: state == "half-open",
        timeout=60,
        what="the breaker half-opens after its timeout",
    )
    closed = kkt.sync()  # the trial call succeeds: closed again
    assert closed["sent"] == 1 and closed["breaker"] == "closed"
    assert kkt.receipt(created["receipt_id"])["ofd_id"] == "OFD-000001"


def test_a_receipt_sent_before_a_crash_is_counted_once_by_the_ofd(start_adapter: Start) -> None:
    kkt = start_adapter()
    created = kkt.create_receipt()
    key = created["idempotency_key"]
    # The adapter sent it and died before marking it synced: the OFD has it already.
    first = kkt.http.post(
        f"{kkt.endpoints.ofd}/ofd/v1/receipt",
        json=created["payload"],
        headers={"Idempotency-Key": key},
    )
    assert first.status_code == 200
    assert kkt.sync()["sent"] == 1  # sent again after the restart, with the same key
    assert kkt.ofd_health()["receipts_received"] == 1
    assert kkt.receipt(created["receipt_id"])["ofd_id"] == first.json()["ofd_id"]
    replays = [call["replayed"] for call in kkt.ofd_received()]
    assert replays == [False, True]


def test_concurrent_syncs_send_no_receipt_twice(start_adapter: Start) -> None:
    kkt = start_adapter()
    keys = [kkt.create_receipt()["idempotency_key"] for _ in range(25)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: kkt.sync(), range(4)))
    assert sum(result["sent"] for result in results) == 25
    assert sum(result["already_synced"] for result in results) == 0
    assert kkt.status()["synced"] == 25
    assert kkt.ofd_health()["call_count"] == 25  # not one send more
    assert sorted(accepted_keys(kkt.ofd_received())) == sorted(keys)


def test_a_sync_without_redis_is_503_and_sends_nothing(start_adapter: Start) -> None:
    kkt = start_adapter(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    kkt.create_receipt()
    response = kkt.http.post(f"{kkt.endpoints.adapter}/v1/kkt/buffer/sync")
    assert response.status_code == 503, response.text
    assert "Redis" in response.json()["detail"]
    assert kkt.ofd_health()["call_count"] == 0
    assert kkt.health()["redis"] == "unreachable"


# --- Odoo -------------------------------------------------------------------------------------


def test_heartbeats_reach_odoo(start_adapter: Start) -> None:
    kkt = start_adapter(KKT_ID="KKT-042")
    kkt.create_receipt()
    beat = kkt.heartbeat()
    assert beat["delivered"] is True and isinstance(beat["timestamp"], int)
    health = kkt.odoo_health()
    assert health["heartbeat_count"] == 1 and health["last_heartbeat"]
    (call,) = kkt.odoo_received()
    assert call["json"] == {"kkt_id": "KKT-042", "status": "online", "buffer_fullness": 0.01}


def test_a_heartbeat_odoo_does_not_take_is_reported_not_raised(start_adapter: Start) -> None:
    kkt = start_adapter()
    kkt.http.post(f"{kkt.endpoints.odoo}/api/v1/_test/config", json={"permanent_failure": True})
    beat = kkt.heartbeat()
    assert beat["delivered"] is False and "odoo" in beat["error"]
    assert kkt.odoo_health()["heartbeat_count"] == 0


# --- the example's own suite ------------------------------------------------------------------


def test_the_examples_integration_tests_pass_against_the_served_adapter(
    start_adapter: Start,
) -> None:
    """``tests/integration`` of the example, run from the host as its README says."""
    kkt = start_adapter(CIRCUIT_BREAKER_TIMEOUT="2")
    env = {
        **os.environ,
        "PULPO_API_URL": kkt.endpoints.adapter,
        "MOCK_OFD_URL": kkt.endpoints.ofd,
        "MOCK_ODOO_URL": kkt.endpoints.odoo,
    }
    command = [sys.executable, "-m", "pytest", "tests/integration", "-q", "-p", "no:cacheprovider"]
    run = subprocess.run(  # noqa: S603 - our own interpreter
        command, cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "7 passed" in run.stdout, run.stdout[-2000:]


def test_the_documents_curl_without_content_type_is_taken(start_adapter: Start) -> None:
    """Example 3's ``curl -X POST ... -H "Idempotency-Key: ..." -d @sample_receipt.json``:
    curl sends its default form type, and the bytes are JSON."""
    kkt = start_adapter()
    response = kkt.http.post(
        f"{kkt.endpoints.adapter}/v1/kkt/receipt",
        content=SAMPLE_RECEIPT.read_bytes(),
        headers={"Idempotency-Key": new_key(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert kkt.status()["pending"] == 1
