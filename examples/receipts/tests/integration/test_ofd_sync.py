"""Receipts from the till to the OFD, through the adapter of the running test stack.

The design document's ``test_ofd_sync.py``, made real: every test drives the adapter
and the mock OFD over HTTP and checks what the OFD received. Run inside the stack::

    docker compose -f docker-compose.test.yml exec test_runner \\
      pytest tests/integration/test_ofd_sync.py::test_happy_path_online_sale -v

or from the host against its published ports (``pytest tests/integration``).
Afterwards ``curl http://localhost:9000/ofd/v1/health | jq '.receipts_received'`` shows
what the last test sent (1 after the happy path): each test resets the mock first.
"""

import pytest
from kkt_client import KKT, accepted_keys, new_key

pytestmark = pytest.mark.integration


def test_happy_path_online_sale(kkt: KKT) -> None:
    kkt.ofd_reset()
    before = kkt.status()
    key = new_key()
    accepted = kkt.create_receipt(key)
    assert accepted["status"] == "pending" and accepted["payload"]["pos_id"] == "POS-001"

    synced = kkt.drain()  # POST /v1/kkt/buffer/sync (or the scheduled sync, first)
    assert synced["synced"] == before["synced"] + 1
    receipt = kkt.receipt(accepted["receipt_id"])
    assert receipt["status"] == "synced" and receipt["ofd_id"].startswith("OFD-")
    assert kkt.ofd_health()["receipts_received"] == 1
    assert accepted_keys(kkt.ofd_received()) == [key]


def test_offline_sale_is_buffered(kkt: KKT) -> None:
    kkt.ofd_reset()
    kkt.ofd_config(permanent_failure=True)
    for _ in range(10):
        assert kkt.create_receipt()["status"] == "pending"
    kkt.sync()
    assert kkt.status()["pending"] == 10
    assert kkt.ofd_health()["receipts_received"] == 0


def test_recovery_syncs_every_buffered_receipt_once(kkt: KKT) -> None:
    kkt.ofd_reset()
    before = kkt.status()
    kkt.ofd_config(permanent_failure=True)
    keys = [kkt.create_receipt()["idempotency_key"] for _ in range(5)]
    assert kkt.status()["pending"] == 5

    kkt.ofd_config(permanent_failure=False)
    after = kkt.drain()
    assert after["synced"] == before["synced"] + 5
    assert kkt.ofd_health()["receipts_received"] == 5
    assert sorted(accepted_keys(kkt.ofd_received())) == sorted(keys)


def test_transient_failures_deliver_each_receipt_once(kkt: KKT) -> None:
    kkt.ofd_reset()
    kkt.ofd_config(failure_count=2)
    keys = [kkt.create_receipt()["idempotency_key"] for _ in range(3)]
    kkt.drain()
    assert sorted(accepted_keys(kkt.ofd_received())) == sorted(keys)
    assert kkt.ofd_health()["receipts_received"] == 3


def test_same_receipt_twice_is_stored_and_forwarded_once(kkt: KKT) -> None:
    kkt.ofd_reset()
    before = kkt.status()
    key = new_key()
    first = kkt.post_receipt(key=key)
    again = kkt.post_receipt(key=key)
    assert first.status_code == again.status_code == 200
    assert again.json()["receipt_id"] == first.json()["receipt_id"]
    assert kkt.status()["total"] == before["total"] + 1
    kkt.drain()
    assert accepted_keys(kkt.ofd_received()) == [key]


def test_receipt_without_idempotency_key_is_refused(kkt: KKT) -> None:
    before = kkt.status()
    response = kkt.post_receipt(key="")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert kkt.status()["total"] == before["total"]


def test_heartbeat_reaches_odoo(kkt: KKT) -> None:
    before = kkt.odoo_health()["heartbeat_count"]
    assert kkt.heartbeat()["delivered"] is True
    health = kkt.odoo_health()
    assert health["heartbeat_count"] >= before + 1 and health["last_heartbeat"]
    assert kkt.odoo_received()[-1]["json"]["status"] == "online"
