"""The attestation record: what a cluster's label on a project says, as a JSON object.

Pure Python. `build_record` turns plain facts into the record that is signed; `status_of` says
whether a stored attestation is valid, revoked, expired or altered. The record holds strings,
integers, booleans and nulls only (no floats: RFC 8785 would then depend on number formatting),
dates as ISO 8601 (`YYYY-MM-DD`), times as UTC ISO 8601 with a `Z`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from grappe.core.domain.i18n import gettext_noop

SCHEMA = "grappe/label-attestation"
VERSION = 1
# Identifier schemes an organisation may carry in a record, in this order.
IDENTIFIER_SCHEMES = ("siren", "rnsr", "pic", "vat")


class Decision(StrEnum):
    ACCREDITED = "accredited"
    ACCREDITED_WITH_CONDITIONS = "accredited_with_conditions"


DECISION_LABELS: Mapping[Decision, str] = {
    Decision.ACCREDITED: gettext_noop("Accredited"),
    Decision.ACCREDITED_WITH_CONDITIONS: gettext_noop("Accredited with conditions"),
}


@dataclass(frozen=True)
class OrganisationFacts:
    name: str
    role: str  # coordinator, partner, subcontractor
    identifiers: Mapping[str, str] = field(default_factory=dict)  # scheme -> value, when known


@dataclass(frozen=True)
class ClusterFacts:
    slug: str
    name: str
    is_lead: bool


@dataclass(frozen=True)
class AttestationFacts:
    attestation_id: str
    project_id: int
    acronym: str
    title: str
    consortium: Sequence[OrganisationFacts]
    clusters: Sequence[ClusterFacts]  # the accrediting cluster first
    decision: Decision
    decided_on: dt.date
    conditions: Sequence[str]
    valid_from: dt.date
    valid_until: dt.date | None
    issued_at: dt.datetime  # timezone-aware
    issuer_name: str
    issuer_url: str
    verification_url: str


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_record(facts: AttestationFacts) -> dict[str, Any]:
    """The JSON object that is signed (see docs/attestations.md for each field)."""
    if facts.valid_until is not None and facts.valid_until < facts.valid_from:
        raise ValueError("valid_until is before valid_from")
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "id": facts.attestation_id,
        "type": "label-attestation",
        "project": {"id": facts.project_id, "acronym": facts.acronym, "title": facts.title},
        "consortium": [
            {
                "name": org.name,
                "role": org.role,
                "identifiers": {
                    scheme: org.identifiers[scheme]
                    for scheme in IDENTIFIER_SCHEMES
                    if org.identifiers.get(scheme)
                },
            }
            for org in facts.consortium
        ],
        "clusters": [{"slug": c.slug, "name": c.name, "lead": c.is_lead} for c in facts.clusters],
        "decision": {
            "outcome": facts.decision.value,
            "date": facts.decided_on.isoformat(),
            "conditions": list(facts.conditions),
        },
        "validity": {
            "from": facts.valid_from.isoformat(),
            "until": facts.valid_until.isoformat() if facts.valid_until else None,
        },
        "issuer": {"name": facts.issuer_name, "url": facts.issuer_url},
        "issued_at": _utc(facts.issued_at),
        "verification_url": facts.verification_url,
    }


class Status(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ALTERED = "altered"
    UNKNOWN_KEY = "unknown_key"
    UNKNOWN = "unknown"  # a valid signature, but no attestation of that id here


STATUS_LABELS: Mapping[Status, str] = {
    Status.VALID: gettext_noop("Valid"),
    Status.REVOKED: gettext_noop("Revoked"),
    Status.EXPIRED: gettext_noop("Expired"),
    Status.ALTERED: gettext_noop("Altered"),
    Status.UNKNOWN_KEY: gettext_noop("Unknown key"),
    Status.UNKNOWN: gettext_noop("Unknown attestation"),
}


def status_of(
    *,
    signature_valid: bool,
    matches_record: bool,
    revoked: bool,
    valid_until: dt.date | None,
    today: dt.date,
) -> Status:
    """An attestation's status: an altered one first (nothing it says can be trusted), then
    revoked, then expired."""
    if not (signature_valid and matches_record):
        return Status.ALTERED
    if revoked:
        return Status.REVOKED
    if valid_until is not None and today > valid_until:
        return Status.EXPIRED
    return Status.VALID
