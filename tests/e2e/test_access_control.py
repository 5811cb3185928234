"""Access control, CORS and security headers over real HTTP, switched on by the environment.

The Pokemon example is served by uvicorn on loopback against the session's
MongoDB-wire server, three ways: API keys and HS256 tokens with CORS, HSTS and small
limits (``locked``); RS256 tokens checked with a public key from a file, the docs
protected (``rs256``); API keys from a secrets file, the docs off (``keys_file``).
Tokens are made here with PyJWT. Requests a client library would not send (a body
announced and never sent) go through a socket. Every other e2e suite serves the
app with access control off, as it is by default, and needs no credentials.
"""

import base64
import hashlib
import hmac
import importlib
import json
import re
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from served_app import serving

from pulpo.http.auth import Principal, caller, key_digest

pytestmark = pytest.mark.e2e

READER, WRITER, RIVAL = (f"{name}-{uuid4().hex}{uuid4().hex}" for name in ("r", "w", "x"))
SECRET = "a-shared-secret-long-enough-for-hs256-and-then-some"
AUDIENCE, ISSUER = "pokedex", "https://oak.example"
ALLOWED, REFUSED = "https://trainers.example", "https://mallory.example"
JSON = {"Content-Type": "application/json"}
MAX_BODY = 4096
HSTS = 31536000
HANG = 20  # seconds: a bound only a hang exceeds
KEYS = (
    f"reporting:read:{key_digest(READER)} importer:read,write:{key_digest(WRITER)} "
    f"rival:read,write:{key_digest(RIVAL)}"
)


@pytest.fixture(scope="module")
def locked(pokemon_project: Path, mongodb_url: str) -> Iterator[httpx.Client]:
    settings = {
        "PULPO_AUTH": "api-key,jwt",
        "PULPO_API_KEYS": KEYS,
        "PULPO_JWT_SECRET": SECRET,
        "PULPO_JWT_AUDIENCE": AUDIENCE,
        "PULPO_JWT_ISSUER": ISSUER,
        "PULPO_CORS_ORIGINS": ALLOWED,
        "PULPO_HSTS_SECONDS": str(HSTS),
        "PULPO_MAX_BODY_BYTES": str(MAX_BODY),
        "PULPO_MAX_REQUESTS_IN_FLIGHT": "1",
        "PULPO_MAX_QUEUE_WAIT_MS": "300",
    }
    with serving(pokemon_project, mongodb_url, prefix="access", **settings) as client:
        yield client


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def rs256(
    pokemon_project: Path,
    mongodb_url: str,
    rsa_key: rsa.RSAPrivateKey,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[httpx.Client]:
    pem = tmp_path_factory.mktemp("jwt") / "public.pem"
    pem.write_bytes(public_pem(rsa_key))
    settings = {
        "PULPO_AUTH": "jwt",
        "PULPO_JWT_PUBLIC_KEY_FILE": str(pem),
        "PULPO_DOCS": "protected",
    }
    with serving(pokemon_project, mongodb_url, prefix="access", **settings) as client:
        yield client


@pytest.fixture(scope="module")
def keys_file(
    pokemon_project: Path, mongodb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    secrets = tmp_path_factory.mktemp("secrets") / "api_keys"
    secrets.write_text(f"# the reporting job\nreporting:read:{key_digest(READER)}\n")
    settings = {"PULPO_AUTH": "api-key", "PULPO_API_KEYS_FILE": str(secrets), "PULPO_DOCS": "off"}
    with serving(pokemon_project, mongodb_url, prefix="access", **settings) as client:
        yield client


def as_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def token(
    scope: str = "read write", key: Any = SECRET, algorithm: str = "HS256", **claims: Any
) -> str:
    payload = {"sub": "ash", "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 300}
    claims = {name: value for name, value in {**payload, **claims}.items() if value is not None}
    return jwt.encode({**claims, "scope": scope}, key, algorithm=algorithm)


def part(data: bytes) -> str:
    """A JWT part: unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def pokemon(**fields: object) -> dict[str, object]:
    return {"name": unique("Eevee"), "element": "Normal", **fields}


def assert_secured(response: httpx.Response) -> None:
    headers = response.headers
    assert "server" not in headers, (response.status_code, headers)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"] == f"max-age={HSTS}"


# --- who may call ---------------------------------------------------------------------------


def test_health_is_open_and_every_other_route_asks_for_credentials(locked: httpx.Client) -> None:
    assert locked.get("/health").status_code == 200
    assert locked.head("/health").status_code == 200
    for method, path in [
        ("GET", "/pokemons"),
        ("HEAD", "/pokemons"),
        ("GET", "/pokemons/0123456789abcdef01234567"),
        ("POST", "/pokemons"),
        ("PUT", "/pokemons/0123456789abcdef01234567"),
        ("PATCH", "/trainers/0123456789abcdef01234567"),
        ("DELETE", "/trainers/0123456789abcdef01234567"),
        ("POST", "/operations/pokemon/management/catch"),
        ("POST", "/flows/pokemon/evolution"),
        ("GET", "/flows/runs/some-run"),
        ("GET", "/no/such/route"),
    ]:
        response = locked.request(method, path, json=pokemon() if method != "GET" else None)
        assert response.status_code == 401, (method, path, response.text)
        challenges = response.headers.get_list("www-authenticate")
        assert challenges == ['APIKey header="X-API-Key"', "Bearer"], (method, path)
        if method != "HEAD":
            assert response.json()["detail"] == (
                "Not authenticated: send an API key in X-API-Key or a bearer token in Authorization"
            )


def test_a_read_key_reads_and_may_not_write(locked: httpx.Client) -> None:
    created = locked.post("/pokemons", json=pokemon(), headers=as_key(WRITER)).json()
    item = f"/pokemons/{created['_id']}"
    assert locked.get("/pokemons", headers=as_key(READER)).status_code == 200
    assert locked.head(item, headers=as_key(READER)).status_code == 200
    assert locked.get(item, headers=as_key(READER)).json()["name"] == created["name"]
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        path = "/pokemons" if method == "POST" else item
        body = pokemon() if method == "POST" else {"level": 2}
        response = locked.request(
            method, path, json=None if method == "DELETE" else body, headers=as_key(READER)
        )
        assert response.status_code == 403, (method, response.text)
        assert response.json()["detail"] == "This API key may not write (its scopes: read)"
    assert locked.get(item, headers=as_key(READER)).json()["level"] == created["level"]


def test_a_write_key_writes(locked: httpx.Client) -> None:
    created = locked.post("/pokemons", json=pokemon(), headers=as_key(WRITER))
    assert created.status_code == 201, created.text
    item = f"/pokemons/{created.json()['_id']}"
    assert locked.patch(item, json={"level": 7}, headers=as_key(WRITER)).json()["level"] == 7
    trainer = unique("Misty")
    operation = locked.post(
        "/operations/pokemon/management/trainer_create",
        json={"trainer_name": trainer, "region": "Kanto"},
        headers=as_key(WRITER),
    )
    assert operation.status_code == 200, operation.text
    assert locked.delete(item, headers=as_key(WRITER)).status_code == 204


@pytest.mark.parametrize("key", [READER[:-1], READER + "x", key_digest(READER), "", "not-a-key"])
def test_a_wrong_key_is_401(locked: httpx.Client, key: str) -> None:
    response = locked.get("/pokemons", headers=as_key(key))
    assert response.status_code == 401
    assert response.headers.get_list("www-authenticate")[0] == 'APIKey header="X-API-Key"'


def test_a_token_with_both_scopes_writes_and_one_with_read_only_reads(locked: httpx.Client) -> None:
    created = locked.post("/pokemons", json=pokemon(), headers=bearer(token("read write")))
    assert created.status_code == 201, created.text
    reader = bearer(token("read", sub="brock"))
    assert locked.get(f"/pokemons/{created.json()['_id']}", headers=reader).status_code == 200
    refused = locked.post("/pokemons", json=pokemon(), headers=reader)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "This token may not write (its scopes: read)"
    assert refused.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="write"'
    assert locked.get("/pokemons", headers=bearer(token("write"))).status_code == 403
    assert locked.get("/pokemons", headers=bearer(token(""))).status_code == 403


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: token(exp=int(time.time()) - 60), "The token has expired"),
        (lambda: token(key="another-secret-long-enough-for-hs256-too!"), "does not verify"),
        (lambda: token(aud="another-api"), "not meant for this server"),
        (lambda: token(iss="https://mallory.example"), "not from the expected issuer"),
        (lambda: token(key=None, algorithm="none"), "algorithm this server does not take"),
        (lambda: "eyJhbGciOi.not-a.token", "not a valid JWT"),
    ],
)
def test_a_token_that_does_not_verify_is_401_saying_why(
    locked: httpx.Client, make: Any, says: str
) -> None:
    response = locked.get("/pokemons", headers=bearer(make()))
    assert response.status_code == 401 and says in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_a_strangers_body_is_never_read(locked: httpx.Client) -> None:
    """A body announced and never sent: the stranger is answered at once, while a known
    writer's request waits for its body (so the 401 came before anything read it)."""
    head = "POST /pokemons HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    with raw_socket(locked) as stranger:
        stranger.sendall(f"{head}Content-Length: 1000\r\n\r\n".encode())
        assert status_line(stranger).startswith(b"HTTP/1.1 401 ")
    with raw_socket(locked) as writer:
        writer.sendall(f"{head}X-API-Key: {WRITER}\r\nContent-Length: 1000\r\n\r\n".encode())
        writer.settimeout(1.0)
        with pytest.raises(TimeoutError):  # the route waits for the body it was promised
            writer.recv(1)
    # Over the body limit: the stranger still gets 401, not the 413 a reader of it would.
    big = b"x" * (MAX_BODY + 1)
    assert locked.post("/pokemons", content=big, headers=JSON).status_code == 401
    assert (
        locked.post("/pokemons", content=big, headers={**JSON, **as_key(WRITER)}).status_code == 413
    )


def test_replays_are_each_principals_own(locked: httpx.Client) -> None:
    key = {"Idempotency-Key": str(uuid4())}
    body = pokemon()
    first = locked.post("/pokemons", json=body, headers={**key, **as_key(WRITER)})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    stranger = locked.post("/pokemons", json=body, headers=key)
    assert stranger.status_code == 401 and "idempotent-replayed" not in stranger.headers
    reader = locked.post("/pokemons", json=body, headers={**key, **as_key(READER)})
    assert reader.status_code == 403 and "idempotent-replayed" not in reader.headers
    rival = locked.post("/pokemons", json=body, headers={**key, **as_key(RIVAL)})
    assert rival.status_code == 201 and "idempotent-replayed" not in rival.headers
    assert rival.json()["_id"] != first.json()["_id"]  # the same key, another client's own
    again = locked.post("/pokemons", json=body, headers={**key, **as_key(WRITER)})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["_id"] == first.json()["_id"]


# --- the documentation ----------------------------------------------------------------------


def test_public_docs_render_from_the_app_under_their_policy(locked: httpx.Client) -> None:
    assert locked.get("/openapi.json").json()["components"]["securitySchemes"]
    for page in ("/docs", "/redoc"):
        html = locked.get(page)
        assert html.status_code == 200
        assert_secured(html)
        policy = html.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        for inline in re.findall(r"<script>(.*?)</script>", html.text, re.S):
            digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy, page
        for asset in re.findall(r'(?:src|href)="(/static[^"]+)"', html.text):
            response = locked.get(asset)
            assert response.status_code == 200 and len(response.content) > 1000, asset
            assert "etag" in response.headers and "cache-control" not in response.headers


def test_protected_docs_need_the_read_scope(rs256: httpx.Client, rsa_key: Any) -> None:
    reader = bearer(token("read", key=rsa_key, algorithm="RS256", aud=None, iss=None))
    for path in ("/docs", "/redoc", "/openapi.json", "/static-offline-docs/swagger-ui.css"):
        assert rs256.get(path).status_code == 401, path
        assert rs256.get(path, headers=reader).status_code == 200, path
    assert rs256.get("/health").status_code == 200


def test_docs_that_are_off_are_not_served(keys_file: httpx.Client) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/static-offline-docs/swagger-ui.css"):
        assert keys_file.get(path, headers=as_key(READER)).status_code == 404, path
    assert keys_file.get("/health").status_code == 200


# --- the other configurations ---------------------------------------------------------------


def test_tokens_signed_with_the_private_key_of_the_configured_public_key(
    rs256: httpx.Client, rsa_key: Any
) -> None:
    writer = bearer(token(key=rsa_key, algorithm="RS256", aud=None, iss=None))
    assert rs256.post("/pokemons", json=pokemon(), headers=writer).status_code == 201
    # HS256 with the public key as the secret (the classic forgery), signed by hand as
    # PyJWT refuses to: refused.
    claims = {"sub": "mallory", "scope": "read write", "exp": int(time.time()) + 300}
    forged = ".".join(
        part(data) for data in (b'{"alg":"HS256","typ":"JWT"}', json.dumps(claims).encode())
    )
    signature = hmac.new(public_pem(rsa_key), forged.encode(), hashlib.sha256).digest()
    response = rs256.get("/pokemons", headers=bearer(f"{forged}.{part(signature)}"))
    assert response.status_code == 401
    assert "not take" in response.json()["detail"]
    # An API key where only tokens are taken is no credential.
    refused = rs256.get("/pokemons", headers=as_key(READER))
    assert refused.status_code == 401 and refused.headers.get_list("www-authenticate") == ["Bearer"]


def test_keys_from_a_secrets_file(keys_file: httpx.Client) -> None:
    assert keys_file.get("/pokemons", headers=as_key(READER)).status_code == 200
    assert keys_file.get("/pokemons", headers=as_key(WRITER)).status_code == 401
    assert keys_file.post("/pokemons", json=pokemon(), headers=as_key(READER)).status_code == 403


# --- CORS -----------------------------------------------------------------------------------


def preflight(api: httpx.Client, origin: str) -> httpx.Response:
    return api.options(
        "/pokemons",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-api-key, idempotency-key",
        },
    )


def test_a_preflight_from_an_allowed_origin_is_answered_without_credentials(
    locked: httpx.Client,
) -> None:
    response = preflight(locked, ALLOWED)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"content-type", "x-api-key", "idempotency-key"} <= set(
        allowed.replace(" ", "").split(",")
    )
    assert "access-control-allow-credentials" not in response.headers
    assert_secured(response)


def test_a_preflight_from_another_origin_is_refused(locked: httpx.Client) -> None:
    response = preflight(locked, REFUSED)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    assert_secured(response)


def test_answers_are_readable_by_the_allowed_origin_only(locked: httpx.Client) -> None:
    listed = locked.get("/pokemons", headers={"Origin": ALLOWED, **as_key(READER)})
    assert listed.headers["access-control-allow-origin"] == ALLOWED
    assert "X-Total-Count" in listed.headers["access-control-expose-headers"]
    refused = locked.get("/pokemons", headers={"Origin": ALLOWED})  # its page can read the 401
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ALLOWED
    other = locked.get("/pokemons", headers={"Origin": REFUSED, **as_key(READER)})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers


# --- security headers -----------------------------------------------------------------------


def test_every_answer_has_the_security_headers_and_no_server(locked: httpx.Client) -> None:
    writer = {**JSON, **as_key(WRITER)}
    answers = {
        200: locked.get("/health"),
        401: locked.get("/pokemons"),
        403: locked.post("/pokemons", json=pokemon(), headers=as_key(READER)),
        404: locked.get("/pokemons/0123456789abcdef01234567", headers=as_key(READER)),
        413: locked.post("/pokemons", content=b"x" * (MAX_BODY + 1), headers=writer),
        415: locked.post(
            "/pokemons", content=b"{}", headers={**as_key(WRITER), "Content-Type": "text/plain"}
        ),
        422: locked.post("/pokemons", json={"name": 7}, headers=as_key(WRITER)),
    }
    for status, response in answers.items():
        assert response.status_code == status, (status, response.text)
        assert_secured(response)
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert_secured(locked.head("/pokemons", headers=as_key(READER)))


def test_an_overloaded_answer_has_them_too(locked: httpx.Client) -> None:
    body = b'{"name": "Slowpoke", "element": "Water"}'.ljust(100)
    with raw_socket(locked) as slow:
        slow.sendall(
            b"POST /pokemons HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"X-API-Key: {WRITER}\r\nContent-Length: 100\r\n\r\n".encode()
            + body[:10]
        )  # the only slot is taken until the rest arrives
        deadline = time.monotonic() + HANG
        while (busy := locked.get("/health")).status_code != 503:
            assert time.monotonic() < deadline, "the slot was never taken"
        assert busy.headers["retry-after"] == "1"
        assert_secured(busy)
        slow.sendall(body[10:])
        assert status_line(slow).startswith(b"HTTP/1.1 201 ")


# --- in a user's tests ----------------------------------------------------------------------


@pytest.fixture
def generated(
    pokemon_project: Path, monkeypatch: pytest.MonkeyPatch, mongodb_url: str, database_name: str
) -> Iterator[SimpleNamespace]:
    """The example's generated app, imported here with access control on."""
    monkeypatch.setenv("MONGODB_URL", mongodb_url)
    monkeypatch.setenv("MONGODB_DATABASE", database_name)
    monkeypatch.setenv("PULPO_AUTH", "api-key")
    monkeypatch.setenv("PULPO_API_KEYS", KEYS)
    monkeypatch.syspath_prepend(str(pokemon_project))

    def forget() -> None:
        for name in [name for name in sys.modules if name.split(".")[0] == "generated"]:
            del sys.modules[name]

    forget()
    app = importlib.import_module("generated.app")
    yield SimpleNamespace(app=app, settings=importlib.import_module("generated.settings"))
    app.app.dependency_overrides.clear()
    importlib.import_module("generated.settings").get_settings.cache_clear()
    forget()


def test_overriding_the_caller_stands_in_for_credentials_and_keeps_the_scopes(
    generated: SimpleNamespace,
) -> None:
    app = generated.app.create_app()
    with TestClient(app) as client:
        assert client.get("/pokemons").status_code == 401
        app.dependency_overrides[caller] = lambda: Principal("tester", frozenset({"read"}), "test")
        assert client.get("/pokemons").status_code == 200
        refused = client.post("/pokemons", json=pokemon())
        assert refused.status_code == 403 and "may not write" in refused.json()["detail"]
        app.dependency_overrides[caller] = lambda: Principal("tester", frozenset({"write"}), "test")
        assert client.post("/pokemons", json=pokemon()).status_code == 201


# --- sockets --------------------------------------------------------------------------------


@contextmanager
def raw_socket(api: httpx.Client) -> Iterator[socket.socket]:
    address = urlsplit(str(api.base_url))
    assert address.hostname is not None and address.port is not None
    connection = socket.create_connection((address.hostname, address.port), timeout=HANG)
    try:
        yield connection
    finally:
        connection.close()


def status_line(connection: socket.socket) -> bytes:
    """The first line of the answer that comes on ``connection``."""
    connection.settimeout(HANG)
    received = b""
    while b"\r\n" not in received:
        chunk = connection.recv(4096)
        assert chunk, f"the connection closed after {received!r}"
        received += chunk
    return received.split(b"\r\n", 1)[0]
