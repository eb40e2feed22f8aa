"""Optimistic concurrency: an edit carries what its editor opened, never a silent overwrite.

A form (or any caller) takes the row's `edit_token` when it shows the row; the writer, holding
the row lock (`select_for_update`; on SQLite the write lock every transaction takes when it
begins, see `SQLITE_OPTIONS` in settings), compares it with the row as stored and refuses a stale
edit with `EditConflict`: "… was changed since you opened it (by USER at TIME)". Objects with
versions of their own (a call's rule set) compare the version number instead and name it.

The token is a digest of every stored column, `updated_at` included where the model has one, so
it needs no column of its own and changes with any write, whoever made it (service, import,
the workflow engine).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from grappe.core.models import AuditEvent

EDIT_TOKEN_FIELD = "edit_token"  # noqa: S105 - a form field name, not a secret


class EditConflict(ValidationError):
    """A stale edit was refused; nothing was written. `code` is "stale"."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="stale")


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value.is_finite() else str(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).isoformat()
    return value


def edit_token(obj: models.Model) -> str:
    """A digest of the row's stored values: equal tokens, unchanged row."""
    values = [[f.attname, _canonical(getattr(obj, f.attname))] for f in obj._meta.concrete_fields]
    encoded = json.dumps(values, default=str, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:32]


def locked_row(model: type[models.Model], pk: Any) -> models.Model:
    """The row, locked until the transaction ends when there is one (read as is otherwise)."""
    manager = model._default_manager
    if transaction.get_connection().in_atomic_block:
        return manager.select_for_update(of=("self",)).get(pk=pk)
    return manager.get(pk=pk)


def last_change(obj: models.Model) -> tuple[str, dt.datetime | None]:
    """Who changed `obj` last and when, from the audit log ("" and None when it has no event)."""
    event = (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("-id")
        .values("actor_name", "created_at")
        .first()
    )
    if event is None:
        return "", getattr(obj, "updated_at", None)
    return event["actor_name"], event["created_at"]


def stale_edit(obj: models.Model, *, version: int | None = None) -> EditConflict:
    """The translated refusal for an edit of `obj` opened before its last change."""
    actor, at = last_change(obj)
    params = {
        "object": str(obj),
        "version": version,
        "user": actor or _("an import or the system"),
        "time": formats.date_format(timezone.localtime(at), "DATETIME_FORMAT") if at else "?",
    }
    if version is not None:
        message = _(
            "“%(object)s” was changed since you opened it (version %(version)s is now current, "
            "by %(user)s at %(time)s). Reload the page to see it, then make your change again."
        )
    else:
        message = _(
            "“%(object)s” was changed since you opened it (by %(user)s at %(time)s). Reload "
            "the page to see it, then make your change again."
        )
    return EditConflict(message % params)


def check_unchanged(locked: models.Model, expected_token: str | None) -> None:
    """Refuse (`EditConflict`) unless the locked row still has the token the editor opened.

    `None` means the caller did not open the row in a form (an import, a command): no check."""
    if expected_token is not None and expected_token != edit_token(locked):
        raise stale_edit(locked)


class EditTokenField(forms.CharField):
    """The hidden token a form posts back; never "a change" of the form itself (a stale
    token must not make an untouched inline row look edited, and so saved)."""

    def __init__(self) -> None:
        super().__init__(required=False, widget=forms.HiddenInput)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return False


def with_edit_token(
    form_class: type[Any],
    *,
    version: Callable[[Any], int | None] = lambda obj: None,
    only_when_changed: bool = False,
) -> type[Any]:
    """`form_class` (a model form) with a hidden token of its row as the editor opened it.

    Its `clean()` compares the token with the row as stored, locked until the transaction ends
    (the admin runs each change page in one), and refuses a stale form (`stale_edit`, naming
    `version(row)` when there is one). `only_when_changed`: refuse only a form whose fields the
    editor changed (inline rows: an untouched row is not saved, so it overwrites nothing)."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        form_class.__init__(self, *args, **kwargs)
        if self.instance.pk is not None:
            self.initial[EDIT_TOKEN_FIELD] = edit_token(self.instance)

    def clean(self: Any) -> Any:
        cleaned = form_class.clean(self)
        if self.instance.pk is None or (only_when_changed and not self.has_changed()):
            return cleaned
        try:
            locked = locked_row(type(self.instance), self.instance.pk)
        except type(self.instance).DoesNotExist:
            return cleaned  # deleted meanwhile: the formset reports it
        if self.data.get(self.add_prefix(EDIT_TOKEN_FIELD)) != edit_token(locked):
            raise stale_edit(locked, version=version(locked))
        return cleaned

    attrs = {EDIT_TOKEN_FIELD: EditTokenField(), "__init__": __init__, "clean": clean}
    return type(form_class.__name__, (form_class,), attrs)
