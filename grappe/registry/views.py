"""Public registry pages (thin: parse → selector → template)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from grappe.core.lists import list_response
from grappe.core.pages import page_sections
from grappe.core.scopes import scope_for
from grappe.registry import selectors
from grappe.registry.filters import ORGANISATION_EXPORT, OrganisationFilterSet
from grappe.registry.forms import SearchForm
from grappe.registry.models import (
    Cluster,
    ClusterKind,
    Organisation,
    OrganisationKind,
)

SEARCH_PREVIEW = 10


def _kind_groups(organisations: Iterable[Organisation]) -> list[tuple[str, list[Organisation]]]:
    """Group organisations by type, in the order the types are declared."""
    groups: OrderedDict[str, list[Organisation]] = OrderedDict(
        (value, []) for value in OrganisationKind.values
    )
    for organisation in organisations:
        groups.setdefault(organisation.kind, []).append(organisation)
    labels = dict(OrganisationKind.choices)
    return [(str(labels.get(kind, kind)), orgs) for kind, orgs in groups.items() if orgs]


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
    members = list(selectors.cluster_members(scope=scope, cluster=cluster))
    return render(
        request,
        "registry/cluster_detail.html",
        {
            "cluster": cluster,
            "member_groups": _kind_groups(members),
            "member_total": len(members),
            "can_manage": scope.can_manage_cluster(cluster.pk),
            # projects, project_total, funding: `projects/pages.py`
            **page_sections("registry.cluster_detail", request, scope, cluster=cluster),
        },
    )


def organisation_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope = scope_for(request.user)
    return list_response(
        request,
        OrganisationFilterSet,
        selectors.organisation_list(scope=scope),
        template="registry/organisation_list.html",
        filename="organisations",
        columns=ORGANISATION_EXPORT,
        prepare=selectors.organisations_with_current_clusters,
    )


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        organisation = selectors.organisation_get(scope=scope, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404(_("No organisation with this address.")) from exc
    can_see_figures = selectors.organisation_can_see_figures(scope=scope, organisation=organisation)
    context: dict[str, Any] = {
        "organisation": organisation,
        "memberships": organisation.memberships.all(),
        "can_see_figures": can_see_figures,
        # projects, project_total: `projects/pages.py`
        **page_sections("registry.organisation_detail", request, scope, organisation=organisation),
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
        organisations = selectors.organisation_search(scope=scope, q=q)
        context.update(
            query=q,
            clusters=list(selectors.cluster_search(scope=scope, q=q)),
            organisations=list(
                selectors.organisations_with_current_clusters(organisations)[:SEARCH_PREVIEW]
            ),
            organisation_count=organisations.count(),
        )
        # projects, project_count: `projects/pages.py`
        context.update(page_sections("registry.search", request, scope, q=q))
    return render(request, "registry/search.html", context)
