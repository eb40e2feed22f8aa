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
from grappe.projects.models import ParticipantRole, Project, ProjectStatus
from grappe.projects.services import document_max_bytes
from grappe.registry.models import Cluster, Organisation, OrganisationKind

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
    """The first matching projects and how many match (exact up to a cap, then "more than")."""
    projects, count = selectors.project_search_preview(scope=scope, q=q)
    return {
        "projects": list(selectors.projects_with_listing_details(projects)[:SEARCH_PREVIEW]),
        "project_count": count.value,
        "project_count_more": count.more,
        # a corrected query, only asked for when nothing matches
        "project_suggestion": (
            selectors.project_suggestion(scope=scope, q=q) if not count.value else None
        ),
    }


@page_section("projects.project_detail")
def proposal_panel(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """On a draft, for its consortium: the invitations, the coordinator's invitation form with
    its registry search (`?find=`), and the links to edit the description and one's budget.
    Nothing for anyone else, nor once the proposal is submitted (a fixed number of queries)."""
    if project.status != ProjectStatus.DRAFT or not selectors.project_is_insider(
        scope=scope, project=project
    ):
        return {}
    partners = list(project.participations.all())  # prefetched by `project_get`
    coordinator_ids = [p.organisation_id for p in partners if p.role == ParticipantRole.COORDINATOR]
    is_coordinator = scope.is_staff_wide or bool(scope.organisation_ids & set(coordinator_ids))
    in_consortium = {p.organisation_id for p in partners}
    find = request.GET.get("find", "")[:100] if is_coordinator else ""
    found = selectors.organisations_to_invite(scope=scope, q=find) if find else []
    return {
        "proposal": {
            "is_coordinator": is_coordinator,
            "invitations": list(selectors.proposal_invitations(scope=scope, project=project)),
            "my_partner": bool(scope.organisation_ids & in_consortium),
            "find": find,
            "found": [{"organisation": o, "in_consortium": o.pk in in_consortium} for o in found],
            "kinds": OrganisationKind.choices,
        }
    }


@page_section("projects.project_detail")
def proposal_documents_and_thread(
    request: HttpRequest, scope: Scope, *, project: Project
) -> dict[str, Any]:
    """The project's PDFs and discussion thread, for its insiders (two queries); the consortium's
    members may add to them."""
    if not selectors.project_is_insider(scope=scope, project=project):
        return {}
    partner_ids = {p.organisation_id for p in project.participations.all()}  # prefetched
    return {
        "proposal_files": {
            "documents": list(selectors.proposal_documents(scope=scope, project=project)),
            "messages": list(selectors.proposal_messages(scope=scope, project=project)),
            "may_contribute": scope.is_staff_wide or bool(scope.organisation_ids & partner_ids),
            "max_mb": document_max_bytes() // (1024 * 1024),
        }
    }
