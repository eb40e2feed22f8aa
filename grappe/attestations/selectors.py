"""Attestation reads.

An attestation is as visible as its project (`project.view`): public once the project is
accredited, funded or completed, otherwise only to the project's insiders, so that a proposal's
attestation does not reveal the proposal (404). Verifying a pasted attestation answers whoever
holds it (they hold the signed record already); the signing keys are public."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from grappe.attestations.domain.record import Status, status_of
from grappe.attestations.domain.signing import Outcome, Verdict, canonical, jwks, verify
from grappe.attestations.models import Attestation, SigningKey
from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.scope import Scope
from grappe.projects.models import Accreditation
from grappe.projects.selectors import project_visible

NOT_STORED = gettext_noop(
    "The signature is valid, but no attestation with this id was issued here."
)
REVOKED = gettext_noop("The signature is valid, but the attestation was revoked.")
EXPIRED = gettext_noop("The signature is valid, but the attestation has expired.")
RECORD_MISMATCH = gettext_noop(
    "The stored record differs from the signed one: the attestation was altered."
)


def published_keys() -> dict[str, dict[str, Any]]:
    """Every published public key (current and retired) by kid."""
    return {k.kid: dict(k.public_jwk) for k in SigningKey.objects.order_by("created_at", "id")}


def published_jwks() -> dict[str, Any]:
    return jwks(published_keys())


def _attestation_by_id(pk: uuid.UUID | str) -> Attestation:
    try:
        key = uuid.UUID(str(pk))
    except ValueError as exc:
        raise Attestation.DoesNotExist from exc
    return Attestation.objects.select_related(
        "accreditation__project", "accreditation__cluster"
    ).get(pk=key)


def attestation_get(*, scope: Scope, pk: uuid.UUID | str) -> Attestation:
    """One attestation of a project the user may see, by its public id; raises
    `Attestation.DoesNotExist` otherwise (one query)."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError as exc:
        raise Attestation.DoesNotExist from exc
    return (
        Attestation.objects.select_related("accreditation__project", "accreditation__cluster")
        .filter(accreditation__project__in=project_visible(scope=scope))
        .get(pk=key)
    )


def accreditation_find(*, pk: int) -> Accreditation | None:
    """An accreditation by id, for the issue page (which then asks the role table)."""
    return Accreditation.objects.filter(pk=pk).first()


def attestations_of_accreditations(ids: Iterable[int]) -> dict[int, Attestation]:
    """The attestation of each accreditation that has one, by accreditation id (one query)."""
    return {a.accreditation_id: a for a in Attestation.objects.filter(accreditation_id__in=ids)}


@dataclass(frozen=True)
class Check:
    """What a verification found: the status, why (English, marked for translation), the kid,
    the signed record when the signature is valid and the stored attestation when known."""

    status: Status
    reason: str
    kid: str = ""
    record: dict[str, Any] | None = None
    attestation: Attestation | None = None


def _status(attestation: Attestation, verdict: Verdict, today: dt.date) -> Check:
    matches = verdict.valid and canonical(attestation.record) == canonical(verdict.record)
    status = status_of(
        signature_valid=verdict.valid,
        matches_record=matches,
        revoked=attestation.revoked_at is not None,
        valid_until=attestation.valid_until,
        today=today,
    )
    reason = {Status.REVOKED: REVOKED, Status.EXPIRED: EXPIRED}.get(status, verdict.reason)
    if verdict.valid and not matches:
        reason = RECORD_MISMATCH
    return Check(status, reason, verdict.kid, verdict.record, attestation)


def _today() -> dt.date:
    return timezone.localdate()


def attestation_check(attestation: Attestation) -> Check:
    """The status of a stored attestation: its stored JWS verified against the published keys
    and compared with its stored record."""
    verdict = verify(attestation.jws, published_keys())
    if verdict.outcome is Outcome.UNKNOWN_KEY:
        return Check(Status.UNKNOWN_KEY, verdict.reason, verdict.kid, None, attestation)
    if verdict.valid and (verdict.record or {}).get("id") != str(attestation.pk):
        return Check(Status.ALTERED, RECORD_MISMATCH, verdict.kid, verdict.record, attestation)
    return _status(attestation, verdict, _today())


def token_check(token: str) -> Check:
    """The status of a pasted or uploaded JWS (never raises on bad input)."""
    verdict = verify(token, published_keys())
    if verdict.outcome is Outcome.UNKNOWN_KEY:
        return Check(Status.UNKNOWN_KEY, verdict.reason, verdict.kid)
    if not verdict.valid:
        return Check(Status.ALTERED, verdict.reason, verdict.kid)
    record = verdict.record or {}
    try:
        attestation = _attestation_by_id(str(record.get("id", "")))
    except Attestation.DoesNotExist:
        return Check(Status.UNKNOWN, NOT_STORED, verdict.kid, record)
    if attestation.jws != token.strip():
        # Signed by us with this id, yet not the token we issued: a key compromise or a bug.
        return Check(Status.ALTERED, RECORD_MISMATCH, verdict.kid, record, attestation)
    return _status(attestation, verdict, _today())
