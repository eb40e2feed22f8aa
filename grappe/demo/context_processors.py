"""Template context for the demo banner (`base.html` shows it while any demo data is loaded)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grappe.projects.models import Project
from grappe.registry.models import Organisation


def demo_data_present() -> bool:
    """True when any organisation or project is flagged as demo data."""
    return (
        Organisation.objects.filter(is_demo=True).exists()
        or Project.objects.filter(is_demo=True).exists()
    )


def demo_banner(request: HttpRequest) -> dict[str, Any]:
    memo: dict[str, bool] = {}

    # A callable: templates call it lazily, so a page without the banner pays no query.
    def has_demo_data() -> bool:
        if "demo" not in memo:
            memo["demo"] = demo_data_present()
        return memo["demo"]

    return {"has_demo_data": has_demo_data}
