"""Back office for the registry: clusters and hubs, organisations, figures, ownership, memberships.

Admin forms are model forms, so every field validator (SIREN, SIRET, RNSR, ROR, PIC, VAT) and
every model `clean()` runs before anything is saved.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grappe.core.admin import AuditedModelAdmin
from grappe.core.backoffice import ScopedTabularInline
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    ClusterTheme,
    Organisation,
    OrganisationFigures,
    Ownership,
)


class ClusterThemeInline(ScopedTabularInline):
    model = ClusterTheme
    extra = 0
    fields = ("display_order", "name_en", "name_fr")


@admin.register(Cluster)
class ClusterAdmin(AuditedModelAdmin):
    list_display = ("name", "short_name", "kind", "territory", "display_order")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "slug", "topic_en", "topic_fr")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ClusterThemeInline,)
    fieldsets = (
        (None, {"fields": ("kind", "name", "short_name", "slug", "display_order")}),
        (_("English"), {"fields": ("topic_en", "description_en")}),
        (_("French"), {"fields": ("topic_fr", "description_fr")}),
        (None, {"fields": ("territory", "website")}),
    )


@admin.register(ClusterTheme)
class ClusterThemeAdmin(AuditedModelAdmin):
    list_display = ("name_en", "name_fr", "cluster", "display_order")
    list_filter = ("cluster",)
    search_fields = ("name_en", "name_fr", "cluster__name")
    autocomplete_fields = ("cluster",)
    list_select_related = ("cluster",)


class FiguresInline(ScopedTabularInline):
    model = OrganisationFigures
    extra = 0
    fields = ("year", "staff_awu", "turnover", "balance_sheet")


class MembershipInline(ScopedTabularInline):
    model = ClusterMembership
    extra = 0
    fields = ("cluster", "start_date", "end_date")
    autocomplete_fields = ("cluster",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("cluster")


class OwnershipForm(forms.ModelForm):
    class Meta:
        model = Ownership
        fields = (
            "holder",
            "held",
            "holder_category",
            "capital_share",
            "voting_share",
            "dominant_influence",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        holder = data.get("holder")
        held_id = data["held"].pk if data.get("held") else self.instance.held_id
        if holder is not None and held_id is not None and holder.pk == held_id:
            self.add_error("holder", _("An organisation cannot hold shares in itself."))
        return data


class ShareholderInline(ScopedTabularInline):
    model = Ownership
    form = OwnershipForm
    fk_name = "held"
    extra = 0
    verbose_name = _("shareholder")
    verbose_name_plural = _("shareholders")
    fields = ("holder", "holder_category", "capital_share", "voting_share", "dominant_influence")
    autocomplete_fields = ("holder",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("holder")


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = (
        "name",
        "short_name",
        "kind",
        "siren",
        "city",
        "paris_arrondissement",
        "country",
        "is_demo",
    )
    list_filter = ("kind", "is_demo", "is_jei", "country", "memberships__cluster")
    search_fields = (
        "name",
        "short_name",
        "siren",
        "siret",
        "rnsr",
        "ror",
        "pic",
        "vat",
        "city",
        "keywords",
    )
    inlines = (FiguresInline, MembershipInline, ShareholderInline)
    fieldsets = (
        (None, {"fields": ("name", "short_name", "kind", "founded_on", "is_jei", "is_demo")}),
        (_("Identifiers"), {"fields": ("siren", "siret", "vat", "rnsr", "ror", "pic")}),
        (
            _("Address"),
            {"fields": ("address", "postcode", "city", "paris_arrondissement", "country")},
        ),
        (_("Profile"), {"fields": ("website", "description", "keywords")}),
    )


@admin.register(OrganisationFigures)
class OrganisationFiguresAdmin(AuditedModelAdmin):
    list_display = ("organisation", "year", "staff_awu", "turnover", "balance_sheet")
    list_filter = ("year", "organisation__kind")
    search_fields = ("organisation__name", "organisation__siren")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)


@admin.register(Ownership)
class OwnershipAdmin(AuditedModelAdmin):
    form = OwnershipForm
    list_display = (
        "holder",
        "held",
        "holder_category",
        "capital_share",
        "voting_share",
        "dominant_influence",
    )
    list_filter = ("holder_category", "dominant_influence")
    search_fields = ("holder__name", "held__name", "holder__siren", "held__siren")
    autocomplete_fields = ("holder", "held")
    list_select_related = ("holder", "held")


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(AuditedModelAdmin):
    list_display = ("organisation", "cluster", "start_date", "end_date")
    list_filter = ("cluster", ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("organisation__name", "cluster__name")
    autocomplete_fields = ("organisation", "cluster")
    list_select_related = ("organisation", "cluster")
    date_hierarchy = "start_date"
