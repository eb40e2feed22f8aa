"""Who the grants services tell, and with what (`notifications.services.notify`, inside the
service's transaction): the partner's members, or the funder's programme officers.

Each function takes the locked object the service just changed; the actor is never told of
their own act (`notify` leaves them out)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.urls import reverse

from grappe.core.actors import Actor
from grappe.core.domain.i18n import gettext_noop
from grappe.grants.models import (
    ExpenseStatement,
    GrantAgreement,
    ImpactReport,
    Installment,
    ReportKind,
)
from grappe.notifications.domain import kinds
from grappe.notifications.selectors import organisation_members, programme_officers
from grappe.notifications.services import notify

# The report's name inside a sentence ("your yearly report 2025"), translated when shown.
REPORT_NAMES = {
    ReportKind.YEARLY.value: gettext_noop("yearly report"),
    ReportKind.FINAL.value: gettext_noop("final report"),
}


def partner_members(agreement: GrantAgreement) -> list[int]:
    return organisation_members([agreement.participation.organisation_id])


def officers(agreement: GrantAgreement) -> list[int]:
    return programme_officers([agreement.funder_id])


def url_of(agreement: GrantAgreement) -> str:
    return reverse("grants:detail", args=[agreement.pk])


def _money(value: Decimal | None) -> str:
    return f"{value or Decimal('0'):.2f}"


def agreement_offered(*, actor: Actor, agreement: GrantAgreement, version: int) -> None:
    notify(
        actor=actor,
        recipients=partner_members(agreement),
        kind=kinds.GRANT_OFFERED,
        params={
            "funder": agreement.funder.name,
            "organisation": agreement.participation.organisation.name,
            "reference": agreement.reference,
            "acronym": agreement.participation.project.acronym,
            "version": version,
        },
        url=url_of(agreement),
    )


def agreement_accepted(*, actor: Actor, agreement: GrantAgreement, version: int) -> None:
    notify(
        actor=actor,
        recipients=officers(agreement),
        kind=kinds.GRANT_ACCEPTED,
        params={
            "organisation": agreement.participation.organisation.name,
            "reference": agreement.reference,
            "acronym": agreement.participation.project.acronym,
            "version": version,
        },
        url=url_of(agreement),
    )


def statement_submitted(*, actor: Actor, statement: ExpenseStatement) -> None:
    agreement = statement.agreement
    claimed = statement.lines.aggregate(s=Sum("claimed"))["s"]
    notify(
        actor=actor,
        recipients=officers(agreement),
        kind=kinds.GRANT_STATEMENT_SUBMITTED,
        params={
            "organisation": agreement.participation.organisation.name,
            "reference": agreement.reference,
            "claimed": _money(claimed),
            "start": statement.period_start.isoformat(),
            "end": statement.period_end.isoformat(),
        },
        url=url_of(agreement),
    )


def statement_reviewed(*, actor: Actor, statement: ExpenseStatement) -> None:
    agreement = statement.agreement
    sums = statement.lines.aggregate(c=Sum("claimed"), a=Sum("accepted"))
    notify(
        actor=actor,
        recipients=partner_members(agreement),
        kind=kinds.GRANT_STATEMENT_REVIEWED,
        params={
            "reference": agreement.reference,
            "start": statement.period_start.isoformat(),
            "end": statement.period_end.isoformat(),
            "accepted": _money(sums["a"]),
            "claimed": _money(sums["c"]),
        },
        url=url_of(agreement),
    )


def installment_paid(*, actor: Actor, installment: Installment, agreement: GrantAgreement) -> None:
    notify(
        actor=actor,
        recipients=partner_members(agreement),
        kind=kinds.GRANT_INSTALLMENT_PAID,
        params={
            "funder": agreement.funder.name,
            "reference": agreement.reference,
            "amount": _money(installment.amount),
            "payment_reference": installment.payment_reference,
            "date": installment.paid_on.isoformat() if installment.paid_on else "",
        },
        url=url_of(agreement),
    )


def report_submitted(*, actor: Actor, report: ImpactReport) -> None:
    agreement = report.agreement
    notify(
        actor=actor,
        recipients=officers(agreement),
        kind=kinds.GRANT_REPORT_SUBMITTED,
        params={
            "organisation": agreement.participation.organisation.name,
            "reference": agreement.reference,
            "report": REPORT_NAMES[report.kind],
            "year": report.year,
        },
        url=url_of(agreement),
    )


def report_decided(*, actor: Actor, report: ImpactReport, reason: str) -> None:
    """Approved or returned (with the officer's reason): the partner's members."""
    agreement = report.agreement
    params: dict[str, object] = {
        "funder": agreement.funder.name,
        "reference": agreement.reference,
        "report": REPORT_NAMES[report.kind],
        "year": report.year,
    }
    if report.status == "approved":
        kind = kinds.GRANT_REPORT_APPROVED
    else:
        kind = kinds.GRANT_REPORT_RETURNED
        params["reason"] = reason
    notify(
        actor=actor,
        recipients=partner_members(agreement),
        kind=kind,
        params=params,
        url=url_of(agreement),
    )
