"""Sections the grants app adds to other apps' pages: My area's grants, and the impact of the
grants on the cluster and funder pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from grappe.core.domain.roles import Action
from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.funding.models import Call, Funder
from grappe.funding.selectors import call_can_manage
from grappe.grants import selectors
from grappe.projects.models import Project
from grappe.registry.models import Cluster


@page_section("core.my_area")
def my_grants(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    """My area: the agreements the user sees (their organisation's, their funder's)."""
    if not scope.user_id:
        return {}
    agreements = list(selectors.agreements_list(scope).order_by("-created_at", "-id")[:50])
    manages = scope.can(Action.GRANT_MANAGE)
    if not agreements and not manages:
        return {}
    return {
        "my_area_grants": {
            "template": "grants/includes/my_area_grants.html",
            "agreements": agreements,
            "manages": manages,
        }
    }


@page_section("registry.cluster_detail")
def cluster_impact(request: HttpRequest, scope: Scope, *, cluster: Cluster) -> dict[str, Any]:
    return {"grant_impact": selectors.impact(selectors.impact_agreements(cluster_id=cluster.pk))}


@page_section("funding.funder_detail")
def funder_impact(request: HttpRequest, scope: Scope, *, funder: Funder) -> dict[str, Any]:
    return {"grant_impact": selectors.impact(selectors.impact_agreements(funder_id=funder.pk))}


@page_section("projects.project_detail")
def project_impact(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    return {
        "grant_impact": selectors.impact(selectors.impact_agreements(project_id=project.pk)),
        "project_grants": list(
            selectors.agreements_list(scope).filter(participation__project=project)
        ),
    }


@page_section("funding.call_detail")
def call_payment_plan_link(request: HttpRequest, scope: Scope, *, call: Call) -> dict[str, Any]:
    """On a call's page, for those who set the call up: its payment plan."""
    if not call_can_manage(scope=scope, call=call):
        return {}
    return {
        "call_links_3_grants": [
            {
                "label": _("Payment plan"),
                "url": reverse("grants:call_payments", kwargs={"slug": call.slug}),
                "testid": "call-payments",
            }
        ]
    }
