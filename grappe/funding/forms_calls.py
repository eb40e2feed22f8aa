"""The programme officers' call forms: a new call, its dates and envelope, and the structured
rule-set editor built from `funding/domain/ruleset_fields.py` (one field per editable value)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.concurrency import EditTokenField, edit_token
from grappe.core.forms import CleanTextMixin
from grappe.funding.domain import ruleset_fields as spec
from grappe.funding.domain.rulesets import READY_MADE, ready_made
from grappe.funding.models import Call, Funder
from grappe.funding.services import RuleSetInvalid

# Call addresses the pages use themselves (calls/new/, calls/manage/).
RESERVED_SLUGS = frozenset({"new", "manage"})


class _FunderChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class _CallFields(CleanTextMixin, forms.Form):
    funder = _FunderChoice(label=_("Funder"), queryset=Funder.objects.none())
    title_en = forms.CharField(label=_("Title (English)"), max_length=300)
    title_fr = forms.CharField(label=_("Title (French)"), max_length=300)
    opens_on = forms.DateField(label=_("Opens on"), widget=forms.DateInput(attrs={"type": "date"}))
    closes_on = forms.DateField(
        label=_("Closes on (deadline)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    envelope = forms.DecimalField(
        label=_("Envelope (EUR)"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        localize=True,
        help_text=_("The total aid the call may give; empty when not announced."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Any = None, *, funders: QuerySet[Funder], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.fields["funder"].queryset = funders  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if isinstance(opens, dt.date) and isinstance(closes, dt.date) and closes < opens:
            self.add_error(
                "closes_on",
                _("The deadline (closes on) cannot be before the opening date (opens on)."),
            )
        return cleaned


class CallNewForm(_CallFields):
    slug = forms.SlugField(
        label=_("Address (slug)"),
        max_length=80,
        help_text=_("Letters, digits and hyphens: the call's page is /calls/<slug>/."),
    )
    source_code = forms.ChoiceField(label=_("Start from the ready-made rule set"), choices=())
    field_order = ["funder", "slug", "title_en", "title_fr", "opens_on", "closes_on", "envelope"]

    def __init__(self, data: Any = None, *, funders: QuerySet[Funder], **kwargs: Any) -> None:
        super().__init__(data, funders=funders, **kwargs)
        self.fields["source_code"].choices = [  # type: ignore[attr-defined]
            (code, gettext(ready_made(code).title)) for code in READY_MADE
        ]

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                _("“%(slug)s” is reserved for the calls pages: choose another address."),
                code="reserved",
                params={"slug": slug},
            )
        if Call.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("A call with the address “%(slug)s” already exists."),
                code="unique",
                params={"slug": slug},
            )
        return slug


class CallEditForm(_CallFields):
    edit_token = EditTokenField()

    def __init__(
        self, data: Any = None, *, funders: QuerySet[Funder], call: Call, **kwargs: Any
    ) -> None:
        initial = {
            "funder": call.funder_id,
            "title_en": call.title_en,
            "title_fr": call.title_fr,
            "opens_on": call.opens_on,
            "closes_on": call.closes_on,
            "envelope": call.envelope,
            "edit_token": edit_token(call),
        }
        super().__init__(data, funders=funders, initial=initial, **kwargs)


def _field(f: spec.Field) -> forms.Field:
    label = gettext(f.label)
    if f.kind is spec.Kind.PERCENT:
        return forms.DecimalField(
            label=label,
            required=f.required,
            min_value=Decimal(0),
            max_value=Decimal(100),
            max_digits=9,
            decimal_places=4,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
        )
    if f.kind is spec.Kind.EUR:
        return forms.DecimalField(
            label=label,
            required=f.required,
            min_value=Decimal(0),
            max_digits=14,
            decimal_places=2,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        )
    if f.kind is spec.Kind.INTEGER:
        return forms.IntegerField(
            label=label, required=f.required, min_value=f.minimum, max_value=10_000
        )
    if f.kind is spec.Kind.FLAG:
        return forms.BooleanField(label=label, required=False)
    choices = [(value, gettext(text)) for value, text in f.choices]
    if f.kind is spec.Kind.CODES:
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    if not f.required:
        choices = [("", "—"), *choices]
    return forms.ChoiceField(label=label, required=f.required, choices=choices)


class RuleSetForm(CleanTextMixin, forms.Form):
    """One field per editable value of the rule set (`ruleset_fields.FIELDS`), an
    "unconfirmed" tick beside each value and part that may be marked, the reason, and the
    version the editor opened."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, data: Any = None, *, base: dict[str, Any], version: int | None, **kwargs: Any
    ) -> None:
        super().__init__(data, initial={**spec.to_form(base), "expected_version": version})
        self.base = base
        for f in spec.FIELDS:
            self.fields[f.name] = _field(f)
        for path in spec.MARKABLE:
            self.fields[spec.mark_name(path)] = forms.BooleanField(
                label=_("unconfirmed"), required=False
            )

    def ruleset_data(self) -> dict[str, Any]:
        return spec.from_form(self.cleaned_data, self.base)

    def add_ruleset_error(self, exc: RuleSetInvalid) -> None:
        """The rule set's refusal beside the field its path names, with the field's label."""
        name = spec.path_for_error(exc.field)
        message = str(exc.messages[0])
        if name is None:
            self.add_error(None, message)
            return
        label = self.fields[name].label
        self.add_error(name, f"{label}: {message}")

    def sections(self) -> list[dict[str, Any]]:
        out = []
        for section, groups, fields in spec.sections():
            out.append(
                {
                    "key": section.key,
                    "title": gettext(section.title),
                    "groups": [
                        {"label": gettext(g.label), "mark": self[spec.mark_name(g.path)]}
                        for g in groups
                    ],
                    "fields": [
                        {
                            "field": self[f.name],
                            "mark": self[spec.mark_name(f.path)] if f.unconfirmable else None,
                        }
                        for f in fields
                    ],
                }
            )
        return out
