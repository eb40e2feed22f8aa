"""Back office: the evaluation records are written by `evaluation.services` only; the back
office reads them (administrators)."""

from __future__ import annotations

from django.contrib import admin

from grappe.core.backoffice import ReadOnlyScopedAdmin
from grappe.evaluation.models import Assignment, ConsensusReport, Expert, Waiver


@admin.register(Expert)
class ExpertAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "funder", "organisation", "max_load", "active")
    list_filter = ("funder", "active")
    search_fields = ("name", "keywords")
    list_select_related = ("funder", "organisation")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "expert", "fit", "proposed", "is_rapporteur")
    list_select_related = ("application", "expert")


@admin.register(Waiver)
class WaiverAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "expert", "kind", "waived_at")
    list_select_related = ("application", "expert")


@admin.register(ConsensusReport)
class ConsensusReportAdmin(ReadOnlyScopedAdmin):
    list_display = ("application", "rapporteur", "overall", "recorded_at")
    list_select_related = ("application", "rapporteur")
