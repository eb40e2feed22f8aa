"""Attestation API: one attestation with its status, and the verification of any JWS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Router
from ninja.decorators import decorate_view

from grappe.attestations import selectors
from grappe.attestations.models import Attestation
from grappe.attestations.schemas import AttestationOut, VerifyIn, VerifyOut
from grappe.attestations.services import verification_url
from grappe.core.apikit import BODY_ERRORS, RATE_LIMIT_ERRORS, not_found, responses
from grappe.core.ratelimit import rate_limited
from grappe.core.scopes import scope_for

router = Router(tags=["attestations"])


# Before `/attestations/{id}`, which would otherwise take `verify` for an id.
@router.post(
    "/attestations/verify",
    response=responses(VerifyOut, BODY_ERRORS, RATE_LIMIT_ERRORS),
    summary="Verify a label attestation (a compact JWS) against the published keys",
)
@decorate_view(rate_limited("attestation_verify"))
def verify_attestation(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    check = selectors.token_check("".join(payload.jws.split()))
    known = check.attestation
    return {
        "status": check.status,
        "reason": check.reason,
        "kid": check.kid,
        "attestation_id": str(known.pk) if known else None,
        "valid_until": known.valid_until if known else None,
        "revoked_at": known.revoked_at if known else None,
        "revoked_reason": known.revoked_reason if known else "",
        "record": check.record,
    }


@router.get(
    "/attestations/{id}",
    response=responses(AttestationOut, 404),
    summary="One label attestation: its signed record, its status and its JWS",
)
def get_attestation(request: HttpRequest, id: Path[str]) -> dict[str, Any]:
    try:
        attestation = selectors.attestation_get(scope=scope_for(request.user), pk=id)
    except Attestation.DoesNotExist:
        raise not_found(_("attestation"), id[:40]) from None
    check = selectors.attestation_check(attestation)
    letter = reverse("attestations:letter", kwargs={"pk": attestation.pk})
    return {
        "id": str(attestation.pk),
        "status": check.status,
        "reason": check.reason,
        "kid": attestation.kid,
        "issued_at": attestation.issued_at,
        "valid_until": attestation.valid_until,
        "revoked_at": attestation.revoked_at,
        "revoked_reason": attestation.revoked_reason,
        "record": attestation.record,
        "jws": attestation.jws,
        "verification_url": verification_url(str(attestation.pk)),
        "letter_urls": {lang: f"{letter}?lang={lang}" for lang in ("fr", "en")},
        "keys_url": reverse("attestation_keys"),
    }
