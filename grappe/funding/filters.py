"""The list of a funder's funded projects, declared once (grappe.core.lists): the funder page,
its CSV/XLSX export and the API share this FilterSet."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from grappe.core.exports import Column
from grappe.core.lists import ListFilterSet, SortFilter
from grappe.projects.filters import (
    PROJECT_EXPORT,
    PROJECT_ORDERS,
    project_text_filter,
    start_year_filter,
)
from grappe.projects.models import Project
from grappe.projects.selectors import project_accredited_by_q
from grappe.registry.filters import cluster_filter

CENT = Decimal("0.01")


class FunderProjectFilterSet(ListFilterSet):
    q = project_text_filter()
    cluster = cluster_filter(_("Accredited by"), project_accredited_by_q)
    year = start_year_filter()
    sort = SortFilter(orders=PROJECT_ORDERS, default="-date")
    error_types = {("cluster", "invalid_choice"): "unknown_cluster"}
    api_descriptions = {
        "q": "Search in acronym, title and keywords.",
        "cluster": "Slug of an accrediting cluster.",
        "year": "Start year.",
        "sort": "Order: start date (`date`, undated last), acronym (`name`); `-` reverses.",
    }

    class Meta:
        model = Project
        fields: list[str] = []


# The project list's public columns, and what this funder granted each project.
FUNDER_PROJECT_EXPORT = (
    *PROJECT_EXPORT,
    Column(
        _("Granted by this funder (EUR)"),
        lambda p: None if p.funder_granted is None else p.funder_granted.quantize(CENT),
    ),
)
