"""The adapter and its mocks over HTTP, as the tests (and the design document's curl) drive them.

Shared by the example's integration and Docker tests and by Pulpo's own end-to-end test
of the example (``tests/e2e/test_receipts_example.py``). Where the services are comes
from the environment, with the design document's host ports as the fallback:

=====================  ==========================  ===================================
variable               default                     what
=====================  ==========================  ===================================
``PULPO_API_URL``      ``http://localhost:8001``   the adapter (the system under test)
``MOCK_OFD_URL``       ``http://localhost:9000``   the mock OFD
``MOCK_ODOO_URL``      ``http://localhost:8070``   the mock Odoo
=====================  ==========================  ===================================

Inside the test stack's ``test_runner`` container the stack sets them to the services
(``http://kkt_adapter:8000``...). ``KKT_ADAPTER_URL`` is taken too, for the adapter.
"""

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_RECEIPT = FIXTURES / "sample_receipt.json"

T = TypeVar("T")


def sample_receipt() -> dict[str, Any]:
    """``tests/fixtures/sample_receipt.json``, what the document's curl posts."""
    receipt: dict[str, Any] = json.loads(SAMPLE_RECEIPT.read_text(encoding="utf-8"))
    return receipt


def new_key() -> str:
    """A fresh Idempotency-Key, as ``$(uuidgen)`` makes one."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Endpoints:
    """Where the adapter and the two mocks answer."""

    adapter: str
    ofd: str
    odoo: str

    @classmethod
    def from_env(cls) -> "Endpoints":
        return cls(
            adapter=(
                os.environ.get("PULPO_API_URL")
                or os.environ.get("KKT_ADAPTER_URL")
                or "http://localhost:8001"
            ).rstrip("/"),
            ofd=os.environ.get("MOCK_OFD_URL", "http://localhost:9000").rstrip("/"),
            odoo=os.environ.get("MOCK_ODOO_URL", "http://localhost:8070").rstrip("/"),
        )


def wait_until(
    probe: Callable[[], T], done: Callable[[T], bool], *, timeout: float, what: str
) -> T:
    """Call ``probe`` until ``done`` says yes; its last value. A hang bound, not a timing."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s; last: {value!r}")
        time.sleep(0.25)


@dataclass
class KKT:
    """One HTTP client for the adapter and its mocks."""

    endpoints: Endpoints
    timeout: float = 60.0
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=self.timeout)

    def close(self) -> None:
        self.http.close()

    # --- the adapter ----------------------------------------------------------------------

    def post_receipt(
        self, receipt: dict[str, Any] | None = None, key: str | None = None
    ) -> httpx.Response:
        """``POST /v1/kkt/receipt`` with ``Idempotency-Key: key`` (none when ``key`` is "")."""
        headers = {} if key == "" else {"Idempotency-Key": key or new_key()}
        return self.http.post(
            f"{self.endpoints.adapter}/v1/kkt/receipt",
            json=sample_receipt() if receipt is None else receipt,
            headers=headers,
        )

    def create_receipt(self, key: str | None = None) -> dict[str, Any]:
        """A sample receipt accepted under ``key`` (a fresh one by default): the answer."""
        response = self.post_receipt(key=key)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def status(self) -> dict[str, Any]:
        """``GET /v1/kkt/buffer/status``."""
        return self._json("GET", f"{self.endpoints.adapter}/v1/kkt/buffer/status")

    def sync(self) -> dict[str, Any]:
        """``POST /v1/kkt/buffer/sync``, no body."""
        return self._json("POST", f"{self.endpoints.adapter}/v1/kkt/buffer/sync")

    def heartbeat(self) -> dict[str, Any]:
        return self._json("POST", f"{self.endpoints.adapter}/v1/kkt/heartbeat")

    def health(self) -> dict[str, Any]:
        """``GET /v1/health``: the adapter's own health."""
        return self._json("GET", f"{self.endpoints.adapter}/v1/health")

    def receipt(self, receipt_id: str) -> dict[str, Any]:
        return self._json("GET", f"{self.endpoints.adapter}/receipts/{receipt_id}")

    def drain(self, timeout: float = 90) -> dict[str, Any]:
        """Sync until nothing is pending (the OFD must accept): the last status.

        Waits out an open breaker, which refuses until its timeout has passed.
        """

        def synced() -> dict[str, Any]:
            self.sync()
            return self.status()

        return wait_until(
            synced, lambda status: status["pending"] == 0, timeout=timeout, what="buffer drained"
        )

    # --- the mocks ------------------------------------------------------------------------

    def ofd_health(self) -> dict[str, Any]:
        return self._json("GET", f"{self.endpoints.ofd}/ofd/v1/health")

    def ofd_config(self, **config: Any) -> dict[str, Any]:
        """``POST /ofd/v1/_test/config``: ``permanent_failure``, ``failure_count``..."""
        return self._json("POST", f"{self.endpoints.ofd}/ofd/v1/_test/config", json=config)

    def ofd_reset(self) -> None:
        self._json("POST", f"{self.endpoints.ofd}/ofd/v1/_test/reset")

    def ofd_received(self) -> list[dict[str, Any]]:
        """Every call the mock OFD recorded (the latest 1000), replays included."""
        calls: list[dict[str, Any]] = self._json(
            "GET", f"{self.endpoints.ofd}/ofd/v1/_test/received"
        )["calls"]
        return calls

    def odoo_health(self) -> dict[str, Any]:
        return self._json("GET", f"{self.endpoints.odoo}/api/v1/health")

    def odoo_reset(self) -> None:
        self._json("POST", f"{self.endpoints.odoo}/api/v1/_test/reset")

    def odoo_received(self) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self._json(
            "GET", f"{self.endpoints.odoo}/api/v1/_test/received"
        )["calls"]
        return calls

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.http.request(method, url, **kwargs)
        assert response.status_code == 200, (
            f"{method} {url}: {response.status_code} {response.text}"
        )
        return response.json()


def accepted_keys(calls: list[dict[str, Any]]) -> list[str]:
    """The Idempotency-Keys of the receipts the OFD accepted (first sends, not replays)."""
    return [
        call["idempotency_key"]
        for call in calls
        if call["path"] == "/ofd/v1/receipt" and not call["replayed"]
    ]
