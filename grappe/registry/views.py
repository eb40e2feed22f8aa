"""Public registry pages (thin: parse → selector → template)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from grappe.core.domain.roles import Action, Target
from grappe.core.scopes import scope_for
from grappe.projects import selectors as project_selectors
from grappe.registry import selectors
from grappe.registry.forms import OrganisationFilterForm, PageForm, SearchForm
from grappe.registry.models import (
    Cluster,
    ClusterKind,
    Organisation,
    OrganisationKind,
)

SEARCH_PREVIEW = 10


def paginate(queryset: QuerySet[Any], number: int) -> Page[Any]:
    """One page of `settings.PAGE_SIZE` rows; a number past the end gives the last page."""
    return Paginator(queryset, settings.PAGE_SIZE).get_page(number)


def _kind_groups(organisations: Iterable[Organisation]) -> list[tuple[str, list[Organisation]]]:
    """Group organisations by type, in the order the types are declared."""
    groups: OrderedDict[str, list[Organisation]] = OrderedDict(
        (value, []) for value in OrganisationKind.values
    )
    for organisation in organisations:
        groups.setdefault(organisation.kind, []).append(organisation)
    labels = dict(OrganisationKind.choices)
    return [(str(labels.get(kind, kind)), orgs) for kind, orgs in groups.items() if orgs]


def _funding_pivot(totals: list[project_selectors.FundingTotal]) -> dict[str, Any]:
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


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    clusters = list(selectors.cluster_list(scope=scope))
    groups = [
        (
            kind,
            ClusterKind(kind).label,
            [c for c in clusters if c.kind == kind],
        )
        for kind in (ClusterKind.COMPETITIVENESS_CLUSTER, ClusterKind.NETWORK)
    ]
    return render(request, "registry/home.html", {"groups": groups})


def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        cluster = selectors.cluster_get(scope=scope, slug=slug)
    except Cluster.DoesNotExist as exc:
        raise Http404(_("No cluster with this address.")) from exc
    page_form = PageForm(request.GET)
    page_form.is_valid()
    members = list(selectors.cluster_members(scope=scope, cluster=cluster))
    projects = paginate(
        project_selectors.projects_with_listing_details(
            project_selectors.cluster_projects(scope=scope, cluster=cluster)
        ),
        page_form.page_number(),
    )
    funding = _funding_pivot(project_selectors.cluster_funding_totals(scope=scope, cluster=cluster))
    return render(
        request,
        "registry/cluster_detail.html",
        {
            "cluster": cluster,
            "member_groups": _kind_groups(members),
            "member_total": len(members),
            "projects": projects,
            "funding": funding,
            "page_errors": page_form.errors.get("page"),
            "can_manage": scope.can(
                Action.CLUSTER_IMPORT_MEMBERS, Target.of(own_cluster=[cluster.pk])
            ),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = OrganisationFilterForm(request.GET, clusters=selectors.cluster_choices(scope=scope))
    form.is_valid()
    organisations = selectors.organisation_list(scope=scope, filters=form.to_filters())
    page = paginate(
        selectors.organisations_with_current_clusters(organisations), form.page_number()
    )
    return render(request, "registry/organisation_list.html", {"form": form, "page_obj": page})


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        organisation = selectors.organisation_get(scope=scope, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No organisation with this address.")) from exc
    can_see_figures = selectors.organisation_can_see_figures(scope=scope, organisation=organisation)
    projects = project_selectors.projects_with_listing_details(
        project_selectors.project_list(
            scope=scope, filters=project_selectors.ProjectFilters(organisation=organisation.pk)
        )
    )
    context: dict[str, Any] = {
        "organisation": organisation,
        "memberships": organisation.memberships.all(),
        "projects": projects,
        "can_see_figures": can_see_figures,
    }
    if can_see_figures:
        context["figures"] = selectors.organisation_figures(scope=scope, organisation=organisation)
        context["ownership"] = selectors.organisation_ownership(
            scope=scope, organisation=organisation
        )
    return render(request, "registry/organisation_detail.html", context)


def search(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"form": form, "query": ""}
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        organisations = selectors.organisation_list(
            scope=scope, filters=selectors.OrganisationFilters(q=q)
        )
        projects = project_selectors.project_list(
            scope=scope, filters=project_selectors.ProjectFilters(q=q)
        )
        context.update(
            query=q,
            clusters=list(selectors.cluster_search(scope=scope, q=q)),
            organisations=list(
                selectors.organisations_with_current_clusters(organisations)[:SEARCH_PREVIEW]
            ),
            organisation_count=organisations.count(),
            projects=list(
                project_selectors.projects_with_listing_details(projects)[:SEARCH_PREVIEW]
            ),
            project_count=projects.count(),
        )
    return render(request, "registry/search.html", context)
