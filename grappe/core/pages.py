"""Page sections: a page of a lower app shows what a higher app adds, without importing it.

The organisation and cluster pages (`registry`) list projects (`projects`, a layer above). The
registry view asks for the sections of its page; the projects app registers them when it loads
(`ProjectsConfig.ready`). Each section returns template context for the page's template:

    @page_section("registry.organisation_detail")
    def organisation_projects(request, scope, *, organisation): return {"projects": ...}

    context |= page_sections("registry.organisation_detail", request, scope, organisation=org)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from grappe.core.domain.scope import Scope

Section = Callable[..., dict[str, Any]]

_SECTIONS: dict[str, list[Section]] = {}


def page_section(page: str) -> Callable[[Section], Section]:
    """Register `section(request, scope, **objects) -> context` on the page named `page`."""

    def register(section: Section) -> Section:
        sections = _SECTIONS.setdefault(page, [])
        if section not in sections:
            sections.append(section)
        return section

    return register


def page_sections(page: str, request: HttpRequest, scope: Scope, **objects: Any) -> dict[str, Any]:
    """The context every registered section adds to `page`, in registration order."""
    context: dict[str, Any] = {}
    for section in _SECTIONS.get(page, ()):
        context.update(section(request, scope, **objects))
    return context
