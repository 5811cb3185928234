"""Upstreams and their mocks, each wrong in one way but the first."""

from pulpo import Breaker, Mock, MockRoute, Retry, setting, upstream

OFD_URL = setting("OFD_URL", "http://localhost:9000")
OFD_TIMEOUT = setting("OFD_TIMEOUT", 5.0, test=0.0)

good = upstream(
    "good",
    url=OFD_URL,
    mock=Mock(
        port=9100,
        routes=[MockRoute("POST", "/v1/x", answer={"id": "X-{sequence:04d}", "at": "{now}"})],
    ),
)
dashed = upstream("bad-name", url="http://a.example")
again = upstream("good", url="http://b.example")
no_scheme = upstream("no_scheme", url="ofd.example.com")
int_url = upstream("int_url", url=setting("PORTLESS", 5))  # type: ignore[arg-type]
slow = upstream("slow", url="http://c.example", timeout=OFD_TIMEOUT)
never = upstream("never", url="http://d.example", retry=Retry(attempts=0))
touchy = upstream("touchy", url="http://d.example", breaker=Breaker(threshold=-1))
port_zero = upstream("port_zero", url="http://e.example", mock=Mock(port=0))
same_port = upstream("same_port", url="http://f.example", mock=Mock(port=9100))
fetching = upstream(
    "fetching", url="http://g.example", mock=Mock(port=9101, routes=[MockRoute("FETCH", "/x")])
)
twice = upstream(
    "twice",
    url="http://h.example",
    mock=Mock(port=9102, routes=[MockRoute("POST", "/x"), MockRoute("POST", "/x")]),
)
on_health = upstream(
    "on_health",
    url="http://i.example",
    mock=Mock(port=9103, health="/h", routes=[MockRoute("GET", "/h")]),
)
serial = upstream(
    "serial",
    url="http://j.example",
    mock=Mock(port=9104, routes=[MockRoute("POST", "/x", answer={"id": "{serial}"})]),
)
bad_format = upstream(
    "bad_format",
    url="http://k.example",
    mock=Mock(port=9105, routes=[MockRoute("POST", "/x", answer={"id": "{sequence:q}"})]),
)
not_json = upstream(
    "not_json",
    url="http://l.example",
    mock=Mock(port=9106, failure_answer={"at": {1, 2}}),
)
