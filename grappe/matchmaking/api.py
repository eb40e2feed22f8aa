"""API: partner search, organisations like one, consortium completion of a project.

Suggestions rest on public projects only; a project's completion answers its insiders only (a
404 for anyone else, as if it did not exist). Bad parameters get a 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.decorators import decorate_view

from grappe.core.apikit import MAX_ID, RATE_LIMIT_ERRORS, not_found, responses
from grappe.core.lists import api_filterset
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.matchmaking import selectors
from grappe.matchmaking.filters import PartnerFilterSet
from grappe.matchmaking.schemas import PartnerListQuery, SuggestionQuery, SuggestionsOut
from grappe.matchmaking.services import partner_index_refresh_if_stale
from grappe.projects.models import Project
from grappe.projects.selectors import project_get
from grappe.registry.models import Organisation
from grappe.registry.selectors import organisation_get

router = Router(tags=["matchmaking"])


def _out(suggestions: list[selectors.Suggestion] | None) -> dict[str, Any]:
    items = [
        {
            "id": s.organisation.pk,
            "name": s.organisation.name,
            "kind": s.organisation.kind,
            "city": s.organisation.city,
            "country": s.organisation.country,
            "score": round(s.score, 6),
            "reasons": s.reasons,
        }
        for s in suggestions or []
    ]
    return {"index_ready": suggestions is not None, "count": len(items), "items": items}


@router.get(
    "/partners",
    response=responses(SuggestionsOut, 422, RATE_LIMIT_ERRORS),
    summary="Organisations ranked by fit for a free text (French or English) and filters",
)
@decorate_view(rate_limited("search", when=has_query))
def partner_search(request: HttpRequest, params: Query[PartnerListQuery]) -> dict[str, Any]:
    filterset = api_filterset(PartnerFilterSet, params, Organisation.objects.all(), request)
    partner_index_refresh_if_stale()
    suggestions = selectors.partner_search(
        scope=scope_for(request.user),
        text=str(filterset.values.get("q") or ""),
        organisations=filterset.qs if filterset.narrows() else None,
        limit=params.limit,
    )
    return _out(suggestions)


@router.get(
    "/organisations/{id}/similar",
    response=responses(SuggestionsOut, 404, 422),
    summary="Organisations like this one",
)
def organisation_similar(
    request: HttpRequest, id: Path[int], params: Query[SuggestionQuery]
) -> dict[str, Any]:
    scope = scope_for(request.user)
    try:
        if not 0 < id <= MAX_ID:
            raise Organisation.DoesNotExist
        organisation = organisation_get(scope=scope, pk=id)
    except Organisation.DoesNotExist as exc:
        raise not_found("organisation", id) from exc
    partner_index_refresh_if_stale()
    return _out(
        selectors.organisation_similar(scope=scope, organisation=organisation, limit=params.limit)
    )


@router.get(
    "/projects/{id}/partner-suggestions",
    response=responses(SuggestionsOut, 404, 422),
    summary="The next partner for a project's consortium (its insiders only)",
)
def project_partner_suggestions(
    request: HttpRequest, id: Path[int], params: Query[SuggestionQuery]
) -> dict[str, Any]:
    scope = scope_for(request.user)
    try:
        if not 0 < id <= MAX_ID:
            raise Project.DoesNotExist
        project = project_get(scope=scope, pk=id)
        partner_index_refresh_if_stale()
        suggestions = selectors.project_partner_suggestions(
            scope=scope, project=project, limit=params.limit
        )
    except Project.DoesNotExist as exc:
        raise not_found("project", id) from exc
    return _out(suggestions)
