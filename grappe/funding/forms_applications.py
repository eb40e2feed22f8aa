"""The application forms: the draft (statement and aid requested per partner), the screening
override, a transition's reason. Thin: the amounts are checked by
`funding.services.application_update` against the rules engine, which names each bad field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.concurrency import EditTokenField
from grappe.core.forms import CleanTextMixin, guard_text_fields
from grappe.funding.services import STATEMENT_MAX, requested_field
from grappe.projects.models import Participation


class ApplicationDraftForm(CleanTextMixin, forms.Form):
    """The statement and one amount per partner (`requested_<participation id>`, EUR)."""

    statement = forms.CharField(
        label=_("Statement"),
        required=False,
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Why this call, the expected impact, what the aid will pay for."),
    )
    edit_token = EditTokenField()

    def __init__(
        self,
        *args: Any,
        participations: Iterable[Participation] = (),
        maxima: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.partner_fields: list[str] = []
        for part in participations:
            name = requested_field(part.pk)
            org = part.organisation
            self.fields[name] = forms.CharField(
                label=_("Aid requested by %(partner)s (EUR)")
                % {"partner": org.short_name or org.name},
                required=False,
                max_length=30,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                help_text=(maxima or {}).get(part.pk, ""),
            )
            self.partner_fields.append(name)
        guard_text_fields(self.fields)  # the partners' fields, added after the mixin's pass

    def requested(self) -> dict[int, str]:
        return {
            int(name.removeprefix("requested_")): self.cleaned_data.get(name) or ""
            for name in self.partner_fields
        }


class OverrideForm(CleanTextMixin, forms.Form):
    rule = forms.CharField(max_length=60, widget=forms.HiddenInput)
    justification = forms.CharField(
        label=_("Justification"),
        required=False,
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TransitionForm(CleanTextMixin, forms.Form):
    transition = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ApplyForm(CleanTextMixin, forms.Form):
    project = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
