"""Grant agreements, payment plans, expense statements, installments and impact reports.

A `GrantAgreement` is generated from a granted `projects.FundingLine` (one per partner and
funder); its terms live in `AgreementVersion` rows (an amendment is a new version). The money
paid is kept as a running `paid_total` on the agreement, written under `select_for_update` by
`services.installment_transition` and bounded by a check constraint: paying more than the grant
is impossible even for a writer that forgot the service's check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from grappe.core.choices import text_choices
from grappe.grants.domain import workflow as wf
from grappe.projects.domain import vocabulary
from grappe.projects.domain.vocabulary import COST_CATEGORY_LABELS

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]

CostCategory = text_choices(
    "CostCategory", vocabulary.CostCategory, COST_CATEGORY_LABELS, module=__name__
)


def _states(workflow: Any) -> list[tuple[str, Any]]:
    return [(s.id, _(s.staff_label)) for s in workflow.states.values()]


class PaymentPlan(models.Model):
    """A payment plan as data (`grants.domain.payments.plan_from_dict`): a call's own, or the
    funder's default when `call` is empty."""

    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), on_delete=models.CASCADE, related_name="+"
    )
    call = models.ForeignKey(
        "funding.Call",
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("plan"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["funder", "call", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["funder"], condition=Q(call__isnull=True), name="payment_plan_one_default"
            ),
            models.UniqueConstraint(
                fields=["call"], condition=Q(call__isnull=False), name="payment_plan_one_per_call"
            ),
        ]

    def __str__(self) -> str:
        return str(self.data.get("label", self.pk)) if isinstance(self.data, dict) else ""


class GrantAgreement(models.Model):
    """The grant of one funder to one partner of a project, from a granted funding line."""

    funding_line = models.ForeignKey(
        "projects.FundingLine",
        verbose_name=_("funding line"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    participation = models.ForeignKey(
        "projects.Participation",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    funder = models.ForeignKey(
        "funding.Funder", verbose_name=_("funder"), on_delete=models.PROTECT, related_name="+"
    )
    call = models.ForeignKey(
        "funding.Call",
        verbose_name=_("call"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(_("reference"), max_length=80)
    amount = models.DecimalField(
        _("grant (EUR)"),
        **MONEY,
        validators=NON_NEGATIVE,
        help_text=_("The amount of the version in force."),
    )
    eligible_costs = models.DecimalField(
        _("eligible costs (EUR)"),
        **MONEY,
        default=Decimal("0"),
        editable=False,
        help_text=_("The total eligible costs of the version in force."),
    )
    paid_total = models.DecimalField(_("paid (EUR)"), **MONEY, default=Decimal("0"), editable=False)
    version = models.PositiveIntegerField(_("version in force"), default=1, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=_states(wf.AGREEMENT),
        default=wf.AGREEMENT.initial,
        editable=False,
        db_index=True,
    )
    workflow = models.CharField(
        _("workflow"), max_length=40, default=wf.AGREEMENT.id, editable=False
    )
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=wf.AGREEMENT.version, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant agreement")
        verbose_name_plural = _("grant agreements")
        ordering = ["funder", "reference", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "funder"], name="grant_one_per_partner_and_funder"
            ),
            models.CheckConstraint(
                name="grant_paid_within_amount",
                condition=Q(paid_total__gte=0) & Q(paid_total__lte=F("amount")),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class AgreementVersion(models.Model):
    """The terms of one version of an agreement; a new version is an amendment."""

    agreement = models.ForeignKey(
        GrantAgreement, verbose_name=_("agreement"), on_delete=models.CASCADE,
        related_name="versions",
    )  # fmt: skip
    number = models.PositiveIntegerField(_("version"))
    amount = models.DecimalField(_("grant (EUR)"), **MONEY, validators=NON_NEGATIVE)
    intensity = models.DecimalField(
        _("aid intensity"),
        max_digits=5,
        decimal_places=4,
        help_text=_("A fraction of the eligible costs, e.g. 0.45."),
    )
    plan = models.JSONField(_("payment plan"), help_text=_("A copy of the plan at this version."))
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    yearly_reports = models.BooleanField(_("yearly reports"), default=True)
    report_due_months = models.PositiveSmallIntegerField(
        _("yearly report due (months after the year end)"), default=3
    )
    final_report_due = models.DateField(_("final report due"))
    reason = models.TextField(_("reason of the amendment"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreement_version_once"),
            models.CheckConstraint(
                name="agreement_version_ranges",
                condition=Q(amount__gte=0)
                & Q(intensity__gte=0)
                & Q(intensity__lte=1)
                & Q(ends_on__gte=F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number}"


class AgreementCost(models.Model):
    """The eligible costs of one category in one version of an agreement."""

    version = models.ForeignKey(
        AgreementVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="costs"
    )
    category = models.CharField(_("cost category"), max_length=30, choices=CostCategory.choices)
    amount = models.DecimalField(_("eligible costs (EUR)"), **MONEY, validators=NON_NEGATIVE)

    class Meta:
        verbose_name = _("eligible cost")
        verbose_name_plural = _("eligible costs")
        ordering = ["version", "category"]
        constraints = [
            models.UniqueConstraint(fields=["version", "category"], name="agreement_cost_once"),
            models.CheckConstraint(name="agreement_cost_non_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.category}"


class ExpenseStatement(models.Model):
    """Costs a partner declares for a period, line by line; the officer decides each line."""

    agreement = models.ForeignKey(
        GrantAgreement, verbose_name=_("agreement"), on_delete=models.CASCADE,
        related_name="statements",
    )  # fmt: skip
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=_states(wf.STATEMENT),
        default=wf.STATEMENT.initial,
        editable=False,
    )
    workflow = models.CharField(
        _("workflow"), max_length=40, default=wf.STATEMENT.id, editable=False
    )
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=wf.STATEMENT.version, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expense statement")
        verbose_name_plural = _("expense statements")
        ordering = ["agreement", "period_start", "id"]
        constraints = [
            models.CheckConstraint(
                name="statement_period_order", condition=Q(period_end__gte=F("period_start"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.period_start}–{self.period_end}"


class LineDecision(models.TextChoices):
    PENDING = "pending", _("To review")
    ACCEPTED = "accepted", _("Accepted")
    ADJUSTED = "adjusted", _("Adjusted")
    REJECTED = "rejected", _("Rejected")


class ExpenseLine(models.Model):
    statement = models.ForeignKey(
        ExpenseStatement, verbose_name=_("statement"), on_delete=models.CASCADE,
        related_name="lines",
    )  # fmt: skip
    category = models.CharField(_("cost category"), max_length=30, choices=CostCategory.choices)
    description = models.CharField(_("description"), max_length=300)
    claimed = models.DecimalField(_("claimed (EUR)"), **MONEY, validators=NON_NEGATIVE)
    decision = models.CharField(
        _("decision"), max_length=10, choices=LineDecision.choices, default=LineDecision.PENDING
    )
    accepted = models.DecimalField(_("accepted (EUR)"), **MONEY, default=Decimal("0"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("expense line")
        verbose_name_plural = _("expense lines")
        ordering = ["statement", "id"]
        constraints = [
            models.CheckConstraint(
                name="expense_line_accepted_within_claim",
                condition=Q(claimed__gte=0) & Q(accepted__gte=0) & Q(accepted__lte=F("claimed")),
            ),
        ]

    def __str__(self) -> str:
        return self.description


class StatementDocument(models.Model):
    """A supporting PDF of a statement, stored in the database, served to insiders only."""

    statement = models.ForeignKey(
        ExpenseStatement, verbose_name=_("statement"), on_delete=models.CASCADE,
        related_name="documents",
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("supporting document")
        verbose_name_plural = _("supporting documents")
        ordering = ["statement", "id"]

    def __str__(self) -> str:
        return self.title


class ReportKind(models.TextChoices):
    YEARLY = "yearly", _("Yearly report")
    FINAL = "final", _("Final report")


class ImpactReport(models.Model):
    """What the grant did, in one year or at the end, as the partner reports it."""

    agreement = models.ForeignKey(
        GrantAgreement, verbose_name=_("agreement"), on_delete=models.CASCADE,
        related_name="reports",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    jobs_fte = models.DecimalField(
        _("jobs created (FTE)"), max_digits=8, decimal_places=2, validators=NON_NEGATIVE
    )
    patents = models.PositiveIntegerField(_("patents filed"), default=0)
    products = models.PositiveIntegerField(_("products or services launched"), default=0)
    revenue = models.DecimalField(_("revenue from the results (EUR)"), **MONEY, default=0)
    follow_on_private = models.DecimalField(
        _("follow-on funding, private (EUR)"), **MONEY, default=0
    )
    follow_on_public = models.DecimalField(_("follow-on funding, public (EUR)"), **MONEY, default=0)
    follow_on_source = models.CharField(_("source of the follow-on funding"), max_length=300,
                                        blank=True)  # fmt: skip
    publications = models.PositiveIntegerField(_("publications"), default=0)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=_states(wf.REPORT),
        default=wf.REPORT.initial,
        editable=False,
    )
    workflow = models.CharField(_("workflow"), max_length=40, default=wf.REPORT.id, editable=False)
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=wf.REPORT.version, editable=False
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("impact report")
        verbose_name_plural = _("impact reports")
        ordering = ["agreement", "year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kind", "year"], name="report_once"),
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(kind="final"), name="report_one_final"
            ),
            models.CheckConstraint(
                name="report_non_negative",
                condition=Q(jobs_fte__gte=0)
                & Q(revenue__gte=0)
                & Q(follow_on_private__gte=0)
                & Q(follow_on_public__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.kind} {self.year}"


class Installment(models.Model):
    """One payment of a tranche of the plan: requested, approved, paid (or rejected)."""

    agreement = models.ForeignKey(
        GrantAgreement, verbose_name=_("agreement"), on_delete=models.CASCADE,
        related_name="installments",
    )  # fmt: skip
    tranche = models.CharField(_("tranche"), max_length=40)
    amount = models.DecimalField(_("amount (EUR)"), **MONEY, validators=NON_NEGATIVE)
    explanation = models.JSONField(_("explanation"), default=list)
    statement = models.ForeignKey(
        ExpenseStatement, verbose_name=_("statement"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    report = models.ForeignKey(
        ImpactReport, verbose_name=_("report"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=_states(wf.INSTALLMENT),
        default=wf.INSTALLMENT.initial,
        editable=False,
    )
    workflow = models.CharField(
        _("workflow"), max_length=40, default=wf.INSTALLMENT.id, editable=False
    )
    workflow_version = models.PositiveIntegerField(
        _("workflow version"), default=wf.INSTALLMENT.version, editable=False
    )
    payment_reference = models.CharField(_("payment reference"), max_length=80, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["agreement", "created_at", "id"]
        constraints = [
            models.CheckConstraint(name="installment_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="installment_paid_has_reference",
                condition=~Q(status="paid") | ~Q(payment_reference=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement} {self.tranche} {self.amount}"
