"""Filter and search forms of the public registry pages (GET forms; bad input shows as errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from grappe.registry.models import OrganisationKind
from grappe.registry.selectors import OrganisationFilters

MAX_QUERY_LENGTH = 200


def cluster_choices(clusters: Any) -> list[tuple[str, str]]:
    return [("", _("All clusters")), *((c.slug, c.name) for c in clusters)]


class PageForm(forms.Form):
    """Base for paginated lists: `page` must be a positive whole number."""

    page = forms.IntegerField(
        label=_("Page"), required=False, min_value=1, widget=forms.HiddenInput
    )

    def page_number(self) -> int:
        data = getattr(self, "cleaned_data", {}) or {}
        return data.get("page") or 1


class OrganisationFilterForm(PageForm):
    q = forms.CharField(
        label=_("Name, acronym, keyword or city"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )
    cluster = forms.ChoiceField(label=_("Cluster"), required=False, choices=())
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *OrganisationKind.choices],
    )
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_("Two-letter ISO code, e.g. FR."),
        validators=[
            RegexValidator(
                r"^[A-Za-z]{2}$", _("Enter a two-letter ISO 3166-1 country code, e.g. FR.")
            )
        ],
    )
    paris_only = forms.BooleanField(label=_("In Paris only"), required=False)

    field_order = ["q", "cluster", "kind", "country", "paris_only", "page"]

    def __init__(self, *args: Any, clusters: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cluster"].choices = cluster_choices(clusters)  # type: ignore[attr-defined]

    def to_filters(self) -> OrganisationFilters:
        """The selector filters from the fields that validated; invalid ones are ignored."""
        data = getattr(self, "cleaned_data", {}) or {}
        return OrganisationFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            cluster=data.get("cluster") or "",
            country=(data.get("country") or "").upper(),
            paris_only=bool(data.get("paris_only")),
        )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search clusters, organisations and projects"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )
