"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import gettext

from grappe.core.domain.roles import ASSIGNABLE_ROLES, ROLES, Action
from grappe.core.domain.scope import Scope
from grappe.core.scopes import scope_for


def role_labels(scope: Scope) -> list[str]:
    """The user's roles as display labels, in the role table's order (no extra query)."""
    labels = [gettext(ROLES[role].label) for role in ASSIGNABLE_ROLES if role in scope.roles]
    return labels or [gettext("Registered user")]


def abilities(scope: Scope) -> dict[str, bool]:
    """`may.<action>` for templates: may the user do the action to at least one object?
    Keys are the action names in lower case (`may.open_data_import`)."""
    return {action.name.lower(): scope.can(action) for action in Action}


# The main navigation's section of a page, by the namespace of its route (the funding loop's
# apps) or, for the routes without one, by its name. Decisions and applications belong to their
# call; a page of no section highlights nothing.
NAV_BY_NAMESPACE = {
    "labelling": "labelling",
    "interop": "imports",
    "evaluation": "evaluation",
    "grants": "grants",
    "decisions": "calls",
    "notifications": "notifications",
}
NAV_BY_NAME = {
    "home": "clusters",
    "cluster_detail": "clusters",
    "review_list": "review",
    "partner_search": "partners",
    "project_partner_invite": "projects",
    "search": "search",
    "my_area": "my_area",
}


def nav_section(namespace: str, url_name: str) -> str:
    """The section of the main navigation that a page (its route's namespace and name) is in."""
    if namespace:
        return NAV_BY_NAMESPACE.get(namespace.split(":")[0], "")
    if url_name in NAV_BY_NAME:
        return NAV_BY_NAME[url_name]
    if "organisation" in url_name:
        return "organisations"
    if "project" in url_name:
        return "projects"
    if url_name.startswith(("call_", "application_")):
        return "calls"
    return ""


def site(request: HttpRequest) -> dict[str, Any]:
    scope = scope_for(getattr(request, "user", None))
    path = request.get_full_path()

    # Callables: templates call them lazily, so a page pays only for what it shows.
    def language_urls() -> dict[str, str]:
        return {code: translate_url(path, code) for code in ("en", "fr")}

    match = getattr(request, "resolver_match", None)
    return {
        "nav_section": nav_section(match.namespace, match.url_name or "") if match else "",
        "scope": scope,
        "language_urls": language_urls,
        "role_labels": lambda: role_labels(scope),
        "may": lambda: abilities(scope),
        "password_reset_enabled": settings.PASSWORD_RESET_ENABLED,
    }
