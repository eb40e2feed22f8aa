"""Forms of the matchmaking app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.apikit import MAX_ID
from grappe.core.forms import CleanTextMixin


class InviteForm(CleanTextMixin, forms.Form):
    """Add a suggested organisation to the consortium (from the completion section)."""

    organisation = forms.IntegerField(label=_("Organisation"), min_value=1, max_value=MAX_ID)
