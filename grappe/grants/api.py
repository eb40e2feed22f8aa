"""API: grant agreements, their payments, expense statements and reports.

A grant is seen by its partner's members, its funder's programme officers and administrators;
anyone else gets 404 (another partner of the same project included). The rules are the
services'; refusals map as on the other workflows (403 role, 409 state or condition, 422 input).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.security import django_auth

from grappe.core.apikit import (
    BODY_ERRORS,
    ERROR_SCHEMAS,
    RATE_LIMIT_ERRORS,
    SLUG,
    ValidationErrorOut,
    not_found,
    responses,
)
from grappe.core.lists import api_filterset, api_page
from grappe.core.pagination import CursorPage, Page
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.funding.models import Funder
from grappe.grants import selectors, services
from grappe.grants.explain import explanation
from grappe.grants.filters import GrantFilterSet, with_related
from grappe.grants.models import ExpenseLine, ExpenseStatement, GrantAgreement, ImpactReport
from grappe.grants.schemas import (
    AmendmentIn,
    GrantListQuery,
    GrantOut,
    GrantRowOut,
    GrantTransitionIn,
    ImpactOut,
    ImpactReportIn,
    InstallmentRequestIn,
    InstallmentTransitionIn,
    LineDecisionIn,
    ReportTransitionIn,
    StatementIn,
    StatementTransitionIn,
)
from grappe.projects.models import PUBLIC_STATUSES, Project
from grappe.projects.schemas import RefusalOut
from grappe.registry.models import Cluster

router = Router(tags=["grants"])

REFUSAL_STATUS = {"role": 403, "wrong_state": 409, "guard": 409, "reason": 422}
REFUSALS = {
    403: RefusalOut | ERROR_SCHEMAS[403],
    409: RefusalOut,
    422: RefusalOut | ValidationErrorOut,
}
WRITE = responses(GrantOut, 401, 404, BODY_ERRORS, schemas=REFUSALS)


def _agreement(request: HttpRequest, id: int) -> GrantAgreement:
    try:
        return selectors.agreement_get(scope_for(request.user), id)
    except Http404:
        raise not_found(_("grant"), id) from None


def _invalid(error: ValidationError) -> Status[Any]:
    pairs = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
    return Status(422, {"detail": [
        {"loc": ["body", *([field] if field else [])], "msg": m, "type": "value_error"}
        for field, msgs in pairs for m in msgs
    ]})  # fmt: skip


def _grant_out(agreement: GrantAgreement) -> dict[str, Any]:
    agreement.refresh_from_db()
    version = selectors.current_version(agreement)
    plan = selectors.plan_of(selectors.version_in_force(agreement))
    return {
        "id": agreement.pk,
        "reference": agreement.reference,
        "project": agreement.participation.project_id,
        "organisation": agreement.participation.organisation_id,
        "funder": agreement.funder.slug,
        "call": agreement.call.slug if agreement.call else None,
        "status": agreement.status,
        "version": version.number,
        "amount": version.amount,
        "paid_total": agreement.paid_total,
        "intensity": version.intensity,
        "starts_on": version.starts_on,
        "ends_on": version.ends_on,
        "final_report_due": version.final_report_due,
        "accepted_by": version.accepted_by.get_username() if version.accepted_by else None,
        "accepted_at": version.accepted_at,
        "costs": [{"category": c.category, "amount": c.amount} for c in version.costs.all()],
        "plan": {
            "id": plan.id,
            "label": _(plan.label),
            "tranches": [
                {
                    "id": t.id,
                    "trigger": t.trigger.value,
                    "basis": t.basis.value,
                    "rate": t.rate,
                    "unconfirmed": plan.is_unconfirmed(f"tranches[{i}].rate"),
                }
                for i, t in enumerate(plan.tranches)
            ],
            "cap": plan.cap,
            "retention": plan.retention,
            "unconfirmed": list(plan.unconfirmed),
        },
        "accepted_costs": selectors.accepted_costs(agreement),
        "installments": [
            {
                "id": i.pk,
                "tranche": i.tranche,
                "amount": i.amount,
                "status": i.status,
                "payment_reference": i.payment_reference,
                "paid_on": i.paid_on,
                "explanation": explanation(i.explanation),
            }
            for i in agreement.installments.order_by("created_at", "id")
        ],
        "statements": [
            {
                "id": s.pk,
                "period_start": s.period_start,
                "period_end": s.period_end,
                "status": s.status,
                "documents": len(s.documents.all()),
                "lines": [
                    {
                        "id": ln.pk,
                        "category": ln.category,
                        "description": ln.description,
                        "claimed": ln.claimed,
                        "decision": ln.decision,
                        "accepted": ln.accepted,
                        "reason": ln.reason,
                    }
                    for ln in s.lines.all()
                ],
            }
            for s in agreement.statements.prefetch_related("lines", "documents")
        ],
        "reports": [
            {
                f: getattr(r, f)
                for f in (
                    "kind",
                    "year",
                    "status",
                    "jobs_fte",
                    "patents",
                    "products",
                    "revenue",
                    "follow_on_private",
                    "follow_on_public",
                    "follow_on_source",
                    "publications",
                )
            }
            | {"id": r.pk}
            for r in agreement.reports.order_by("year", "kind")
        ],
        "deadlines": [
            d.__dict__ for d in selectors.report_deadlines(agreement, version, timezone.localdate())
        ],
    }


def _run(request: HttpRequest, agreement: GrantAgreement, call: Any) -> Any:
    try:
        call()
    except services.GrantTransitionRefused as refusal:
        return Status(
            REFUSAL_STATUS.get(refusal.refusal, 422),
            RefusalOut(detail=refusal.message, refusal=refusal.refusal,
                       transition=refusal.transition, guard=refusal.guard),
        )  # fmt: skip
    except PermissionDenied as refusal:
        return Status(403, {"detail": str(refusal)})
    except ValidationError as error:
        return _invalid(error)
    return _grant_out(agreement)


def _row(a: GrantAgreement) -> dict[str, Any]:
    return {
        "id": a.pk,
        "reference": a.reference,
        "project": a.participation.project_id,
        "project_acronym": a.participation.project.acronym,
        "organisation": a.participation.organisation_id,
        "organisation_name": a.participation.organisation.name,
        "funder": a.funder.slug,
        "call": a.call.slug if a.call else None,
        "status": a.status,
        "amount": a.amount,
        "paid_total": a.paid_total,
        "created_at": a.created_at,
    }


@router.get(
    "/grants",
    response=responses(CursorPage[GrantRowOut], 422, RATE_LIMIT_ERRORS),
    summary="Grant agreements: filters, sort and cursor pages (the officers' list)",
    description="The agreements the caller may see (its partners' members, the funder's "
    "programme officers, administrators): the list of `grants/manage/` for an officer.",
)
@decorate_view(rate_limited("search", when=has_query))
def list_grants(request: HttpRequest, params: Query[GrantListQuery]) -> Page[Any]:
    visible = selectors.agreements_visible(scope_for(request.user))
    filterset = api_filterset(GrantFilterSet, params, visible, request)
    page = api_page(filterset, params, with_related)
    return Page(items=[_row(a) for a in page.items], next_cursor=page.next_cursor)


@router.get(
    "/grants/{id}",
    response=responses(GrantOut, 404, 422),
    summary="One grant agreement: terms, payment plan, payments, statements, reports",
    description="Its partner's members, its funder's programme officers and administrators.",
)
def get_grant(request: HttpRequest, id: Path[int]) -> Any:
    return _grant_out(_agreement(request, id))


@router.post(
    "/grants/{id}/transitions",
    auth=django_auth,
    response=WRITE,
    summary="Offer, accept (the partner), withdraw, activate or close an agreement",
)
def post_grant_transition(request: HttpRequest, id: Path[int], body: GrantTransitionIn) -> Any:
    a = _agreement(request, id)
    return _run(request, a, lambda: services.agreement_transition(
        actor=request.user, agreement=a, transition=body.transition, reason=body.reason))  # fmt: skip


@router.post(
    "/grants/{id}/amendments",
    auth=django_auth,
    response=WRITE,
    summary="Offer an amendment (a new version; the agreement is offered again)",
    description="The funder's programme officers. The amount may not go below what was paid.",
)
def post_amendment(request: HttpRequest, id: Path[int], body: AmendmentIn) -> Any:
    a = _agreement(request, id)
    return _run(request, a, lambda: services.agreement_amend(
        actor=request.user, agreement=a, reason=body.reason, amount=body.amount,
        costs=None if body.costs is None else {c.category: c.amount for c in body.costs},
        intensity=body.intensity, ends_on=body.ends_on,
        final_report_due=body.final_report_due))  # fmt: skip


@router.post(
    "/grants/{id}/installments",
    auth=django_auth,
    response=WRITE,
    summary="Request the payment of a tranche (the amount due is computed and explained)",
)
def post_installment(request: HttpRequest, id: Path[int], body: InstallmentRequestIn) -> Any:
    a = _agreement(request, id)
    return _run(request, a, lambda: services.installment_request(
        actor=request.user, agreement=a, tranche=body.tranche))  # fmt: skip


@router.post(
    "/grants/{id}/installments/transitions",
    auth=django_auth,
    response=WRITE,
    summary="Approve, pay (with the payment reference) or reject an installment (officers)",
    description="Paying beyond the grant is refused (422 naming `amount`).",
)
def post_installment_transition(
    request: HttpRequest, id: Path[int], body: InstallmentTransitionIn
) -> Any:
    a = _agreement(request, id)
    inst = a.installments.filter(pk=body.installment).first()
    if inst is None:
        raise not_found(_("installment"), body.installment)
    return _run(request, a, lambda: services.installment_transition(
        actor=request.user, installment=inst, transition=body.transition, reason=body.reason,
        payment_reference=body.payment_reference))  # fmt: skip


@router.post(
    "/grants/{id}/statements",
    auth=django_auth,
    response=WRITE,
    summary="Submit an expense statement, line by line (the partner)",
)
def post_statement(request: HttpRequest, id: Path[int], body: StatementIn) -> Any:
    a = _agreement(request, id)
    return _run(request, a, lambda: services.statement_submit(
        actor=request.user, agreement=a, period_start=body.period_start,
        period_end=body.period_end, lines=[ln.model_dump() for ln in body.lines]))  # fmt: skip


@router.post(
    "/grants/{id}/statements/lines",
    auth=django_auth,
    response=WRITE,
    summary="Accept, adjust or reject one line of a statement, with a reason (officers)",
)
def post_line_decision(request: HttpRequest, id: Path[int], body: LineDecisionIn) -> Any:
    a = _agreement(request, id)
    line = ExpenseLine.objects.filter(pk=body.line, statement__agreement=a).first()
    if line is None:
        raise not_found(_("line"), body.line)
    return _run(request, a, lambda: services.statement_line_decide(
        actor=request.user, line=line, decision=body.decision, accepted=body.accepted,
        reason=body.reason))  # fmt: skip


@router.post(
    "/grants/{id}/statements/transitions",
    auth=django_auth,
    response=WRITE,
    summary="Close the review of a statement once every line is decided (officers)",
)
def post_statement_transition(
    request: HttpRequest, id: Path[int], body: StatementTransitionIn
) -> Any:
    a = _agreement(request, id)
    st = ExpenseStatement.objects.filter(pk=body.statement, agreement=a).first()
    if st is None:
        raise not_found(_("statement"), body.statement)
    return _run(request, a, lambda: services.statement_transition(
        actor=request.user, statement=st, transition=body.transition))  # fmt: skip


@router.post(
    "/grants/{id}/reports",
    auth=django_auth,
    response=WRITE,
    summary="Submit a yearly or final report: jobs, patents, products, follow-on funding",
)
def post_report(request: HttpRequest, id: Path[int], body: ImpactReportIn) -> Any:
    a = _agreement(request, id)
    figures = body.model_dump(exclude={"kind", "year"})
    return _run(request, a, lambda: services.report_submit(
        actor=request.user, agreement=a, kind=body.kind, year=body.year, figures=figures))  # fmt: skip


@router.post(
    "/grants/{id}/reports/transitions",
    auth=django_auth,
    response=WRITE,
    summary="Approve a report or return it for changes (officers); submit it again (partner)",
)
def post_report_transition(request: HttpRequest, id: Path[int], body: ReportTransitionIn) -> Any:
    a = _agreement(request, id)
    rp = ImpactReport.objects.filter(pk=body.report, agreement=a).first()
    if rp is None:
        raise not_found(_("report"), body.report)
    return _run(request, a, lambda: services.report_transition(
        actor=request.user, report=rp, transition=body.transition, reason=body.reason))  # fmt: skip


# --- impact, rolled up (public projects; the figures of the cluster and funder pages) --------


def _impact_out(agreements: Any) -> dict[str, Any]:
    figures = selectors.impact(agreements)
    return {
        **{f: getattr(figures, f) for f in (
            "agreements", "granted", "paid", "own_contribution", "follow_on_private",
            "follow_on_public", "jobs_fte", "patents", "products", "publications", "leverage")},
        "by_year": [y.__dict__ for y in figures.by_year],
    }  # fmt: skip


IMPACT_DESCRIPTION = (
    "Granted and paid public money, the partners' own contribution, follow-on funding, jobs "
    "and patents from the approved reports, and the leverage; public projects only."
)


@router.get(
    "/projects/{id}/impact",
    response=responses(ImpactOut, 404, 422),
    summary="The impact of a project's grants",
    description=IMPACT_DESCRIPTION,
)
def get_project_impact(request: HttpRequest, id: Path[int]) -> Any:
    if not Project.objects.filter(pk=id, status__in=PUBLIC_STATUSES).exists():
        raise not_found(_("project"), id)
    return _impact_out(selectors.impact_agreements(project_id=id))


@router.get(
    "/clusters/{slug}/impact",
    response=responses(ImpactOut, 404, 422),
    summary="The impact of the grants to the projects a cluster accredited",
    description=IMPACT_DESCRIPTION,
)
def get_cluster_impact(request: HttpRequest, slug: Path[str]) -> Any:
    # A slug never holds a NUL or a space: refused before the database sees it.
    cluster = Cluster.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if cluster is None:
        raise not_found(_("cluster"), slug)
    return _impact_out(selectors.impact_agreements(cluster_id=cluster.pk))


@router.get(
    "/funders/{slug}/impact",
    response=responses(ImpactOut, 404, 422),
    summary="The impact of a funder's grants",
    description=IMPACT_DESCRIPTION,
)
def get_funder_impact(request: HttpRequest, slug: Path[str]) -> Any:
    funder = Funder.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if funder is None:
        raise not_found(_("funder"), slug)
    return _impact_out(selectors.impact_agreements(funder_id=funder.pk))
