"""Forms of the project pages (the list's filters are `projects/filters.py`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin, guard_text_fields
from grappe.projects.models import CostCategory, Project, ResearchCategory
from grappe.projects.services import BUDGET_LINE_MAX, PROPOSAL_DESCRIPTION
from grappe.registry.models import Organisation, OrganisationKind


class ProjectTransitionForm(CleanTextMixin, forms.Form):
    """A transition fired from the project page. The workflow checks the rest (state, role,
    conditions, whether a reason is required)."""

    transition = forms.SlugField(label=_("Transition"), max_length=60)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, strip=True)
    idempotency_key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)


SUBMISSION_SLOTS = 3  # the lead cluster and up to two more


class ProjectSubmitForm(CleanTextMixin, forms.Form):
    """Submission for accreditation: the lead cluster first, each with its fit statement."""

    def __init__(self, *args: Any, clusters: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(SUBMISSION_SLOTS):
            self.fields[f"cluster_{i}"] = forms.ModelChoiceField(
                label=_("Lead cluster") if i == 0 else _("Other cluster (optional)"),
                queryset=clusters,
                required=i == 0,
            )
            self.fields[f"statement_{i}"] = forms.CharField(
                label=_("How the project fits this cluster's themes"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        guard_text_fields(self.fields)  # the fields added here refuse control characters too

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen: set[int] = set()
        for i in range(SUBMISSION_SLOTS):
            cluster = data.get(f"cluster_{i}")
            if cluster is None:
                continue
            if cluster.pk in seen:
                self.add_error(f"cluster_{i}", _("Each cluster may be chosen only once."))
            seen.add(cluster.pk)
            if not (data.get(f"statement_{i}") or "").strip():
                self.add_error(
                    f"statement_{i}", _("Say how the project fits each chosen cluster's themes.")
                )
        return data

    def requests(self) -> list[tuple[int, str]]:
        return [
            (self.cleaned_data[f"cluster_{i}"].pk, self.cleaned_data[f"statement_{i}"])
            for i in range(SUBMISSION_SLOTS)
            if self.cleaned_data.get(f"cluster_{i}") is not None
        ]


class SubmissionWithdrawForm(CleanTextMixin, forms.Form):
    confirm = forms.BooleanField(label=_("Yes, withdraw this submission"), required=True)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, strip=True)


class ProposalForm(CleanTextMixin, forms.ModelForm):  # type: ignore[type-arg]
    """The common description of a proposal, written by its coordinator."""

    class Meta:
        model = Project
        fields: tuple[str, ...] = PROPOSAL_DESCRIPTION
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"keywords": _("Separated by commas.")}


class ProposalStartForm(ProposalForm):
    """A new proposal: its description and the organisation (among the user's) that coordinates."""

    organisation = forms.TypedChoiceField(label=_("Coordinating organisation"), coerce=int)

    class Meta(ProposalForm.Meta):
        fields = ("organisation", *ProposalForm.Meta.fields)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(o.pk, o.name) for o in organisations]


class InviteForm(CleanTextMixin, forms.Form):
    """Invite an organisation of the registry (`organisation`, from the search) or, by its
    SIREN, one that may not be in it yet (`siren`, with `name` and `kind` for a new record)."""

    organisation = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    siren = forms.CharField(label=_("SIREN"), required=False, max_length=20)
    name = forms.CharField(label=_("Name (if new)"), required=False, max_length=300)
    kind = forms.ChoiceField(
        label=_("Type (if new)"),
        required=False,
        choices=[("", "—"), *OrganisationKind.choices],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organisation") and not data.get("siren"):
            raise forms.ValidationError(
                _("Choose an organisation found by the search, or give a SIREN."),
                code="required",
            )
        return data


class InvitationAnswerForm(CleanTextMixin, forms.Form):
    transition = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            ("accept", _("Accept")),
            ("decline", _("Decline")),
            ("cancel", _("Cancel the invitation")),
        ],
    )


def budget_field_name(cost: str, research: str) -> str:
    return f"amount__{cost}__{research}"


class PartnerBudgetForm(CleanTextMixin, forms.Form):
    """One partner's budget: an amount per cost category × research category (blank = no line),
    and its latest yearly figures for the SME test (optional)."""

    year = forms.IntegerField(
        label=_("Year of the figures"), required=False, min_value=1990, max_value=2100
    )
    staff_awu = forms.DecimalField(
        label=_("Staff (annual work units)"),
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        localize=True,
    )
    turnover = forms.DecimalField(
        label=_("Turnover (EUR)"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        localize=True,
    )
    balance_sheet = forms.DecimalField(
        label=_("Balance sheet total (EUR)"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        localize=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        costs = dict(CostCategory.choices)
        research = dict(ResearchCategory.choices)
        for c in CostCategory.values:
            for r in ResearchCategory.values:
                self.fields[budget_field_name(c, r)] = forms.DecimalField(
                    label=f"{costs[c]} — {research[r]}",
                    required=False,
                    min_value=Decimal(0),
                    max_value=BUDGET_LINE_MAX,
                    max_digits=14,
                    decimal_places=2,
                    localize=True,
                    widget=forms.TextInput(
                        attrs={
                            "inputmode": "decimal",
                            "autocomplete": "off",
                            "aria-label": f"{costs[c]} — {research[r]}",
                        }
                    ),
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        figures = [data.get(f) for f in ("year", "staff_awu", "turnover", "balance_sheet")]
        if any(v is not None for v in figures) and any(v is None for v in figures):
            raise forms.ValidationError(
                _("Give the year, the staff, the turnover and the balance sheet together."),
                code="figures",
            )
        return data

    def lines(self) -> dict[tuple[str, str], Decimal]:
        return {
            (c, r): self.cleaned_data[budget_field_name(c, r)]
            for c in CostCategory.values
            for r in ResearchCategory.values
            if self.cleaned_data.get(budget_field_name(c, r)) is not None
        }

    def grid(self) -> list[dict[str, Any]]:
        """Rows (cost categories) of bound fields (research categories), for the template."""
        costs = dict(CostCategory.choices)
        return [
            {
                "label": costs[c],
                "fields": [self[budget_field_name(c, r)] for r in ResearchCategory.values],
            }
            for c in CostCategory.values
        ]
