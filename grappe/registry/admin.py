"""Back office for the registry: clusters and hubs, organisations, figures, ownership, memberships.

Admin forms are model forms, so every field validator (SIREN, SIRET, RNSR, ROR, PIC, VAT) and
every model `clean()` runs before anything is saved. Organisations, figures, ownership links and
memberships are then written by the registry's services (scope checked, audited there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grappe.core.actors import Actor
from grappe.core.admin import AuditedModelAdmin
from grappe.core.adminkit import ServiceModelAdmin, adopt, form_changes, form_values
from grappe.core.backoffice import ScopedTabularInline
from grappe.core.concurrency import EDIT_TOKEN_FIELD
from grappe.core.forms import CleanTextMixin
from grappe.registry import services
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    ClusterTheme,
    Organisation,
    OrganisationChangeProposal,
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


# Django's admin and form classes take no type arguments at run time: subscripted for mypy only.
if TYPE_CHECKING:
    _OwnershipForm = forms.ModelForm[Ownership]
else:
    _OwnershipForm = forms.ModelForm


class OwnershipForm(CleanTextMixin, _OwnershipForm):
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


# --- writes through the services (the inlines and the pages of each model share them) ---------


def figures_save(actor: Actor, obj: OrganisationFigures, changed: list[str] | None) -> Any:
    if changed is not None and {"year", "organisation"} & set(changed):
        services.figures_delete(actor=actor, figures=OrganisationFigures.objects.get(pk=obj.pk))
    return services.figures_set(
        actor=actor,
        organisation_id=obj.organisation_id,
        year=obj.year,
        staff_awu=obj.staff_awu,
        turnover=obj.turnover,
        balance_sheet=obj.balance_sheet,
        reason="back office",
    )


def figures_remove(actor: Actor, obj: OrganisationFigures) -> None:
    services.figures_delete(
        actor=actor, figures=OrganisationFigures.objects.get(pk=obj.pk), reason="back office"
    )


def membership_save(actor: Actor, obj: ClusterMembership, changed: list[str] | None) -> Any:
    if changed is None or {"cluster", "organisation"} & set(changed):
        if changed is not None:
            membership_remove(actor, obj)
        return services.membership_start(
            actor=actor,
            cluster_id=obj.cluster_id,
            organisation_id=obj.organisation_id,
            start_date=obj.start_date,
            end_date=obj.end_date,
            reason="back office",
        )
    return services.membership_update(
        actor=actor,
        membership=obj,
        start_date=obj.start_date,
        end_date=obj.end_date,
        reason="back office",
    )


def membership_remove(actor: Actor, obj: ClusterMembership) -> None:
    services.membership_delete(
        actor=actor, membership=ClusterMembership.objects.get(pk=obj.pk), reason="back office"
    )


def ownership_save(actor: Actor, obj: Ownership, changed: list[str] | None) -> Any:
    if changed is not None and {"holder", "held"} & set(changed):
        ownership_remove(actor, obj)
    return services.ownership_set(
        actor=actor,
        holder_id=obj.holder_id,
        held_id=obj.held_id,
        holder_category=obj.holder_category,
        capital_share=obj.capital_share,
        voting_share=obj.voting_share,
        dominant_influence=obj.dominant_influence,
        reason="back office",
    )


def ownership_remove(actor: Actor, obj: Ownership) -> None:
    services.ownership_delete(
        actor=actor, link=Ownership.objects.get(pk=obj.pk), reason="back office"
    )


WRITERS: dict[type[models.Model], tuple[Any, Any]] = {
    OrganisationFigures: (figures_save, figures_remove),
    ClusterMembership: (membership_save, membership_remove),
    Ownership: (ownership_save, ownership_remove),
}


class RegistryServiceAdmin(ServiceModelAdmin):
    """Figures, ownership links and memberships: one service call per saved row."""

    def service_create(self, request: HttpRequest, obj: Any, form: Any) -> models.Model:
        save, _remove = WRITERS[type(obj)]
        saved: models.Model = save(request.user, obj, None)
        return saved

    def service_update(self, request: HttpRequest, obj: Any, form: Any) -> None:
        save, _remove = WRITERS[type(obj)]
        adopt(obj, save(request.user, obj, list(form.changed_data)))

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        _save, remove = WRITERS[type(obj)]
        remove(request.user, obj)


@admin.register(Organisation)
class OrganisationAdmin(ServiceModelAdmin):
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

    def service_create(self, request: HttpRequest, obj: Any, form: Any) -> models.Model:
        return services.organisation_create(
            actor=request.user, reason="back office", **form_values(form, obj)
        )

    def service_update(self, request: HttpRequest, obj: Any, form: Any) -> None:
        adopt(
            obj,
            services.organisation_update(
                actor=request.user,
                organisation=obj,
                reason="back office",
                expected_token=form.cleaned_data.get(EDIT_TOKEN_FIELD),
                **form_changes(form, obj),
            ),
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        services.organisation_delete(actor=request.user, organisation=obj, reason="back office")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        writers = WRITERS.get(formset.model)
        if writers is None:
            super().save_formset(request, form, formset, change)
            return
        save, remove = writers
        with transaction.atomic():
            formset.save(commit=False)
            for obj in formset.deleted_objects:
                remove(request.user, obj)
            for obj, changed in formset.changed_objects:
                save(request.user, obj, list(changed))
            for obj in formset.new_objects:
                save(request.user, obj, None)


@admin.register(OrganisationFigures)
class OrganisationFiguresAdmin(RegistryServiceAdmin):
    list_display = ("organisation", "year", "staff_awu", "turnover", "balance_sheet")
    list_filter = ("year", "organisation__kind")
    search_fields = ("organisation__name", "organisation__siren")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)


@admin.register(Ownership)
class OwnershipAdmin(RegistryServiceAdmin):
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
class ClusterMembershipAdmin(RegistryServiceAdmin):
    list_display = ("organisation", "cluster", "start_date", "end_date", "confirmed_at")
    list_filter = (
        "cluster",
        ("end_date", admin.EmptyFieldListFilter),
        ("confirmed_at", admin.EmptyFieldListFilter),
    )
    # Confirmation is the organisation's act (registry.services.membership_confirm, on the
    # organisation's review page), never a back-office edit.
    readonly_fields = ("confirmed_at", "confirmed_by")
    search_fields = ("organisation__name", "cluster__name")
    autocomplete_fields = ("organisation", "cluster")
    list_select_related = ("organisation", "cluster")
    date_hierarchy = "start_date"


@admin.register(OrganisationChangeProposal)
class OrganisationChangeProposalAdmin(AuditedModelAdmin):
    """Proposals are decided on the organisation's review page (services apply and audit the
    value); here they can be read, and added by hand, but a saved one is not edited."""

    list_display = ("organisation", "field", "old_value", "proposed_value", "cluster", "status")
    list_filter = ("status", "field")
    search_fields = ("organisation__name", "proposed_value", "old_value")
    list_select_related = ("organisation", "cluster")
    raw_id_fields = ("organisation", "run")
    fields = ("organisation", "field", "old_value", "proposed_value", "cluster", "run")
    decided = ("status", "decided_by", "decided_at", "created_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.fields, *self.decided) if obj is not None else self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.fields, *self.decided) if obj is not None else ()
