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
