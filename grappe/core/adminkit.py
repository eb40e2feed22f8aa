"""Back-office pages that write through the app's services (validation, scope, audit there)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from grappe.core.admin import AuditedModelAdmin
from grappe.core.concurrency import EDIT_TOKEN_FIELD, with_edit_token


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
        form = with_edit_token(base, version=self.edit_version)
        return super().get_form(request, obj, change, form=form, **kwargs)


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
