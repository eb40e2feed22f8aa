"""Back office for projects, their consortium, budget lines, funding lines and accreditations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grappe.core.admin import AuditedModelAdmin
from grappe.core.backoffice import ScopedTabularInline
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    FundingLine,
    ParticipantRole,
    Participation,
    Project,
)


class AtMostOneFormSet(BaseInlineFormSet):
    """Checks a conditional unique constraint (one coordinator, one lead cluster) across the rows
    of one submission, which Django's formset validation does not, so that it fails as a form
    error rather than as an integrity error."""

    flag_field = ""
    flag_value: Any = True
    message: Any = ""

    def clean(self) -> None:
        super().clean()
        flagged = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get(self.flag_field) == self.flag_value
        ]
        if len(flagged) > 1:
            raise ValidationError(self.message)


class ParticipationFormSet(AtMostOneFormSet):
    flag_field = "role"
    flag_value = ParticipantRole.COORDINATOR
    message = _("A project has exactly one coordinator: mark only one partner as coordinator.")


class AccreditationFormSet(AtMostOneFormSet):
    flag_field = "is_lead"
    message = _("A project has one lead cluster: tick “lead cluster” on one accreditation only.")


class ParticipationInline(ScopedTabularInline):
    model = Participation
    formset = ParticipationFormSet
    extra = 0
    fields = ("display_order", "organisation", "role")
    autocomplete_fields = ("organisation",)
    show_change_link = True  # budget and funding lines are edited on the participation

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # `str(participation)` (the row title) reads both.
        return super().get_queryset(request).select_related("project", "organisation")


class AccreditationInline(ScopedTabularInline):
    model = Accreditation
    formset = AccreditationFormSet
    extra = 0
    fields = ("cluster", "is_lead", "accredited_on")
    autocomplete_fields = ("cluster",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("cluster")


@admin.register(Project)
class ProjectAdmin(AuditedModelAdmin):
    list_display = (
        "acronym",
        "title",
        "status",
        "start_date",
        "duration_months",
        "coordinator",
        "partner_count",
        "is_demo",
    )
    list_filter = ("status", "is_demo", "accreditations__cluster")
    search_fields = ("acronym", "title", "keywords", "participations__organisation__name")
    date_hierarchy = "start_date"
    inlines = (ParticipationInline, AccreditationInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        coordinator = Participation.objects.filter(
            project=OuterRef("pk"), role=ParticipantRole.COORDINATOR
        ).values("organisation__name")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(
                coordinator_name=Subquery(coordinator),
                partners=Count("participations", distinct=True),
            )
        )

    @admin.display(description=_("coordinator"), ordering="coordinator_name")
    def coordinator(self, obj: Any) -> str:
        return obj.coordinator_name or "—"

    @admin.display(description=_("partners"), ordering="partners")
    def partner_count(self, obj: Any) -> int:
        return int(obj.partners)


class BudgetLineInline(ScopedTabularInline):
    model = BudgetLine
    extra = 0
    fields = ("research_category", "cost_category", "amount")


class FundingLineInline(ScopedTabularInline):
    model = FundingLine
    extra = 0
    fields = ("funder", "requested", "granted", "decided_on")
    autocomplete_fields = ("funder",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("funder")


@admin.register(Participation)
class ParticipationAdmin(AuditedModelAdmin):
    list_display = ("project", "organisation", "role", "display_order")
    list_filter = ("role", "organisation__kind", "project__status")
    search_fields = ("project__acronym", "project__title", "organisation__name")
    autocomplete_fields = ("project", "organisation")
    list_select_related = ("project", "organisation")
    inlines = (BudgetLineInline, FundingLineInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # `str(participation)` reads both; autocomplete lists use this queryset too.
        return super().get_queryset(request).select_related("project", "organisation")


@admin.register(BudgetLine)
class BudgetLineAdmin(AuditedModelAdmin):
    list_display = ("participation", "research_category", "cost_category", "amount")
    list_filter = ("research_category", "cost_category")
    search_fields = ("participation__project__acronym", "participation__organisation__name")
    autocomplete_fields = ("participation",)
    list_select_related = ("participation__project", "participation__organisation")


@admin.register(FundingLine)
class FundingLineAdmin(AuditedModelAdmin):
    list_display = ("participation", "funder", "requested", "granted", "decided_on")
    list_filter = ("funder", ("granted", admin.EmptyFieldListFilter))
    search_fields = ("participation__project__acronym", "participation__organisation__name")
    autocomplete_fields = ("participation", "funder")
    list_select_related = ("participation__project", "participation__organisation", "funder")
    date_hierarchy = "decided_on"


@admin.register(Accreditation)
class AccreditationAdmin(AuditedModelAdmin):
    list_display = ("project", "cluster", "is_lead", "accredited_on")
    list_filter = ("cluster", "is_lead")
    search_fields = ("project__acronym", "project__title", "cluster__name")
    autocomplete_fields = ("project", "cluster")
    list_select_related = ("project", "cluster")
    date_hierarchy = "accredited_on"
