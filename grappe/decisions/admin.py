"""Back office: the envelopes, the ledger and the decisions are written by the decision
services only (the ledger's totals and the funding lines must stay in step): read-only here."""

from __future__ import annotations

from django.contrib import admin

from grappe.core.backoffice import ReadOnlyScopedAdmin
from grappe.decisions.models import CallFunding, Decision, Envelope, LedgerEntry


@admin.register(CallFunding)
class CallFundingAdmin(ReadOnlyScopedAdmin):
    list_display = ("call", "minimum_share", "updated_at")
    search_fields = ("call__slug", "call__title_en")
    list_select_related = ("call",)


@admin.register(Envelope)
class EnvelopeAdmin(ReadOnlyScopedAdmin):
    list_display = ("call", "funder", "kind", "amount", "approved")
    list_filter = ("kind",)
    search_fields = ("call__slug", "funder__slug", "funder__name_en")
    list_select_related = ("call", "funder")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ("envelope", "application", "participation", "kind", "amount", "created_at")
    list_filter = ("kind",)
    search_fields = ("envelope__call__slug", "application__project__acronym", "reason")
    list_select_related = (
        "envelope__call",
        "envelope__funder",
        "application__project",
        "application__call",
        "participation__organisation",
        "participation__project",
    )


@admin.register(Decision)
class DecisionAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "outcome", "decided_on", "reference")
    list_filter = ("outcome",)
    search_fields = ("application__project__acronym", "reference", "reason")
    list_select_related = ("application__project", "application__call")
