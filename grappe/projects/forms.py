"""Forms of the project pages (the list's filters are `projects/filters.py`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin


class ProjectTransitionForm(CleanTextMixin, forms.Form):
    """A transition fired from the project page. The workflow checks the rest (state, role,
    conditions, whether a reason is required)."""

    transition = forms.SlugField(label=_("Transition"), max_length=60)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, strip=True)
    idempotency_key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
