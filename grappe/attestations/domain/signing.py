"""Signing and verifying attestation records: RFC 8785 canonical JSON, Ed25519, compact JWS.

Pure Python (no Django). A record is a JSON object; its canonical bytes (JCS, RFC 8785) are the
JWS payload, so the signed bytes are the same whichever program wrote the record. The JWS is
compact (`header.payload.signature`, each base64url without padding); the protected header is
`{"alg": "EdDSA", "kid": KID, "typ": "grappe-attestation+jws"}`, where KID is the RFC 7638
thumbprint of the signing key's public JWK (`{"crv": "Ed25519", "kty": "OKP", "x": ...}`).

`verify` never raises on bad input: it says why a token does not verify (`Verdict`).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from grappe.core.domain.i18n import gettext_noop

ALG = "EdDSA"
TYP = "grappe-attestation+jws"
# A token longer than this is refused before any parsing (a record is a few kilobytes).
MAX_TOKEN_CHARS = 200_000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises ValueError on anything else."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:  # non-canonical trailing bits: another encoding of the same bytes
        raise ValueError("not canonical base64url")
    return data


_B64URL = re.compile(r"[A-Za-z0-9_-]+")


# I-JSON integers (RFC 7493): exactly representable as IEEE 754 doubles, as RFC 8785 requires.
_MAX_INTEGER = 2**53 - 1


def _sorted(value: Any) -> Any:
    """`value` with every object's members in RFC 8785 order (by UTF-16 code units); refuses
    what a record never holds and JCS would serialise differently from `json` (floats, integers
    beyond 2**53, non-string keys)."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("JSON object keys must be strings")
        return {k: _sorted(value[k]) for k in sorted(value, key=lambda k: k.encode("utf-16-be"))}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if abs(value) > _MAX_INTEGER:
            raise ValueError("integers beyond 2**53 are not I-JSON")
        return value
    raise ValueError(f"{type(value).__name__} values are not used in attestation records")


def canonical(value: Any) -> bytes:
    """The RFC 8785 (JCS) canonical bytes of a JSON value without floats.

    Python's `json` already writes strings as JCS does (only `"`, `\\` and C0 controls escaped,
    the short forms \\b \\f \\n \\r \\t, otherwise lowercase \\u00xx) and integers in plain
    digits; what is left is the member order. Lone surrogates cannot be encoded (ValueError).
    Checked against the RFC's examples and, on generated values, against the `rfc8785`
    package (`tests/test_domain_signing.py`); 4-5 times faster than it, which the benchmark
    shows in the verification time.
    """
    return json.dumps(
        _sorted(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


# --------------------------------------------------------------------------- keys


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an OKP public key."""
    members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    return b64url(hashlib.sha256(canonical(members)).digest())


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """Raises ValueError when the JWK is not an Ed25519 public key."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 public JWK")
    return _public_key(jwk["x"])


@functools.lru_cache(maxsize=256)
def _public_key(x: str) -> Ed25519PublicKey:
    # Keys are few and verified often (every page view): parse each once.
    raw = b64url_decode(x)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class SigningKeyPair:
    """A private signing key and its key id."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKeyPair:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKeyPair:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key file does not hold an Ed25519 private key")
        return cls(key)

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @functools.cached_property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private.public_key())

    @functools.cached_property
    def kid(self) -> str:
        return thumbprint(self.jwk)


def jwks(keys: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A JWK Set document (RFC 7517) of public keys by kid."""
    return {
        "keys": [
            {**{k: jwk[k] for k in ("crv", "kty", "x")}, "kid": kid, "alg": ALG, "use": "sig"}
            for kid, jwk in keys.items()
        ]
    }


def keys_from_jwks(document: Any) -> dict[str, dict[str, Any]]:
    """The Ed25519 keys of a JWK Set by kid (a kid must be the key's thumbprint); raises
    ValueError when the document is not a JWK Set."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set: no 'keys' list")
    found: dict[str, dict[str, Any]] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            raise ValueError("not a JWK Set: a key is not an object")
        public_key_from_jwk(jwk)
        kid = thumbprint(jwk)
        if jwk.get("kid", kid) != kid:
            raise ValueError(f"key {jwk.get('kid')!r}: the kid is not the key's thumbprint")
        found[kid] = jwk
    return found


# --------------------------------------------------------------------------- sign / verify


def sign(record: Mapping[str, Any], key: SigningKeyPair) -> str:
    """The compact JWS of `record`'s canonical bytes."""
    header = canonical({"alg": ALG, "kid": key.kid, "typ": TYP})
    signing_input = f"{b64url(header)}.{b64url(canonical(record))}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url(key.private.sign(signing_input))}"


class Outcome(StrEnum):
    VALID = "valid"
    ALTERED = "altered"  # malformed, or the signature does not verify
    UNKNOWN_KEY = "unknown_key"


# Why a token is refused, in English (translated where shown).
MALFORMED = gettext_noop("This is not a Grappe attestation (not a compact JWS with three parts).")
BAD_HEADER = gettext_noop("The attestation's header is unreadable or not an EdDSA signature.")
BAD_PAYLOAD = gettext_noop("The attestation's record is unreadable or not canonical JSON.")
BAD_SIGNATURE = gettext_noop(
    "The signature does not match the record: the attestation was altered."
)
UNKNOWN_KID = gettext_noop("The attestation is signed with a key that Grappe does not publish.")
SIGNATURE_OK = gettext_noop("The signature is valid.")


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reason: str  # English, marked for translation
    kid: str = ""
    record: dict[str, Any] | None = None  # only when the signature is valid

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.VALID


def _json(data: bytes) -> Any:
    return json.loads(data.decode("utf-8"))


def verify(token: str, keys: Mapping[str, Mapping[str, Any]]) -> Verdict:
    """Verify a compact JWS against public JWKs by kid; never raises on bad input."""
    token = token.strip() if isinstance(token, str) else ""
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        return Verdict(Outcome.ALTERED, MALFORMED)
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = _json(b64url_decode(header_b64))
        if (
            not isinstance(header, dict)
            or header.get("alg") != ALG
            or not isinstance(header.get("kid"), str)
            or set(header) - {"alg", "kid", "typ"}
        ):
            raise ValueError("bad header")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Verdict(Outcome.ALTERED, BAD_HEADER)
    kid: str = header["kid"]
    try:
        payload = b64url_decode(payload_b64)
        record = _json(payload)
        if not isinstance(record, dict) or canonical(record) != payload:
            raise ValueError("not canonical")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Verdict(Outcome.ALTERED, BAD_PAYLOAD, kid)
    jwk = keys.get(kid)
    if jwk is None:
        return Verdict(Outcome.UNKNOWN_KEY, UNKNOWN_KID, kid)
    try:
        signature = b64url_decode(signature_b64)
        public_key_from_jwk(jwk).verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except (ValueError, InvalidSignature):
        return Verdict(Outcome.ALTERED, BAD_SIGNATURE, kid)
    return Verdict(Outcome.VALID, SIGNATURE_OK, kid, record)
