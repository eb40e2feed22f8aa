"""Canonical JSON (RFC 8785), Ed25519 compact JWS, key ids (RFC 7638) — no database."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.attestations.domain import signing
from grappe.attestations.domain.record import (
    AttestationFacts,
    ClusterFacts,
    Decision,
    OrganisationFacts,
    Status,
    build_record,
    status_of,
)
from grappe.attestations.domain.signing import Outcome, SigningKeyPair, canonical, sign, verify

# RFC 8785 section 3.2.2/3.2.3 and appendix examples (strings, key order by UTF-16 code units).
CANONICAL_VECTORS = [
    ({"b": 1, "a": 2}, b'{"a":2,"b":1}'),
    ({"a": [True, False, None], "b": {}}, b'{"a":[true,false,null],"b":{}}'),
    ({"€": 1, "\r": 2, "1": 3}, '{"\\r":2,"1":3,"€":1}'.encode()),
    # U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16 order, not in code points.
    ({"\ufb33": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ufb33":1}'.encode()),
    ({"s": '\u20ac$\u000f\nA\'B"\\\\"/'}, b'{"s":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'),
    ({"n": [0, -1, 9007199254740991]}, b'{"n":[0,-1,9007199254740991]}'),
    # The RFC's sorting example (section 3.2.3).
    (
        {
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\U0001f600": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis",
        },
        (
            '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
            '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
            '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
        ).encode(),
    ),
]


@pytest.mark.parametrize(("value", "expected"), CANONICAL_VECTORS)
def test_canonical_bytes_follow_rfc_8785(value: object, expected: bytes) -> None:
    assert canonical(value) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_bytes_are_a_fixed_point(value: object) -> None:
    once = canonical(value)
    assert canonical(json.loads(once)) == once


@given(json_values)
def test_canonical_bytes_match_the_rfc8785_package(value: object) -> None:
    import rfc8785

    assert canonical(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [1.5, {"a": 1.0}, 2**53, -(2**53), {1: "a"}, float("nan"), "\ud800", object()],
    ids=["float", "nested-float", "big", "small", "int-key", "nan", "lone-surrogate", "object"],
)
def test_canonical_refuses_what_a_record_never_holds(value: object) -> None:
    with pytest.raises(ValueError):
        canonical(value)


def test_rfc_7638_thumbprint_of_an_okp_key() -> None:
    # RFC 8037 appendix A.3: the thumbprint of the RFC's Ed25519 example key.
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert signing.thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_rfc_8037_signature_example() -> None:
    # RFC 8037 appendix A.4: the example's signing input signed with the example key.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    d = base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    pair = SigningKeyPair(Ed25519PrivateKey.from_private_bytes(d))
    assert pair.jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    signature = pair.private.sign(b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")
    assert signing.b64url(signature) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )


@pytest.fixture(scope="module")
def pair() -> SigningKeyPair:
    return SigningKeyPair.generate()


RECORD = {"id": "abc", "project": {"acronym": "ÉCO-2030"}, "conditions": ["report yearly"]}


def test_a_signed_record_verifies_and_says_its_key(pair: SigningKeyPair) -> None:
    token = sign(RECORD, pair)
    verdict = verify(token, {pair.kid: pair.jwk})
    assert verdict.outcome is Outcome.VALID
    assert verdict.kid == pair.kid
    assert verdict.record == RECORD
    header = json.loads(signing.b64url_decode(token.split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": pair.kid, "typ": signing.TYP}


def test_an_unknown_key_is_reported_as_such(pair: SigningKeyPair) -> None:
    other = SigningKeyPair.generate()
    verdict = verify(sign(RECORD, pair), {other.kid: other.jwk})
    assert verdict.outcome is Outcome.UNKNOWN_KEY
    assert verdict.kid == pair.kid


def test_a_key_whose_kid_is_borrowed_does_not_verify(pair: SigningKeyPair) -> None:
    other = SigningKeyPair.generate()
    verdict = verify(sign(RECORD, pair), {pair.kid: other.jwk})
    assert verdict.outcome is Outcome.ALTERED


def _flip(token: str, part: int, index: int) -> str:
    """The token with one byte of one part's decoded bytes changed (then re-encoded)."""
    parts = token.split(".")
    raw = bytearray(signing.b64url_decode(parts[part]))
    raw[index] ^= 0x01
    parts[part] = signing.b64url(bytes(raw))
    return ".".join(parts)


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_changing_any_byte_of_any_part_is_detected(pair: SigningKeyPair, part: int) -> None:
    token = sign(RECORD, pair)
    keys = {pair.kid: pair.jwk}
    length = len(signing.b64url_decode(token.split(".")[part]))
    for index in range(length):
        verdict = verify(_flip(token, part, index), keys)
        assert not verdict.valid, (part, index)
        assert verdict.record is None


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_changing_any_character_of_the_text_is_detected(pair: SigningKeyPair, part: int) -> None:
    token = sign(RECORD, pair)
    keys = {pair.kid: pair.jwk}
    start = sum(len(p) + 1 for p in token.split(".")[:part])
    end = start + len(token.split(".")[part])
    for i in range(start, end):
        replacement = "A" if token[i] != "A" else "B"
        assert not verify(token[:i] + replacement + token[i + 1 :], keys).valid, i


def test_a_non_canonical_payload_with_a_valid_signature_is_refused(pair: SigningKeyPair) -> None:
    header = signing.b64url(canonical({"alg": "EdDSA", "kid": pair.kid}))
    payload = signing.b64url(b'{"b": 1, "a": 2}')
    signature = signing.b64url(pair.private.sign(f"{header}.{payload}".encode()))
    verdict = verify(f"{header}.{payload}.{signature}", {pair.kid: pair.jwk})
    assert verdict.outcome is Outcome.ALTERED
    assert verdict.reason == signing.BAD_PAYLOAD


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "...",
        "a.b",
        "a.b.c.d",
        "x" * 300_000,
        "é.é.é",
        "e30.e30.e30",
        "\x00.\x00.\x00",
        None,
        42,
    ],
)
def test_garbage_is_refused_without_raising(pair: SigningKeyPair, garbage: object) -> None:
    verdict = verify(garbage, {pair.kid: pair.jwk})  # type: ignore[arg-type]
    assert verdict.outcome is not Outcome.VALID


@given(st.text(max_size=300))
def test_no_text_makes_verify_raise(text: str) -> None:
    assert verify(text, {}).outcome is not Outcome.VALID


def test_deeply_nested_payload_is_refused(pair: SigningKeyPair) -> None:
    header = signing.b64url(canonical({"alg": "EdDSA", "kid": pair.kid}))
    payload = signing.b64url(b"[" * 100_000)
    assert not verify(f"{header}.{payload}.AAAA", {pair.kid: pair.jwk}).valid


def test_key_rotation_keeps_old_signatures_valid() -> None:
    old, new = SigningKeyPair.generate(), SigningKeyPair.generate()
    token = sign(RECORD, old)
    published = signing.keys_from_jwks(signing.jwks({old.kid: old.jwk, new.kid: new.jwk}))
    assert verify(token, published).valid
    assert verify(sign(RECORD, new), published).kid == new.kid


def test_a_pem_round_trip_keeps_the_key(pair: SigningKeyPair) -> None:
    assert SigningKeyPair.from_pem(pair.pem()).kid == pair.kid


def test_a_jwks_whose_kid_is_not_the_thumbprint_is_refused(pair: SigningKeyPair) -> None:
    doc = signing.jwks({"made-up": pair.jwk})
    with pytest.raises(ValueError, match="thumbprint"):
        signing.keys_from_jwks(doc)


def _facts(**changes: object) -> AttestationFacts:
    base = {
        "attestation_id": "0b8e2f9a-4c1d-4f1e-9a7b-2d3c4e5f6a7b",
        "project_id": 7,
        "acronym": "ECO",
        "title": "Eco",
        "consortium": [OrganisationFacts("Acme", "coordinator", {"siren": "732829320", "pic": ""})],
        "clusters": [ClusterFacts("cap-digital", "Cap Digital", True)],
        "decision": Decision.ACCREDITED,
        "decided_on": dt.date(2026, 3, 1),
        "conditions": [],
        "valid_from": dt.date(2026, 3, 1),
        "valid_until": dt.date(2029, 3, 1),
        "issued_at": dt.datetime(2026, 3, 2, 9, 30, 15, 123, tzinfo=dt.UTC),
        "issuer_name": "Grappe",
        "issuer_url": "https://grappe.test",
        "verification_url": "https://grappe.test/en/attestations/x/",
    }
    return AttestationFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_the_record_keeps_known_identifiers_only_and_utc_seconds() -> None:
    record = build_record(_facts())
    assert record["consortium"] == [
        {"name": "Acme", "role": "coordinator", "identifiers": {"siren": "732829320"}}
    ]
    assert record["issued_at"] == "2026-03-02T09:30:15Z"
    assert record["validity"] == {"from": "2026-03-01", "until": "2029-03-01"}
    canonical(record)  # no floats, nothing JCS refuses


def test_a_record_whose_validity_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="valid_until"):
        build_record(_facts(valid_until=dt.date(2020, 1, 1)))


@pytest.mark.parametrize(
    ("signature_valid", "matches", "revoked", "until", "expected"),
    [
        (True, True, False, None, Status.VALID),
        (True, True, False, dt.date(2026, 6, 1), Status.VALID),  # the last day still counts
        (True, True, False, dt.date(2026, 5, 31), Status.EXPIRED),
        (True, True, True, dt.date(2026, 5, 31), Status.REVOKED),
        (False, True, True, None, Status.ALTERED),
        (True, False, False, None, Status.ALTERED),
    ],
)
def test_status(
    signature_valid: bool, matches: bool, revoked: bool, until: dt.date | None, expected: Status
) -> None:
    today = dt.date(2026, 6, 1)
    assert (
        status_of(
            signature_valid=signature_valid,
            matches_record=matches,
            revoked=revoked,
            valid_until=until,
            today=today,
        )
        is expected
    )
