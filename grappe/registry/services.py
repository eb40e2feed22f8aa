"""Registry writers: every change to organisations and memberships goes through one of these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.scopes import scope_for
from grappe.core.services import audit_record
from grappe.registry.models import (
    PROPOSABLE_FIELDS,
    ChangeProposalStatus,
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationChangeProposal,
    organisation_field_label,
)

# --- membership confirmation and change proposals ---


def _may_decide_for(actor: Any, organisation_id: int) -> None:
    """Only the organisation itself (one of its members) or an administrator decides."""
    if not scope_for(actor).acts_for_organisation(organisation_id):
        raise PermissionDenied


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def membership_confirm(*, actor: Any, membership: ClusterMembership) -> ClusterMembership:
    """The organisation (or an administrator) confirms that it is a member of the cluster.

    From then on the cluster's managers see its confidential figures, for as long as the
    membership runs. Raises `PermissionDenied` for anyone else, `ValidationError` when the
    membership is already confirmed or has ended.
    """
    locked = (
        ClusterMembership.objects.select_for_update(of=("self",))
        .select_related("cluster")
        .get(pk=membership.pk)
    )
    _may_decide_for(actor, locked.organisation_id)
    if locked.confirmed_at is not None:
        raise ValidationError(_("This membership is already confirmed."))
    if locked.end_date is not None and locked.end_date < timezone.localdate():
        raise ValidationError(_("This membership has ended: there is nothing to confirm."))
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = _user_or_none(actor)
    locked.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        action="membership.confirm",
        obj=locked,
        after={
            "organisation": locked.organisation_id,
            "cluster": locked.cluster_id,
            "start_date": locked.start_date.isoformat(),
            "end_date": locked.end_date.isoformat() if locked.end_date else None,
        },
    )
    membership.confirmed_at, membership.confirmed_by = locked.confirmed_at, locked.confirmed_by
    return locked


def change_proposals_create(
    *,
    actor: Any,
    cluster: Cluster | None,
    run: Any | None,
    items: Iterable[tuple[int, str, str, str]],
) -> int:
    """Record (organisation id, field, value held, value proposed) differences found by an
    import; a value already waiting for the same field is not proposed twice. Returns how many
    were recorded. Call it inside the import's transaction (whose audit event counts them)."""
    rows: dict[tuple[int, str, str], OrganisationChangeProposal] = {}
    for organisation_id, field, old, new in items:
        if field not in PROPOSABLE_FIELDS:
            raise ValueError(f"{field!r} is not a field a member sheet may propose")
        rows.setdefault(
            (organisation_id, field, new),
            OrganisationChangeProposal(
                organisation_id=organisation_id,
                field=field,
                old_value=old or "",
                proposed_value=new,
                cluster=cluster,
                run=run,
            ),
        )
    if not rows:
        return 0
    waiting = set(
        OrganisationChangeProposal.objects.filter(
            status=ChangeProposalStatus.PENDING,
            organisation_id__in={key[0] for key in rows},
        ).values_list("organisation_id", "field", "proposed_value")
    )
    new_rows = [row for key, row in rows.items() if key not in waiting]
    OrganisationChangeProposal.objects.bulk_create(new_rows, batch_size=1000)
    return len(new_rows)


def _locked_pending(
    *, actor: Any, proposal: OrganisationChangeProposal
) -> OrganisationChangeProposal:
    locked = OrganisationChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    _may_decide_for(actor, locked.organisation_id)
    if locked.status != ChangeProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    return locked


def _decided(locked: OrganisationChangeProposal, *, actor: Any, status: str) -> None:
    locked.status = status
    locked.decided_by = _user_or_none(actor)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])


@transaction.atomic
def change_proposal_accept(
    *, actor: Any, proposal: OrganisationChangeProposal
) -> OrganisationChangeProposal:
    """Apply the proposed value to the organisation (every field validator and the model's rules
    run first) and mark the proposal accepted.

    Refused, changing nothing, when the organisation's value changed since the proposal was made
    (the proposal can still be rejected) or when the value breaks a rule (e.g. a SIREN another
    organisation holds): `ValidationError` naming the field.
    """
    locked = _locked_pending(actor=actor, proposal=proposal)
    organisation = Organisation.objects.select_for_update().get(pk=locked.organisation_id)
    field = locked.field
    label = str(organisation_field_label(field))
    current = getattr(organisation, field) or ""
    if current != locked.old_value:
        raise ValidationError(
            _(
                "The organisation's %(field)s changed since this was proposed; "
                "reject the proposal if it no longer applies."
            )
            % {"field": label}
        )
    setattr(organisation, field, locked.proposed_value)
    # Only the changed field is validated (with the model's rules and unique constraints that
    # involve it): an old flaw elsewhere in the row must not block this decision.
    others = [f.name for f in Organisation._meta.concrete_fields if f.name != field]
    try:
        organisation.full_clean(exclude=others)
    except ValidationError as exc:
        problems = exc.message_dict if hasattr(exc, "error_dict") else {field: exc.messages}
        messages = "; ".join(
            f"{organisation_field_label(name) if name != '__all__' else label}: {' '.join(texts)}"
            for name, texts in problems.items()
        )
        raise ValidationError(
            _("The proposed value cannot be applied: %(problems)s") % {"problems": messages}
        ) from exc
    organisation.save(update_fields=[field, "updated_at"])
    _decided(locked, actor=actor, status=ChangeProposalStatus.ACCEPTED)
    audit_record(
        actor=actor,
        action="organisation.change_accept",
        obj=organisation,
        before={field: current},
        after={field: locked.proposed_value},
        reason=f"change proposal #{locked.pk} (cluster {locked.cluster_id}, run {locked.run_id})",
    )
    proposal.status = locked.status
    return locked


@transaction.atomic
def change_proposal_reject(
    *, actor: Any, proposal: OrganisationChangeProposal
) -> OrganisationChangeProposal:
    """Decline a proposed value; the organisation is left as it is."""
    locked = _locked_pending(actor=actor, proposal=proposal)
    _decided(locked, actor=actor, status=ChangeProposalStatus.REJECTED)
    audit_record(
        actor=actor,
        action="organisation.change_reject",
        obj=locked,
        before={"field": locked.field, "value": locked.old_value},
        after={"proposed": locked.proposed_value},
    )
    proposal.status = locked.status
    return locked
