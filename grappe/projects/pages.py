"""The project sections of the registry's pages (cluster, organisation, search), registered on
`core/pages.py` when the app loads: registry shows projects without importing this app."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from grappe.core.domain.scope import Scope
from grappe.core.lists import html_page
from grappe.core.pages import page_section
from grappe.projects import selectors
from grappe.projects.models import ParticipantRole
from grappe.registry.models import Cluster, Organisation

SEARCH_PREVIEW = 10


def _funding_pivot(totals: list[selectors.FundingTotal]) -> dict[str, Any]:
    """Aid granted by year (rows, newest first) and funder (columns), with all the totals.

    Years are rows because they grow over time while funders stay few: the table stays narrow.
    """
    zero = Decimal("0")
    funders = sorted({t.funder for t in totals})
    by_year: dict[int, dict[str, Decimal]] = {}
    for t in totals:
        cells = by_year.setdefault(t.year, {})
        cells[t.funder] = cells.get(t.funder, zero) + t.granted
    years = sorted(by_year, key=lambda y: (y is None, -(y or 0)))
    return {
        "funders": funders,
        "rows": [
            {
                "year": year,
                "cells": [by_year[year].get(f) for f in funders],
                "total": sum(by_year[year].values(), zero),
            }
            for year in years
        ],
        "funder_totals": [
            sum((cells.get(f, zero) for cells in by_year.values()), zero) for f in funders
        ],
        "grand_total": sum((t.granted for t in totals), zero),
    }


@page_section("registry.cluster_detail")
def cluster_projects(request: HttpRequest, scope: Scope, *, cluster: Cluster) -> dict[str, Any]:
    """The cluster's accredited projects (one page) and the aid they received by year and funder."""
    projects = selectors.cluster_projects(scope=scope, cluster=cluster)
    return {
        "projects": html_page(selectors.projects_with_listing_details(projects), request),
        "project_total": projects.count(),
        "funding": _funding_pivot(selectors.cluster_funding_totals(scope=scope, cluster=cluster)),
    }


@page_section("registry.organisation_detail")
def organisation_projects(
    request: HttpRequest, scope: Scope, *, organisation: Organisation
) -> dict[str, Any]:
    """The projects the organisation takes part in (one page)."""
    projects = selectors.organisation_projects(scope=scope, organisation_id=organisation.pk)
    return {
        "projects": html_page(selectors.projects_with_listing_details(projects), request),
        "project_total": projects.count(),
        "participation_money": _participation_money(
            selectors.organisation_participation_money(scope=scope, organisation_id=organisation.pk)
        ),
    }


def _participation_money(money: selectors.OrganisationMoney) -> dict[str, Any]:
    """The organisation's published money per project (newest first), Decimal totals over all."""
    roles = dict(ParticipantRole.choices)
    return {
        "rows": [{**asdict(r), "role_label": roles.get(r.role, r.role)} for r in money.rows],
        "count": money.count,
        "eu_contribution": money.eu_contribution,
        "net_eu_contribution": money.net_eu_contribution,
        "total_cost": money.total_cost,
    }


@page_section("registry.search")
def project_search(request: HttpRequest, scope: Scope, *, q: str) -> dict[str, Any]:
    """The first matching projects and how many match."""
    projects = selectors.project_search(scope=scope, q=q)
    count = projects.count()
    return {
        "projects": list(selectors.projects_with_listing_details(projects)[:SEARCH_PREVIEW]),
        "project_count": count,
        # a corrected query, only asked for when nothing matches
        "project_suggestion": selectors.project_suggestion(scope=scope, q=q) if not count else None,
    }
