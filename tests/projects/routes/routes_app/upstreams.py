"""A peer service the project declares (and never calls: /health reports its breaker)."""

from pulpo import Breaker, Mock, MockRoute, upstream
from routes_app.settings import PEER_TIMEOUT, PEER_URL

peer = upstream(
    "peer",
    url=PEER_URL,
    timeout=PEER_TIMEOUT,
    breaker=Breaker(threshold=2, reset_timeout=30.0),
    mock=Mock(port=9300, routes=[MockRoute("POST", "/echo", answer={"id": "P-{sequence:03d}"})]),
)
