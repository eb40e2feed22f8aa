"""The only writers of grants: agreements and their versions, payment plans, expense statements,
installments and reports.

Every state change goes through the grants workflows (`grants/domain/workflow.py`) and one
transition service per object kind (`agreement_transition`, `statement_transition`,
`installment_transition`, `report_transition`), which share `_fire`: lock, decide, write the
state, a `core.Transition` row and one audit event in one transaction.

Bad input is refused with a `ValidationError` naming the field, nothing written; a user without
the right is refused with `PermissionDenied`; a refused transition is `GrantTransitionRefused`.
Paying more than the grant is refused here (`installment_transition`) and by the database
(`grant_paid_within_amount`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.domain.roles import Action, Target
from grappe.core.domain.workflow import Decision, ObjectRole, Workflow, WorkflowRegistry
from grappe.core.models import Transition
from grappe.core.refusals import workflow_refusal_text
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record, require
from grappe.funding.models import Call, Funder
from grappe.grants import notices, selectors
from grappe.grants.domain import payments
from grappe.grants.domain import workflow as wf
from grappe.grants.models import (
    AgreementCost,
    AgreementVersion,
    ExpenseLine,
    ExpenseStatement,
    GrantAgreement,
    ImpactReport,
    Installment,
    LineDecision,
    PaymentPlan,
    ReportKind,
    StatementDocument,
)
from grappe.projects.domain.vocabulary import CostCategory
from grappe.projects.models import FundingLine

ZERO = Decimal("0")
PDF_MAGIC = b"%PDF-"
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class GrantTransitionRefused(Exception):
    """The workflow said no; `message` is translated and names the failed condition."""

    def __init__(self, message: str, *, refusal: str, transition: str, guard: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.refusal = refusal
        self.transition = transition
        self.guard = guard


# --- input checks ---------------------------------------------------------------------------


def _money(value: Any, field: str, errors: dict[str, str]) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter an amount in euros, e.g. 1250.50.")
        return ZERO
    if not d.is_finite() or d != d.quantize(Decimal("0.01")) or abs(d) >= Decimal("1e12"):
        errors[field] = _("Enter an amount in euros with at most two decimals.")
        return ZERO
    if d < ZERO:
        errors[field] = _("The amount may not be negative.")
        return ZERO
    return d


def _fraction(value: Any, field: str, errors: dict[str, str]) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = _("Enter a fraction between 0 and 1, e.g. 0.45.")
        return ZERO
    if not d.is_finite() or d < ZERO or d > 1 or d != d.quantize(Decimal("0.0001")):
        errors[field] = _("Enter a fraction between 0 and 1 with at most four decimals.")
        return ZERO
    return d


def _raise(errors: Mapping[str, str]) -> None:
    if errors:
        raise ValidationError(dict(errors), code="invalid")


def _costs(raw: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Decimal]:
    known = {c.value for c in CostCategory}
    out: dict[str, Decimal] = {}
    for category, value in raw.items():
        if category not in known:
            errors["costs"] = _("“%(category)s” is not a cost category.") % {"category": category}
            continue
        out[category] = _money(value, f"costs.{category}", errors)
    if not out and "costs" not in errors:
        errors["costs"] = _("Give the eligible costs of at least one category.")
    return out


def _plan_error(exc: payments.PlanError) -> ValidationError:
    message = _(payments.PAYMENT_MESSAGES.get(exc.code, "%(field)s: %(detail)s.")) % exc.params
    return ValidationError({f"plan.{exc.field}": message}, code="invalid")


def _user(actor: Actor) -> Any:
    return recorded_user(actor) if getattr(actor, "pk", None) else None


# --- payment plans ----------------------------------------------------------------------------


@transaction.atomic
def payment_plan_set(
    *, actor: Actor, funder: Funder, call: Call | None = None, data: Mapping[str, Any]
) -> PaymentPlan:
    """Set a call's payment plan, or the funder's default one (`call=None`)."""
    require(
        actor is None or scope_for(actor).can(Action.GRANT_MANAGE, _funder_target(funder.pk)),
        _("Only the funder's programme officers may set its payment plans."),
    )
    if call is not None and call.funder_id != funder.pk:
        raise ValidationError({"call": _("This call is not one of the funder's.")})
    try:
        plan = payments.plan_from_dict(data)
    except payments.PlanError as exc:
        raise _plan_error(exc) from None
    stored = payments.plan_to_dict(plan)
    row = (
        PaymentPlan.objects.select_for_update(of=("self",)).filter(funder=funder, call=call).first()
    )
    before = {"data": row.data} if row else None
    if row is None:
        row = PaymentPlan.objects.create(funder=funder, call=call, data=stored)
    else:
        row.data = stored
        row.save(update_fields=["data", "updated_at"])
    audit_record(actor=actor, action="grant.plan_set", obj=row, before=before, after={
        "funder_id": funder.pk, "call_id": call.pk if call else None, "data": stored,
    })  # fmt: skip
    return row


def plan_for(funder_id: int, call_id: int | None) -> PaymentPlan | None:
    """The call's plan, else the funder's default."""
    if call_id is not None:
        own = PaymentPlan.objects.filter(call_id=call_id).first()
        if own is not None:
            return own
    return PaymentPlan.objects.filter(funder_id=funder_id, call__isnull=True).first()


def _funder_target(funder_id: int) -> Target:
    return Target.of(own_funder=[funder_id])


# --- agreements -------------------------------------------------------------------------------


def _version_fields(
    *,
    project_start: date | None,
    project_end: date | None,
    intensity: Any,
    starts_on: date | None,
    ends_on: date | None,
    final_report_due: date | None,
    errors: dict[str, str],
) -> dict[str, Any]:
    starts = starts_on or project_start
    ends = ends_on or project_end
    if starts is None:
        errors["starts_on"] = _("Give the start date of the grant (the project has none).")
    if ends is None:
        errors["ends_on"] = _("Give the end date of the grant (the project has none).")
    if starts and ends and ends < starts:
        errors["ends_on"] = _("The end date comes before the start date.")
    if ends and project_end and ends > project_end:
        errors["ends_on"] = _("The grant may not end after the project (%(end)s).") % {
            "end": project_end.isoformat()
        }
    final_due = final_report_due or ends
    if final_due and ends and final_due < ends:
        errors["final_report_due"] = _("The final report is due after the end of the grant.")
    return {
        "intensity": _fraction(intensity, "intensity", errors),
        "starts_on": starts,
        "ends_on": ends,
        "final_report_due": final_due,
    }


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    funding_line: FundingLine,
    costs: Mapping[str, Any],
    intensity: Any,
    call: Call | None = None,
    plan: Mapping[str, Any] | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    final_report_due: date | None = None,
    yearly_reports: bool = True,
    report_due_months: int = 3,
    reference: str = "",
) -> GrantAgreement:
    """Draft the agreement of a granted funding line (one per partner and funder).

    The payment plan is `plan` when given, else the call's, else the funder's default."""
    line = FundingLine.objects.select_related("participation__project").get(pk=funding_line.pk)
    require(
        actor is None or scope_for(actor).can(Action.GRANT_MANAGE, _funder_target(line.funder_id)),
        _("Only the funder's programme officers may draft its grant agreements."),
    )
    errors: dict[str, str] = {}
    if line.granted is None or line.granted <= ZERO:
        errors["funding_line"] = _("This funding line grants nothing: no agreement to draw up.")
    if GrantAgreement.objects.filter(
        participation_id=line.participation_id, funder_id=line.funder_id
    ).exists():
        errors["funding_line"] = _("This partner already has an agreement with this funder.")
    if call is not None and call.funder_id != line.funder_id:
        errors["call"] = _("This call is not one of the funder's.")
    project = line.participation.project
    fields = _version_fields(
        project_start=project.start_date,
        project_end=project.end_date,
        intensity=intensity,
        starts_on=starts_on,
        ends_on=ends_on,
        final_report_due=final_report_due,
        errors=errors,
    )
    cost_rows = _costs(costs, errors)
    if not 0 <= report_due_months <= 24:
        errors["report_due_months"] = _("Give a number of months between 0 and 24.")
    plan_data: Mapping[str, Any] | None = plan
    if plan_data is None:
        stored = plan_for(line.funder_id, call.pk if call else None)
        plan_data = stored.data if stored else None
    if plan_data is None:
        errors["plan"] = _("Choose a payment plan: neither the call nor the funder has one.")
    _raise(errors)
    assert plan_data is not None and line.granted is not None
    try:
        plan_dict = payments.plan_to_dict(payments.plan_from_dict(plan_data))
    except payments.PlanError as exc:
        raise _plan_error(exc) from None
    agreement = GrantAgreement.objects.create(
        funding_line=line,
        participation=line.participation,
        funder_id=line.funder_id,
        call=call,
        reference=(reference.strip() or line.decision_reference or f"G-{line.pk}")[:80],
        amount=line.granted,
        eligible_costs=sum(cost_rows.values(), ZERO),
    )
    version = AgreementVersion.objects.create(
        agreement=agreement,
        number=1,
        amount=line.granted,
        plan=plan_dict,
        yearly_reports=yearly_reports,
        report_due_months=report_due_months,
        **fields,
    )
    AgreementCost.objects.bulk_create(
        AgreementCost(version=version, category=c, amount=a) for c, a in cost_rows.items()
    )
    audit_record(actor=actor, action="grant.create", obj=agreement, after={
        "funding_line_id": line.pk, "amount": line.granted, "intensity": fields["intensity"],
        "costs": cost_rows, "plan": plan_dict["id"], "call_id": call.pk if call else None,
    })  # fmt: skip
    return agreement


@transaction.atomic
def agreement_amend(
    *,
    actor: Actor,
    agreement: GrantAgreement,
    reason: str,
    amount: Any = None,
    costs: Mapping[str, Any] | None = None,
    intensity: Any = None,
    ends_on: date | None = None,
    final_report_due: date | None = None,
) -> AgreementVersion:
    """Offer an amendment: a new version, copied from the one in force with the changes, and
    the agreement back to `offered` (transition `amend`) until the partner accepts it."""
    locked = (
        GrantAgreement.objects.select_for_update(of=("self",))
        .select_related("participation__project")
        .get(pk=agreement.pk)
    )
    _require_officer(actor, locked, _("Only the funder's programme officers amend agreements."))
    base = selectors.version_in_force(locked)
    errors: dict[str, str] = {}
    new_amount = base.amount if amount is None else _money(amount, "amount", errors)
    if new_amount < locked.paid_total:
        errors["amount"] = _(
            "The amount may not be less than what was already paid (%(paid)s)."
        ) % {"paid": locked.paid_total}
    project = locked.participation.project
    fields = _version_fields(
        project_start=project.start_date,
        project_end=project.end_date,
        intensity=base.intensity if intensity is None else intensity,
        starts_on=base.starts_on,
        ends_on=ends_on or base.ends_on,
        final_report_due=final_report_due or base.final_report_due,
        errors=errors,
    )
    cost_rows = (
        _costs(costs, errors)
        if costs is not None
        else {c.category: c.amount for c in base.costs.all()}
    )
    if not (reason or "").strip():
        errors["reason"] = _("Say why the agreement is amended.")
    _raise(errors)
    version = AgreementVersion.objects.create(
        agreement=locked,
        number=selectors.current_version(locked).number + 1,
        amount=new_amount,
        plan=base.plan,
        yearly_reports=base.yearly_reports,
        report_due_months=base.report_due_months,
        reason=reason.strip(),
        **fields,
    )
    AgreementCost.objects.bulk_create(
        AgreementCost(version=version, category=c, amount=a) for c, a in cost_rows.items()
    )
    agreement_transition(
        actor=actor, agreement=locked, transition="amend", reason=reason, _amendment=version
    )
    return version


def agreement_roles(actor: Actor, agreement: GrantAgreement) -> frozenset[ObjectRole]:
    if actor is None:
        return frozenset({ObjectRole.STAFF})
    scope = scope_for(actor)
    return wf.grant_roles(
        is_staff=scope.is_staff_wide,
        partner_organisation_id=agreement.participation.organisation_id,
        funder_id=agreement.funder_id,
        organisation_ids=scope.organisation_ids,
        funder_ids=scope.funder_ids,
    )


def _refusal_text(workflow: Workflow[wf.GrantFacts], decision: Decision, state: str) -> str:
    return workflow_refusal_text(workflow, decision, state=state)


def _fire(
    *,
    actor: Actor,
    obj: models.Model,
    registry: WorkflowRegistry[wf.GrantFacts],
    transition: str,
    roles: frozenset[ObjectRole],
    facts: wf.GrantFacts,
    reason: str,
    idempotency_key: str = "",
    extra: Mapping[str, Any] | None = None,
) -> tuple[Transition, bool]:
    """Decide and write one transition of a locked `obj`; (row, replayed)."""
    ct = ContentType.objects.get_for_model(type(obj))
    if idempotency_key:
        done = Transition.objects.filter(
            content_type=ct, object_id=obj.pk, idempotency_key=idempotency_key
        ).first()
        if done is not None:
            return done, True
    workflow = registry.get(obj.workflow_version)  # type: ignore[attr-defined]
    state = obj.status  # type: ignore[attr-defined]
    decision = workflow.decide(transition, state=state, roles=roles, facts=facts, reason=reason)
    if not decision.allowed:
        assert decision.refusal is not None
        raise GrantTransitionRefused(
            _refusal_text(workflow, decision, state),
            refusal=decision.refusal.value,
            transition=transition,
            guard=decision.guard.id if decision.guard else "",
        )
    assert decision.target is not None and decision.acting_role is not None
    obj.status = decision.target  # type: ignore[attr-defined]
    obj.save()
    row = Transition.objects.create(
        content_type=ct,
        object_id=obj.pk,
        workflow=workflow.id,
        workflow_version=workflow.version,
        transition=transition,
        from_state=state,
        to_state=decision.target,
        actor=_user(actor),
        acting_role=decision.acting_role.value,
        reason=reason,
        idempotency_key=idempotency_key,
    )
    audit_record(
        actor=actor,
        action=f"{workflow.id}.transition",
        obj=obj,
        before={"status": state},
        after={"status": decision.target, "transition": transition, **(extra or {})},
        reason=reason,
    )
    return row, False


def agreement_facts(agreement: GrantAgreement) -> wf.GrantFacts:
    version = selectors.current_version(agreement)
    return wf.GrantFacts(
        amount_positive=version.amount > ZERO,
        has_costs=version.costs.exists(),
        nothing_pending=not agreement.installments.filter(
            status__in=selectors.OPEN_INSTALLMENTS
        ).exists(),
    )


def agreement_transition(
    *,
    actor: Actor,
    agreement: GrantAgreement,
    transition: str,
    reason: str = "",
    idempotency_key: str = "",
    _amendment: AgreementVersion | None = None,
) -> Transition:
    """Fire `transition` on `agreement` — the only writer of `GrantAgreement.status`.

    `amend` comes only with its new version, from `agreement_amend`.

    `accept` records the partner's signatory (who and when) on the offered version and puts
    its amount in force; it is refused if that amount is below what was already paid."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = (
            GrantAgreement.objects.select_for_update(of=("self",))
            .select_related("participation")
            .get(pk=agreement.pk)
        )
        extra: dict[str, Any] = {}
        if transition == "amend":
            if _amendment is None:
                raise ValidationError(
                    {"transition": _("An amendment is offered with its new terms.")}
                )
            extra = {"version": _amendment.number, "amount": _amendment.amount}
        if transition == "accept":
            version = selectors.current_version(locked)
            if version.amount < locked.paid_total:
                raise ValidationError({"amount": _("The amount is below what was already paid.")})
            version.accepted_by = _user(actor)
            version.accepted_at = timezone.now()
            version.save(update_fields=["accepted_by", "accepted_at"])
            locked.amount = version.amount
            locked.version = version.number
            locked.eligible_costs = sum((c.amount for c in version.costs.all()), ZERO)
            extra = {"version": version.number, "amount": version.amount}
        row, _replayed = _fire(
            actor=actor,
            obj=locked,
            registry=wf.AGREEMENT_WORKFLOWS,
            transition=transition,
            roles=agreement_roles(actor, locked),
            facts=agreement_facts(locked),
            reason=reason,
            idempotency_key=idempotency_key,
            extra=extra,
        )
        if not _replayed:
            _agreement_notices(actor, locked, transition)
        agreement.status = locked.status
        return row


def _agreement_notices(actor: Actor, agreement: GrantAgreement, transition: str) -> None:
    if transition not in ("offer", "amend", "accept"):
        return
    full = GrantAgreement.objects.select_related(
        "funder", "participation__organisation", "participation__project"
    ).get(pk=agreement.pk)
    version = selectors.current_version(full).number
    if transition == "accept":
        notices.agreement_accepted(actor=actor, agreement=full, version=version)
    else:
        notices.agreement_offered(actor=actor, agreement=full, version=version)


# --- expense statements -----------------------------------------------------------------------


def _require_partner(actor: Actor, agreement: GrantAgreement, message: str) -> None:
    require(actor is None or selectors.may_act_for_partner(scope_for(actor), agreement), message)


def _require_officer(actor: Actor, agreement: GrantAgreement, message: str) -> None:
    require(actor is None or selectors.may_manage(scope_for(actor), agreement), message)


@transaction.atomic
def statement_submit(
    *,
    actor: Actor,
    agreement: GrantAgreement,
    period_start: date,
    period_end: date,
    lines: Sequence[Mapping[str, Any]],
) -> ExpenseStatement:
    """The partner declares its costs for a period, line by line (category, description,
    claimed). Categories must be the agreement's; the period within the grant and project."""
    locked = (
        GrantAgreement.objects.select_for_update(of=("self",))
        .select_related("participation__project", "participation")
        .get(pk=agreement.pk)
    )
    _require_partner(actor, locked, _("Only the partner may submit its expense statements."))
    version = selectors.version_in_force(locked)
    errors: dict[str, str] = {}
    if locked.status != "active":
        errors["agreement"] = _("Expense statements are taken once the grant is active.")
    if period_end < period_start:
        errors["period_end"] = _("The end of the period comes before its start.")
    project_end = locked.participation.project.end_date
    limit = min(d for d in (version.ends_on, project_end) if d is not None)
    if period_end > limit:
        errors["period_end"] = _("The period may not end after the project (%(end)s).") % {
            "end": limit.isoformat()
        }
    if period_start < version.starts_on:
        errors["period_start"] = _("The period may not start before the grant (%(start)s).") % {
            "start": version.starts_on.isoformat()
        }
    allowed = set(version.costs.values_list("category", flat=True))
    rows: list[ExpenseLine] = []
    if not lines:
        errors["lines"] = _("Declare at least one line of costs.")
    for i, raw in enumerate(lines):
        category = str(raw.get("category", ""))
        if category not in allowed:
            errors[f"lines[{i}].category"] = _(
                "The agreement has no eligible costs in the category “%(category)s”."
            ) % {"category": category}
        description = str(raw.get("description", "")).strip()
        if not description:
            errors[f"lines[{i}].description"] = _("Describe the costs.")
        claimed = _money(raw.get("claimed", ""), f"lines[{i}].claimed", errors)
        rows.append(ExpenseLine(category=category, description=description[:300], claimed=claimed))
    _raise(errors)
    statement = ExpenseStatement.objects.create(
        agreement=locked,
        period_start=period_start,
        period_end=period_end,
        submitted_by=_user(actor),
    )
    for row in rows:
        row.statement = statement
    ExpenseLine.objects.bulk_create(rows)
    audit_record(actor=actor, action="grant.statement_submit", obj=statement, after={
        "agreement_id": locked.pk, "period": [period_start, period_end],
        "lines": [{"category": r.category, "claimed": r.claimed} for r in rows],
    })  # fmt: skip
    notices.statement_submitted(actor=actor, statement=statement)
    return statement


@transaction.atomic
def statement_document_add(
    *, actor: Actor, statement: ExpenseStatement, title: str, file_name: str, content: bytes
) -> StatementDocument:
    """Attach a supporting PDF (checked by its first bytes, not its name)."""
    _require_partner(
        actor, statement.agreement, _("Only the partner may add supporting documents.")
    )
    errors: dict[str, str] = {}
    if not content:
        errors["file"] = _("Choose a PDF file.")
    elif len(content) > DOCUMENT_MAX_BYTES:
        errors["file"] = _("The file is larger than %(max)s MB.") % {
            "max": DOCUMENT_MAX_BYTES // (1024 * 1024)
        }
    elif not content.startswith(PDF_MAGIC):
        errors["file"] = _("Only PDF files are accepted: this file is not a PDF.")
    title = title.strip() or file_name.strip()
    if not title:
        errors["title"] = _("Give the document a title.")
    _raise(errors)
    doc = StatementDocument.objects.create(
        statement=statement,
        title=title[:200],
        file_name=(file_name.strip() or "document.pdf")[:200],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    audit_record(actor=actor, action="grant.statement_document_add", obj=doc, after={
        "statement_id": statement.pk, "title": doc.title, "size": doc.size, "sha256": doc.sha256,
    })  # fmt: skip
    return doc


@transaction.atomic
def statement_line_decide(
    *, actor: Actor, line: ExpenseLine, decision: str, accepted: Any = None, reason: str = ""
) -> ExpenseLine:
    """The officer accepts, adjusts (to a lower amount) or rejects one line, with a reason
    for an adjustment or a rejection."""
    locked = (
        ExpenseLine.objects.select_for_update(of=("self",))
        .select_related("statement__agreement")
        .get(pk=line.pk)
    )
    statement = locked.statement
    _require_officer(
        actor, statement.agreement, _("Only the funder's programme officers review statements.")
    )
    errors: dict[str, str] = {}
    if statement.status != "submitted":
        errors["line"] = _("This statement's review is closed.")
    reason = (reason or "").strip()
    amount = ZERO
    if decision == LineDecision.ACCEPTED:
        amount = locked.claimed
    elif decision == LineDecision.ADJUSTED:
        amount = _money(accepted if accepted is not None else "", "accepted", errors)
        if "accepted" not in errors and amount >= locked.claimed:
            errors["accepted"] = _(
                "An adjusted amount is less than the amount claimed (%(c)s)."
            ) % {"c": locked.claimed}
    elif decision != LineDecision.REJECTED:
        errors["decision"] = _("Choose accepted, adjusted or rejected.")
    if decision in (LineDecision.ADJUSTED, LineDecision.REJECTED) and not reason:
        errors["reason"] = _("Give the reason of an adjustment or a rejection.")
    _raise(errors)
    before = {"decision": locked.decision, "accepted": locked.accepted}
    locked.decision, locked.accepted, locked.reason = decision, amount, reason
    locked.save(update_fields=["decision", "accepted", "reason"])
    audit_record(actor=actor, action="grant.line_decide", obj=locked, before=before,
                 after={"decision": decision, "accepted": amount}, reason=reason)  # fmt: skip
    return locked


def statement_transition(
    *, actor: Actor, statement: ExpenseStatement, transition: str, reason: str = ""
) -> Transition:
    """Close the review of a statement (every line decided): its accepted costs then count."""
    with transaction.atomic():
        locked = (
            ExpenseStatement.objects.select_for_update(of=("self",))
            .select_related("agreement__participation")
            .get(pk=statement.pk)
        )
        facts = wf.GrantFacts(lines_decided=selectors.pending_lines(locked) == 0)
        row, _r = _fire(
            actor=actor,
            obj=locked,
            registry=wf.STATEMENT_WORKFLOWS,
            transition=transition,
            roles=agreement_roles(actor, locked.agreement),
            facts=facts,
            reason=(reason or "").strip(),
        )
        if locked.status == "reviewed":
            notices.statement_reviewed(actor=actor, statement=locked)
        statement.status = locked.status
        return row


# --- installments -----------------------------------------------------------------------------


def installment_due(agreement: GrantAgreement, tranche_id: str) -> payments.Due:
    """What the tranche would pay now (paid and open installments deducted)."""
    version = selectors.version_in_force(agreement)
    plan = selectors.plan_of(version)
    return payments.amount_due(
        plan,
        tranche_id,
        grant=agreement.amount,
        intensity=version.intensity,
        accepted_costs=selectors.accepted_costs(agreement),
        paid=min(selectors.committed_total(agreement), agreement.amount),
    )


@transaction.atomic
def installment_request(*, actor: Actor, agreement: GrantAgreement, tranche: str) -> Installment:
    """Request the payment of a tranche: its trigger must be met (a report-triggered tranche
    waits for the report's approval) and something must be due."""
    locked = (
        GrantAgreement.objects.select_for_update(of=("self",))
        .select_related("participation")
        .get(pk=agreement.pk)
    )
    scope = scope_for(actor) if actor is not None else None
    require(
        scope is None
        or selectors.may_manage(scope, locked)
        or selectors.may_act_for_partner(scope, locked),
        _("Only the partner or the funder's programme officers may request a payment."),
    )
    plan = selectors.plan_of(selectors.version_in_force(locked))
    try:
        step = plan.tranche(tranche)
    except KeyError:
        raise ValidationError({"tranche": _("The payment plan has no such tranche.")}) from None
    if locked.status not in ("accepted", "active"):
        raise ValidationError({"tranche": _("Payments start once the partner has accepted.")})
    used = locked.installments.filter(tranche=tranche).exclude(status="rejected")
    if not step.repeatable and used.exists():
        raise ValidationError({"tranche": _("This tranche was already requested.")})
    if not payments.trigger_met(step, selectors.trigger_facts(locked, tranche)):
        raise ValidationError(
            {
                "tranche": _("This tranche is not payable yet: it is paid %(when)s.")
                % {"when": _(payments.TRIGGER_LABELS[step.trigger])}
            }
        )
    due = installment_due(locked, tranche)
    if due.amount <= ZERO:
        raise ValidationError({"tranche": _("Nothing is due on this tranche now.")})
    link = selectors.unused_trigger(locked, tranche, step.trigger.value)
    inst = Installment.objects.create(
        agreement=locked,
        tranche=tranche,
        amount=due.amount,
        explanation=[{"code": ln.code, "params": dict(ln.params)} for ln in due.lines],
        **link,
    )
    audit_record(actor=actor, action="grant.installment_request", obj=inst, after={
        "agreement_id": locked.pk, "tranche": tranche, "amount": due.amount,
    })  # fmt: skip
    return inst


def installment_transition(
    *,
    actor: Actor,
    installment: Installment,
    transition: str,
    reason: str = "",
    payment_reference: str = "",
    paid_on: date | None = None,
    idempotency_key: str = "",
) -> Transition:
    """Approve, pay (with the payment reference) or reject an installment.

    Paying locks the agreement and refuses an amount that would take the payments beyond the
    grant; the running `paid_total` is then raised with an F expression, which the database's
    check constraint bounds too."""
    with transaction.atomic():
        locked = Installment.objects.select_for_update(of=("self",)).get(pk=installment.pk)
        agreement = (
            GrantAgreement.objects.select_for_update(of=("self",))
            .select_related("participation")
            .get(pk=locked.agreement_id)
        )
        if idempotency_key:  # a replay finds the first answer, whatever was paid since
            done = Transition.objects.filter(
                content_type=ContentType.objects.get_for_model(Installment),
                object_id=locked.pk,
                idempotency_key=idempotency_key,
            ).first()
            if done is not None:
                return done
        reference = (payment_reference or "").strip()
        extra: dict[str, Any] = {}
        room = agreement.amount - agreement.paid_total
        covered = locked.amount <= room
        if transition == "pay":
            if not reference:
                raise ValidationError({"payment_reference": _("Give the payment reference.")})
            if len(reference) > 80:
                raise ValidationError(
                    {"payment_reference": _("The payment reference has at most 80 characters.")}
                )
            if not covered:
                raise ValidationError(
                    {
                        "amount": _(
                            "Paying %(amount)s would exceed the grant: %(room)s is left to pay."
                        )
                        % {"amount": locked.amount, "room": room}
                    }
                )
            locked.payment_reference = reference
            locked.paid_on = paid_on or timezone.localdate()
            extra = {"amount": locked.amount, "payment_reference": reference}
        row, replayed = _fire(
            actor=actor,
            obj=locked,
            registry=wf.INSTALLMENT_WORKFLOWS,
            transition=transition,
            roles=agreement_roles(actor, agreement),
            facts=wf.GrantFacts(amount_covered=covered),
            reason=(reason or "").strip(),
            idempotency_key=idempotency_key,
            extra=extra,
        )
        if transition == "pay" and not replayed:
            GrantAgreement.objects.filter(pk=agreement.pk).update(
                paid_total=F("paid_total") + locked.amount
            )
            notices.installment_paid(actor=actor, installment=locked, agreement=agreement)
        installment.status = locked.status
        return row


# --- reports ----------------------------------------------------------------------------------


REPORT_FIGURES = (
    "jobs_fte",
    "revenue",
    "follow_on_private",
    "follow_on_public",
)
REPORT_COUNTS = ("patents", "products", "publications")


@transaction.atomic
def report_submit(
    *, actor: Actor, agreement: GrantAgreement, kind: str, year: int, figures: Mapping[str, Any]
) -> ImpactReport:
    """The partner reports its year (or the end): jobs (FTE), patents, products, revenue from
    the results, follow-on funding (private, public, source), publications."""
    locked = (
        GrantAgreement.objects.select_for_update(of=("self",))
        .select_related("participation__project")
        .get(pk=agreement.pk)
    )
    _require_partner(actor, locked, _("Only the partner may submit its reports."))
    errors: dict[str, str] = {}
    if kind not in ReportKind.values:
        errors["kind"] = _("Choose a yearly or a final report.")
    project = locked.participation.project
    version = selectors.version_in_force(locked)
    first = (project.start_date or version.starts_on).year
    last = (project.end_date or version.ends_on).year
    if not isinstance(year, int) or isinstance(year, bool) or not first <= year <= last:
        errors["year"] = _("The year must be within the project (%(first)s–%(last)s).") % {
            "first": first,
            "last": last,
        }
    if locked.status not in ("accepted", "active"):
        errors["agreement"] = _("Reports are taken once the partner has accepted the agreement.")
    values: dict[str, Any] = {}
    for name in REPORT_FIGURES:
        values[name] = _money(figures.get(name, "0"), name, errors)
    for name in REPORT_COUNTS:
        raw = figures.get(name, 0)
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
            errors[name] = _("Enter a whole number, 0 or more.")
        else:
            values[name] = int(raw)
            if values[name] > 1_000_000:
                errors[name] = _("Enter a whole number, 0 or more.")
    source = str(figures.get("follow_on_source", "")).strip()
    if len(source) > 300:
        errors["follow_on_source"] = _("At most 300 characters.")
    if (values.get("follow_on_private") or values.get("follow_on_public")) and not source:
        errors["follow_on_source"] = _("Say where the follow-on funding comes from.")
    if not errors and ImpactReport.objects.filter(agreement=locked, kind=kind, year=year).exists():
        errors["year"] = _("This report was already submitted.")
    if not errors and kind == ReportKind.FINAL and locked.reports.filter(kind=kind).exists():
        errors["kind"] = _("The final report was already submitted.")
    _raise(errors)
    report = ImpactReport.objects.create(
        agreement=locked, kind=kind, year=year, follow_on_source=source, **values
    )
    audit_record(actor=actor, action="grant.report_submit", obj=report, after={
        "agreement_id": locked.pk, "kind": kind, "year": year, **values,
    })  # fmt: skip
    notices.report_submitted(actor=actor, report=report)
    return report


def report_transition(
    *, actor: Actor, report: ImpactReport, transition: str, reason: str = ""
) -> Transition:
    """Approve a report, return it for changes (with a reason), or submit it again."""
    with transaction.atomic():
        locked = (
            ImpactReport.objects.select_for_update(of=("self",))
            .select_related("agreement__participation")
            .get(pk=report.pk)
        )
        row, _r = _fire(
            actor=actor,
            obj=locked,
            registry=wf.REPORT_WORKFLOWS,
            transition=transition,
            roles=agreement_roles(actor, locked.agreement),
            facts=wf.GrantFacts(),
            reason=(reason or "").strip(),
        )
        if transition == "resubmit":
            notices.report_submitted(actor=actor, report=locked)
        else:
            notices.report_decided(actor=actor, report=locked, reason=row.reason)
        report.status = locked.status
        return row
