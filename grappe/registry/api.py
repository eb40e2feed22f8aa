"""API: clusters and organisations (read-only, scoped by `scope_for(request.user)`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.decorators import decorate_view

from grappe.core.apikit import (
    MAX_ID,
    RATE_LIMIT_ERRORS,
    SLUG,
    attribution,
    not_found,
    provenance_out,
    responses,
)
from grappe.core.lists import api_filterset, api_page
from grappe.core.pages import page_sections
from grappe.core.pagination import CursorPage, Page
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.registry.filters import ClusterFilterSet, OrganisationFilterSet
from grappe.registry.models import Cluster, Organisation
from grappe.registry.schemas import (
    ClusterDetailOut,
    ClusterListQuery,
    ClusterOut,
    OrganisationDetailOut,
    OrganisationListQuery,
    OrganisationOut,
    keyword_list,
)
from grappe.registry.selectors import (
    cluster_get,
    cluster_list,
    organisation_can_see_figures,
    organisation_detail,
    organisation_figures,
    organisation_list,
    organisation_ownership,
)

router = Router(tags=["registry"])


# Lists and details answer dicts holding only the columns they return; the schemas validate
# them once (`docs/decisions/api-rows.md`).
CLUSTER_COLUMNS = (
    "slug",
    "kind",
    "name",
    "short_name",
    "topic_en",
    "topic_fr",
    "website",
    "territory",
    "member_count",
)
ORGANISATION_COLUMNS = (
    "id",
    "name",
    "short_name",
    "kind",
    "city",
    "postcode",
    "country",
    "paris_arrondissement",
    "website",
    "keywords",
)
IDENTIFIERS = ("siren", "siret", "rnsr", "ror", "pic", "vat")
# What the detail reads of the organisation (`declared_size` reads kind, SME flag and size).
DETAIL_FIELDS = (
    *ORGANISATION_COLUMNS,
    *IDENTIFIERS,
    "description",
    "address",
    "founded_on",
    "is_jei",
    "is_demo",
    "source",
    "sme_declared",
    "size_class",
)


def _organisation_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["keywords"] = keyword_list(row["keywords"])
    return rows


@router.get(
    "/clusters",
    response=responses(CursorPage[ClusterOut], 422),
    summary="List clusters and hubs",
)
def list_clusters(request: HttpRequest, params: Query[ClusterListQuery]) -> Page[Any]:
    scope = scope_for(request.user)
    filterset = api_filterset(ClusterFilterSet, params, lambda: cluster_list(scope=scope), request)
    return api_page(filterset, params, columns=CLUSTER_COLUMNS, cache=scope)


@router.get(
    "/clusters/{slug}",
    response=responses(ClusterDetailOut, 404),
    summary="One cluster or hub",
)
def get_cluster(request: HttpRequest, slug: Path[str]) -> dict[str, Any]:
    if not SLUG.fullmatch(slug):  # e.g. a NUL byte, which PostgreSQL refuses outright
        raise not_found(_("cluster"), slug)
    try:
        cluster = cluster_get(scope=scope_for(request.user), slug=slug)
    except Cluster.DoesNotExist:
        raise not_found(_("cluster"), slug) from None
    out = {name: getattr(cluster, name) for name in CLUSTER_COLUMNS}
    out["description_en"] = cluster.description_en
    out["description_fr"] = cluster.description_fr
    out["themes"] = [{"name_en": t.name_en, "name_fr": t.name_fr} for t in cluster.themes.all()]
    return out


@router.get(
    "/organisations",
    response=responses(CursorPage[OrganisationOut], 422, RATE_LIMIT_ERRORS),
    summary="List member organisations",
)
@decorate_view(rate_limited("search", when=has_query))
def list_organisations(request: HttpRequest, params: Query[OrganisationListQuery]) -> Page[Any]:
    scope = scope_for(request.user)
    filterset = api_filterset(
        OrganisationFilterSet, params, lambda: organisation_list(scope=scope), request
    )
    return api_page(
        filterset, params, columns=ORGANISATION_COLUMNS, shape=_organisation_rows, cache=scope
    )


@router.get(
    "/organisations/{id}",
    response=responses(OrganisationDetailOut, 404, 422),
    summary="One organisation; yearly figures and ownership only for those allowed",
)
def get_organisation(request: HttpRequest, id: Path[int]) -> dict[str, Any]:
    scope = scope_for(request.user)
    if not 1 <= id <= MAX_ID:
        raise not_found(_("organisation"), id)
    try:
        organisation, memberships = organisation_detail(scope=scope, pk=id, fields=DETAIL_FIELDS)
    except Organisation.DoesNotExist:
        raise not_found(_("organisation"), id) from None
    out = {name: getattr(organisation, name) for name in ORGANISATION_COLUMNS}
    out |= {
        "keywords": keyword_list(organisation.keywords),
        "description": organisation.description,
        "address": organisation.address,
        "founded_on": organisation.founded_on,
        "is_jei": organisation.is_jei,
        "is_demo": organisation.is_demo,
        "declared_size": organisation.declared_size,
        "source": organisation.source,
        "attribution": attribution(organisation.source),
        # provenance: `interop/pages.py`
        "provenance": provenance_out(
            page_sections("api.organisation_detail", request, scope, organisation=organisation).get(
                "provenance", []
            )
        ),
        "identifiers": {name: getattr(organisation, name) for name in IDENTIFIERS},
        "memberships": [
            {
                "cluster": {"slug": m["cluster__slug"], "name": m["cluster__name"]},
                "start_date": m["start_date"],
                "end_date": m["end_date"],
            }
            for m in memberships
        ],
        # Confidential: never read from the model unless the selector allows it.
        "figures": None,
        "ownership": None,
    }
    if organisation_can_see_figures(scope=scope, organisation=organisation):
        out["figures"] = list(
            organisation_figures(scope=scope, organisation=organisation).values(
                "year", "staff_awu", "turnover", "balance_sheet"
            )
        )
        out["ownership"] = [
            {
                "holder": {"id": o.holder_id, "name": o.holder.name},
                "held": {"id": o.held_id, "name": o.held.name},
                "holder_category": o.holder_category,
                "capital_share": o.capital_share,
                "voting_share": o.voting_share,
                "dominant_influence": o.dominant_influence,
            }
            for o in organisation_ownership(scope=scope, organisation=organisation)
        ]
    return out
