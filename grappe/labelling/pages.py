"""The labelling section of the project page: each submission's published decision."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.labelling import selectors
from grappe.labelling.domain.workflow import OUTCOME_LABELS, Outcome
from grappe.projects.models import Project


@page_section("projects.project_detail")
def project_decisions(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """`submission_outcomes`: submission id -> the published decision shown to the consortium."""
    return {
        "submission_outcomes": {
            submission_id: {
                "code": review.outcome,
                "label": _(OUTCOME_LABELS[Outcome(review.outcome)]),
                "reasons": review.reasons,
                "conditions": review.conditions,
                "url": reverse("labelling:letter", args=[review.pk]),
            }
            for submission_id, review in selectors.published_outcomes(
                scope=scope, project=project
            ).items()
        }
    }


@page_section("core.my_area")
def my_committee_block(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    """My area: the committee tasks waiting for the user (declare, or score), if they sit on
    a committee."""
    if not scope.user_id:
        return {}
    return {
        "my_area_labelling": {
            "template": "labelling/includes/my_area_tasks.html",
            "tasks": selectors.my_committee_tasks(request.user),
        }
    }
