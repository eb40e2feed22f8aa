"""Attestation writes: the published signing keys, issuing and revoking attestations.

The only writers of `SigningKey` and `Attestation`; every write is audited. Who may issue or
revoke is the role table's `attestation.manage` (administrators; managers of the accrediting
cluster). `actor=None` is the system (the labelling committee's decision, the demo loader).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.attestations import keys
from grappe.attestations.domain.record import (
    AttestationFacts,
    ClusterFacts,
    Decision,
    OrganisationFacts,
    build_record,
)
from grappe.attestations.domain.signing import SigningKeyPair, sign
from grappe.attestations.models import Attestation, SigningKey
from grappe.core.actors import Actor, recorded_user
from grappe.core.domain.roles import Action, Target
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record
from grappe.projects.models import Accreditation, Participation
from grappe.registry.models import Organisation

REASON_MAX = 2000
CONDITION_MAX = 1000


def may_manage(actor: Actor, cluster_id: int) -> bool:
    """May `actor` issue or revoke the attestation of an accreditation by `cluster_id`?"""
    return actor is None or scope_for(actor).can(
        Action.ATTESTATION_MANAGE, Target.of(own_cluster=[cluster_id])
    )


# --------------------------------------------------------------------------- keys


def _publish(pair: SigningKeyPair, actor: Actor) -> SigningKey:
    """Make `pair` the current published key, retiring the one before (still published)."""
    now = timezone.now()
    retired = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True))
    SigningKey.objects.filter(pk__in=[k.pk for k in retired]).update(retired_at=now)
    key = SigningKey.objects.create(kid=pair.kid, public_jwk=pair.jwk, created_at=now)
    audit_record(
        actor=actor,
        action="attestation_key.publish",
        obj=key,
        before={"current": [k.kid for k in retired]},
        after={"current": key.kid},
    )
    return key


def signing_key_current(*, actor: Actor = None) -> tuple[SigningKeyPair, SigningKey]:
    """The private key of the key file and its published row (published now if it is new)."""
    pair = keys.key_load()
    with transaction.atomic():
        key = SigningKey.objects.filter(kid=pair.kid).first()
        if key is None:
            key = _publish(pair, actor)
        elif key.retired_at is not None:
            raise ImproperlyConfigured(
                f"The attestation signing key {pair.kid} was retired: "
                "run `grappe attestation keygen` for a new one."
            )
    return pair, key


def signing_key_rotate(*, actor: Actor = None) -> SigningKey:
    """A new key becomes current; the old one stays published, so what it signed verifies."""
    if actor is not None and not scope_for(actor).is_staff_wide:
        raise PermissionDenied(_("Only administrators may rotate the attestation signing key."))
    pair = SigningKeyPair.generate()
    with transaction.atomic():
        key = _publish(pair, actor)
        # The file last: if writing it fails, the transaction (and the new row) is undone. A
        # file written but not committed is published by `signing_key_current` next time.
        keys.key_write(pair)
    return key


# --------------------------------------------------------------------------- attestations


def verification_url(attestation_id: str) -> str:
    """The public address of an attestation (language-neutral: /en/ prefix, the page offers
    the other language)."""
    return settings.SITE_URL.rstrip("/") + reverse(
        "attestations:detail", kwargs={"pk": attestation_id}
    )


def _identifiers(org: Organisation) -> dict[str, str]:
    return {"siren": org.siren, "rnsr": org.rnsr, "pic": org.pic, "vat": org.vat}


def _clean_conditions(conditions: Sequence[str]) -> list[str]:
    cleaned = [c.strip() for c in conditions if c.strip()]
    for condition in cleaned:
        if len(condition) > CONDITION_MAX:
            raise ValidationError(
                {
                    "conditions": _("A condition has at most %(max)d characters.")
                    % {"max": CONDITION_MAX}
                }
            )
    return cleaned


def attestation_issue(
    *,
    accreditation: Accreditation,
    actor: Actor,
    conditions: Sequence[str] = (),
    valid_until: dt.date | None = None,
) -> Attestation:
    """Sign the attestation of `accreditation`; idempotent (an accreditation has one
    attestation: a second call returns the first, unchanged).

    With conditions, the decision is "accredited with conditions". Valid from the
    accreditation's date until `valid_until`, by default the project's end date (if any).
    """
    if not may_manage(actor, accreditation.cluster_id):
        raise PermissionDenied(
            _("Only the managers of the accrediting cluster may issue its attestation.")
        )
    cleaned = _clean_conditions(conditions)
    with transaction.atomic():
        accreditation = (
            Accreditation.objects.select_for_update()
            .select_related("project", "cluster")
            .get(pk=accreditation.pk)
        )
        existing = Attestation.objects.filter(accreditation=accreditation).first()
        if existing is not None:
            return existing
        project = accreditation.project
        until = valid_until if valid_until is not None else project.end_date
        if until is not None and until < accreditation.accredited_on:
            raise ValidationError(
                {"valid_until": _("The end of validity is before the accreditation date.")}
            )
        pair, key = signing_key_current(actor=actor)
        attestation = Attestation(accreditation=accreditation, kid=key.kid)
        attestation.issued_at = timezone.now()
        others = (
            Accreditation.objects.filter(project=project)
            .exclude(pk=accreditation.pk)
            .select_related("cluster")
            .order_by("-is_lead", "accredited_on", "id")
        )
        consortium = (
            Participation.objects.filter(project=project)
            .select_related("organisation")
            .order_by("display_order", "id")
        )
        facts = AttestationFacts(
            attestation_id=str(attestation.id),
            project_id=project.pk,
            acronym=project.acronym,
            title=project.title,
            consortium=[
                OrganisationFacts(p.organisation.name, p.role, _identifiers(p.organisation))
                for p in sorted(consortium, key=lambda p: p.role != "coordinator")
            ],
            clusters=[
                ClusterFacts(a.cluster.slug, a.cluster.name, a.is_lead)
                for a in [accreditation, *others]
            ],
            decision=Decision.ACCREDITED_WITH_CONDITIONS if cleaned else Decision.ACCREDITED,
            decided_on=accreditation.accredited_on,
            conditions=cleaned,
            valid_from=accreditation.accredited_on,
            valid_until=until,
            issued_at=attestation.issued_at,
            issuer_name=settings.ATTESTATION_ISSUER_NAME,
            issuer_url=settings.SITE_URL,
            verification_url=verification_url(str(attestation.id)),
        )
        attestation.record = build_record(facts)
        attestation.jws = sign(attestation.record, pair)
        attestation.valid_until = until
        attestation.save()
        audit_record(
            actor=actor,
            action="attestation.issue",
            obj=attestation,
            after={
                "accreditation": accreditation.pk,
                "project": project.pk,
                "cluster": accreditation.cluster_id,
                "kid": key.kid,
                "decision": facts.decision.value,
            },
        )
    return attestation


def attestation_revoke(*, attestation: Attestation, reason: str, actor: Actor) -> Attestation:
    """Revoke an attestation; the reason is required and shown on its public page."""
    cluster_id = Accreditation.objects.values_list("cluster_id", flat=True).get(
        pk=attestation.accreditation_id
    )
    if not may_manage(actor, cluster_id):
        raise PermissionDenied(
            _("Only the managers of the accrediting cluster may revoke its attestation.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the attestation is revoked.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("The reason has at most %(max)d characters.") % {"max": REASON_MAX}}
        )
    with transaction.atomic():
        locked = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if locked.revoked_at is not None:
            raise ValidationError({"reason": _("This attestation is already revoked.")})
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason
        locked.revoked_by = (
            recorded_user(actor) if actor is not None and actor.is_authenticated else None
        )
        locked.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
        audit_record(
            actor=actor,
            action="attestation.revoke",
            obj=locked,
            before={"revoked_at": None},
            after={"revoked_at": locked.revoked_at.isoformat()},
            reason=reason,
        )
    return locked
