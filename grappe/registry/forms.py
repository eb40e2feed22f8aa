"""The search form of the public registry pages (the lists' filters are in `filters.py`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import CleanTextMixin
from grappe.registry.filters import MAX_QUERY_LENGTH


class SearchForm(CleanTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Search clusters, organisations and projects"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )
