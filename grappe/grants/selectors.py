"""Reads of grants, each filtered by the user's `Scope` (`grant.view`).

A grant is seen by its partner's members, its funder's programme officers and administrators:
another partner of the same project, or the officer of another funder, sees nothing of it (a
404). Impact figures (`impact_*`) are public sums over the approved reports of public projects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404

from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.domain.scope import Scope
from grappe.core.scopes import reach_q
from grappe.grants.domain.impact import Impact, YearImpact
from grappe.grants.domain.payments import PaymentPlan, TriggerFacts, plan_from_dict
from grappe.grants.models import (
    AgreementVersion,
    ExpenseLine,
    ExpenseStatement,
    GrantAgreement,
    ImpactReport,
    Installment,
    LineDecision,
    ReportKind,
)
from grappe.projects.models import PUBLIC_STATUSES, FundingLine

ZERO = Decimal("0")
OPEN_INSTALLMENTS = ("requested", "approved")

_RELATIONS = {
    Relation.OWN_FUNDER: lambda ids: Q(funder_id__in=ids),
    Relation.OWN_ORGANISATION: lambda ids: Q(participation__organisation_id__in=ids),
}


def agreements_visible(scope: Scope) -> QuerySet[GrantAgreement]:
    return GrantAgreement.objects.filter(reach_q(scope, Action.GRANT_VIEW, _RELATIONS))


def agreements_managed(scope: Scope) -> QuerySet[GrantAgreement]:
    return GrantAgreement.objects.filter(reach_q(scope, Action.GRANT_MANAGE, _RELATIONS))


def granted_lines(scope: Scope) -> QuerySet[FundingLine]:
    """The granted funding lines of the funders whose grants the user runs."""
    return FundingLine.objects.filter(granted__gt=0).filter(
        reach_q(scope, Action.GRANT_MANAGE, {Relation.OWN_FUNDER: _RELATIONS[Relation.OWN_FUNDER]})
    )


def lines_to_draft(scope: Scope) -> QuerySet[FundingLine]:
    """The granted lines the user may draw an agreement from that have none yet (no agreement
    of the same funder with the same partner of the project)."""
    drafted = GrantAgreement.objects.filter(
        participation_id=OuterRef("participation_id"), funder_id=OuterRef("funder_id")
    )
    return granted_lines(scope).filter(~Exists(drafted))


def agreement_target(agreement: GrantAgreement) -> Target:
    return Target.of(
        own_funder=[agreement.funder_id],
        own_organisation=[agreement.participation.organisation_id],
    )


def may_manage(scope: Scope, agreement: GrantAgreement) -> bool:
    return scope.can(Action.GRANT_MANAGE, Target.of(own_funder=[agreement.funder_id]))


def may_act_for_partner(scope: Scope, agreement: GrantAgreement) -> bool:
    return scope.can(
        Action.ORGANISATION_ACT_FOR,
        Target.of(own_organisation=[agreement.participation.organisation_id]),
    )


def agreement_get(scope: Scope, pk: int) -> GrantAgreement:
    """One agreement the user may see, or 404."""
    found = (
        agreements_visible(scope)
        .select_related(
            "funder",
            "call",
            "funding_line",
            "participation__organisation",
            "participation__project",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def agreements_list(scope: Scope) -> QuerySet[GrantAgreement]:
    return agreements_visible(scope).select_related(
        "funder", "participation__organisation", "participation__project"
    )


def current_version(agreement: GrantAgreement) -> AgreementVersion:
    """The latest version (the one offered, or the one in force)."""
    version = agreement.versions.order_by("-number").first()
    assert version is not None
    return version


def version_in_force(agreement: GrantAgreement) -> AgreementVersion:
    """The version whose terms apply to payments: the last accepted one (or the first)."""
    version = (
        agreement.versions.filter(accepted_at__isnull=False).order_by("-number").first()
        or agreement.versions.order_by("number").first()
    )
    assert version is not None
    return version


def plan_of(version: AgreementVersion) -> PaymentPlan:
    return plan_from_dict(version.plan)


def accepted_costs(agreement: GrantAgreement) -> Decimal:
    """The costs accepted on the reviewed statements (cumulative)."""
    total = ExpenseLine.objects.filter(
        statement__agreement=agreement, statement__status="reviewed"
    ).aggregate(s=Sum("accepted"))["s"]
    return total or ZERO


def committed_total(agreement: GrantAgreement) -> Decimal:
    """Paid plus what is requested or approved: what a new request must leave room for."""
    pending = Installment.objects.filter(
        agreement=agreement, status__in=OPEN_INSTALLMENTS
    ).aggregate(s=Sum("amount"))["s"]
    return agreement.paid_total + (pending or ZERO)


def trigger_facts(agreement: GrantAgreement, tranche_id: str) -> TriggerFacts:
    """What happened on the agreement, less the statements and reports an earlier installment
    of the same tranche already used (a statement pays one interim installment)."""
    used = Installment.objects.filter(agreement=agreement, tranche=tranche_id).exclude(
        status="rejected"
    )
    used_statements = used.filter(statement__isnull=False).values("statement_id")
    used_reports = used.filter(report__isnull=False).values("report_id")
    statements = ExpenseStatement.objects.filter(agreement=agreement, status="reviewed").exclude(
        pk__in=used_statements
    )
    reports = ImpactReport.objects.filter(
        agreement=agreement, status="approved", kind=ReportKind.YEARLY
    ).exclude(pk__in=used_reports)
    return TriggerFacts(
        signed=agreement.status in ("accepted", "active"),
        statements_accepted=statements.count(),
        reports_approved=reports.count(),
        final_report_approved=ImpactReport.objects.filter(
            agreement=agreement, kind=ReportKind.FINAL, status="approved"
        ).exists(),
    )


def unused_trigger(agreement: GrantAgreement, tranche_id: str, trigger: str) -> dict[str, Any]:
    """The statement or report an installment of this tranche should be tied to."""
    used = Installment.objects.filter(agreement=agreement, tranche=tranche_id).exclude(
        status="rejected"
    )
    if trigger == "statement_accepted":
        st = (
            ExpenseStatement.objects.filter(agreement=agreement, status="reviewed")
            .exclude(pk__in=used.filter(statement__isnull=False).values("statement_id"))
            .order_by("period_start", "id")
            .first()
        )
        return {"statement": st}
    if trigger in ("report_approved", "final_report"):
        kind = ReportKind.FINAL if trigger == "final_report" else ReportKind.YEARLY
        rp = (
            ImpactReport.objects.filter(agreement=agreement, status="approved", kind=kind)
            .exclude(pk__in=used.filter(report__isnull=False).values("report_id"))
            .order_by("year", "id")
            .first()
        )
        return {"report": rp}
    return {}


@dataclass(frozen=True)
class Deadline:
    kind: str
    year: int
    due_on: date
    submitted: bool
    overdue: bool


def report_deadlines(
    agreement: GrantAgreement, version: AgreementVersion, today: date
) -> list[Deadline]:
    """One yearly report per calendar year of the grant (due `report_due_months` after the
    year end) and the final report."""
    done = {(r.kind, r.year) for r in agreement.reports.all()}
    out: list[Deadline] = []
    if version.yearly_reports:
        for year in range(version.starts_on.year, version.ends_on.year + 1):
            month = version.report_due_months
            due = (
                date(year + 1 + (month - 1) // 12, (month - 1) % 12 + 1, 28)
                if month
                else date(year, 12, 31)
            )
            sub = (ReportKind.YEARLY.value, year) in done
            out.append(Deadline("yearly", year, due, sub, not sub and due < today))
    final_done = any(kind == ReportKind.FINAL for kind, _ in done)
    out.append(
        Deadline(
            "final",
            version.ends_on.year,
            version.final_report_due,
            final_done,
            not final_done and version.final_report_due < today,
        )
    )
    return out


def pending_lines(statement: ExpenseStatement) -> int:
    return statement.lines.filter(decision=LineDecision.PENDING).count()


def agreement_ids_of(participations: Iterable[int]) -> QuerySet[GrantAgreement]:
    return GrantAgreement.objects.filter(participation_id__in=list(participations))


def statement_counts(agreement: GrantAgreement) -> dict[str, int]:
    rows = agreement.statements.values("status").annotate(n=Count("id"))
    return {r["status"]: r["n"] for r in rows}


# --- impact, rolled up (public projects only; the same figures on every page and the API) -----


def impact_agreements(
    *, project_id: int | None = None, cluster_id: int | None = None, funder_id: int | None = None
) -> QuerySet[GrantAgreement]:
    """The agreements in force of public projects, for one project, cluster or funder."""
    qs = GrantAgreement.objects.filter(
        participation__project__status__in=PUBLIC_STATUSES, status__in=("accepted", "active",
                                                                          "closed"),
    )  # fmt: skip
    if project_id is not None:
        qs = qs.filter(participation__project_id=project_id)
    if cluster_id is not None:
        qs = qs.filter(participation__project__accreditations__cluster_id=cluster_id).distinct()
    if funder_id is not None:
        qs = qs.filter(funder_id=funder_id)
    return qs


def impact(agreements: QuerySet[GrantAgreement]) -> Impact:
    """The roll-up of `agreements` (a constant number of queries, whatever their number)."""
    ids = agreements.values("pk")
    a = GrantAgreement.objects.filter(pk__in=ids).aggregate(
        n=Count("id"), granted=Sum("amount"), paid=Sum("paid_total")
    )
    # A partner's own contribution is its eligible costs less all the public aid it gets on the
    # project: counted once per partner, whatever the number of funders (one agreement each).
    own = sum(
        (
            max(row["costs"] - row["aid"], ZERO)
            for row in GrantAgreement.objects.filter(pk__in=ids)
            .values("participation_id")
            .annotate(costs=Max("eligible_costs"), aid=Sum("amount"))
        ),
        ZERO,
    )
    reports = ImpactReport.objects.filter(agreement_id__in=ids, status="approved")
    r = reports.aggregate(
        fp=Sum("follow_on_private"), fu=Sum("follow_on_public"), jobs=Sum("jobs_fte"),
        patents=Sum("patents"), products=Sum("products"), pubs=Sum("publications"),
    )  # fmt: skip
    years: dict[int, dict[str, Any]] = {}
    for row in reports.values("year").annotate(
        fp=Sum("follow_on_private"), fu=Sum("follow_on_public"), jobs=Sum("jobs_fte"),
        patents=Sum("patents"),
    ):  # fmt: skip
        years.setdefault(row["year"], {}).update(
            follow_on_private=row["fp"], follow_on_public=row["fu"], jobs_fte=row["jobs"],
            patents=row["patents"],
        )  # fmt: skip
    paid_rows = (
        Installment.objects.filter(agreement_id__in=ids, status="paid", paid_on__isnull=False)
        .annotate(y=ExtractYear("paid_on")).values("y").annotate(s=Sum("amount"))
    )  # fmt: skip
    for row in paid_rows:
        years.setdefault(row["y"], {})["paid"] = row["s"]
    granted_rows = (
        GrantAgreement.objects.filter(pk__in=ids, funding_line__decided_on__isnull=False)
        .annotate(y=ExtractYear("funding_line__decided_on")).values("y").annotate(s=Sum("amount"))
    )  # fmt: skip
    for row in granted_rows:
        years.setdefault(row["y"], {})["granted"] = row["s"]
    return Impact(
        agreements=a["n"] or 0,
        granted=a["granted"] or ZERO,
        paid=a["paid"] or ZERO,
        own_contribution=own,
        follow_on_private=r["fp"] or ZERO,
        follow_on_public=r["fu"] or ZERO,
        jobs_fte=r["jobs"] or ZERO,
        patents=r["patents"] or 0,
        products=r["products"] or 0,
        publications=r["pubs"] or 0,
        by_year=tuple(
            YearImpact(year=y, **{k: v for k, v in d.items() if v is not None})
            for y, d in sorted(years.items())
        ),
    )
