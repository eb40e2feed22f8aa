"""Decision writers (atomic, audited): a call's envelopes and pledges, approvals posted to the
envelope ledger under the envelope's row lock, reversals, declines.

The approved total of an envelope can never exceed it: the envelope rows are locked
(`select_for_update`, PostgreSQL) in one order, the running total is raised by a conditional
`UPDATE ... WHERE approved <= amount - need`, and the database's check constraint
`envelope_approved_within_amount` refuses any total above the envelope. SQLite serialises
writers (`transaction_mode = IMMEDIATE` in settings), so the same holds there.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record, require
from grappe.core.templatetags.grappe_ui import money
from grappe.decisions import selectors
from grappe.decisions.models import (
    CallFunding,
    Decision,
    DecisionOutcome,
    Envelope,
    EnvelopeKind,
    LedgerEntry,
    LedgerKind,
)
from grappe.funding.models import Application, Call, Funder
from grappe.funding.services import application_transition
from grappe.projects.services import FundingDecision, funding_lines_record

ZERO = Decimal("0")
CENT = Decimal("0.01")


def money_text(value: Decimal) -> str:
    """An amount in euros and cents, in the reader's language (€12,000.00 / 12 000,00 €)."""
    return money(value, 2)


def _may_decide(actor: Actor, call: Call) -> bool:
    return actor is None or selectors.may_manage(scope=scope_for(actor), call=call)


def _require_decide(actor: Actor, call: Call) -> None:
    require(_may_decide(actor, call), _("You may not decide on this call's applications."))


def _money_error(value: Decimal | None, *, allow_zero: bool = True) -> str | None:
    """Why `value` is not an amount in euros and cents (translated), or None."""
    if value is None:
        return _("Enter an amount.")
    if not value.is_finite():
        return _("Enter a number.")
    if value < 0 or (value == 0 and not allow_zero):
        return _("An amount cannot be negative.") if value < 0 else _("Enter a positive amount.")
    if value != value.quantize(CENT):
        return _("Use at most two decimal places (cents).")
    if value >= Decimal("1e12"):
        return _("This amount is too large.")
    return None


# --------------------------------------------------------------------------- envelopes


@transaction.atomic
def call_funding_set(
    *,
    actor: Actor,
    call: Call,
    envelope: Decimal,
    pledges: Sequence[tuple[Funder, Decimal] | tuple[Funder, Decimal, Decimal]] = (),
    minimum_share: Decimal | None = None,
    reason: str = "",
) -> list[Envelope]:
    """Set the call funder's envelope, the co-funders' pledges (the list replaces the earlier
    one) and the minimum viable share. A pledge is `(funder, amount)` or `(funder, amount,
    least per funded project)`. Refused, nothing written (`ValidationError` naming the field:
    `envelope`, `pledges.<i>`, `pledges.<i>.minimum_per_project`, `minimum_share`): a negative or malformed
    amount, the call's own funder or a funder twice among the pledges, a least per project
    above the pledge, an envelope or pledge below what is already approved from it, a pledge
    removed that has ledger entries."""
    _require_decide(actor, call)
    errors: dict[str, str] = {}
    problem = _money_error(envelope)
    if problem:
        errors["envelope"] = problem
    share = selectors.DEFAULT_MINIMUM_SHARE if minimum_share is None else minimum_share
    if not share.is_finite() or not ZERO <= share <= 1:
        errors["minimum_share"] = _("Enter a share between 0 and 1 (e.g. 0.5 for half).")
    seen: set[int] = set()
    minimums = [p[2] if len(p) > 2 else ZERO for p in pledges]
    for i, (funder, amount, *_rest) in enumerate(pledges):
        above = _money_error(minimums[i])
        if not above and not _money_error(amount) and minimums[i] > amount:
            above = _(
                "The least per funded project, %(minimum)s, is above the pledge, %(amount)s."
            ) % {"minimum": money_text(minimums[i]), "amount": money_text(amount)}
        if above:
            errors[f"pledges.{i}.minimum_per_project"] = above
        problem = _money_error(amount)
        if funder.pk == call.funder_id:
            problem = _("The call's own funder gives the envelope, not a pledge.")
        elif funder.pk in seen:
            problem = _("%(funder)s is listed twice.") % {"funder": funder.name}
        if problem:
            errors[f"pledges.{i}"] = problem
        seen.add(funder.pk)
    if errors:
        raise ValidationError(errors)

    existing = {
        e.funder_id: e
        for e in Envelope.objects.select_for_update(of=("self",))
        .filter(call=call)
        .select_related("funder")
    }
    wanted: dict[int, tuple[str, Decimal, str, Decimal]] = {
        call.funder_id: (EnvelopeKind.ENVELOPE, envelope, "envelope", ZERO)
    }
    for i, (funder, amount, *_rest) in enumerate(pledges):
        wanted[funder.pk] = (EnvelopeKind.PLEDGE, amount, f"pledges.{i}", minimums[i])
    for funder_id, (_kind, amount, field, _least) in wanted.items():
        env = existing.get(funder_id)
        if env is not None and amount < env.approved:
            errors[field] = _("%(amount)s is below the %(approved)s already approved from it.") % {
                "amount": money_text(amount),
                "approved": money_text(env.approved),
            }
    removed = [e for fid, e in existing.items() if fid not in wanted]
    for env in removed:
        if env.entries.exists():
            errors["pledges"] = _(
                "The pledge of %(funder)s has approvals posted to it: it cannot be removed "
                "(reverse them first or lower it to what is approved)."
            ) % {"funder": env.funder.name}
    if errors:
        raise ValidationError(errors)

    before = {
        "envelopes": {e.funder.slug: str(e.amount) for e in existing.values()},
        "minimums": {
            e.funder.slug: str(e.minimum_per_project)
            for e in existing.values()
            if e.minimum_per_project
        },
        "minimum_share": str(selectors.call_plan(call).minimum_share),
    }
    CallFunding.objects.update_or_create(call=call, defaults={"minimum_share": share})
    for env in removed:
        env.delete()
    rows: list[Envelope] = []
    for funder_id, (kind, amount, _field, least) in wanted.items():
        env = existing.get(funder_id)
        if env is None:
            env = Envelope(
                call=call,
                funder_id=funder_id,
                kind=kind,
                amount=amount,
                minimum_per_project=least,
            )
            env.full_clean(exclude=["call", "funder"], validate_unique=False)
            env.save()
        elif env.amount != amount or env.kind != kind or env.minimum_per_project != least:
            env.amount, env.kind, env.minimum_per_project = amount, kind, least
            env.save(update_fields=["amount", "kind", "minimum_per_project", "updated_at"])
        rows.append(env)
    slugs = dict(Funder.objects.filter(pk__in=list(wanted)).values_list("pk", "slug"))
    audit_record(
        actor=actor,
        action="call.funding_set",
        obj=call,
        before=before,
        after={
            "envelopes": {slugs[e.funder_id]: str(e.amount) for e in rows},
            "minimums": {
                slugs[e.funder_id]: str(e.minimum_per_project)
                for e in rows
                if e.minimum_per_project
            },
            "minimum_share": str(share),
        },
        reason=reason,
    )
    return rows


# --------------------------------------------------------------------------- approvals


def _refuse_state(application: Application) -> None:
    if application.status != "ranked":
        raise ValidationError(
            {
                "__all__": _(
                    "Only an application ranked by the panel and not yet decided can be "
                    "decided; this one is %(status)s."
                )
                % {"status": selectors.status_label(application)}
            }
        )


def _lock_envelopes(call: Call, funder_ids: Sequence[int]) -> dict[int, Envelope]:
    """The envelopes, locked in primary-key order (one order for every writer: no deadlock)."""
    return {
        e.funder_id: e
        for e in Envelope.objects.select_for_update(of=("self",))
        .filter(call=call, funder_id__in=sorted(funder_ids))
        .select_related("funder")
        .order_by("pk")
    }


def _pledge_minimum_errors(
    envelopes: Sequence[Envelope],
    partners: Mapping[int, selectors.PartnerLine],
    need: Mapping[int, Decimal],
) -> dict[str, str]:
    """A co-funder whose pledge commits a least per funded project must give the project at
    least that, or all it asks when it asks less (`selectors.pledged_minimum`)."""
    requested = selectors.application_request(list(partners.values()))
    first = min(partners) if partners else 0
    errors: dict[str, str] = {}
    for env in envelopes:
        least = selectors.pledged_minimum(env, requested)
        if least > 0 and need.get(env.funder_id, ZERO) < least:
            errors[f"amount_{first}_{env.funder_id}"] = _(
                "%(funder)s pledged at least %(minimum)s to each funded project: approve at "
                "least that from it (%(amount)s now)."
            ) % {
                "funder": env.funder.name,
                "minimum": money_text(least),
                "amount": money_text(need.get(env.funder_id, ZERO)),
            }
    return errors


def application_approve(
    *,
    actor: Actor,
    application: Application,
    amounts: Mapping[tuple[int, int], Decimal],
    reference: str = "",
    decided_on: dt.date | None = None,
    reason: str = "",
) -> Decision:
    """Approve per-partner amounts — `amounts[(participation id, funder id)]` — post them to
    the envelope ledger, record them as the partners' funding lines (granted, decision date and
    reference) and fire `fund`. Refused, nothing written (`ValidationError` naming the field
    `amount_<participation>_<funder>` or `envelope`): a negative or malformed amount, a
    partner above its cap under the call's rules (the cap in the message), more than an
    envelope has left, an application not ranked. `TransitionRefused` from the workflow."""
    call = application.call
    _require_decide(actor, call)
    decided_on = decided_on or timezone.localdate()
    reference = (reference or "").strip() or f"{call.slug}-{application.pk}"[:60]
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call")
            .get(pk=application.pk)
        )
        _refuse_state(locked)
        partners = {p.participation.pk: p for p in selectors.application_partners(call, locked)}
        errors: dict[str, str] = {}
        need: dict[int, Decimal] = defaultdict(lambda: ZERO)
        per_partner: dict[int, Decimal] = defaultdict(lambda: ZERO)
        first_field: dict[int, str] = {}
        call_envelopes = selectors.call_envelopes(call)
        funder_ids = {e.funder_id for e in call_envelopes}
        for (pid, fid), amount in amounts.items():
            field = f"amount_{pid}_{fid}"
            problem = _money_error(amount)
            if pid not in partners:
                problem = _("This organisation is not a partner of the project.")
            elif fid not in funder_ids:
                problem = _("This funder has no envelope or pledge in the call.")
            if problem:
                errors[field] = problem
                continue
            need[fid] += amount
            per_partner[pid] += amount
            first_field.setdefault(pid, field)
        for pid, total in per_partner.items():
            line = partners[pid]
            if total + sum(line.approved.values(), ZERO) > line.cap:
                errors[first_field[pid]] = _(
                    "%(partner)s: %(amount)s is above the most this partner may receive under "
                    "the call's rules, %(cap)s."
                ) % {
                    "partner": line.name,
                    "amount": money_text(total),
                    "cap": money_text(line.cap),
                }
        if not errors and sum(need.values(), ZERO) <= 0:
            errors["__all__"] = _("Approve an amount for at least one partner.")
        if not errors:
            errors.update(_pledge_minimum_errors(call_envelopes, partners, need))
        if errors:
            raise ValidationError(errors)
        envelopes = _lock_envelopes(call, [fid for fid, v in need.items() if v > 0])
        for fid, total in need.items():
            if total <= 0:
                continue
            env = envelopes.get(fid)
            if env is None:
                raise ValidationError(
                    {"envelope": _("Set the call's envelope on its funding page first.")}
                )
            raised = Envelope.objects.filter(pk=env.pk, approved__lte=F("amount") - total).update(
                approved=F("approved") + total
            )
            if not raised:
                env.refresh_from_db()
                raise ValidationError(
                    {
                        "envelope": _(
                            "The %(funder)s envelope has %(left)s left; these amounts need "
                            "%(need)s."
                        )
                        % {
                            "funder": env.funder.name,
                            "left": money_text(env.remaining),
                            "need": money_text(total),
                        }
                    }
                )
        user = recorded_user(actor) if getattr(actor, "pk", None) else None
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    envelope=envelopes[fid],
                    application=locked,
                    participation_id=pid,
                    kind=LedgerKind.APPROVAL,
                    amount=amount,
                    reason=reason,
                    created_by=user,
                )
                for (pid, fid), amount in sorted(amounts.items())
                if amount > 0
            ]
        )
        by_funder: dict[int, list[FundingDecision]] = defaultdict(list)
        for (pid, fid), amount in sorted(amounts.items()):
            if amount <= 0:
                continue
            by_funder[fid].append(
                FundingDecision(
                    participation_id=pid,
                    granted=amount,
                    decided_on=decided_on,
                    decision_reference=reference,
                    funding_round=call.title_en[:120],
                    requested=partners[pid].requested.get(fid, amount),
                )
            )
        for fid, decisions in by_funder.items():
            # The call funder's officer records its own funder's lines; a co-funder's lines
            # are recorded by the system on this decision (audited below with the actor).
            funding_lines_record(
                actor=actor if fid == call.funder_id else None,
                funder_id=fid,
                decisions=decisions,
            )
        decision = Decision.objects.create(
            application=locked,
            outcome=DecisionOutcome.FUNDED,
            reason=reason,
            reference=reference,
            decided_on=decided_on,
            decided_by=user,
        )
        audit_record(
            actor=actor,
            action="decision.approve",
            obj=locked,
            after={
                "reference": reference,
                "decided_on": decided_on.isoformat(),
                "amounts": {f"{pid}/{fid}": str(a) for (pid, fid), a in sorted(amounts.items())},
            },
            reason=reason,
        )
        application_transition(actor=actor, application=locked, transition="fund")
    application.status = locked.status
    return decision


@transaction.atomic
def application_decline(
    *,
    actor: Actor,
    application: Application,
    reason: str,
    reference: str = "",
    decided_on: dt.date | None = None,
) -> Decision:
    """Decline a ranked application with its reason (shown to the consortium) and fire
    `decline`. Refused, nothing written: an empty reason (`reason`), an undecidable state."""
    call = application.call
    _require_decide(actor, call)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the consortium will read it.")})
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=application.pk)
    )
    _refuse_state(locked)
    decided_on = decided_on or timezone.localdate()
    user = recorded_user(actor) if getattr(actor, "pk", None) else None
    decision = Decision.objects.create(
        application=locked,
        outcome=DecisionOutcome.DECLINED,
        reason=reason,
        reference=(reference or "").strip()[:60],
        decided_on=decided_on,
        decided_by=user,
    )
    audit_record(
        actor=actor,
        action="decision.decline",
        obj=locked,
        after={"decided_on": decided_on.isoformat()},
        reason=reason,
    )
    application_transition(actor=actor, application=locked, transition="decline", reason=reason)
    application.status = locked.status
    return decision


@transaction.atomic
def approval_reverse(
    *,
    actor: Actor,
    application: Application,
    participation_id: int,
    funder_id: int,
    amount: Decimal,
    reason: str,
) -> LedgerEntry:
    """Reverse part or all of an approved amount (a partner leaves, a cost is dropped): a
    negative ledger entry, the envelope's approved total lowered, the partner's funding line
    brought down to what is left. Refused, nothing written: no reason (`reason`), an amount
    not positive or above what is approved for that partner and funder (`amount`)."""
    call = application.call
    _require_decide(actor, call)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason of the reversal.")
    problem = _money_error(amount, allow_zero=False)
    if problem:
        errors["amount"] = problem
    if errors:
        raise ValidationError(errors)
    envelopes = _lock_envelopes(call, [funder_id])
    env = envelopes.get(funder_id)
    held = ZERO
    if env is not None:
        held = sum(
            LedgerEntry.objects.filter(
                envelope=env, application=application, participation_id=participation_id
            ).values_list("amount", flat=True),
            ZERO,
        )
    if env is None or amount > held:
        raise ValidationError(
            {
                "amount": _("Only %(held)s is approved for this partner from this funder.")
                % {"held": money_text(held)}
            }
        )
    Envelope.objects.filter(pk=env.pk).update(approved=F("approved") - amount)
    entry = LedgerEntry.objects.create(
        envelope=env,
        application=application,
        participation_id=participation_id,
        kind=LedgerKind.REVERSAL,
        amount=-amount,
        reason=reason,
        created_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
    )
    decision = selectors.application_decision(application)
    if decision is not None:
        funding_lines_record(
            actor=actor if funder_id == call.funder_id else None,
            funder_id=funder_id,
            decisions=[
                FundingDecision(
                    participation_id=participation_id,
                    granted=held - amount,
                    decided_on=timezone.localdate(),
                    decision_reference=decision.reference,
                    funding_round=call.title_en[:120],
                )
            ],
        )
    audit_record(
        actor=actor,
        action="decision.reverse",
        obj=application,
        after={"participation": participation_id, "funder": funder_id, "amount": str(amount)},
        reason=reason,
    )
    return entry
