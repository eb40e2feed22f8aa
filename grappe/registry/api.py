"""API: clusters and organisations (read-only, scoped by `scope_for(request.user)`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from grappe.core.apikit import MAX_ID, SLUG, NotFoundOut, ValidationErrorOut, not_found
from grappe.core.lists import api_filterset, api_page
from grappe.core.pagination import CursorPage, Page
from grappe.core.scopes import scope_for
from grappe.registry.filters import ClusterFilterSet, OrganisationFilterSet
from grappe.registry.models import Cluster, Organisation
from grappe.registry.schemas import (
    ClusterDetailOut,
    ClusterListQuery,
    ClusterOut,
    FiguresOut,
    OrganisationDetailOut,
    OrganisationListQuery,
    OrganisationOut,
    OwnershipOut,
)
from grappe.registry.selectors import (
    cluster_get,
    cluster_list,
    organisation_can_see_figures,
    organisation_figures,
    organisation_get,
    organisation_list,
    organisation_ownership,
)

router = Router(tags=["registry"])


@router.get(
    "/clusters",
    response={200: CursorPage[ClusterOut], 422: ValidationErrorOut},
    summary="List clusters and hubs",
)
def list_clusters(request: HttpRequest, params: Query[ClusterListQuery]) -> Page[Any]:
    qs = cluster_list(scope=scope_for(request.user))
    return api_page(api_filterset(ClusterFilterSet, params, qs, request), params)


@router.get(
    "/clusters/{slug}",
    response={200: ClusterDetailOut, 404: NotFoundOut, 422: ValidationErrorOut},
    summary="One cluster or hub",
)
def get_cluster(request: HttpRequest, slug: Path[str]) -> Cluster:
    if not SLUG.fullmatch(slug):  # e.g. a NUL byte, which PostgreSQL refuses outright
        raise not_found(_("cluster"), slug)
    try:
        return cluster_get(scope=scope_for(request.user), slug=slug)
    except Cluster.DoesNotExist:
        raise not_found(_("cluster"), slug) from None


@router.get(
    "/organisations",
    response={200: CursorPage[OrganisationOut], 422: ValidationErrorOut},
    summary="List member organisations",
)
def list_organisations(request: HttpRequest, params: Query[OrganisationListQuery]) -> Page[Any]:
    qs = organisation_list(scope=scope_for(request.user))
    return api_page(api_filterset(OrganisationFilterSet, params, qs, request), params)


@router.get(
    "/organisations/{id}",
    response={200: OrganisationDetailOut, 404: NotFoundOut, 422: ValidationErrorOut},
    summary="One organisation; yearly figures and ownership only for those allowed",
)
def get_organisation(request: HttpRequest, id: Path[int]) -> OrganisationDetailOut:
    scope = scope_for(request.user)
    if not 1 <= id <= MAX_ID:
        raise not_found(_("organisation"), id)
    try:
        organisation = organisation_get(scope=scope, pk=id)
    except Organisation.DoesNotExist:
        raise not_found(_("organisation"), id) from None
    out = OrganisationDetailOut.from_orm(organisation)
    if organisation_can_see_figures(scope=scope, organisation=organisation):
        out.figures = [
            FiguresOut.from_orm(f)
            for f in organisation_figures(scope=scope, organisation=organisation)
        ]
        out.ownership = [
            OwnershipOut.from_orm(o)
            for o in organisation_ownership(scope=scope, organisation=organisation)
        ]
    return out
