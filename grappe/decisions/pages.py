"""Sections the decisions app adds to lower apps' pages (registered in `apps.py`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.decisions.selectors import may_manage, may_view_funding
from grappe.funding.models import Call


@page_section("funding.call_detail")
def call_links(request: HttpRequest, scope: Scope, *, call: Call) -> dict[str, Any]:
    """On a call's page: its envelopes and pledges (the call's and co-funders' officers) and
    the allocation (the call funder's officers)."""
    links = []
    if may_view_funding(scope=scope, call=call):
        links.append(
            {
                "label": _("Envelopes and co-funding pledges"),
                "url": reverse("decisions:funding", kwargs={"slug": call.slug}),
                "testid": "call-funding",
            }
        )
    if may_manage(scope=scope, call=call):
        links.append(
            {
                "label": _("Allocation"),
                "url": reverse("decisions:allocation", kwargs={"slug": call.slug}),
                "testid": "call-allocation",
            }
        )
    return {"call_links_2_decisions": links} if links else {}
