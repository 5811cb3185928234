"""The project's settings: environment variables with a default and a test value."""

from pulpo import setting

PEER_URL = setting("PEER_URL", "http://127.0.0.1:9", description="Where the peer listens.")
PEER_TIMEOUT = setting("PEER_TIMEOUT", 10.0, test=2.0)
