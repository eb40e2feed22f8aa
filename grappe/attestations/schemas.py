"""API schemas of the attestations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from grappe.attestations.domain.record import Status
from grappe.core.apikit import InputSchema, MultilineStr


class AttestationOut(Schema):
    id: str = Field(description="The attestation's public id (a UUID).")
    status: Status = Field(description="valid, revoked, expired or altered (or unknown_key).")
    reason: str = Field(description="Why, in English.")
    kid: str = Field(description="The key id (RFC 7638 thumbprint) of the signing key.")
    issued_at: dt.datetime
    valid_until: dt.date | None
    revoked_at: dt.datetime | None
    revoked_reason: str
    record: dict[str, Any] = Field(description="The signed record (docs/attestations.md).")
    jws: str = Field(description="The compact JWS (EdDSA) of the record's RFC 8785 bytes.")
    verification_url: str
    letter_urls: dict[str, str] = Field(description="The PDF letter by language (fr, en).")
    keys_url: str = Field(description="The published public keys (JWKS).")


# An attestation is ~2 KB plus ~0.2 KB per consortium member: 20,000 characters hold about 90
# members. Kept so that even the longest refused string (each character escaped as a 12-byte
# surrogate pair in JSON) stays under the request body limit, answering 422 rather than 413.
API_MAX_TOKEN_CHARS = 20_000


class VerifyIn(InputSchema):
    # Line breaks are allowed (a pasted, wrapped token); they are ignored.
    jws: MultilineStr = Field(
        max_length=API_MAX_TOKEN_CHARS,
        description="A compact JWS, as downloaded from an attestation page.",
    )


class VerifyOut(Schema):
    status: Status = Field(
        description=(
            "valid, revoked, expired, altered, unknown_key (not signed by a published key) or "
            "unknown (validly signed, yet no such attestation here)."
        )
    )
    reason: str
    kid: str
    attestation_id: str | None
    valid_until: dt.date | None = Field(description="As stored here (when the id is known).")
    revoked_at: dt.datetime | None
    revoked_reason: str
    record: dict[str, Any] | None = Field(
        description="The signed record when the signature is valid."
    )
