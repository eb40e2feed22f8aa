"""The programme officers' call forms: a new call, its dates and envelope, and the structured
rule-set editor built from `funding/domain/ruleset_fields.py` (one field per editable value)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.concurrency import EditTokenField, edit_token
from grappe.core.forms import CleanTextMixin, guard_text_fields
from grappe.funding.domain import ruleset_fields as spec
from grappe.funding.domain.evaluation import (
    TIE_BREAK_CRITERION_LABEL,
    TIE_BREAK_LABELS,
    TIE_CRITERION,
    EvaluationSetup,
)
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


EVALUATION_ROWS = 6  # criterion rows on the form (blank ones are ignored); at most 10 in data
TIE_SLOTS = 5


class EvaluationForm(CleanTextMixin, forms.Form):
    """The call's evaluation criteria (rows of code, names, weight, threshold), the overall
    threshold, evaluators per application and the tie-break rules in order; validated by
    `funding/domain/evaluation.py` through `call_evaluation_update`."""

    overall_threshold = forms.DecimalField(
        label=_("Overall threshold"),
        min_value=Decimal(0),
        max_digits=5,
        decimal_places=1,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
    )
    evaluators = forms.IntegerField(
        label=_("Evaluators per application"), min_value=1, max_value=10
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, *, setup: EvaluationSetup, **kwargs: Any) -> None:
        initial: dict[str, Any] = {
            "overall_threshold": setup.overall_threshold,
            "evaluators": setup.evaluators_per_application,
            "expected_version": setup.version,
        }
        for i, c in enumerate(setup.criteria, start=1):
            initial.update(
                {
                    f"c{i}_code": c.code,
                    f"c{i}_name_en": c.name_en,
                    f"c{i}_name_fr": c.name_fr,
                    f"c{i}_weight": c.weight,
                    f"c{i}_threshold": c.threshold,
                }
            )
        for i, rule in enumerate(setup.tie_breaks, start=1):
            initial[f"tie_{i}"] = rule
        super().__init__(data, initial=initial, **kwargs)
        rows = max(EVALUATION_ROWS, len(setup.criteria) + 1)
        self.rows = rows
        for i in range(1, rows + 1):
            self.fields[f"c{i}_code"] = forms.CharField(
                label=_("Code"), required=False, max_length=40
            )
            self.fields[f"c{i}_name_en"] = forms.CharField(
                label=_("Name (English)"), required=False, max_length=200
            )
            self.fields[f"c{i}_name_fr"] = forms.CharField(
                label=_("Name (French)"), required=False, max_length=200
            )
            self.fields[f"c{i}_weight"] = forms.DecimalField(
                label=_("Weight"),
                required=False,
                min_value=Decimal(0),
                max_digits=6,
                decimal_places=3,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
            )
            self.fields[f"c{i}_threshold"] = forms.DecimalField(
                label=_("Threshold"),
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(5),
                max_digits=3,
                decimal_places=1,
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 4}),
            )
        french = (get_language() or "en").startswith("fr")
        choices = [("", "—")] + [(rule, gettext(label)) for rule, label in TIE_BREAK_LABELS.items()]
        choices += [
            (
                TIE_CRITERION + c.code,
                gettext(TIE_BREAK_CRITERION_LABEL)
                % {"criterion": c.name_fr if french else c.name_en},
            )
            for c in setup.criteria
        ]
        for i in range(1, TIE_SLOTS + 1):
            self.fields[f"tie_{i}"] = forms.ChoiceField(
                label=_("Tie-break %(position)s") % {"position": i},
                required=False,
                choices=choices,
            )
        self._row_of: list[int] = []
        guard_text_fields(self.fields)  # the rows were added after CleanTextMixin guarded

    def criterion_rows(self) -> list[list[Any]]:
        names = ("code", "name_en", "name_fr", "weight", "threshold")
        return [[self[f"c{i}_{n}"] for n in names] for i in range(1, self.rows + 1)]

    def tie_fields(self) -> list[Any]:
        return [self[f"tie_{i}"] for i in range(1, TIE_SLOTS + 1)]

    def evaluation_data(self) -> dict[str, Any]:
        """The set-up as data (blank rows and slots left out), for `call_evaluation_update`."""
        c = self.cleaned_data
        criteria = []
        self._row_of = []
        for i in range(1, self.rows + 1):
            values = [c.get(f"c{i}_{n}") for n in ("code", "name_en", "name_fr")]
            weight, threshold = c.get(f"c{i}_weight"), c.get(f"c{i}_threshold")
            if not any(values) and weight is None and threshold is None:
                continue
            self._row_of.append(i)
            criteria.append(
                {
                    "code": values[0] or "",
                    "name_en": values[1] or "",
                    "name_fr": values[2] or "",
                    "weight": None if weight is None else str(weight),
                    "threshold": None if threshold is None else str(threshold),
                }
            )
        ties = [c[f"tie_{i}"] for i in range(1, TIE_SLOTS + 1) if c.get(f"tie_{i}")]
        return {
            "criteria": criteria,
            "overall_threshold": str(c["overall_threshold"]),
            "evaluators_per_application": c["evaluators"],
            "tie_breaks": ties,
        }

    def add_evaluation_error(self, exc: Any) -> None:
        """The domain's refusal beside the field its path names ("criteria.2.weight")."""
        parts = str(exc.field).split(".")
        name: str | None = None
        if parts[0] == "criteria" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1]) - 1
            if 0 <= index < len(self._row_of):
                name = f"c{self._row_of[index]}_{parts[2]}"
        elif parts[0] == "overall_threshold":
            name = "overall_threshold"
        elif parts[0] == "evaluators_per_application":
            name = "evaluators"
        elif parts[0] == "tie_breaks" and len(parts) == 2 and parts[1].isdigit():
            ties = [i for i in range(1, TIE_SLOTS + 1) if self.cleaned_data.get(f"tie_{i}")]
            index = int(parts[1]) - 1
            name = f"tie_{ties[index]}" if 0 <= index < len(ties) else None
        message = str(exc.messages[0])
        if name is not None and name in self.fields:
            self.add_error(name, message)
        else:
            self.add_error(None, message)
