"""The security settings of a generated app: read, checked, and made into a policy.

The generated ``Settings`` declare them, each with its environment variable (the
README lists them with their defaults), and check them when they are built
(:func:`check_security`, in a validator): a mistake is one line naming the variable,
and the app does not start. So is a setting that would do nothing: API keys or a JWT
key while ``PULPO_AUTH`` does not use them, ``PULPO_DOCS=protected`` with nothing to
protect with. (A key set but ignored is an API believed locked that is not.)

- ``PULPO_AUTH``: ``none`` (the default), ``api-key``, ``jwt`` or ``api-key,jwt``.
- ``PULPO_API_KEYS`` and ``PULPO_API_KEYS_FILE`` (a secrets file, e.g. a Docker
  secret): the keys, one entry each, ``NAME:SCOPES:SHA256``, separated by whitespace
  (one a line in the file, ``#`` starting a comment)::

      reporting:read:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
      importer:read,write:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9

  ``SHA256`` is :func:`pulpo.http.auth.key_digest` of the key; the key is never
  configured. Both sources are read when the app starts: a new key needs a restart.
- ``PULPO_JWT_SECRET`` (HMAC, at least as long as the hash: 32 bytes for HS256) or
  ``PULPO_JWT_PUBLIC_KEY`` / ``PULPO_JWT_PUBLIC_KEY_FILE`` (PEM: RSA, EC or Ed25519);
  ``PULPO_JWT_ALGORITHMS`` (default: HS256 for a secret, the key's own for a public
  key: RS256, ES256/384/512, EdDSA); ``PULPO_JWT_AUDIENCE``, ``PULPO_JWT_ISSUER``.
- ``PULPO_DOCS``: ``public`` (the default), ``protected`` or ``off``.
- ``PULPO_CORS_ORIGINS`` (none by default: no CORS), ``PULPO_CORS_METHODS``,
  ``PULPO_CORS_HEADERS``: comma-separated.
- ``PULPO_HSTS_SECONDS``: ``Strict-Transport-Security``'s max-age; 0 (the default)
  sends none (only a site served over HTTPS, always, should send it).

An empty value is no value, as Docker Compose passes an unset ``${VARIABLE:-}``.
"""

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import SecretStr

from pulpo.errors import UsageError
from pulpo.http.auth import SCOPES, Access, ApiKey, ApiKeys, BearerTokens, DocsAccess
from pulpo.http.cors import CorsPolicy

logger = logging.getLogger(__name__)

AuthMode = Literal["none", "api-key", "jwt", "api-key,jwt"]
"""``PULPO_AUTH``: which credentials the app takes."""

__all__ = ["AuthMode", "DocsAccess", "SecurityPolicy", "SecuritySettings", "check_security"]


class SecuritySettings(Protocol):
    """What :mod:`pulpo.http` reads from an app's settings to protect it."""

    auth: AuthMode
    api_keys: str
    api_keys_file: str
    jwt_secret: SecretStr
    jwt_public_key: str
    jwt_public_key_file: str
    jwt_algorithms: str
    jwt_audience: str
    jwt_issuer: str
    docs: DocsAccess
    cors_origins: str
    cors_methods: str
    cors_headers: str
    hsts_seconds: int


class SecuritySettingsError(UsageError, ValueError):
    """A security setting that is wrong, or that would not do what it seems to: one line,
    naming the variable. A ``ValueError`` too, so that the settings' validator reports it."""


@dataclass(frozen=True)
class SecurityPolicy:
    """What the settings ask for: access control, CORS, and HSTS."""

    access: Access = field(default_factory=Access)
    cors: CorsPolicy | None = None
    hsts_seconds: int = 0

    @classmethod
    def of(cls, settings: SecuritySettings) -> "SecurityPolicy":
        """The policy ``settings`` describe; :class:`SecuritySettingsError` if they are wrong."""
        schemes = set(settings.auth.split(",")) - {"none"}
        keys = _api_keys(settings) if "api-key" in schemes else None
        tokens = _bearer_tokens(settings) if "jwt" in schemes else None
        unused = [
            *(["PULPO_API_KEYS", "PULPO_API_KEYS_FILE"] if keys is None else []),
            *(_JWT_VARIABLES if tokens is None else []),
        ]
        for name in unused:
            if _value(settings, name):
                raise SecuritySettingsError(
                    f"{name} is set but PULPO_AUTH={settings.auth} does not use it: "
                    f"set PULPO_AUTH to use it, or unset it"
                )
        if not schemes and settings.docs == "protected":
            raise SecuritySettingsError(
                "PULPO_DOCS=protected needs credentials to check: set PULPO_AUTH too"
            )
        if settings.hsts_seconds < 0:
            raise SecuritySettingsError("PULPO_HSTS_SECONDS must be 0 (no HSTS) or more")
        return cls(
            access=Access(api_keys=keys, tokens=tokens, docs=settings.docs),
            cors=_cors(settings),
            hsts_seconds=settings.hsts_seconds,
        )


def check_security(settings: SecuritySettings) -> None:
    """Raise :class:`SecuritySettingsError` (a ``ValueError``) if ``settings`` are wrong."""
    SecurityPolicy.of(settings)


class SecuritySource:
    """The app's :class:`SecurityPolicy`, read from its settings on first use, then kept.

    The settings were checked when they were built; should the policy still fail (a
    keys file removed since), the app fails closed: access control answers 503 to
    every request but ``/health``, and the log says why.
    """

    def __init__(self, settings: Callable[[], SecuritySettings]) -> None:
        self._settings = settings
        self._policy: SecurityPolicy | None = None

    def __call__(self) -> SecurityPolicy:
        if self._policy is None:
            try:
                self._policy = SecurityPolicy.of(self._settings())
            except SecuritySettingsError as error:
                logger.error("Refusing every request: %s", error)
                self._policy = SecurityPolicy(access=Access(broken=str(error)))
        return self._policy


# --- API keys -------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}")
_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def parse_api_keys(text: str, source: str) -> list[ApiKey]:
    """The keys of ``text`` (see the module docstring); ``source`` names it in errors.

    An error never quotes the entry: a key pasted where its hash belongs stays out
    of the log.
    """
    keys: list[ApiKey] = []
    for number, entry in enumerate(_entries(text), start=1):
        where = f"{source}, entry {number}"
        parts = entry.split(":")
        if len(parts) != 3:
            raise SecuritySettingsError(
                f"{where}: not NAME:SCOPES:SHA256 (e.g. reporting:read:<64 hex digits>)"
            )
        name, scopes_text, digest = parts
        if not _NAME.fullmatch(name):
            raise SecuritySettingsError(
                f"{where}: the name must be letters, digits, '_', '.', '@' or '-' (at most 100)"
            )
        scopes = frozenset(scopes_text.split(","))
        if not scopes <= SCOPES or "" in scopes:
            raise SecuritySettingsError(
                f"{where} ({name}): the scopes must be read, write or read,write"
            )
        if not _DIGEST.fullmatch(digest):
            raise SecuritySettingsError(
                f"{where} ({name}): the third part must be the SHA-256 of the key in hex "
                "(64 digits; printf %s KEY | sha256sum), never the key itself"
            )
        keys.append(ApiKey(name, scopes, digest.lower()))
    return keys


def _entries(text: str) -> Iterator[str]:
    for line in text.splitlines():
        yield from line.partition("#")[0].split()


def _api_keys(settings: SecuritySettings) -> ApiKeys:
    keys = parse_api_keys(settings.api_keys, "PULPO_API_KEYS")
    if settings.api_keys_file:
        text = _read(settings.api_keys_file, "PULPO_API_KEYS_FILE")
        keys += parse_api_keys(text, f"PULPO_API_KEYS_FILE ({settings.api_keys_file})")
    if not keys:
        raise SecuritySettingsError(
            f"PULPO_AUTH={settings.auth} needs API keys: set PULPO_API_KEYS or PULPO_API_KEYS_FILE"
        )
    for kind, values in (
        ("name", [key.name for key in keys]),
        ("key", [key.digest for key in keys]),
    ):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            shown = ", ".join(repeated) if kind == "name" else "a key"
            raise SecuritySettingsError(f"API keys: {shown} is configured twice (by {kind})")
    return ApiKeys(keys)


def _read(path: str, variable: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise SecuritySettingsError(f"{variable}={path} cannot be read: {reason}") from None


# --- JWT ------------------------------------------------------------------------------------

_JWT_VARIABLES = (
    "PULPO_JWT_SECRET",
    "PULPO_JWT_PUBLIC_KEY",
    "PULPO_JWT_PUBLIC_KEY_FILE",
    "PULPO_JWT_ALGORITHMS",
    "PULPO_JWT_AUDIENCE",
    "PULPO_JWT_ISSUER",
)
HMAC_ALGORITHMS = {"HS256": 32, "HS384": 48, "HS512": 64}
"""The HMAC algorithms, each with the shortest secret it takes (its hash's length, RFC 7518)."""
PUBLIC_KEY_ALGORITHMS: dict[type, tuple[str, ...]] = {
    rsa.RSAPublicKey: ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    ec.EllipticCurvePublicKey: ("ES256", "ES384", "ES512"),
    ed25519.Ed25519PublicKey: ("EdDSA",),
    ed448.Ed448PublicKey: ("EdDSA",),
}
_CURVE_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def _value(settings: SecuritySettings, variable: str) -> str:
    value = getattr(settings, variable.removeprefix("PULPO_").lower())
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


def _bearer_tokens(settings: SecuritySettings) -> BearerTokens:
    secret = settings.jwt_secret.get_secret_value()
    public_pem = settings.jwt_public_key
    if settings.jwt_public_key_file:
        if public_pem:
            raise SecuritySettingsError(
                "set PULPO_JWT_PUBLIC_KEY or PULPO_JWT_PUBLIC_KEY_FILE, not both"
            )
        public_pem = _read(settings.jwt_public_key_file, "PULPO_JWT_PUBLIC_KEY_FILE")
    if bool(secret) == bool(public_pem):
        raise SecuritySettingsError(
            f"PULPO_AUTH={settings.auth} needs one way to check tokens: PULPO_JWT_SECRET "
            "(HS256) or PULPO_JWT_PUBLIC_KEY (RS256, ES256, EdDSA)"
            + (", not both" if secret else "")
        )
    algorithms = tuple(name.strip() for name in settings.jwt_algorithms.split(",") if name.strip())
    audience = settings.jwt_audience or None
    issuer = settings.jwt_issuer or None
    if secret:
        algorithms = algorithms or ("HS256",)
        for name in algorithms:
            if name not in HMAC_ALGORITHMS:
                raise SecuritySettingsError(
                    f"PULPO_JWT_ALGORITHMS: {name} does not take a secret "
                    f"(PULPO_JWT_SECRET takes {', '.join(HMAC_ALGORITHMS)})"
                )
        shortest = max(HMAC_ALGORITHMS[name] for name in algorithms)
        if len(secret.encode()) < shortest:
            raise SecuritySettingsError(
                f"PULPO_JWT_SECRET must be at least {shortest} bytes for "
                f"{', '.join(algorithms)} (e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return BearerTokens(secret.encode(), algorithms, audience, issuer)
    try:
        key = load_pem_public_key(public_pem.strip().encode())
    except (ValueError, TypeError):
        raise SecuritySettingsError(
            "PULPO_JWT_PUBLIC_KEY is not a PEM public key (-----BEGIN PUBLIC KEY-----)"
        ) from None
    fitting = next(
        (names for kind, names in PUBLIC_KEY_ALGORITHMS.items() if isinstance(key, kind)), ()
    )
    if not fitting:
        raise SecuritySettingsError(
            "PULPO_JWT_PUBLIC_KEY: take an RSA, EC or Ed25519 key; this one cannot check JWTs"
        )
    if not algorithms:
        if isinstance(key, ec.EllipticCurvePublicKey):
            algorithms = (_CURVE_ALGORITHMS.get(key.curve.name, "ES256"),)
        else:
            algorithms = fitting[:1]
    for name in algorithms:
        if name not in fitting:
            raise SecuritySettingsError(
                f"PULPO_JWT_ALGORITHMS: {name} does not fit this public key "
                f"(it takes {', '.join(fitting)})"
            )
    return BearerTokens(key, algorithms, audience, issuer)


# --- CORS -----------------------------------------------------------------------------------

_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def _cors(settings: SecuritySettings) -> CorsPolicy | None:
    origins = _list(settings.cors_origins)
    if not origins:
        return None
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise SecuritySettingsError(
                f"PULPO_CORS_ORIGINS: {origin!r} is not an origin: scheme://host[:port], "
                "no path or trailing slash (or * for any)"
            )
    return CorsPolicy(
        origins=origins,
        methods=tuple(method.upper() for method in _list(settings.cors_methods)),
        headers=_list(settings.cors_headers),
    )


def _list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())
