"""Issue 10's scenarios against the real receipts stack, over real HTTP.

The design document's Usage Examples 1–4 literally (the same requests as its curl lines,
the same ``.pending``, ``.synced`` and ``.receipts_received``), then what a
store-and-forward adapter must survive: transient OFD failures, the breaker's cycle, the
same receipt twice, a full buffer, heartbeats on their schedule, concurrent syncs, and
the adapter's container killed in the middle of a sync.

Timings are never asserted: waits are hang bounds (``wait_until``), long enough for a
busy two-core machine.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from kkt_client import KKT, SAMPLE_RECEIPT, accepted_keys, new_key, wait_until

pytestmark = pytest.mark.docker

ADAPTER = "kkt_adapter"  # the adapter's service, as the design document names it
CURL_FORM = "application/x-www-form-urlencoded"  # what curl -d sends without -H


# --- the document's Usage Examples ------------------------------------------------------------


def test_example_1_happy_path(fresh: KKT, receipts_stack: Any) -> None:
    run = receipts_stack.compose(
        "exec", "-T", "test_runner",
        "pytest", "tests/integration/test_ofd_sync.py::test_happy_path_online_sale", "-v",
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert fresh.ofd_health()["receipts_received"] == 1


def test_example_2_offline_mode(fresh: KKT) -> None:
    fresh.ofd_config(permanent_failure=True)
    for _ in range(10):
        assert fresh.post_receipt(key=new_key()).status_code == 200
    assert fresh.status()["pending"] == 10
    assert fresh.ofd_health()["receipts_received"] == 0


def test_example_3_recovery(fresh: KKT) -> None:
    fresh.ofd_config(permanent_failure=True)
    for _ in range(5):  # as the document's curl sends it: -d @file, no Content-Type
        response = fresh.http.post(
            f"{fresh.endpoints.adapter}/v1/kkt/receipt",
            content=SAMPLE_RECEIPT.read_bytes(),
            headers={"Idempotency-Key": new_key(), "Content-Type": CURL_FORM},
        )
        assert response.status_code == 200, response.text
    assert fresh.status()["pending"] == 5

    fresh.ofd_config(permanent_failure=False)
    fresh.sync()  # or wait for the scheduled one; the breaker may still refuse a while
    status = wait_until(
        fresh.status, lambda status: status["synced"] == 5, timeout=120, what="all 5 synced"
    )
    assert status["pending"] == 0
    assert fresh.ofd_health()["receipts_received"] == 5


def test_example_4_debugging(fresh: KKT, receipts_stack: Any, database: Any) -> None:
    fresh.ofd_config(permanent_failure=True)
    created = fresh.create_receipt()
    fresh.sync()
    logs = receipts_stack.compose("logs", ADAPTER, "--tail=100").stdout
    assert "/v1/kkt/receipt" in logs or "Uvicorn" in logs or "uvicorn" in logs, logs[-2000:]
    assert fresh.status()["pending"] == 1  # curl .../v1/kkt/buffer/status | jq
    assert fresh.ofd_health()["permanent_failure"] is True  # curl .../ofd/v1/health | jq
    # The document's `sqlite3 buffer.db "SELECT * FROM receipts;"`: the receipts collection.
    (stored,) = list(database["receipts"].find())
    assert str(stored["_id"]) == created["receipt_id"] and stored["status"] == "pending"
    assert stored["attempts"] >= 1 and stored["last_error"]
    listed = fresh.http.get(f"{fresh.endpoints.adapter}/receipts", params={"status": "pending"})
    assert [item["_id"] for item in listed.json()] == [created["receipt_id"]]


def test_services_failure_modes_set_from_inside_the_mock(fresh: KKT, receipts_stack: Any) -> None:
    # The document's Services section, as written: curl run inside the mock's container.
    run = receipts_stack.compose(
        "exec", "-T", "mock_ofd",
        "curl", "-sf", "-X", "POST", "http://localhost:9000/ofd/v1/_test/config",
        "-d", '{"permanent_failure": true}',
        check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert fresh.ofd_health()["permanent_failure"] is True
    fresh.ofd_config(failure_count=5, permanent_failure=False)  # requests.post(..., json=...)
    assert fresh.ofd_health()["failure_count"] == 5


# --- the OFD failing --------------------------------------------------------------------------


def test_transient_failures_deliver_each_receipt_once(fresh: KKT) -> None:
    fresh.ofd_config(failure_count=2)
    keys = [fresh.create_receipt()["idempotency_key"] for _ in range(5)]
    fresh.drain()
    assert sorted(accepted_keys(fresh.ofd_received())) == sorted(keys)
    assert fresh.ofd_health()["receipts_received"] == 5


def test_the_breaker_opens_refuses_half_opens_and_closes(fresh: KKT) -> None:
    created = fresh.create_receipt()
    fresh.ofd_config(permanent_failure=True)
    opened = wait_until(
        fresh.sync,
        lambda result: result["breaker"] == "open",
        timeout=120,
        what="the breaker opens after CIRCUIT_BREAKER_THRESHOLD failures",
    )
    assert opened["pending"] == 1
    refused = fresh.sync()
    assert refused["breaker"] == "open" and "breaker" in refused["error"]
    assert fresh.health()["ofd"] == "open"
    assert fresh.receipt(created["receipt_id"])["status"] == "pending"

    fresh.ofd_config(permanent_failure=False)
    wait_until(
        fresh.status,
        lambda status: status["breaker"] == "half-open",
        timeout=120,
        what="the API's breaker half-open after CIRCUIT_BREAKER_TIMEOUT",
    )
    # Only a call through the API's own breaker closes it, and the scheduled sync (the
    # flows container, with a breaker of its own) may send a pending receipt first: one
    # more receipt each time, until the API's sync is the one that sends it.
    keys = [created["idempotency_key"]]

    def sync_another() -> dict[str, Any]:
        keys.append(fresh.create_receipt()["idempotency_key"])
        return fresh.sync()

    wait_until(
        sync_another,
        lambda result: result["breaker"] == "closed",
        timeout=120,
        what="closed by the trial call's success",
    )
    fresh.drain()
    assert fresh.status()["breaker"] == "closed"
    assert fresh.receipt(created["receipt_id"])["status"] == "synced"
    assert sorted(accepted_keys(fresh.ofd_received())) == sorted(keys)  # each once


# --- idempotency and the buffer ---------------------------------------------------------------


def test_same_receipt_twice_is_stored_and_forwarded_once(fresh: KKT, database: Any) -> None:
    key = new_key()
    first = fresh.post_receipt(key=key)
    again = fresh.post_receipt(key=key)
    assert first.status_code == again.status_code == 200
    assert again.json()["receipt_id"] == first.json()["receipt_id"]
    assert database["receipts"].count_documents({"idempotency_key": key}) == 1
    fresh.drain()
    assert accepted_keys(fresh.ofd_received()) == [key]
    assert fresh.ofd_health()["receipts_received"] == 1


def test_a_full_buffer_refuses_with_503_and_loses_nothing(fresh: KKT) -> None:
    fresh.ofd_config(permanent_failure=True)
    limit = fresh.status()["max_size"]  # BUFFER_MAX_SIZE: 100 in the test stack
    keys = [new_key() for _ in range(limit)]
    for key in keys:
        assert fresh.post_receipt(key=key).status_code == 200
    status = fresh.status()
    assert status["pending"] == limit and status["alert"] is True and status["warning"]

    refused = fresh.post_receipt(key=new_key())
    assert refused.status_code == 503 and "full" in refused.json()["detail"]
    assert fresh.status()["total"] == limit

    fresh.ofd_config(permanent_failure=False)
    fresh.drain(timeout=300)
    assert sorted(accepted_keys(fresh.ofd_received())) == sorted(keys)


# --- schedules --------------------------------------------------------------------------------


def test_the_scheduled_sync_forwards_receipts_without_being_asked(fresh: KKT) -> None:
    created = fresh.create_receipt()
    wait_until(
        lambda: fresh.receipt(created["receipt_id"])["status"],
        lambda status: status == "synced",
        timeout=120,
        what="synced by the sync scheduled every SYNC_INTERVAL",
    )
    assert fresh.ofd_health()["receipts_received"] == 1


def test_heartbeats_arrive_at_the_odoo_mock(fresh: KKT) -> None:
    health = wait_until(
        fresh.odoo_health,
        lambda health: health["heartbeat_count"] >= 2,
        timeout=180,
        what="two heartbeats every HEARTBEAT_INTERVAL",
    )
    assert health["last_heartbeat"]
    beat = fresh.odoo_received()[-1]["json"]
    assert beat["kkt_id"] == "KKT-001" and beat["status"] == "online"
    assert isinstance(beat["buffer_fullness"], float | int)


# --- concurrency and crashes ------------------------------------------------------------------


def test_concurrent_syncs_send_no_receipt_twice(fresh: KKT) -> None:
    fresh.ofd_config(permanent_failure=True)  # buffer them all first
    keys = [fresh.create_receipt()["idempotency_key"] for _ in range(30)]
    fresh.ofd_reset()  # answering again; calls counted from here
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: fresh.sync(), range(4)))  # and the scheduled one, meanwhile
    fresh.drain()
    assert fresh.ofd_health()["call_count"] == 30  # not one send more
    assert sorted(accepted_keys(fresh.ofd_received())) == sorted(keys)


def test_two_adapter_replicas_syncing_at_once_send_no_receipt_twice(
    fresh: KKT, receipts_stack: Any
) -> None:
    fresh.ofd_config(permanent_failure=True)  # buffer them all first
    keys = [fresh.create_receipt()["idempotency_key"] for _ in range(30)]
    fresh.ofd_reset()
    # A second adapter container on the stack's network, as a scaled-out deployment runs
    # it (no port of its own on the host: it is reached from inside).
    replica = f"{receipts_stack.stack.compose_name}-{ADAPTER}-replica"
    receipts_stack.compose("run", "-d", "--no-deps", "--name", replica, ADAPTER)
    try:
        container = receipts_stack.client.containers.get(replica)
        wait_until(
            lambda: container.exec_run(["python", "-c", _GET_HEALTH]).exit_code,
            lambda code: code == 0,
            timeout=180,
            what="the second replica serving",
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            in_replica = pool.submit(container.exec_run, ["python", "-c", _POST_SYNC])
            fresh.sync()  # the first replica, at the same time
            outcome = in_replica.result(timeout=300)
        assert outcome.exit_code == 0, outcome.output.decode(errors="replace")
        fresh.drain()
    finally:
        receipts_stack.client.containers.get(replica).remove(force=True)
    assert fresh.ofd_health()["call_count"] == 30  # not one send more
    assert sorted(accepted_keys(fresh.ofd_received())) == sorted(keys)


_GET_HEALTH = "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/health', timeout=3)"
_POST_SYNC = (
    "import urllib.request as u; "
    "u.urlopen(u.Request('http://127.0.0.1:8000/v1/kkt/buffer/sync', method='POST'), timeout=240)"
)


def test_the_adapter_killed_mid_sync_loses_and_doubles_nothing(
    fresh: KKT, receipts_stack: Any
) -> None:
    fresh.ofd_config(permanent_failure=True)
    keys = [fresh.create_receipt()["idempotency_key"] for _ in range(20)]
    fresh.ofd_reset()
    fresh.ofd_config(latency_ms=300)  # a slow OFD: the sync is still running when killed

    syncing = threading.Thread(target=lambda: _sync_ignoring_the_crash(fresh), daemon=True)
    syncing.start()
    wait_until(
        lambda: len(fresh.ofd_received()), lambda count: count >= 3, timeout=120, what="mid-sync"
    )
    receipts_stack.compose("kill", ADAPTER)
    receipts_stack.compose("start", ADAPTER)
    receipts_stack.wait_healthy(ADAPTER)
    syncing.join(timeout=120)

    fresh.ofd_config(latency_ms=0)
    status = fresh.drain(timeout=300)  # the dead holder's lock expires first
    assert status["synced"] == 20 and status["total"] == 20  # nothing lost
    accepted = accepted_keys(fresh.ofd_received())
    assert sorted(accepted) == sorted(keys)  # each accepted by the OFD exactly once
    assert fresh.ofd_health()["receipts_received"] == 20


def _sync_ignoring_the_crash(kkt: KKT) -> None:
    try:
        kkt.http.post(f"{kkt.endpoints.adapter}/v1/kkt/buffer/sync")
    except Exception:  # noqa: BLE001 - the connection dies with the container, on purpose
        return
