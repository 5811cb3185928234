"""One upstream with a mock, the settings around it, and an operation that calls it."""

from pydantic import BaseModel

from pulpo import Mock, MockRoute, operation, setting, upstream

OFD_API_URL = setting(
    "OFD_API_URL", "https://ofd.example.com", description="Where the fiscal data operator is."
)
OFD_TIMEOUT = setting("OFD_TIMEOUT", 10.0, test=5.0, description="Seconds an OFD call may take.")
GREETING = setting("GREETING", "hello", test="hello, test stack", description="What ping says.")

ofd = upstream(
    "ofd",
    url=OFD_API_URL,
    timeout=OFD_TIMEOUT,
    mock=Mock(
        port=9100,
        health="/ofd/v1/health",
        control="/ofd/v1/_test",
        failure_answer={"error": "OFD unavailable"},
        routes=[
            MockRoute(
                "POST",
                "/ofd/v1/receipt",
                counter="receipts_received",
                answer={"status": "accepted", "ofd_id": "OFD-{sequence:06d}"},
            )
        ],
    ),
)


class Sent(BaseModel):
    ofd_id: str
    greeting: str


@operation("stacked.ofd.send")
async def send(text: str) -> Sent:
    """Send ``text`` to the OFD; answer the id it gives."""
    response = await ofd.post("/ofd/v1/receipt", json={"text": text})
    return Sent(ofd_id=response.json()["ofd_id"], greeting=GREETING.get())
