"""The registry's lists, declared once: the page, the API and the export share these FilterSets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import ListFilterSet, SortFilter, flag_filter, search_filter, when_set
from grappe.core.scopes import scope_for
from grappe.registry import selectors
from grappe.registry.models import Cluster, ClusterKind, Organisation, OrganisationKind

MAX_QUERY_LENGTH = 200


def _clusters(request: Any) -> QuerySet[Cluster]:
    return selectors.cluster_choices(scope=scope_for(getattr(request, "user", None)))


def cluster_filter(
    label: Any, condition: Callable[[Cluster], Any]
) -> django_filters.ModelChoiceFilter:
    """A cluster chosen by slug (a drop-down on the page); an unknown slug is an error naming it
    (the API's 422 type `unknown_cluster`)."""
    return django_filters.ModelChoiceFilter(
        label=label,
        queryset=_clusters,
        to_field_name="slug",
        method=when_set(condition),
        empty_label=_("All clusters"),
        error_messages={"invalid_choice": _("Unknown cluster slug: %(value)s.")},
    )


class ClusterFilterSet(ListFilterSet):
    """Clusters and hubs (the API list; the home page shows them all, grouped by kind)."""

    kind = django_filters.ChoiceFilter(
        label=_("Kind"),
        choices=ClusterKind.choices,
        empty_label=_("All kinds"),
    )
    sort = SortFilter(
        orders={
            "kind": (_("Kind, then display order"), ("kind", "display_order", "name", "id")),
            "name": (_("Name (A to Z)"), ("name", "id")),
            "-name": (_("Name (Z to A)"), ("-name", "-id")),
        },
        default="kind",
    )

    api_descriptions = {"kind": "Competitiveness cluster or network/hub."}

    class Meta:
        model = Cluster
        fields: list[str] = []


class OrganisationFilterSet(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Name, acronym, identifier, keyword, city or postcode"),
        method=search_filter(selectors.organisation_matching),
        max_length=MAX_QUERY_LENGTH,
    )
    cluster = cluster_filter(_("Cluster"), selectors.organisation_current_member_of_q)
    kind = django_filters.ChoiceFilter(
        label=_("Type"),
        choices=OrganisationKind.choices,
        empty_label=_("All types"),
    )
    city = django_filters.CharFilter(
        label=_("City"),
        field_name="city",
        lookup_expr="iexact",
        max_length=120,
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
    paris_only = flag_filter(_("In Paris only"), lambda _on: Q(in_paris=True))
    sort = SortFilter(
        relevance=selectors.ORGANISATION_RELEVANCE,
        orders={
            "name": (_("Name (A to Z)"), ("name", "id")),
            "-name": (_("Name (Z to A)"), ("-name", "-id")),
            "-date": (_("Founded most recently"), ("-founded_on", "id")),
            "date": (_("Founded longest ago"), ("founded_on", "id")),
        },
        default="name",
    )

    error_types = {("cluster", "invalid_choice"): "unknown_cluster"}
    api_descriptions = {
        "q": "Search (accents, case and punctuation ignored) in names, acronyms, aliases, "
        "identifiers (SIREN, SIRET, VAT, PIC, RNSR, ROR, with or without spaces), keywords, "
        "city and postcode (`75011`, `Paris 11e`); results are most relevant first unless "
        "`sort` says otherwise.",
        "cluster": "Slug of a cluster the organisation is a member of today.",
        "kind": "Organisation type.",
        "city": "City (case-insensitive).",
        "country": "ISO 3166-1 alpha-2 country code.",
        "paris_only": "Only organisations located in Paris.",
        "sort": "Order: `relevance` (the default with `q`), name, founding date (`date`, "
        "undated last); `-` reverses.",
    }

    class Meta:
        model = Organisation
        fields: list[str] = []


# What the CSV/XLSX export of the organisation list holds: public fields only (no figures, no
# ownership), read from rows prefetched by `selectors.organisations_with_current_clusters`.
ORGANISATION_EXPORT = (
    Column(_("Id"), lambda o: o.pk),
    Column(_("Name"), lambda o: o.name),
    Column(_("Short name"), lambda o: o.short_name),
    Column(_("Type"), lambda o: o.get_kind_display()),
    Column(_("City"), lambda o: o.city),
    Column(_("Postcode"), lambda o: o.postcode),
    Column(_("Country"), lambda o: o.country),
    Column(_("Paris arrondissement"), lambda o: o.paris_arrondissement),
    Column(_("Website"), lambda o: o.website),
    Column(_("Founded on"), lambda o: o.founded_on),
    Column(_("Keywords"), lambda o: o.keywords),
    Column(
        _("Clusters (current)"), lambda o: ", ".join(m.cluster.name for m in o.current_memberships)
    ),
)
