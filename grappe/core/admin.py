"""Back office for the audit log (strictly read-only) and role assignments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from grappe.core.models import AuditEvent, Role, RoleAssignment
from grappe.core.services import audit_record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Audit events are immutable: staff can read them, nobody can add, change or delete them."""

    list_display = ("created_at", "action", "object_type", "object_id", "actor")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id", "reason", "actor__username")
    list_select_related = ("actor",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "reason",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _assignment_snapshot(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user_id,
        "role": assignment.role,
        "funder": assignment.funder_id,
        "cluster": assignment.cluster_id,
        "organisation": assignment.organisation_id,
    }


# Which scope field each role needs; the others must stay empty.
SCOPE_FIELD = {
    Role.PROGRAMME_OFFICER: "funder",
    Role.CLUSTER_MANAGER: "cluster",
    Role.MEMBER: "organisation",
}
SCOPE_FIELDS = ("funder", "cluster", "organisation")
SCOPE_LABELS = {"funder": _("funder"), "cluster": _("cluster"), "organisation": _("organisation")}


class RoleAssignmentForm(forms.ModelForm):
    """Names the missing or superfluous scope field instead of a bare constraint violation."""

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "funder", "cluster", "organisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if not role:
            return data
        needed = SCOPE_FIELD.get(Role(role))
        label = Role(role).label
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


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Roles granted from the back office are audited like those granted by services."""

    form = RoleAssignmentForm
    list_display = ("user", "role", "funder", "cluster", "organisation")
    list_filter = ("role", "funder", "cluster")
    search_fields = ("user__username", "user__email", "organisation__name", "cluster__name")
    autocomplete_fields = ("user", "funder", "cluster", "organisation")
    list_select_related = ("user", "funder", "cluster", "organisation")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change and obj.pk:
                before = _assignment_snapshot(RoleAssignment.objects.get(pk=obj.pk))
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action="role.change" if change else "role.assign",
                obj=obj,
                before=before,
                after=_assignment_snapshot(obj),
                reason="back office",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action="role.revoke",
                obj=obj,
                before=_assignment_snapshot(obj),
                reason="back office",
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    action="role.revoke",
                    obj=obj,
                    before=_assignment_snapshot(obj),
                    reason="back office",
                )
            super().delete_queryset(request, queryset)
