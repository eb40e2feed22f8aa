"""Forms of the grant pages; the services validate again (categories, dates, amounts, rights)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin
from grappe.grants.models import CostCategory, LineDecision, ReportKind

DATE = forms.DateInput(attrs={"type": "date"})
AMOUNT: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class TransitionForm(CleanTextMixin, forms.Form):
    transition = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class AmendForm(CleanTextMixin, forms.Form):
    """An amendment: the new amount (and the reason); the other terms are carried over."""

    amount = forms.DecimalField(label=_("New amount of the grant (EUR)"), **AMOUNT)
    reason = forms.CharField(label=_("Reason of the amendment"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class RequestForm(CleanTextMixin, forms.Form):
    tranche = forms.CharField(max_length=40, widget=forms.HiddenInput)


class InstallmentForm(CleanTextMixin, forms.Form):
    installment = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    transition = forms.CharField(max_length=40, widget=forms.HiddenInput)
    payment_reference = forms.CharField(label=_("Payment reference"), required=False,
                                        max_length=80)  # fmt: skip
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class StatementForm(CleanTextMixin, forms.Form):
    """A period and one line per cost category of the agreement (leave a category empty)."""

    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To"), widget=DATE)

    def __init__(self, *args: Any, categories: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(CostCategory.choices)
        self.categories = list(categories)
        for c in self.categories:
            self.fields[f"amount_{c}"] = forms.DecimalField(
                label=_("%(category)s: amount (EUR)") % {"category": labels.get(c, c)},
                required=False, **AMOUNT,
            )  # fmt: skip
            self.fields[f"description_{c}"] = forms.CharField(
                label=_("%(category)s: description") % {"category": labels.get(c, c)},
                required=False, max_length=300,
            )  # fmt: skip

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for c in self.categories:
            amount = self.cleaned_data.get(f"amount_{c}")
            if amount is not None:
                out.append({"category": c, "claimed": amount,
                            "description": self.cleaned_data.get(f"description_{c}", "")})  # fmt: skip
        return out


class DocumentForm(CleanTextMixin, forms.Form):
    statement = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("Supporting document (PDF)"))


class LineForm(CleanTextMixin, forms.Form):
    line = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in LineDecision.choices if c[0] != LineDecision.PENDING],
    )
    accepted = forms.DecimalField(label=_("Accepted amount (EUR)"), required=False, **AMOUNT)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class StatementReviewForm(CleanTextMixin, forms.Form):
    statement = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ReportForm(CleanTextMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    jobs_fte = forms.DecimalField(label=_("Jobs created (FTE)"), max_digits=8, decimal_places=2,
                                  min_value=0)  # fmt: skip
    patents = forms.IntegerField(label=_("Patents filed"), min_value=0, initial=0)
    products = forms.IntegerField(label=_("Products or services launched"), min_value=0,
                                  initial=0)  # fmt: skip
    revenue = forms.DecimalField(label=_("Revenue from the results (EUR)"), initial=0, **AMOUNT)
    follow_on_private = forms.DecimalField(label=_("Follow-on funding, private (EUR)"),
                                           initial=0, **AMOUNT)  # fmt: skip
    follow_on_public = forms.DecimalField(label=_("Follow-on funding, public (EUR)"),
                                          initial=0, **AMOUNT)  # fmt: skip
    follow_on_source = forms.CharField(label=_("Source of the follow-on funding"),
                                       required=False, max_length=300)  # fmt: skip
    publications = forms.IntegerField(label=_("Publications"), min_value=0, initial=0)


class ReportTransitionForm(CleanTextMixin, forms.Form):
    report = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    transition = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class DraftForm(CleanTextMixin, forms.Form):
    """Draft the agreement of a granted funding line; the costs come from the partner's
    budget, the plan from the call or the funder unless a ready-made one is chosen."""

    funding_line = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    intensity = forms.DecimalField(label=_("Aid intensity (fraction, e.g. 0.45)"),
                                   max_digits=5, decimal_places=4, min_value=0, max_value=1)  # fmt: skip
    plan = forms.ChoiceField(label=_("Payment plan"), required=False)

    def __init__(self, *args: Any, plans: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = self.fields["plan"]
        assert isinstance(plan, forms.ChoiceField)
        plan.choices = [("", _("The call's or the funder's plan")), *plans]
