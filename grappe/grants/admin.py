"""Grants in the back office: read only, for administrators (every row is written by
`grants.services`: its workflows, the paid total and the audit log stay consistent)."""

from __future__ import annotations

from django.contrib import admin

from grappe.core.backoffice import ReadOnlyScopedAdmin
from grappe.grants.models import (
    AgreementCost,
    AgreementVersion,
    ExpenseLine,
    ExpenseStatement,
    GrantAgreement,
    ImpactReport,
    Installment,
    PaymentPlan,
    StatementDocument,
)

AGREEMENT_SEARCH = (
    "agreement__reference",
    "agreement__participation__project__acronym",
    "agreement__participation__organisation__name",
)


@admin.register(PaymentPlan)
class PaymentPlanAdmin(ReadOnlyScopedAdmin):
    list_display = ("funder", "call", "updated_at")
    search_fields = ("funder__name_en", "funder__name_fr", "call__slug")
    list_select_related = ("funder", "call")


@admin.register(GrantAgreement)
class GrantAgreementAdmin(ReadOnlyScopedAdmin):
    list_display = ("reference", "participation", "funder", "status", "amount", "paid_total")
    list_filter = ("status", "funder")
    search_fields = (
        "reference",
        "participation__project__acronym",
        "participation__organisation__name",
    )
    list_select_related = ("participation__project", "participation__organisation", "funder")
    date_hierarchy = "created_at"


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyScopedAdmin):
    list_display = ("agreement", "number", "amount", "accepted_by", "accepted_at")
    search_fields = AGREEMENT_SEARCH
    list_select_related = ("agreement", "accepted_by")


@admin.register(AgreementCost)
class AgreementCostAdmin(ReadOnlyScopedAdmin):
    list_display = ("version", "category", "amount")
    list_filter = ("category",)
    search_fields = tuple(f"version__{name}" for name in AGREEMENT_SEARCH)
    list_select_related = ("version__agreement",)


@admin.register(ExpenseStatement)
class ExpenseStatementAdmin(ReadOnlyScopedAdmin):
    list_display = ("agreement", "period_start", "period_end", "status", "created_at")
    list_filter = ("status",)
    search_fields = AGREEMENT_SEARCH
    list_select_related = ("agreement",)


@admin.register(ExpenseLine)
class ExpenseLineAdmin(ReadOnlyScopedAdmin):
    list_display = ("statement", "category", "claimed", "decision", "accepted")
    list_filter = ("decision", "category")
    search_fields = ("description", *(f"statement__{name}" for name in AGREEMENT_SEARCH))
    list_select_related = ("statement__agreement",)


@admin.register(StatementDocument)
class StatementDocumentAdmin(ReadOnlyScopedAdmin):
    """A supporting PDF; the file itself is served only on the agreement's page."""

    list_display = ("statement", "title", "file_name", "size", "created_at")
    search_fields = ("title", "file_name", *(f"statement__{name}" for name in AGREEMENT_SEARCH))
    list_select_related = ("statement__agreement",)
    fields = ("statement", "title", "file_name", "size", "sha256", "created_at")


@admin.register(Installment)
class InstallmentAdmin(ReadOnlyScopedAdmin):
    list_display = ("agreement", "tranche", "amount", "status", "payment_reference", "paid_on")
    list_filter = ("status",)
    search_fields = ("payment_reference", "tranche", *AGREEMENT_SEARCH)
    list_select_related = ("agreement",)


@admin.register(ImpactReport)
class ImpactReportAdmin(ReadOnlyScopedAdmin):
    list_display = ("agreement", "kind", "year", "status", "jobs_fte", "patents")
    list_filter = ("kind", "status", "year")
    search_fields = AGREEMENT_SEARCH
    list_select_related = ("agreement",)
