"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import gettext

from grappe.core.domain.scope import Scope
from grappe.core.models import Role
from grappe.core.scopes import scope_for


def role_labels(scope: Scope) -> list[str]:
    """The user's roles as display labels, derived from the scope (no extra query)."""
    labels: list[str] = []
    if scope.is_staff_wide:
        labels.append(str(Role.ADMINISTRATOR.label))
    if scope.funder_ids:
        labels.append(str(Role.PROGRAMME_OFFICER.label))
    if scope.cluster_ids:
        labels.append(str(Role.CLUSTER_MANAGER.label))
    if scope.organisation_ids:
        labels.append(str(Role.MEMBER.label))
    if scope.is_evaluator:
        labels.append(str(Role.EVALUATOR.label))
    return labels or [gettext("Registered user")]


def site(request: HttpRequest) -> dict[str, Any]:
    scope = scope_for(getattr(request, "user", None))
    path = request.get_full_path()

    # Callables: templates call them lazily, so a page pays only for what it shows.
    def language_urls() -> dict[str, str]:
        return {code: translate_url(path, code) for code in ("en", "fr")}

    return {
        "scope": scope,
        "language_urls": language_urls,
        "role_labels": lambda: role_labels(scope),
    }
