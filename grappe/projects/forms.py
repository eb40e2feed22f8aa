"""Forms of the project pages (the list's filters are `projects/filters.py`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin, guard_text_fields


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
