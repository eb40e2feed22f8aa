"""The back office (/admin/) asks the role table, not Django's staff flag or model permissions.

Entering it is the action `back_office.enter`; each model's pages ask the action its
`ScopedModelAdmin` names (`back_office.administer` unless it says otherwise), for the model as a
whole (index, changelist, the add button) and for each object, and its lists show only the rows
within the user's reach. Django's own models (users, groups, task results) keep Django's
permissions, which only superusers hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from grappe.core.concurrency import EDIT_TOKEN_FIELD, with_edit_token
from grappe.core.domain.roles import Action, Relation, Target
from grappe.core.forms import CleanTextMixin, with_clean_text
from grappe.core.scopes import field_in, reach_q, scope_for


def target_of(obj: Model, links: Mapping[Relation, str]) -> Target:
    """The role table's facts about `obj`: for each relation, the id in the named field."""
    return Target(
        links={rel: frozenset({getattr(obj, name)}) - {None} for rel, name in links.items()}
    )


class BackOfficeLoginForm(CleanTextMixin, AdminAuthenticationForm):
    def confirm_login_allowed(self, user: User) -> None:
        # AuthenticationForm's check (an active account), then the role table instead of
        # AdminAuthenticationForm's is_staff check.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not scope_for(user).can(Action.BACK_OFFICE_ENTER):
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class CleanTextAdminMixin:
    """Every form of a model admin, of its inlines and of its list refuses control characters
    (`core/forms.py`)."""

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        return with_clean_text(super().get_form(request, obj, **kwargs))  # type: ignore[misc]

    def get_formsets_with_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        for formset, inline in super().get_formsets_with_inlines(request, obj):  # type: ignore[misc]
            formset.form = with_clean_text(formset.form)
            yield formset, inline

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> Any:
        return with_clean_text(super().get_changelist_form(request, **kwargs))  # type: ignore[misc]


class BackOfficeSite(admin.AdminSite):
    login_form = BackOfficeLoginForm

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every model admin, Grappe's and other apps', gets `CleanTextAdminMixin`."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CleanTextAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (CleanTextAdminMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active) and scope_for(user).can(Action.BACK_OFFICE_ENTER)


# Django's admin and form classes take no type arguments at run time (django-stubs gives them
# one for the model): the subscripted bases exist for the type checker only.
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]  # a base for every model: subclasses narrow `obj`
    _InlineModelAdmin = admin.options.InlineModelAdmin[Any, Any]
    _TabularInline = admin.TabularInline[Any, Any]
else:
    _ModelAdmin = admin.ModelAdmin
    _InlineModelAdmin = admin.options.InlineModelAdmin
    _TabularInline = admin.TabularInline


class ScopedModelAdmin(_ModelAdmin):
    """A model admin whose permissions come from the role table.

    `role_action` gives view, add, change and delete (a subclass may still refuse some, e.g. for
    read-only records); `role_delete_action` overrides it for deletion. `role_links` maps each
    relation the table may grant for the action to the model field holding the related id
    (`{Relation.OWN_FUNDER: "funder_id"}`): lists are filtered by it and objects checked.
    """

    role_action: Action = Action.BACK_OFFICE_ADMINISTER
    role_delete_action: Action | None = None
    role_links: Mapping[Relation, str] = {}

    def role_target(self, obj: Model) -> Target:
        return target_of(obj, self.role_links)

    def role_may(self, request: HttpRequest, action: Action, obj: Model | None = None) -> bool:
        target = None if obj is None else self.role_target(obj)
        return scope_for(request.user).can(action, target)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.role_may(request, self.role_action)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_may(request, self.role_action, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.role_may(request, self.role_action)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_may(request, self.role_action, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.role_may(request, self.role_delete_action or self.role_action, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        relations = {rel: field_in(name) for rel, name in self.role_links.items()}
        scope = scope_for(request.user)
        return super().get_queryset(request).filter(reach_q(scope, self.role_action, relations))


class ReadOnlyScopedAdmin(ScopedModelAdmin):
    """A model the back office only reads (written by its services alone: submissions,
    invitations, proposal documents, the search vocabulary)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or [f.name for f in self.model._meta.concrete_fields]


class ScopedInline(_InlineModelAdmin):
    """An inline whose permissions are its parent's (`role_action` on the parent object)."""

    role_action: Action = Action.BACK_OFFICE_ADMINISTER
    role_links: Mapping[Relation, str] = {}  # fields of the parent object

    def _may(self, request: HttpRequest, obj: Model | None) -> bool:
        target = None if obj is None else target_of(obj, self.role_links)
        return scope_for(request.user).can(self.role_action, target)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    # Rows of a page opened before they changed are refused when edited, not saved over the
    # change (`grappe.core.concurrency`); rows the editor did not touch are not saved at all.
    def _guarded(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if not self._guarded(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": (*options["fields"], EDIT_TOKEN_FIELD)}), *rest]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if self._guarded(request, obj):
            base = kwargs.pop("form", self.form)
            kwargs["form"] = with_edit_token(base, only_when_changed=True)
        return super().get_formset(request, obj, **kwargs)


class ScopedTabularInline(ScopedInline, _TabularInline):
    pass
