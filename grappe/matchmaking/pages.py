"""Matchmaking sections of lower apps' pages, registered on `core/pages.py` when the app loads:
"Organisations like this one" on the organisation page, consortium completion on the project
page (its insiders only). The pages include the section's template named in the context."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.matchmaking import selectors
from grappe.matchmaking.services import partner_index_refresh_if_stale
from grappe.projects.models import Project
from grappe.projects.selectors import project_is_insider
from grappe.registry.models import Organisation


@page_section("registry.organisation_detail")
def organisation_similar(
    request: HttpRequest, scope: Scope, *, organisation: Organisation
) -> dict[str, Any]:
    partner_index_refresh_if_stale()
    return {
        "matchmaking_similar": selectors.organisation_similar(
            scope=scope, organisation=organisation
        ),
        "matchmaking_similar_template": "matchmaking/similar_section.html",
    }


@page_section("projects.project_detail")
def project_completion(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    if not project_is_insider(scope=scope, project=project):
        return {}
    partner_index_refresh_if_stale()
    return {
        "matchmaking_completion": selectors.project_partner_suggestions(
            scope=scope, project=project
        ),
        "matchmaking_completion_template": "matchmaking/completion_section.html",
        "matchmaking_may_invite": selectors.project_may_invite(scope=scope, project=project),
    }
