"""Decision forms: the call's envelopes and pledges, a what-if, an approval, a decline."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin
from grappe.decisions.models import Envelope, EnvelopeKind
from grappe.decisions.selectors import PartnerLine
from grappe.funding.models import Call, Funder

PLEDGE_ROWS = 3


def _money_field(label: Any, *, required: bool = True, initial: Any = None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        initial=initial,
        localize=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class FundingForm(CleanTextMixin, forms.Form):
    """The call funder's envelope, up to three co-funders' pledges, the minimum viable share."""

    envelope = _money_field(_("Envelope of the call's funder (EUR)"))
    minimum_share = forms.DecimalField(
        label=_("Minimum viable share of a request"),
        max_digits=5,
        decimal_places=4,
        help_text=_("Below this share of what it asks, a project cannot go ahead (0 to 1)."),
        widget=forms.NumberInput(attrs={"step": "0.05"}),
    )
    reason = forms.CharField(label=_("Reason (kept in the log)"), required=False, max_length=500)

    def __init__(self, *args: Any, call: Call, envelopes: Sequence[Envelope], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.call = call
        funders = Funder.objects.exclude(pk=call.funder_id).order_by("name_en")
        pledges = [e for e in envelopes if e.kind == EnvelopeKind.PLEDGE]
        own = next((e for e in envelopes if e.kind == EnvelopeKind.ENVELOPE), None)
        self.fields["envelope"].initial = own.amount if own else call.envelope
        for i in range(1, PLEDGE_ROWS + 1):
            current = pledges[i - 1] if i <= len(pledges) else None
            self.fields[f"pledge_funder_{i}"] = forms.ModelChoiceField(
                queryset=funders,
                required=False,
                label=_("Co-funder %(n)s") % {"n": i},
                initial=current.funder_id if current else None,
            )
            self.fields[f"pledge_amount_{i}"] = _money_field(
                _("Pledge %(n)s (EUR)") % {"n": i},
                required=False,
                initial=current.amount if current else None,
            )
            minimum = _money_field(
                _("Least per funded project (EUR)"),
                required=False,
                initial=current.minimum_per_project if current else None,
            )
            minimum.help_text = _(
                "Optional: what this co-funder commits to each project funded, or all a "
                "project asks when it asks less."
            )
            self.fields[f"pledge_minimum_{i}"] = minimum

    def pledge_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"pledge_funder_{i}"], self[f"pledge_amount_{i}"], self[f"pledge_minimum_{i}"]]
            for i in range(1, PLEDGE_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(1, PLEDGE_ROWS + 1):
            funder, amount = data.get(f"pledge_funder_{i}"), data.get(f"pledge_amount_{i}")
            if funder is not None and amount is None and not self.has_error(f"pledge_amount_{i}"):
                self.add_error(f"pledge_amount_{i}", _("Enter the amount this funder pledges."))
            if funder is None and amount is not None:
                self.add_error(f"pledge_funder_{i}", _("Choose the funder of this pledge."))
        return data

    def pledges(self) -> tuple[list[tuple[Funder, Decimal, Decimal]], list[int]]:
        """The pledges (funder, amount, least per funded project) and, for each, its row."""
        pledges, rows = [], []
        for i in range(1, PLEDGE_ROWS + 1):
            funder = self.cleaned_data.get(f"pledge_funder_{i}")
            amount = self.cleaned_data.get(f"pledge_amount_{i}")
            minimum = self.cleaned_data.get(f"pledge_minimum_{i}") or Decimal(0)
            if funder is not None and amount is not None:
                pledges.append((funder, amount, minimum))
                rows.append(i)
        return pledges, rows

    def add_service_errors(self, exc: ValidationError, pledge_rows: Sequence[int]) -> None:
        for key, messages in exc.message_dict.items():
            field: str | None = key
            parts = key.split(".")
            if parts[0] == "pledges" and len(parts) > 1 and parts[1].isdigit():
                row = pledge_rows[int(parts[1])]
                field = f"pledge_minimum_{row}" if len(parts) > 2 else f"pledge_amount_{row}"
            elif key not in self.fields:
                field = None
            for message in messages:
                self.add_error(field, message)


class WhatIfForm(CleanTextMixin, forms.Form):
    envelope_if = forms.DecimalField(
        label=_("Envelope if it were (EUR)"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "1000", "inputmode": "decimal"}),
    )


def amount_field_name(participation_id: int, funder_id: int) -> str:
    return f"amount_{participation_id}_{funder_id}"


class ApproveForm(CleanTextMixin, forms.Form):
    """One amount per partner and funder of the call, each capped by the partner's maximum."""

    reference = forms.CharField(label=_("Decision reference"), required=False, max_length=60)
    decided_on = forms.DateField(
        label=_("Decision date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Remarks for the consortium"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        partners: Sequence[PartnerLine],
        envelopes: Sequence[Envelope],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.grid: list[tuple[PartnerLine, list[forms.BoundField]]] = []
        self.keys: dict[str, tuple[int, int]] = {}
        for p in partners:
            bound = []
            for env in envelopes:
                name = amount_field_name(p.participation.pk, env.funder_id)
                initial = p.requested.get(env.funder_id)
                if initial is not None:
                    initial = min(initial, p.cap)
                self.fields[name] = _money_field(
                    f"{p.name} — {env.funder.name}", required=False, initial=initial
                )
                self.keys[name] = (p.participation.pk, env.funder_id)
                bound.append(self[name])
            self.grid.append((p, bound))

    def amounts(self) -> dict[tuple[int, int], Decimal]:
        return {
            key: self.cleaned_data[name]
            for name, key in self.keys.items()
            if self.cleaned_data.get(name) is not None
        }

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            field = key if key in self.fields else None
            for message in messages:
                self.add_error(field, message)


class DeclineForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the consortium)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reference = forms.CharField(label=_("Decision reference"), required=False, max_length=60)


class ReverseForm(CleanTextMixin, forms.Form):
    """Reverse part of an approved amount (a partner leaves, a cost is dropped)."""

    line = forms.ChoiceField(label=_("Partner and funder"))
    amount = _money_field(_("Amount to reverse (EUR)"))
    reason = forms.CharField(
        label=_("Reason (sent to the consortium)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        line = self.fields["line"]
        assert isinstance(line, forms.ChoiceField)
        line.choices = list(choices)

    def key(self) -> tuple[int, int]:
        participation, funder = self.cleaned_data["line"].split("-")
        return int(participation), int(funder)
