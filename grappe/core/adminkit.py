"""Back-office pages that write through the app's services (validation, scope, audit there)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from grappe.core.admin import AuditedModelAdmin
from grappe.core.concurrency import EDIT_TOKEN_FIELD, edit_token, locked_row, stale_edit


def _attnames(obj: models.Model, names: Any, exclude: tuple[str, ...]) -> list[str]:
    """Attribute names (`holder_id`) of the model fields among `names` (form-only ones left out)."""
    fields = {f.name: f.attname for f in obj._meta.concrete_fields}
    return [fields[name] for name in names if name in fields and name not in exclude]


def form_changes(form: Any, obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The model fields the form changed, by attribute name, with their new values."""
    return {a: getattr(obj, a) for a in _attnames(obj, form.changed_data, exclude)}


def form_values(form: Any, obj: models.Model, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every model field the form shows, by attribute name, with the values entered."""
    return {a: getattr(obj, a) for a in _attnames(obj, form.fields, exclude)}


def adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved `obj` the row the service saved (the admin redirects to it)."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False
    obj._state.db = saved._state.db


def _with_edit_token(form_class: type[Any], admin: EditTokenAdmin) -> type[Any]:
    """`form_class` with a hidden token of the row as the editor opened it; its `clean()`
    compares it with the row as stored, locked until the admin's transaction ends (Django runs
    each change page in one), and refuses a stale form with a form error."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        form_class.__init__(self, *args, **kwargs)
        if self.instance.pk is not None:
            self.initial[EDIT_TOKEN_FIELD] = edit_token(self.instance)

    def clean(self: Any) -> Any:
        cleaned = form_class.clean(self)
        if self.instance.pk is not None:
            locked = locked_row(type(self.instance), self.instance.pk)
            if self.data.get(self.add_prefix(EDIT_TOKEN_FIELD)) != edit_token(locked):
                raise stale_edit(locked, version=admin.edit_version(locked))
        return cleaned

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    attrs = {EDIT_TOKEN_FIELD: token, "__init__": __init__, "clean": clean}
    return type(form_class.__name__, (form_class,), attrs)


class EditTokenAdmin(AuditedModelAdmin):
    """Change pages refuse a form opened before the row's last change ("… was changed since
    you opened it"), instead of silently undoing that change."""

    def edit_version(self, obj: Any) -> int | None:
        """The version number a refusal names, for objects that have versions."""
        return None

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        (name, options), *rest = fieldsets
        first = (name, {**options, "fields": (*options["fields"], EDIT_TOKEN_FIELD)})
        return [first, *rest]

    def get_form(
        self, request: HttpRequest, obj: Any | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            return super().get_form(request, obj, change, **kwargs)
        base = kwargs.pop("form", self.form)
        return super().get_form(request, obj, change, form=_with_edit_token(base, self), **kwargs)


class ServiceModelAdmin(EditTokenAdmin):
    """Saves and deletions go through `service_create` / `service_update` / `service_delete`;
    the service validates, checks the user's scope and writes the audit event. Inline rows of
    models without a service are still audited by `AuditedModelAdmin`."""

    def service_create(self, request: HttpRequest, obj: Any, form: Any) -> models.Model:
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj: Any, form: Any) -> None:
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            self.service_update(request, obj, form)
        else:
            adopt(obj, self.service_create(request, obj, form))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.service_delete(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.service_delete(request, obj)
