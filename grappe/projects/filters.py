"""The project list, declared once: the page, the API and the export share this FilterSet."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import (
    IdChoiceFilter,
    IntegerFilter,
    ListFilterSet,
    SortFilter,
    flag_filter,
    search_filter,
    when_set,
)
from grappe.core.scopes import scope_for
from grappe.projects import selectors
from grappe.projects.models import Project, ProjectStatus
from grappe.registry.filters import MAX_QUERY_LENGTH, cluster_filter
from grappe.registry.models import Organisation
from grappe.registry.selectors import organisation_list


def _organisations(request: Any) -> QuerySet[Organisation]:
    return organisation_list(scope=scope_for(getattr(request, "user", None))).only("id", "name")


def project_text_filter() -> django_filters.CharFilter:
    """The project lists' `q`: the French-aware search (`selectors.project_matching`)."""
    return django_filters.CharFilter(
        label=_("Acronym, title, summary, keyword or grant number"),
        method=search_filter(selectors.project_matching),
        max_length=MAX_QUERY_LENGTH,
    )


def start_year_filter() -> IntegerFilter:
    """The year a project starts (the project lists' `year`)."""
    return IntegerFilter(
        label=_("Start year"),
        field_name="start_date",
        lookup_expr="year",
        min_value=1900,
        max_value=2100,
    )


# The project lists' orders by start date and acronym (each list may add its own).
PROJECT_ORDERS = {
    "-date": (_("Newest start first"), ("-start_date", "acronym", "id")),
    "date": (_("Oldest start first"), ("start_date", "acronym", "id")),
    "name": (_("Acronym (A to Z)"), ("acronym", "id")),
    "-name": (_("Acronym (Z to A)"), ("-acronym", "-id")),
}


class ProjectFilterSet(ListFilterSet):
    q = project_text_filter()
    cluster = cluster_filter(_("Accredited by"), selectors.project_accredited_by_q)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ProjectStatus.choices,
        empty_label=_("All statuses"),
    )
    year = start_year_filter()
    # Hidden on the page (the organisation page links here); shown above the results.
    organisation = IdChoiceFilter(
        label=_("Partner organisation"),
        queryset=_organisations,
        method=when_set(lambda org: selectors.project_with_partner_q(org.pk)),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Unknown organisation id: %(value)s.")},
    )
    paris_only = flag_filter(
        _("With a partner in Paris"), lambda _on: selectors.project_with_partner_in_paris_q()
    )
    sort = SortFilter(
        relevance=selectors.PROJECT_RELEVANCE,
        orders={
            **PROJECT_ORDERS,
            "-amount": (_("Largest EU contribution first"), ("-eu_contribution", "id")),
            "amount": (_("Smallest EU contribution first"), ("eu_contribution", "id")),
        },
        default="-date",
    )

    error_types = {
        ("cluster", "invalid_choice"): "unknown_cluster",
        ("organisation", "invalid_choice"): "unknown_organisation",
    }
    api_descriptions = {
        "q": "Search (accents, case and punctuation ignored) in acronym, title, summary, "
        "objective, keywords, topics, call and grant number; results are most relevant first "
        "unless `sort` says otherwise.",
        "cluster": "Slug of an accrediting cluster.",
        "status": "Project status.",
        "year": "Start year.",
        "organisation": "Id of an organisation in the consortium.",
        "paris_only": "Only projects with a partner located in Paris.",
        "sort": "Order: `relevance` (the default with `q`), start date (`date`, undated last), "
        "acronym (`name`), EU contribution (`amount`, none last); `-` reverses.",
    }

    class Meta:
        model = Project
        fields: list[str] = []


def _lead_cluster(project: Project) -> str:
    first = next(iter(project.ordered_accreditations), None)  # type: ignore[attr-defined]
    return first.cluster.name if first else ""


def _coordinator(project: Project) -> str:
    first = next(iter(project.coordinators), None)  # type: ignore[attr-defined]
    return first.organisation.name if first else ""


# What the CSV/XLSX export of the project list holds: the list's public columns (no budget, no
# requested aid), for the projects the user may see, read from rows prefetched by
# `selectors.projects_with_listing_details`.
PROJECT_EXPORT = (
    Column(_("Id"), lambda p: p.pk),
    Column(_("Acronym"), lambda p: p.acronym),
    Column(_("Title"), lambda p: p.title),
    Column(_("Status"), lambda p: p.get_status_display()),
    Column(_("Start date"), lambda p: p.start_date),
    Column(_("Duration (months)"), lambda p: p.duration_months),
    Column(_("EU contribution (EUR)"), lambda p: p.eu_contribution),
    Column(_("Lead cluster"), _lead_cluster),
    Column(
        _("Accrediting clusters"),
        lambda p: ", ".join(a.cluster.name for a in p.ordered_accreditations),
    ),
    Column(_("Coordinator"), _coordinator),
    Column(_("Keywords"), lambda p: p.keywords),
)
