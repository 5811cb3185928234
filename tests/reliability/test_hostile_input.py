"""No input breaks a generated API: hostile requests over real HTTP, answered 4xx, never 5xx.

The Pokemon example and the awkward project are served by uvicorn on loopback
(with their default limits, and with limits changed through the settings' own
environment variables) against the session's MongoDB-wire server. Requests that a
client library would not send (a declared length larger than what follows, a body
that never ends, several requests on one connection) are written on a socket and
read back with h11, the HTTP parser uvicorn itself uses.
"""

import json
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import h11
import httpx
import pytest
from served_app import serving

from pulpo.discover import discover
from pulpo.generate import compile_project
from pulpo.validate import validate

pytestmark = pytest.mark.reliability

SUITE = "hostile input over HTTP"

AWKWARD = Path(__file__).resolve().parents[1] / "projects" / "awkward"
MiB = 1024 * 1024
INT64_MAX = 2**63 - 1
JSON = {"Content-Type": "application/json"}
HANG = 20  # seconds: a bound that only a hang exceeds
MEW = b'{"name": "Mew", "element": "Psychic"}'


@pytest.fixture(scope="module")
def api(pokemon_project: Path, mongodb_url: str) -> Iterator[httpx.Client]:
    with serving(pokemon_project, mongodb_url, prefix="hostile") as client:
        yield client


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory, mongodb_url: str) -> Iterator[httpx.Client]:
    project = tmp_path_factory.mktemp("awkward") / "awkward"
    shutil.copytree(AWKWARD, project, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    compile_project(validate(discover(project)))
    with serving(project, mongodb_url, prefix="hostile") as client:
        yield client


def raw_json(api: httpx.Client, path: str, text: str, method: str = "POST") -> httpx.Response:
    """Send ``text`` as it is: JSON a client library would refuse to write."""
    return api.request(method, path, content=text.encode("utf-8", "surrogatepass"), headers=JSON)


def locations(response: httpx.Response) -> list[list[object]]:
    assert response.status_code == 422, (response.status_code, response.text[:300])
    return [error["loc"] for error in response.json()["detail"]]


def local_port(response: httpx.Response) -> int:
    """The client's port of the connection that carried ``response``."""
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def new_pokemon(api: httpx.Client, **fields: object) -> dict[str, Any]:
    response = api.post("/pokemons", json={"name": "Eevee", "element": "Normal", **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class RawConnection:
    """One TCP connection to the app, spoken to with h11: what httpx would not send."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.host = f"{address.hostname}:{address.port}"
        self.socket = socket.create_connection((address.hostname, address.port), timeout=HANG)
        self.http = h11.Connection(h11.CLIENT)

    def start(self, method: str, target: str, headers: dict[str, str]) -> None:
        fields = [("Host", self.host), *headers.items()]
        request = h11.Request(method=method, target=target, headers=fields)
        self.socket.sendall(self.http.send(request) or b"")

    def send(self, data: bytes) -> None:
        self.socket.sendall(self.http.send(h11.Data(data=data)) or b"")

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """The next response: status, headers and body (read until its end)."""
        status, headers, body = 0, {}, b""
        while True:
            event = self.http.next_event()
            if event is h11.NEED_DATA:
                self.http.receive_data(self.socket.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {name.decode(): value.decode() for name, value in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, body

    def close(self) -> None:
        self.socket.close()


@contextmanager
def raw_connection(api: httpx.Client) -> Iterator[RawConnection]:
    connection = RawConnection(str(api.base_url))
    try:
        yield connection
    finally:
        connection.close()


# --- integers BSON cannot store -----------------------------------------------------------------


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_integers_beyond_64_bits_in_a_body_are_422_naming_the_field(
    api: httpx.Client, value: int
) -> None:
    assert ["body", "experience"] in locations(
        api.post("/pokemons", json={"name": "Mew", "element": "Psychic", "experience": value})
    )
    created = new_pokemon(api)
    assert ["body", "experience"] in locations(
        api.patch(f"/pokemons/{created['_id']}", json={"experience": value})
    )
    assert api.get(f"/pokemons/{created['_id']}").json() == created
    battle = {"trainer1_name": "Red", "trainer2_name": "Blue", "seed": value}
    assert ["body", "seed"] in locations(
        api.post("/operations/pokemon/battles/trainer_execute", json=battle)
    )


def test_the_largest_64_bit_integer_is_stored_and_read_back(api: httpx.Client) -> None:
    created = new_pokemon(api, experience=INT64_MAX)
    assert api.get(f"/pokemons/{created['_id']}").json()["experience"] == INT64_MAX


@pytest.mark.parametrize("parameter", ["experience", "level", "skip"])
def test_integers_beyond_64_bits_in_a_query_are_422(api: httpx.Client, parameter: str) -> None:
    for value in (2**63, -(2**63) - 1):
        response = api.get("/pokemons", params={parameter: str(value)})
        assert response.status_code == 422, (parameter, value, response.text[:300])
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/pokemons", {"name": "Mew", "element": "Psychic", "level": True}, "level"),
        ("/pokemons", {"name": "Mew", "element": "Psychic", "level": "5"}, "level"),
        ("/trainers", {"name": "Red", "badges": False}, "badges"),
        (
            "/operations/pokemon/management/train",
            {"pokemon_name": "Mew", "training_hours": True},
            "training_hours",
        ),
    ],
)
def test_a_json_type_the_openapi_does_not_allow_is_422(
    api: httpx.Client, path: str, body: dict[str, Any], field: str
) -> None:
    # pydantic alone would read true as 1 and "5" as 5; the schema says integer.
    assert ["body", field] in locations(api.post(path, json=body))


def test_a_patch_sets_null_only_where_the_model_takes_it(api: httpx.Client) -> None:
    created = new_pokemon(api)
    assert ["body", "level"] in locations(
        api.patch(f"/pokemons/{created['_id']}", json={"level": None})
    )
    trainer = api.post("/trainers", json={"name": f"Null-{created['_id']}", "region": "Kanto"})
    cleared = api.patch(f"/trainers/{trainer.json()['_id']}", json={"region": None})
    assert cleared.status_code == 200 and cleared.json()["region"] is None


def test_a_date_filter_takes_iso_8601_only(api: httpx.Client) -> None:
    # Pydantic alone would read "0.5" as half a second after 1970.
    for value in ("0.5", "20240101", "tomorrow"):
        response = api.get("/fight_results", params={"created_at": value})
        assert ["query", "created_at"] in locations(response), (value, response.text[:300])
    iso = api.get("/fight_results", params={"created_at": "2026-11-29T12:00:00Z"})
    assert iso.status_code == 200


# --- numbers, strings, keys ---------------------------------------------------------------------


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_numbers_json_cannot_hold_are_422(api: httpx.Client, number: str) -> None:
    response = raw_json(
        api, "/pokemons", f'{{"name": "Mew", "element": "Psychic", "level": {number}}}'
    )
    assert response.status_code == 422, response.text[:300]
    assert response.json()["detail"]


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ud83d x"])
def test_a_lone_surrogate_in_a_body_is_422(api: httpx.Client, escape: str) -> None:
    response = raw_json(api, "/pokemons", f'{{"name": "Mew{escape}", "element": "Psychic"}}')
    assert response.status_code == 422, response.text[:300]
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_bytes_that_are_not_utf8_in_a_body_are_422(api: httpx.Client) -> None:
    body = b'{"name": "Mew\xff", "element": "Psychic"}'
    assert api.post("/pokemons", content=body, headers=JSON).status_code == 422


def test_a_surrogate_pair_is_a_character_and_is_stored(api: httpx.Client) -> None:
    response = raw_json(api, "/pokemons", '{"name": "Mew\\ud83d\\ude00", "element": "Psychic"}')
    assert response.status_code == 201 and response.json()["name"] == "Mew\U0001f600"


@pytest.mark.parametrize("encoded", ["%ed%a0%80", "%ff", "Mew%c3"])
def test_a_query_string_that_is_not_utf8_is_422(api: httpx.Client, encoded: str) -> None:
    assert ["query", "name"] in locations(api.get(f"/pokemons?name={encoded}"))
    assert api.get("/pokemons?name=Pok%C3%A9mon").status_code == 200


def test_an_operator_where_a_value_belongs_is_422(api: httpx.Client) -> None:
    created = new_pokemon(api)
    for response in (
        api.post("/pokemons", json={"name": {"$gt": ""}, "element": "Fire"}),
        api.patch(f"/pokemons/{created['_id']}", json={"name": {"$ne": None}}),
        api.patch(f"/pokemons/{created['_id']}", json={"name": {"regex": ".*"}}),
    ):
        assert any(loc[:2] == ["body", "name"] for loc in locations(response))
    assert api.get(f"/pokemons/{created['_id']}").json() == created
    assert api.get("/pokemons", params={"name[$ne]": "x"}).status_code == 422


def test_strings_longer_than_the_limit_are_422(api: httpx.Client) -> None:
    assert ["body", "name"] in locations(
        api.post("/pokemons", json={"name": "x" * 65_537, "element": "Fire"})
    )
    assert new_pokemon(api, name="x" * 65_536)["name"] == "x" * 65_536


# --- bodies: size, type, error size -------------------------------------------------------------


def test_a_body_over_the_limit_is_answered_before_it_is_sent(api: httpx.Client) -> None:
    with raw_connection(api) as connection:
        connection.start(
            "POST", "/pokemons", {**JSON, "Content-Length": str(100 * MiB)}
        )  # and not one byte of the body
        status, headers, body = connection.response()
    assert status == 413
    assert "detail" in json.loads(body)


def test_a_2_mib_body_is_413_and_the_connection_serves_the_next_request(api: httpx.Client) -> None:
    body = json.dumps({"name": "Mew", "element": "Psychic", "attacks": ["x" * 1000] * 2100})
    assert len(body) > 2 * MiB
    too_large = api.post("/pokemons", content=body.encode(), headers=JSON)
    assert too_large.status_code == 413 and too_large.json()["detail"]
    after = api.get("/health")
    assert after.status_code == 200 and local_port(after) == local_port(too_large)


def test_a_chunked_body_is_cut_off_at_the_limit(api: httpx.Client) -> None:
    with raw_connection(api) as connection:
        connection.start("POST", "/pokemons", {**JSON, "Transfer-Encoding": "chunked"})
        connection.send(b'{"name": "' + b"x" * (MiB // 2))
        connection.send(b"x" * (MiB // 2))
        connection.send(b"x" * (MiB // 2))  # and no end of the body
        status, _, body = connection.response()
    assert status == 413 and json.loads(body)["detail"]


@pytest.mark.parametrize(
    "send",
    [
        {
            "content": b'{"name": "Mew", "element": "Psychic"}',
            "headers": {"Content-Type": "text/plain"},
        },
        {"data": {"name": "Mew", "element": "Psychic"}},
        {"files": {"name": ("mew.json", b"{}")}},
        {"content": MEW},
    ],
    ids=["text", "form", "multipart", "no content type"],
)
def test_a_body_that_is_not_json_is_415(api: httpx.Client, send: dict[str, Any]) -> None:
    response = api.post("/pokemons", **send)
    assert response.status_code == 415, response.text[:300]
    assert "JSON" in response.json()["detail"]


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_json_sent_as_curls_default_form_type_is_read_as_json(api: httpx.Client) -> None:
    """``curl -d '{...}'`` without ``-H 'Content-Type: application/json'``: read as JSON,
    and as strictly (a bad body is still a 422, a form that is a form still a 415)."""
    created = api.post("/pokemons", content=b' {"name": "Mew", "element": "Psychic"}', headers=FORM)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Mew"
    wrong = api.post(
        "/pokemons", content=b'{"name": "Mew", "element": "Psychic", "level": true}', headers=FORM
    )
    assert wrong.status_code == 422, wrong.text
    broken = api.post("/pokemons", content=b'{"name": "Mew", NaN}', headers=FORM)
    assert broken.status_code == 422, broken.text
    form = api.post("/pokemons", content=b"name=Mew&element=Psychic", headers=FORM)
    assert form.status_code == 415, form.text


def test_a_large_invalid_body_gets_a_short_422(api: httpx.Client) -> None:
    # Within every limit, invalid twice: FastAPI would echo it whole, twice.
    body = json.dumps({"colour": ["x" * 60_000] * 16})
    assert len(body) > 900_000
    response = api.post("/pokemons", content=body.encode(), headers=JSON)
    assert response.status_code == 422
    assert len(response.content) < 10_000
    assert {"name", "colour"} <= {error["loc"][-1] for error in response.json()["detail"]}


# --- HEAD and Allow -----------------------------------------------------------------------------


def test_every_get_route_answers_head_with_its_headers_and_no_body(api: httpx.Client) -> None:
    created = new_pokemon(api)
    for path in ("/health", "/pokemons?limit=2", f"/pokemons/{created['_id']}", "/nowhere"):
        get, head = api.get(path), api.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        for header in ("content-type", "content-length", "x-total-count"):
            assert head.headers.get(header) == get.headers.get(header), (path, header)


def test_405_names_every_method_the_path_allows(api: httpx.Client) -> None:
    listing = api.delete("/pokemons")
    assert listing.status_code == 405 and listing.headers["Allow"] == "GET, HEAD, POST"
    created = new_pokemon(api)
    item = api.post(f"/pokemons/{created['_id']}", json={})
    assert item.status_code == 405
    assert item.headers["Allow"] == "DELETE, GET, HEAD, PATCH, PUT"
    operation = api.head("/operations/pokemon/management/catch")
    assert operation.status_code == 405 and operation.headers["Allow"] == "POST"


# --- overload -----------------------------------------------------------------------------------


def test_overload_is_answered_503_with_retry_after_at_once(
    pokemon_project: Path, mongodb_url: str
) -> None:
    limits = {"PULPO_MAX_REQUESTS_IN_FLIGHT": "1", "PULPO_MAX_QUEUE_WAIT_MS": "200"}
    with (
        serving(pokemon_project, mongodb_url, prefix="hostile", **limits) as api,
        raw_connection(api) as slow,
    ):
        body = b'{"name": "Slowpoke", "element": "Water"}'.ljust(100)
        slow.start("POST", "/pokemons", {**JSON, "Content-Length": "100"})
        slow.send(body[:10])  # the only slot is taken until the rest arrives
        deadline = time.monotonic() + HANG
        while (busy := api.get("/health")).status_code != 503:  # the slow request is in
            assert time.monotonic() < deadline, "the slot was never taken"
        started = time.monotonic()
        again = api.get("/pokemons")
        assert again.status_code == 503 and time.monotonic() - started < HANG
        for response in (busy, again):
            assert response.headers["Retry-After"] == "1" and response.json()["detail"]
        slow.send(body[10:])
        status, _, _ = slow.response()
        assert status == 201
        assert api.get("/health").status_code == 200  # and the slot is free again


# --- the connection survives every error --------------------------------------------------------


def test_one_connection_serves_request_after_request_whatever_they_hold(api: httpx.Client) -> None:
    created = new_pokemon(api)
    ports = {local_port(api.get("/health"))}
    for response in (
        api.post("/pokemons", json={"name": "Mew", "element": "Psychic", "experience": 2**64}),
        raw_json(api, "/pokemons", '{"name": "Mew", "element": "Psychic", "level": NaN}'),
        raw_json(api, "/pokemons", '{"name": "\\ud800", "element": "Psychic"}'),
        api.get("/pokemons?name=%ff"),
        api.get("/pokemons", params={"skip": str(2**63)}),
        api.post("/pokemons", content=b"{}", headers={"Content-Type": "text/plain"}),
        api.post("/pokemons", content=b"x" * (MiB + 1), headers=JSON),
        api.patch(f"/pokemons/{created['_id']}", json={"level": 1000}),
        api.get("/pokemons/0123456789abcdef01234567"),
        api.delete("/pokemons"),
        api.head("/pokemons"),
        api.post("/pokemons", content=b'{"name": ', headers=JSON),
    ):
        assert 200 <= response.status_code < 500, response.text[:300]
        ports.add(local_port(response))
    assert len(ports) == 1, "a response closed the connection"
    assert api.get("/health").status_code == 200


# --- a document MongoDB cannot store ------------------------------------------------------------


def test_a_document_over_mongodbs_16_mib_is_413(pokemon_project: Path, mongodb_url: str) -> None:
    roomy = {"PULPO_MAX_BODY_BYTES": str(64 * MiB), "PULPO_MAX_STRING_LENGTH": str(32 * MiB)}
    with serving(pokemon_project, mongodb_url, prefix="hostile", **roomy) as api:
        body = json.dumps({"name": "x" * (17 * MiB), "element": "Fire"}).encode()
        response = api.post("/pokemons", content=body, headers=JSON)
        assert response.status_code == 413, response.text[:300]
        assert "too large" in response.json()["detail"]
        assert api.get("/pokemons").headers["X-Total-Count"] == "0"
        assert api.get("/health").status_code == 200


# --- the awkward project: free keys, a user model as an operation's body ----------------------


@pytest.mark.parametrize("key", ["$gt", "$where", "a.b", "nul\x00"])
def test_keys_mongodb_would_read_as_operators_or_paths_are_422(
    awkward: httpx.Client, key: str
) -> None:
    name = f"order-{uuid4().hex[:6]}"
    order = {"name": name, "labels": {key: "x"}}
    assert ["body", "labels", key, "[key]"] in locations(awkward.post("/orders", json=order))
    assert ["body", "labels", key, "[key]"] in locations(
        awkward.post("/operations/shop/order/order", json=order)
    )
    created = awkward.post("/orders", json={"name": name, "labels": {"colour": "red"}})
    assert created.status_code == 201 and created.json()["labels"] == {"colour": "red"}
    order_id = created.json()["_id"]
    assert ["body", "labels", key, "[key]"] in locations(
        awkward.patch(f"/orders/{order_id}", json={"labels": {key: "y"}})
    )
    stored = awkward.get("/orders", params={"name": name}).json()
    assert [order["labels"] for order in stored] == [{"colour": "red"}]


def test_the_awkward_project_refuses_what_the_example_refuses(awkward: httpx.Client) -> None:
    router = {"type": "edge", "list": 2**63}
    assert ["body", "list"] in locations(awkward.post("/status", json=router))
    assert awkward.get("/status", params={"list": str(2**63)}).status_code == 422
    assert awkward.get("/status?type=%ff").status_code == 422
    assert raw_json(awkward, "/status", '{"type": "\\ud800"}').status_code == 422
    assert raw_json(awkward, "/status", '{"type": "edge", "list": NaN}').status_code == 422
    text = {"content": b'{"type": "edge"}', "headers": {"Content-Type": "text/plain"}}
    assert awkward.post("/status", **text).status_code == 415
    assert awkward.post("/operations/shop/router/router", **text).status_code == 415
    head = awkward.head("/status")
    assert head.status_code == 200 and head.content == b"" and "x-total-count" in head.headers
