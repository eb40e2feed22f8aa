"""The attestation links of the project page (`projects.project_detail`), registered on
`core/pages.py` when the app loads: the projects app shows them without importing this one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from grappe.attestations import selectors, services
from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.projects.models import Project


@page_section("projects.project_detail")
def project_attestations(request: HttpRequest, scope: Scope, *, project: Project) -> dict[str, Any]:
    """For each accreditation: its attestation's address, or whether the user may issue it
    (one query; the accreditations are the ones the project page already loaded)."""
    accreditations = list(project.accreditations.all())
    issued = selectors.attestations_of_accreditations([a.pk for a in accreditations])
    issuable: set[int] = set()
    if request.user.is_authenticated:
        issuable = {
            a.pk
            for a in accreditations
            if a.pk not in issued and services.may_manage(request.user, a.cluster_id)
        }
    return {
        "attestation_links": {
            acc_pk: reverse("attestations:detail", kwargs={"pk": a.pk})
            for acc_pk, a in issued.items()
        },
        "attestation_issuable": issuable,
    }
