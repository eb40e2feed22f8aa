"""The partner search's filters: one FilterSet for the page and the API. The free text `q` is
not a database filter: it is the text the partner model ranks by (`selectors.partner_search`);
the other filters narrow the organisations that may be suggested."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from grappe.core.lists import ListFilterSet, SortFilter, flag_filter, when_set
from grappe.registry.filters import cluster_filter
from grappe.registry.models import DeclaredSize, Organisation, OrganisationKind
from grappe.registry.selectors import organisation_current_member_of_q

MAX_TEXT_LENGTH = 500


def _text_is_not_a_filter(queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    return queryset


class PartnerFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("What the partner should bring (French or English)"),
        method=_text_is_not_a_filter,
        max_length=MAX_TEXT_LENGTH,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=OrganisationKind.choices, empty_label=_("All types")
    )
    size = django_filters.ChoiceFilter(
        label=_("Size (as declared by the source)"),
        field_name="size_class",
        choices=DeclaredSize.choices,
        empty_label=_("All sizes"),
    )
    country = django_filters.CharFilter(
        label=_("Country"),
        method=when_set(lambda code: Q(country=code.upper())),
        max_length=2,
        help_text=_("Two-letter ISO code, e.g. FR."),
        validators=[
            RegexValidator(
                r"^[A-Za-z]{2}$", _("Enter a two-letter ISO 3166-1 country code, e.g. FR.")
            )
        ],
    )
    cluster = cluster_filter(_("Cluster"), organisation_current_member_of_q)
    paris_only = flag_filter(_("In Paris only"), lambda _on: Q(in_paris=True))
    sort = SortFilter(orders={"fit": (_("Best fit first"), ("id",))}, default="fit")

    error_types = {("cluster", "invalid_choice"): "unknown_cluster"}
    api_descriptions = {
        "q": "Free text (French or English) the suggestions are ranked by.",
        "kind": "Organisation type.",
        "size": "Size class as declared by the source (micro, sme, large).",
        "country": "ISO 3166-1 alpha-2 country code.",
        "cluster": "Slug of a cluster the organisation is a member of today.",
        "paris_only": "Only organisations located in Paris.",
        "sort": "Always best fit first.",
    }

    class Meta:
        model = Organisation
        fields: list[str] = []

    def narrows(self) -> bool:
        """Whether a filter other than the text is set (else every organisation may come)."""
        data = self.values
        return any(data.get(n) for n in ("kind", "size", "country", "cluster", "paris_only"))
