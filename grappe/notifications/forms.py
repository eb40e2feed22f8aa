"""The e-mail preferences form: one checkbox per kind of notification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from grappe.core.forms import CleanTextMixin
from grappe.notifications.domain.kinds import KINDS


def field_name(kind_id: str) -> str:
    return "email_" + kind_id.replace(".", "__")


class PreferencesForm(CleanTextMixin, forms.Form):
    """`initial`: kind id -> whether its e-mails are sent (the user's current choice)."""

    def __init__(self, *args: Any, choices: dict[str, bool] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in KINDS.values():
            self.fields[field_name(kind.id)] = forms.BooleanField(
                label=_(kind.label),
                required=False,
                initial=(choices or {}).get(kind.id, kind.email_default),
            )

    def email_choices(self) -> dict[str, bool]:
        return {kind.id: bool(self.cleaned_data[field_name(kind.id)]) for kind in KINDS.values()}
