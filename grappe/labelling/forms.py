"""Forms of the labelling pages; the services validate again (ranges, members, workflow)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin, guard_text_fields
from grappe.labelling.domain.criteria import CriteriaDefinition
from grappe.labelling.models import OUTCOME_CHOICES

NO_RULES = CriteriaDefinition(checklist=(), criteria=())


def _ids(labels: list[str]) -> list[str]:
    ids: list[str] = []
    for label in labels:
        base = (slugify(label)[:36] or "item").strip("-") or "item"
        candidate, n = base, 2
        while candidate in ids:
            candidate, n = f"{base}-{n}", n + 1
        ids.append(candidate)
    return ids


class CriteriaForm(CleanTextMixin, forms.Form):
    """A new version of the criteria, one line each: checklist items, and scored criteria as
    `label | weight | maximum score`."""

    checklist = forms.CharField(
        label=_("Checklist (one item a line)"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    criteria = forms.CharField(
        label=_("Scored criteria (one a line: label | weight | maximum score)"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_criteria(self) -> list[dict[str, Any]]:
        rows: list[tuple[str, int, int]] = []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            try:
                label, weight, top = parts[0], int(parts[1]), int(parts[2])
            except (IndexError, ValueError):
                raise forms.ValidationError(
                    _("Line %(n)s: write “label | weight | maximum score”, with whole numbers.")
                    % {"n": number}
                ) from None
            rows.append((label, weight, top))
        ids = _ids([r[0] for r in rows])
        return [
            {"id": i, "label": label, "weight": w, "max_score": m}
            for i, (label, w, m) in zip(ids, rows, strict=True)
        ]

    def definition(self) -> dict[str, Any]:
        labels = [x.strip() for x in self.cleaned_data["checklist"].splitlines() if x.strip()]
        return {
            "checklist": [
                {"id": i, "label": label} for i, label in zip(_ids(labels), labels, strict=True)
            ],
            "criteria": self.cleaned_data["criteria"],
        }


class SessionForm(CleanTextMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    meets_on = forms.DateField(
        label=_("Meeting date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    members: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Committee members"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, eligible: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = eligible


class AttachForm(CleanTextMixin, forms.Form):
    submission: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Submission"), queryset=None
    )

    def __init__(self, *args: Any, pending: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["submission"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = pending
        field.label_from_instance = lambda s: f"{s.project.acronym} — {s.project.title}"  # type: ignore[method-assign,assignment]


class DeclarationForm(CleanTextMixin, forms.Form):
    declares_interest = forms.TypedChoiceField(
        label=_("Do you, or an organisation you act for, have an interest in this project?"),
        choices=[("no", _("No interest")), ("yes", _("Yes, I have an interest"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScoreForm(CleanTextMixin, forms.Form):
    vote = forms.ChoiceField(
        label=_("Your vote"), choices=[("", "—"), *OUTCOME_CHOICES], required=False
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, rules: CriteriaDefinition = NO_RULES, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        for c in rules.criteria:
            # No bounds here: the service refuses a score out of range with its message.
            self.fields[f"score_{c.id}"] = forms.IntegerField(
                label=_("%(label)s (0 to %(max)s, weight %(weight)s)")
                % {"label": c.label, "max": c.max_score, "weight": c.weight},
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "max": c.max_score, "step": 1}),
            )
        self.order_fields([f"score_{c.id}" for c in rules.criteria] + ["vote", "comment"])
        guard_text_fields(self.fields)

    def scores(self) -> dict[str, Any]:
        return {
            c.id: self.cleaned_data.get(f"score_{c.id}")
            for c in self.rules.criteria
            if self.cleaned_data.get(f"score_{c.id}") is not None
        }


class ChecklistForm(CleanTextMixin, forms.Form):
    ticked = forms.MultipleChoiceField(
        label=_("Checklist"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, rules: CriteriaDefinition = NO_RULES, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["ticked"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(i.id, i.label) for i in rules.checklist]


class ReviewTransitionForm(CleanTextMixin, forms.Form):
    transition = forms.SlugField(max_length=60, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=[("", "—"), *OUTCOME_CHOICES], required=False
    )
    reason = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
