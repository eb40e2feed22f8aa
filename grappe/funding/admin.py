"""Back office for funders, calls and the versions of each call's rule set.

A call's rule set is edited as JSON and saved through `call_ruleset_update`, which validates it
with the rules engine (a wrong rate or an unknown rule is a form error naming the field and the
rule) and keeps every earlier version, shown read-only. Programme officers manage their own
funder's calls here (`call.manage` in the role table); everything else is for administrators.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from grappe.core.admin import AuditedModelAdmin
from grappe.core.adminkit import EditTokenAdmin, form_changes
from grappe.core.backoffice import ReadOnlyScopedAdmin, ScopedModelAdmin, ScopedTabularInline
from grappe.core.domain.roles import Action, Relation
from grappe.core.forms import CleanTextMixin
from grappe.core.scopes import field_in, reach_q, scope_for
from grappe.funding.domain.rulesets import READY_MADE
from grappe.funding.models import (
    Application,
    Call,
    CallRuleSet,
    Funder,
    ProposalTarget,
    RequestedAid,
    ScreeningVerdict,
)
from grappe.funding.services import (
    RuleSetInvalid,
    call_create,
    call_ruleset_update,
    call_update,
    pinned_refusal,
    ready_made_data,
    ruleset_validate,
)


@admin.register(Funder)
class FunderAdmin(AuditedModelAdmin):
    list_display = ("name_en", "name_fr", "kind", "slug", "website")
    list_filter = ("kind",)
    search_fields = ("name_en", "name_fr", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


def _ready_made_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(code, str(data["title"])) for code, data in sorted(READY_MADE.items())]


class _PrettyJSONField(forms.JSONField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return super().prepare_value(value)


class RuleSetFields(CleanTextMixin, forms.Form):
    """The rule-set part of the call and version forms."""

    ruleset_data = _PrettyJSONField(
        label=_("Rule set (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "vLargeTextField"}),
        help_text=_(
            'Rates are fractions ("0.45"), amounts EUR strings. Leave empty and choose a '
            "ready-made set to start from one."
        ),
    )
    source_code = forms.ChoiceField(
        label=_("Ready-made set"), required=False, choices=_ready_made_choices
    )
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, max_length=500, widget=forms.TextInput
    )


def _refuse_if_pinned(form: forms.BaseForm, call: Call | None) -> None:
    """A call that has opened keeps its rule set (`pinned_refusal`)."""
    normalised = form.cleaned_data.get("ruleset_normalised")
    if call is None or call.pk is None or normalised is None:
        return
    message = pinned_refusal(call, normalised)
    if message is not None:
        form.add_error("ruleset_data", message)


def _clean_ruleset(form: forms.BaseForm) -> dict[str, Any] | None:
    """Validate the JSON (or the chosen ready-made set) with the rules engine."""
    data = form.cleaned_data.get("ruleset_data")
    code = form.cleaned_data.get("source_code") or ""
    if data in (None, "", {}):
        if not code:
            return None
        data = ready_made_data(code)
    try:
        _rs, normalised = ruleset_validate(data)
    except RuleSetInvalid as exc:
        form.add_error("ruleset_data", exc)
        return None
    form.cleaned_data["ruleset_normalised"] = normalised
    return normalised


# Django's admin and form classes take no type arguments at run time: subscripted for mypy only.
if TYPE_CHECKING:
    _CallForm = forms.ModelForm[Call]
    _CallRuleSetForm = forms.ModelForm[CallRuleSet]
else:
    _CallForm = _CallRuleSetForm = forms.ModelForm


class CallAdminForm(CleanTextMixin, _CallForm):
    ruleset_data = RuleSetFields.base_fields["ruleset_data"]
    source_code = RuleSetFields.base_fields["source_code"]
    reason = RuleSetFields.base_fields["reason"]

    class Meta:
        model = Call
        fields = ("funder", "slug", "title_en", "title_fr", "opens_on", "closes_on", "envelope")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.ruleset is not None:
            self.initial.setdefault("ruleset_data", self.instance.ruleset.data)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        normalised = _clean_ruleset(self)
        _refuse_if_pinned(self, self.instance if self.instance.pk else None)
        if normalised is None and not self.instance.pk and "ruleset_data" not in self.errors:
            self.add_error(
                "ruleset_data", _("Give a rule set or choose a ready-made set to start from.")
            )
        return cleaned


# Calls belong to their funder: a programme officer manages their own funder's calls.
CALL_LINKS = {Relation.OWN_FUNDER: "funder_id"}


class CallRuleSetInline(ScopedTabularInline):
    """Earlier versions, read-only; seen by whoever may manage the call."""

    role_action = Action.CALL_MANAGE
    role_links = CALL_LINKS

    model = CallRuleSet
    fk_name = "call"
    extra = 0
    can_delete = False
    fields = ("version", "created_at", "created_by", "source_code", "reason")
    readonly_fields = fields
    ordering = ("-version",)
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(EditTokenAdmin):
    """Saves go through the funding services (which audit); deletions are audited here.

    A form opened before the call or its rule set last changed is refused, naming the version
    now current (`EditTokenAdmin`; the services check it again under the row lock)."""

    form = CallAdminForm
    list_display = (
        "slug",
        "title_en",
        "funder",
        "opens_on",
        "closes_on",
        "status_label",
        "envelope",
        "ruleset_version",
    )
    list_filter = ("funder",)
    list_select_related = ("funder", "ruleset")
    search_fields = ("slug", "title_en", "title_fr")
    date_hierarchy = "opens_on"
    inlines = (CallRuleSetInline,)
    fieldsets = (
        (None, {"fields": ("funder", "slug", "title_en", "title_fr")}),
        (_("Dates and envelope"), {"fields": ("opens_on", "closes_on", "envelope")}),
        (_("Rule set"), {"fields": ("source_code", "ruleset_data", "reason")}),
    )

    # Programme officers manage their own funder's calls; deleting a call is for administrators.
    role_action = Action.CALL_MANAGE
    role_delete_action = Action.BACK_OFFICE_ADMINISTER
    role_links = CALL_LINKS

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "funder":
            own = {Relation.OWN_FUNDER: field_in("pk")}
            scope = scope_for(request.user)
            kwargs["queryset"] = Funder.objects.filter(reach_q(scope, Action.CALL_MANAGE, own))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Versions cannot be deleted on their own, but they go with their call.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(str(CallRuleSet._meta.verbose_name))
        return deleted, counts, perms_needed, protected

    @admin.display(description=_("status"))
    def status_label(self, obj: Call) -> str:
        return str(obj.status.label)

    @admin.display(description=_("rule set version"))
    def ruleset_version(self, obj: Call) -> int | None:
        return obj.ruleset.version if obj.ruleset is not None else None

    def save_model(self, request: HttpRequest, obj: Call, form: Any, change: bool) -> None:
        data = form.cleaned_data.get("ruleset_normalised")
        reason = form.cleaned_data.get("reason") or ""
        source = form.cleaned_data.get("source_code") or ""
        if not change:
            created = call_create(
                actor=request.user,
                funder=obj.funder,
                slug=obj.slug,
                title_en=obj.title_en,
                title_fr=obj.title_fr,
                opens_on=obj.opens_on,
                closes_on=obj.closes_on,
                envelope=obj.envelope,
                ruleset_data=data,
                source_code=source,
                reason=reason,
            )
            obj.pk = created.pk
            obj.ruleset = created.ruleset
            obj.created_at, obj.updated_at = created.created_at, created.updated_at
            return
        opened = form.cleaned_data.get("edit_token")
        # the version the form showed: the call's current one, unless the call changed since,
        # which the form's token has refused already
        version = obj.ruleset.version if obj.ruleset is not None else None
        changes = form_changes(form, obj)
        if changes:
            call_update(
                actor=request.user, call=obj, reason=reason, expected_token=opened, **changes
            )
        if data is not None:
            call_ruleset_update(
                actor=request.user,
                call=obj,
                data=data,
                reason=reason,
                source_code=source,
                expected_version=version,
            )
        obj.refresh_from_db()

    def edit_version(self, obj: Call) -> int | None:
        return obj.ruleset.version if obj.ruleset is not None else None


class CallRuleSetAddForm(CleanTextMixin, _CallRuleSetForm):
    """A new version for a call: validated, then saved by `call_ruleset_update`."""

    ruleset_data = RuleSetFields.base_fields["ruleset_data"]
    source_code = RuleSetFields.base_fields["source_code"]
    reason = RuleSetFields.base_fields["reason"]

    class Meta:
        model = CallRuleSet
        fields = ("call",)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        normalised = _clean_ruleset(self)
        _refuse_if_pinned(self, self.cleaned_data.get("call"))
        if normalised is None and "ruleset_data" not in self.errors:
            self.add_error(
                "ruleset_data", _("Give a rule set or choose a ready-made set to start from.")
            )
        return cleaned


@admin.register(CallRuleSet)
class CallRuleSetAdmin(ScopedModelAdmin):
    """Versions are immutable: they can be listed, viewed and added (as a call's new version).

    Administrators only; programme officers edit rule sets from their call's page."""

    list_display = ("call", "version", "source_code", "created_by", "created_at", "reason")
    list_select_related = ("call", "created_by")
    list_filter = ("source_code",)
    search_fields = ("call__slug", "call__title_en", "reason")
    readonly_fields = ("call", "version", "source_code", "reason", "created_by", "created_at")
    fields = (*readonly_fields, "data_pretty")

    @admin.display(description=_("rule set"))
    def data_pretty(self, obj: CallRuleSet) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, ensure_ascii=False))

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = CallRuleSetAddForm
            kwargs["fields"] = ("call", "source_code", "ruleset_data", "reason")
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("call", "source_code", "ruleset_data", "reason")
        return self.fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else (*self.readonly_fields, "data_pretty")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: CallRuleSet, form: Any, change: bool) -> None:
        version = call_ruleset_update(
            actor=request.user,
            call=form.cleaned_data["call"],
            data=form.cleaned_data["ruleset_normalised"],
            reason=form.cleaned_data.get("reason") or "",
            source_code=form.cleaned_data.get("source_code") or "",
        )
        obj.pk = version.pk
        obj.version = version.version
        obj.data = version.data
        obj.created_at = version.created_at


@admin.register(Application)
class ApplicationAdmin(ReadOnlyScopedAdmin):
    """Applications are written only by the application services (`application_transition`
    and the steps that call it): the back office reads them."""

    list_display = ("project", "call", "status", "submitted_at", "panel_list", "panel_rank")
    list_filter = ("status", "panel_list", "call")
    search_fields = ("project__acronym", "project__title", "call__slug")
    list_select_related = ("project", "call")


@admin.register(ProposalTarget)
class ProposalTargetAdmin(ReadOnlyScopedAdmin):
    """Written by `proposal_target_set` only (the proposal's coordinator chooses it)."""

    list_display = ("project", "call", "set_by", "set_at")
    search_fields = ("project__acronym", "project__title", "call__slug")
    list_select_related = ("project", "call", "set_by")


@admin.register(RequestedAid)
class RequestedAidAdmin(ReadOnlyScopedAdmin):
    """Written by `application_update` only (each amount checked by the rules engine)."""

    list_display = ("application", "participation", "amount")
    search_fields = ("application__project__acronym", "participation__organisation__name")
    list_select_related = (
        "application__project",
        "application__call",
        "participation__organisation",
        "participation__project",
    )


@admin.register(ScreeningVerdict)
class ScreeningVerdictAdmin(ReadOnlyScopedAdmin):
    """Written at submission by `application_submit`; overrides by `screening_override`."""

    list_display = ("application", "rule", "status", "overridden_by", "overridden_at")
    list_filter = ("status", "rule")
    search_fields = ("application__project__acronym", "rule", "override_justification")
    list_select_related = ("application__project", "application__call", "overridden_by")
