"""Back office: the evaluation records are written by `evaluation.services` only; the back
office reads them (administrators)."""

from __future__ import annotations

from django.contrib import admin

from grappe.core.backoffice import ReadOnlyScopedAdmin
from grappe.evaluation.models import (
    Assignment,
    CallPanel,
    ConsensusReport,
    Declaration,
    Expert,
    IndividualReport,
    Waiver,
)


@admin.register(Expert)
class ExpertAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "funder", "organisation", "max_load", "active")
    list_filter = ("funder", "active")
    search_fields = ("name", "keywords")
    list_select_related = ("funder", "organisation")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "expert", "fit", "proposed", "is_rapporteur")
    list_select_related = ("application__project", "application__call", "expert")


@admin.register(Waiver)
class WaiverAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "expert", "kind", "waived_at")
    list_select_related = ("application__project", "application__call", "expert")


@admin.register(ConsensusReport)
class ConsensusReportAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "rapporteur", "overall", "recorded_at")
    list_select_related = ("application__project", "application__call", "rapporteur")


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "expert", "has_conflict", "declared_at")
    list_select_related = ("application__project", "application__call", "expert")


@admin.register(IndividualReport)
class IndividualReportAdmin(ReadOnlyScopedAdmin):
    list_display = ("assignment", "submitted_at")
    list_select_related = ("assignment__expert",)


@admin.register(CallPanel)
class CallPanelAdmin(ReadOnlyScopedAdmin):
    list_display = ("call", "disagreement_gap", "main_list_size", "ranked_at")
    list_select_related = ("call",)
