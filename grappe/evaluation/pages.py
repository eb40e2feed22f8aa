"""Sections the evaluation app adds to lower apps' pages (registered in `apps.py`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.evaluation.selectors import may_manage
from grappe.funding.models import Call


@page_section("funding.call_detail")
def call_links(request: HttpRequest, scope: Scope, *, call: Call) -> dict[str, Any]:
    """On a call's page, for the officers of its funder: its experts, assignments and panel."""
    if not may_manage(scope, call.funder_id):
        return {}
    return {
        "call_links_1_evaluation": [
            {
                "label": _("Experts"),
                "url": reverse("evaluation:pool", kwargs={"slug": call.funder.slug}),
                "testid": "call-experts",
            },
            {
                "label": _("Conflicts of interest and assignments"),
                "url": reverse("evaluation:assignments", kwargs={"slug": call.slug}),
                "testid": "call-assignments",
            },
            {
                "label": _("Panel"),
                "url": reverse("evaluation:panel", kwargs={"slug": call.slug}),
                "testid": "call-panel",
            },
        ]
    }
