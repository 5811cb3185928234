"""The pure pieces of access control, CORS and the security headers (pulpo.http).

The layers themselves are proven over real HTTP in tests/e2e/test_access_control.py.
"""

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pulpo import http
from pulpo.http.auth import (
    ANYONE,
    Access,
    ApiKeys,
    BearerTokens,
    Principal,
    Refused,
    key_digest,
    quoted,
    required_scope,
    token_scopes,
    with_access,
)
from pulpo.http.headers import html_policy, secured
from pulpo.http.security import (
    SecurityPolicy,
    SecuritySettingsError,
    check_security,
    parse_api_keys,
)

pytestmark = pytest.mark.unit

KEY = "s3cr3t-key-of-the-reporting-job-0123456789"
SECRET = "a-secret-of-at-least-thirty-two-bytes!!"


@dataclass
class Settings:
    """The security settings as the generated ``Settings`` hold them, defaults included."""

    auth: Any = "none"
    api_keys: str = ""
    api_keys_file: str = ""
    jwt_secret: SecretStr = SecretStr("")
    jwt_public_key: str = ""
    jwt_public_key_file: str = ""
    jwt_algorithms: str = ""
    jwt_audience: str = ""
    jwt_issuer: str = ""
    docs: Any = "public"
    cors_origins: str = ""
    cors_methods: str = "GET,HEAD,POST,PUT,PATCH,DELETE"
    cors_headers: str = "Authorization,Content-Type,Idempotency-Key,X-API-Key"
    hsts_seconds: int = 0


def refusal(settings: Settings) -> str:
    with pytest.raises(SecuritySettingsError) as raised:
        check_security(settings)
    message = str(raised.value)
    assert "\n" not in message
    assert isinstance(raised.value, ValueError)  # so the settings' validator reports it
    return message


# --- scopes ---------------------------------------------------------------------------------


def test_reading_methods_need_read_and_every_other_method_write() -> None:
    assert {method: required_scope(method) for method in ("GET", "HEAD", "OPTIONS", "get")} == {
        "GET": "read",
        "HEAD": "read",
        "OPTIONS": "read",
        "get": "read",
    }
    for method in ("POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"):
        assert required_scope(method) == "write"


def test_write_does_not_imply_read() -> None:
    writer = Principal("importer", frozenset({"write"}), "api-key")
    access = Access(api_keys=ApiKeys([]))
    access.authorize(writer, "POST")
    with pytest.raises(Refused) as refused:
        access.authorize(writer, "GET")
    assert refused.value.status == 403
    assert refused.value.detail == "This API key may not read (its scopes: write)"


# --- API keys -------------------------------------------------------------------------------


def test_the_digest_is_sha256sum_of_the_key() -> None:
    assert key_digest(KEY) == hashlib.sha256(KEY.encode()).hexdigest()
    assert key_digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_keys_are_parsed_with_their_names_and_scopes() -> None:
    text = f"""
        # the reporting job
        reporting:read:{key_digest(KEY)}   importer:read,write:{key_digest("other").upper()}
    """
    keys = parse_api_keys(text, "PULPO_API_KEYS")
    assert [(key.name, sorted(key.scopes)) for key in keys] == [
        ("reporting", ["read"]),
        ("importer", ["read", "write"]),
    ]
    assert keys[1].digest == key_digest("other")  # stored lowercase


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("reporting:read", "not NAME:SCOPES:SHA256"),
        (f"reporting:{key_digest(KEY)}", "not NAME:SCOPES:SHA256"),
        (f"rep orting:read:{key_digest(KEY)}x", "not NAME:SCOPES:SHA256"),
        (f"-x:read:{key_digest(KEY)}", "the name must be"),
        (f"reporting:admin:{key_digest(KEY)}", "the scopes must be read, write or read,write"),
        (f"reporting:read,:{key_digest(KEY)}", "the scopes must be"),
        (f"reporting:read:{KEY}", "the SHA-256 of the key in hex"),
    ],
)
def test_a_malformed_entry_is_one_line_that_never_quotes_it(entry: str, says: str) -> None:
    with pytest.raises(SecuritySettingsError) as raised:
        parse_api_keys(f"ok:read:{key_digest('fine')}\n{entry}", "PULPO_API_KEYS")
    message = str(raised.value)
    assert message.startswith("PULPO_API_KEYS, entry 2") and says in message
    assert KEY not in message and "\n" not in message


def test_a_key_is_recognised_by_its_digest_and_no_other_key_is() -> None:
    keys = ApiKeys(parse_api_keys(f"reporting:read:{key_digest(KEY)}", "test"))
    assert keys.principal(KEY) == Principal("reporting", frozenset({"read"}), "api-key")
    for wrong in ("", KEY + " ", KEY.upper(), key_digest(KEY), "\udcff"):
        with pytest.raises(Refused) as refused:
            keys.principal(wrong)
        assert refused.value.status == 401
        assert refused.value.challenges == ('APIKey header="X-API-Key"',)


def test_credentials_are_looked_for_in_the_schemes_switched_on() -> None:
    keys = ApiKeys(parse_api_keys(f"reporting:read:{key_digest(KEY)}", "test"))
    tokens = BearerTokens(SECRET.encode(), ("HS256",))
    token = jwt.encode({"sub": "ash", "exp": time.time() + 60, "scope": "read"}, SECRET)
    both = Access(api_keys=keys, tokens=tokens)
    assert both.authenticate({"x-api-key": KEY}).scheme == "api-key"
    assert both.authenticate({"authorization": f"Bearer {token}"}).name == "ash"
    assert both.authenticate({"authorization": f"bearer   {token} "}).name == "ash"
    with pytest.raises(Refused) as nothing:
        both.authenticate({"authorization": f"Basic {token}"})
    assert nothing.value.detail == (
        "Not authenticated: send an API key in X-API-Key or a bearer token in Authorization"
    )
    assert nothing.value.challenges == ('APIKey header="X-API-Key"', "Bearer")
    keys_only = Access(api_keys=keys)
    with pytest.raises(Refused) as ignored:  # a token where tokens are not taken is nothing
        keys_only.authenticate({"authorization": f"Bearer {token}"})
    assert ignored.value.challenges == ('APIKey header="X-API-Key"',)


# --- JWT ------------------------------------------------------------------------------------


def claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "ash", "exp": int(time.time()) + 300, "aud": "pokedex", "iss": "oak", **extra}


def hs256() -> BearerTokens:
    return BearerTokens(SECRET.encode(), ("HS256",), audience="pokedex", issuer="oak")


def test_a_valid_token_names_its_subject_and_scopes() -> None:
    token = jwt.encode(claims(scope="read write openid"), SECRET)
    assert hs256().principal(token) == Principal("ash", frozenset({"read", "write"}), "jwt")


@pytest.mark.parametrize(
    ("granted", "scopes"),
    [
        ({"scope": "read"}, {"read"}),
        ({"scp": ["write", "profile"]}, {"write"}),
        ({"scp": "read write"}, {"read", "write"}),
        ({"scope": ["read"]}, {"read"}),
        ({"scope": 7, "scp": [1, None]}, set()),
        ({}, set()),
    ],
)
def test_scopes_come_from_scope_or_scp(granted: dict[str, Any], scopes: set[str]) -> None:
    assert token_scopes(granted) == scopes


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (jwt.encode(claims(exp=int(time.time()) - 10), SECRET), "has expired"),
        (jwt.encode(claims(aud="another-api"), SECRET), "not meant for this server"),
        (jwt.encode(claims(iss="mallory"), SECRET), "not from the expected issuer"),
        (
            jwt.encode(claims(), "another-secret-of-thirty-two-bytes!!!"),
            "signature does not verify",
        ),
        (
            jwt.encode(claims(), SECRET * 2, algorithm="HS512"),
            "algorithm this server does not take",
        ),
        (jwt.encode({k: v for k, v in claims().items() if k != "exp"}, SECRET), "lacks the exp"),
        (jwt.encode(claims(nbf=int(time.time()) + 300), SECRET), "not valid yet"),
        (jwt.encode(claims(), None, algorithm="none"), "algorithm this server does not take"),
        ("not.a.token", "not a valid JWT"),
        ("\udcff\x00", "not a valid JWT"),
        ("a" * 5000, "not a valid JWT"),
        (jwt.encode(claims(exp="tomorrow"), SECRET), "not a valid JWT"),
        (jwt.encode(claims(aud=[1, {}]), SECRET), "not meant for this server"),
    ],
)
def test_a_token_that_does_not_verify_is_401_saying_why(token: str, says: str) -> None:
    with pytest.raises(Refused) as refused:
        hs256().principal(token)
    assert refused.value.status == 401 and says in refused.value.detail
    (challenge,) = refused.value.challenges
    assert challenge.startswith('Bearer error="invalid_token", error_description="')
    assert challenge.count('"') == 4  # the description holds no quote of its own


def test_error_descriptions_hold_only_what_a_quoted_string_may() -> None:
    assert quoted('the "exp" claim\\\n') == "the 'exp' claim''"


def hmac_token(payload: dict[str, Any], secret: bytes) -> str:
    """An HS256 token signed by hand: PyJWT itself refuses to sign with a PEM key."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(payload).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


def rsa_pem() -> tuple[rsa.RSAPrivateKey, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def test_a_public_key_checks_tokens_its_private_key_signed_and_no_hmac_forgery() -> None:
    private, public = rsa_pem()
    settings = Settings(auth="jwt", jwt_public_key=public, jwt_audience="pokedex", jwt_issuer="oak")
    policy = SecurityPolicy.of(settings)
    tokens = policy.access.tokens
    assert tokens is not None and tokens.algorithms == ("RS256",)
    signed = jwt.encode(claims(scope="read"), private, algorithm="RS256")
    assert tokens.principal(signed).scopes == {"read"}
    # The classic confusion: an HMAC "signed" with the public key as the secret.
    forged = hmac_token(claims(scope="read write"), public.encode())
    with pytest.raises(Refused):
        tokens.principal(forged)


# --- the settings ---------------------------------------------------------------------------


def test_off_by_default_with_nothing_to_check() -> None:
    policy = SecurityPolicy.of(Settings())
    assert not policy.access.on and policy.cors is None and policy.hsts_seconds == 0


def test_keys_come_from_the_variable_and_the_file(tmp_path: Path) -> None:
    secrets = tmp_path / "api_keys"
    secrets.write_text(f"# rotated monthly\nimporter:read,write:{key_digest('other')}\n")
    settings = Settings(
        auth="api-key",
        api_keys=f"reporting:read:{key_digest(KEY)}",
        api_keys_file=str(secrets),
    )
    keys = SecurityPolicy.of(settings).access.api_keys
    assert keys is not None and [key.name for key in keys.keys] == ["reporting", "importer"]


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (Settings(auth="api-key"), "PULPO_AUTH=api-key needs API keys"),
        (Settings(api_keys=f"r:read:{key_digest(KEY)}"), "PULPO_API_KEYS is set but PULPO_AUTH"),
        (Settings(auth="api-key", api_keys=f"r:read:{key_digest(KEY)}", jwt_issuer="oak"),
         "PULPO_JWT_ISSUER is set but PULPO_AUTH=api-key does not use it"),
        (Settings(auth="api-key", api_keys_file="/nonexistent/keys"),
         "PULPO_API_KEYS_FILE=/nonexistent/keys cannot be read"),
        (Settings(auth="api-key", api_keys=f"a:read:{key_digest(KEY)} a:write:{key_digest('x')}"),
         "a is configured twice"),
        (Settings(auth="api-key", api_keys=f"a:read:{key_digest(KEY)} b:write:{key_digest(KEY)}"),
         "a key is configured twice"),
        (Settings(docs="protected"), "PULPO_DOCS=protected needs credentials"),
        (Settings(auth="jwt"), "needs one way to check tokens"),
        (Settings(auth="jwt", jwt_secret=SecretStr("short")), "at least 32 bytes"),
        (Settings(auth="jwt", jwt_secret=SecretStr(SECRET), jwt_algorithms="HS512"),
         "at least 64 bytes"),
        (Settings(auth="jwt", jwt_secret=SecretStr(SECRET), jwt_algorithms="RS256"),
         "RS256 does not take a secret"),
        (Settings(auth="jwt", jwt_secret=SecretStr(SECRET), jwt_algorithms="none"),
         "none does not take a secret"),
        (Settings(auth="jwt", jwt_public_key="-----BEGIN PUBLIC KEY-----\nnope\n"),
         "not a PEM public key"),
        (Settings(auth="jwt", jwt_public_key=rsa_pem()[1], jwt_algorithms="ES256"),
         "ES256 does not fit this public key"),
        (Settings(auth="jwt", jwt_public_key=rsa_pem()[1], jwt_algorithms="HS256"),
         "HS256 does not fit this public key"),
        (Settings(auth="jwt", jwt_public_key=rsa_pem()[1], jwt_secret=SecretStr(SECRET)),
         "not both"),
        (Settings(cors_origins="https://app.example.com/"),
         "'https://app.example.com/' is not an origin"),
        (Settings(cors_origins="app.example.com"), "is not an origin"),
    ],
)  # fmt: skip
def test_settings_that_would_not_do_what_they_say_are_refused(
    settings: Settings, says: str
) -> None:
    assert says in refusal(settings)


def test_a_private_key_is_not_taken_for_a_public_one() -> None:
    private, _ = rsa_pem()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    message = refusal(Settings(auth="jwt", jwt_public_key=pem))
    assert "not a PEM public key" in message and "PRIVATE" not in message


def test_an_ec_key_gets_the_algorithm_of_its_curve() -> None:
    public = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    tokens = SecurityPolicy.of(Settings(auth="jwt", jwt_public_key=public.decode())).access.tokens
    assert tokens is not None and tokens.algorithms == ("ES384",)


def test_cors_takes_origins_methods_and_headers() -> None:
    cors = SecurityPolicy.of(
        Settings(cors_origins="https://a.example, http://localhost:3000", cors_methods="get, post")
    ).cors
    assert cors is not None
    assert cors.origins == ("https://a.example", "http://localhost:3000")
    assert cors.methods == ("GET", "POST") and "X-API-Key" in cors.headers


# --- the OpenAPI schema ---------------------------------------------------------------------


def schema() -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": {"$ref": "x"}}}}
    return {
        "paths": {
            "/health": {"get": {"responses": {"200": {}}}},
            "/pokemons": {"get": {"responses": {"200": {}}}, "post": {"responses": {"409": error}}},
        },
        "components": {"schemas": {}},
    }


def test_the_schema_declares_nothing_while_access_control_is_off() -> None:
    assert with_access(schema(), Access()) == schema()


def test_the_schema_declares_the_schemes_on_and_each_operations_scope() -> None:
    keys = ApiKeys([])
    declared = with_access(schema(), Access(api_keys=keys, tokens=hs256()))
    assert set(declared["components"]["securitySchemes"]) == {"APIKey", "BearerJWT"}
    assert declared["components"]["securitySchemes"]["APIKey"]["in"] == "header"
    assert declared["paths"]["/health"]["get"]["security"] == []
    get, post = declared["paths"]["/pokemons"]["get"], declared["paths"]["/pokemons"]["post"]
    assert get["security"] == [{"APIKey": ["read"]}, {"BearerJWT": ["read"]}]
    assert post["security"] == [{"APIKey": ["write"]}, {"BearerJWT": ["write"]}]
    assert "WWW-Authenticate" in post["responses"]["401"]["headers"]
    assert set(post["responses"]) == {"401", "403", "409"}
    only_keys = with_access(schema(), Access(api_keys=keys))
    assert only_keys["paths"]["/pokemons"]["get"]["security"] == [{"APIKey": ["read"]}]


# --- headers --------------------------------------------------------------------------------


def test_every_answer_gets_the_headers_it_does_not_set_and_no_server() -> None:
    headers = secured(
        [(b"server", b"uvicorn"), (b"x-frame-options", b"SAMEORIGIN")],
        policy="default-src 'none'",
        hsts_seconds=0,
    )
    named = dict(headers)
    assert b"server" not in named and named[b"x-frame-options"] == b"SAMEORIGIN"
    assert named[b"x-content-type-options"] == b"nosniff"
    assert named[b"cache-control"] == b"no-store" and b"strict-transport-security" not in named
    static = dict(secured([(b"etag", b'"1"')], policy="", hsts_seconds=60))
    assert b"cache-control" not in static  # meant to be cached and revalidated
    assert static[b"strict-transport-security"] == b"max-age=60"


def test_an_html_page_may_run_exactly_its_own_inline_scripts() -> None:
    inline = b"\n const ui = SwaggerUIBundle({url: '/openapi.json'})\n"
    page = b'<script src="/static/a.js"></script><script>' + inline + b"</script>"
    policy = html_policy(page)
    digest = base64.b64encode(hashlib.sha256(inline).digest()).decode()
    assert re.search(r"script-src 'self' 'sha256-[^']+';", policy)
    assert f"'sha256-{digest}'" in policy and policy.count("sha256-") == 1
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split(";")[1]


def test_anyone_may_do_everything_while_access_control_is_off() -> None:
    assert ANYONE.may("read") and ANYONE.may("write") and not ANYONE.is_authenticated
    assert replace(ANYONE, scheme="jwt").identity == "jwt:anonymous"


# --- the layers' order ----------------------------------------------------------------------


@dataclass
class AppSettings(Settings):
    """Everything ``pulpo.http.install`` reads: the limits, and the security settings."""

    max_body_bytes: int = 100
    max_string_length: int = 100
    max_items: int = 10
    max_requests_in_flight: int = 4
    max_queue_wait_ms: int = 100
    idempotency_ttl_seconds: int = 60


def test_even_the_500_of_an_unexpected_error_has_the_headers() -> None:
    app = FastAPI()

    @app.exception_handler(Exception)
    async def unexpected(request: object, error: Exception) -> JSONResponse:
        return JSONResponse(status_code=500, content={"detail": "Internal server error"})

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    settings = AppSettings(auth="api-key", api_keys=f"r:read:{key_digest(KEY)}", hsts_seconds=9)
    http.install(app, lambda: settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken", headers={"X-API-Key": KEY})
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["strict-transport-security"] == "max-age=9"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
