"""Back office for the audit log and transitions (strictly read-only), users, groups and role
assignments.

Who may use each model is the role table's business (`grappe.core.backoffice`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.backoffice import ReadOnlyScopedAdmin, ScopedModelAdmin
from grappe.core.domain.roles import ROLES, Role, ScopeKind
from grappe.core.domain.workflow import ObjectRole, known_workflows, staff_labels
from grappe.core.forms import CleanTextMixin
from grappe.core.models import AuditEvent, RoleAssignment, SearchWord, Transition
from grappe.core.services import (
    USER_FIELDS,
    audit_record,
    group_create,
    group_delete,
    group_permissions_set,
    group_update,
    user_create,
    user_delete,
    user_groups_set,
    user_password_changed_record,
    user_permissions_set,
    user_update,
)


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    """Audit events are immutable: administrators can read them, nobody can add, change or
    delete them."""

    list_display = ("created_at", "action", "object_type", "object_id", "actor_name", "actor_role")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id", "reason", "actor_name")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "actor",
        "actor_name",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "reason",
        "prev_hash",
        "hash",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --------------------------------------------------------------------------- users and groups

BACK_OFFICE = "back office"
admin.site.unregister(get_user_model())
admin.site.unregister(Group)

# Django's admin and form classes take no type arguments at run time: subscripted for mypy only.
if TYPE_CHECKING:
    _UserAdmin = UserAdmin[User]
    _TransitionAdmin = admin.ModelAdmin[Transition]
    _RoleAssignmentForm = forms.ModelForm[RoleAssignment]
else:
    _UserAdmin = UserAdmin
    _TransitionAdmin = admin.ModelAdmin
    _RoleAssignmentForm = forms.ModelForm


@admin.register(get_user_model())
class AuditedUserAdmin(_UserAdmin):
    """Django's user admin, writing through the user services: every creation, staff or
    superuser flip, group or permission change and deletion is an audit event."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            created = user_create(
                actor=request.user,
                username=obj.get_username(),
                password_hash=obj.password,
                email=obj.email,
                first_name=obj.first_name,
                last_name=obj.last_name,
                is_staff=obj.is_staff,
                is_superuser=obj.is_superuser,
                reason=BACK_OFFICE,
            )
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db
            return
        fields = {name: getattr(obj, name) for name in USER_FIELDS}
        user_update(actor=request.user, user=obj, reason=BACK_OFFICE, **fields)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """Django's view saves the password itself; a redirect elsewhere after a POST is success."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if (
                request.method == "POST"
                and response.status_code == 302
                and response["Location"] != request.get_full_path()
            ):
                user = self.get_object(request, id)
                assert user is not None  # Django's view answered 404 for an unknown id
                user_password_changed_record(actor=request.user, user=user, reason=BACK_OFFICE)
        return response

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            data = form.cleaned_data
            if "groups" in data:
                user_groups_set(
                    actor=request.user,
                    user=form.instance,
                    groups=data["groups"],
                    reason=BACK_OFFICE,
                )
            if "user_permissions" in data:
                user_permissions_set(
                    actor=request.user,
                    user=form.instance,
                    permissions=data["user_permissions"],
                    reason=BACK_OFFICE,
                )
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        user_delete(actor=request.user, user=obj, reason=BACK_OFFICE)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for user in queryset:
                user_delete(actor=request.user, user=user, reason=BACK_OFFICE)


@admin.register(Group)
class AuditedGroupAdmin(GroupAdmin):
    """Groups and their permissions change through the group services (audited)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            group_update(actor=request.user, group=obj, name=obj.name, reason=BACK_OFFICE)
            return
        created = group_create(actor=request.user, name=obj.name, reason=BACK_OFFICE)
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            group_permissions_set(
                actor=request.user,
                group=form.instance,
                permissions=form.cleaned_data.get("permissions", []),
                reason=BACK_OFFICE,
            )
            super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        group_delete(actor=request.user, group=obj, reason=BACK_OFFICE)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for group in queryset:
                group_delete(actor=request.user, group=group, reason=BACK_OFFICE)


def _role_label(value: str) -> str:
    """An acting role's label, translated; the id itself for a role this process does not
    know."""
    try:
        return gettext(ObjectRole(value).label)
    except ValueError:
        return value


class _TransitionColumnFilter(admin.SimpleListFilter):
    """A filter on the column named by `parameter_name`, its values shown by their labels."""

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{str(self.parameter_name): value}) if value else queryset


class _TransitionWorkflowFilter(_TransitionColumnFilter):
    """The workflows by the name of the objects they move (a project, an application…)."""

    title = _("workflow")
    parameter_name = "workflow"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        rows = Transition.objects.values_list("workflow", "content_type").distinct()
        names = {w: str(ContentType.objects.get_for_id(ct).name) for w, ct in rows}
        return sorted(names.items(), key=lambda item: item[1])


class _TransitionStepFilter(_TransitionColumnFilter):
    """The steps by their labels (the same id in two workflows shows both labels)."""

    title = _("transition")
    parameter_name = "transition"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels: dict[str, set[str]] = {}
        for registry in known_workflows().values():
            for step in registry.current.transitions.values():
                labels.setdefault(step.id, set()).add(gettext(step.label))
        used = set(Transition.objects.values_list("transition", flat=True).distinct())
        return sorted(
            ((t, " / ".join(sorted(labels.get(t, {t})))) for t in used), key=lambda item: item[1]
        )


class _TransitionRoleFilter(_TransitionColumnFilter):
    title = _("acting role")
    parameter_name = "acting_role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        used = Transition.objects.values_list("acting_role", flat=True).distinct()
        return sorted(((r, _role_label(r)) for r in used), key=lambda item: item[1])


@admin.register(Transition)
class TransitionAdmin(_TransitionAdmin):
    """State changes are written only by the transition services; staff can read them."""

    list_display = (
        "created_at",
        "workflow_label",
        "object_id",
        "transition_label",
        "from_label",
        "to_label",
        "actor",
        "role_label",
    )
    list_filter = (_TransitionWorkflowFilter, _TransitionStepFilter, _TransitionRoleFilter)
    search_fields = ("object_id", "transition", "reason", "actor__username")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "content_type",
        "object_id",
        "workflow",
        "workflow_version",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "acting_role",
        "reason",
        "idempotency_key",
    )
    fields = readonly_fields

    @staticmethod
    def _label(obj: Transition, kind: int, value: str) -> str:
        """The workflow's staff label of a state (`kind` 0) or transition (1), translated; the
        id itself for a workflow or version this process does not define."""
        labels = staff_labels(obj.workflow, obj.workflow_version)[kind]
        return gettext(labels[value]) if value in labels else value

    @admin.display(description=_("workflow"), ordering="workflow")
    def workflow_label(self, obj: Transition) -> str:
        """The name of the objects the workflow moves (its model's name, translated)."""
        return str(obj.content_type.name)

    @admin.display(description=_("acting role"), ordering="acting_role")
    def role_label(self, obj: Transition) -> str:
        return _role_label(obj.acting_role)

    @admin.display(description=_("transition"), ordering="transition")
    def transition_label(self, obj: Transition) -> str:
        return self._label(obj, 1, obj.transition)

    @admin.display(description=_("from"), ordering="from_state")
    def from_label(self, obj: Transition) -> str:
        return self._label(obj, 0, obj.from_state)

    @admin.display(description=_("to"), ordering="to_state")
    def to_label(self, obj: Transition) -> str:
        return self._label(obj, 0, obj.to_state)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SearchWord)
class SearchWordAdmin(ReadOnlyScopedAdmin):
    """The search indexes' vocabulary ("did you mean"), written with the index entries and
    rebuilt by `grappe search_index rebuild`: read-only here."""

    list_display = ("word", "index", "length")
    list_filter = ("index",)
    search_fields = ("word",)


def _assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user_id,
        "role": assignment.role,
        "funder": assignment.funder_id,
        "cluster": assignment.cluster_id,
        "organisation": assignment.organisation_id,
    }


# The fields a role can be scoped to, and which one each role needs: from the role table.
SCOPE_FIELDS = tuple(kind.value for kind in ScopeKind if kind.value)
SCOPE_LABELS = {name: getattr(RoleAssignment, name).field.verbose_name for name in SCOPE_FIELDS}


class RoleAssignmentForm(CleanTextMixin, _RoleAssignmentForm):
    """Names the missing or superfluous scope field instead of a bare constraint violation."""

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "funder", "cluster", "organisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if not role:
            return data
        needed = ROLES[Role(role)].scope.value
        label = gettext(ROLES[Role(role)].label)
        for name in SCOPE_FIELDS:
            field_label = SCOPE_LABELS[name]
            if name == needed and not data.get(name):
                self.add_error(
                    name,
                    _("The role %(role)s is scoped to one %(field)s: choose it.")
                    % {"role": label, "field": field_label},
                )
            elif name != needed and data.get(name):
                self.add_error(
                    name,
                    _("The role %(role)s takes no %(field)s: leave it empty.")
                    % {"role": label, "field": field_label},
                )
        return data


def snapshot(obj: Any) -> dict[str, Any]:
    """A JSON-safe copy of a model's editable fields (Decimal and dates as strings)."""
    data = model_to_dict(obj)
    return cast(dict[str, Any], json.loads(json.dumps(data, cls=DjangoJSONEncoder)))


class AuditedModelAdmin(ScopedModelAdmin):
    """Back-office edits write the same immutable audit events as services.

    Actions are `<app>.<model>.create|change|delete`, with before/after snapshots; inline rows
    are audited one by one. Subclasses may override `audit_snapshot` and `audit_action`.
    """

    audit_action_prefix = ""

    def audit_snapshot(self, obj: Any) -> dict[str, Any]:
        return snapshot(obj)

    def audit_action(self, obj: Any, verb: str) -> str:
        return f"{self.audit_action_prefix or obj._meta.label_lower}.{verb}"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change and obj.pk:
                before = self.audit_snapshot(type(obj)._default_manager.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=self.audit_action(obj, "change" if change else "create"),
                obj=obj,
                before=before,
                after=self.audit_snapshot(obj),
                reason="back office",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=self.audit_action(obj, "delete"),
                obj=obj,
                before=self.audit_snapshot(obj),
                reason="back office",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    action=self.audit_action(obj, "delete"),
                    obj=obj,
                    before=self.audit_snapshot(obj),
                    reason="back office",
                )
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            befores = {
                f.instance.pk: self.audit_snapshot(
                    type(f.instance)._default_manager.get(pk=f.instance.pk)
                )
                for f in formset.initial_forms
                if f.instance.pk and f.has_changed()
            }
            super().save_formset(request, form, formset, change)
            for obj in formset.deleted_objects:
                audit_record(
                    actor=request.user,
                    action=f"{obj._meta.label_lower}.delete",
                    obj=obj,
                    before=befores.get(obj.pk),
                    reason="back office",
                )
            for obj in formset.new_objects:
                audit_record(
                    actor=request.user,
                    action=f"{obj._meta.label_lower}.create",
                    obj=obj,
                    after=self.audit_snapshot(obj),
                    reason="back office",
                )
            for obj, _fields in formset.changed_objects:
                audit_record(
                    actor=request.user,
                    action=f"{obj._meta.label_lower}.change",
                    obj=obj,
                    before=befores.get(obj.pk),
                    after=self.audit_snapshot(obj),
                    reason="back office",
                )


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin):
    """Roles granted from the back office are audited like those granted by services."""

    form = RoleAssignmentForm
    list_display = ("user", "role", "funder", "cluster", "organisation")
    list_filter = ("role", "funder", "cluster")
    search_fields = ("user__username", "user__email", "organisation__name", "cluster__name")
    autocomplete_fields = ("user", "funder", "cluster", "organisation")
    list_select_related = ("user", "funder", "cluster", "organisation")

    def audit_snapshot(self, obj: Any) -> dict[str, Any]:
        return _assignment_snapshot(obj)

    def audit_action(self, obj: Any, verb: str) -> str:
        return {"create": "role.assign", "change": "role.change", "delete": "role.revoke"}[verb]
