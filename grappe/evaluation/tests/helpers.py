"""Builders for the evaluation tests: a call with eligible applications and a pool."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from grappe.core.tests import factories as f
from grappe.evaluation.services import expert_create
from grappe.funding import services as funding_services
from grappe.funding.models import Application
from grappe.funding.services import application_transition
from grappe.funding.tests.helpers import open_call


def _passed(application: Application) -> dict[str, bool]:
    return {"screening_passed": True}


def screening_passes(monkeypatch: Any) -> None:
    """Funding supplies `screening_passed`; here every screening passes (our facts stay)."""
    from grappe.evaluation.services import application_evaluation_facts

    monkeypatch.setattr(
        funding_services, "_FACT_PROVIDERS", [_passed, application_evaluation_facts]
    )


def eligible_application(call: Any, project: Any, coordinator: Any, officer: Any) -> Application:
    app = Application.objects.create(call=call, project=project)
    application_transition(actor=coordinator, application=app, transition="submit")
    application_transition(actor=officer, application=app, transition="screen_eligible")
    return app


@dataclass
class World:
    call: Any
    officer: Any
    other_officer: Any
    apps: list[Application]
    coordinators: list[Any]
    partners: list[Any]  # each application's second partner organisation
    experts: list[Any] = field(default_factory=list)


def world(monkeypatch: Any, *, n_apps: int = 2, n_experts: int = 4) -> World:
    screening_passes(monkeypatch)
    call = open_call()
    officer = f.user_with_role("programme_officer", funder=call.funder)
    other_officer = f.user_with_role("programme_officer", funder=f.FunderFactory())
    apps, coordinators, partners = [], [], []
    topics = ["batteries, hydrogen storage", "computer vision, robotics", "genomics, biology"]
    for i in range(n_apps):
        project = f.ProjectFactory(
            status="accredited",
            acronym=f"APP{i}",
            title=f"Application {i} on {topics[i % 3]}",
            keywords=topics[i % 3],
            start_date=dt.date(2026, 1, 1),
        )
        f.AccreditationFactory(project=project, cluster=f.ClusterFactory(), is_lead=True)
        lead = f.OrganisationFactory(kind="sme", name=f"Lead {i}")
        partner = f.OrganisationFactory(kind="large_company", name=f"Partner {i}")
        f.ParticipationFactory(project=project, organisation=lead, role="coordinator")
        f.ParticipationFactory(project=project, organisation=partner)
        coordinator = f.user_with_role("member", organisation=lead)
        apps.append(eligible_application(call, project, coordinator, officer))
        coordinators.append(coordinator)
        partners.append(partner)
    w = World(call, officer, other_officer, apps, coordinators, partners)
    expertise = [
        "batteries hydrogen storage electrochemistry",
        "computer vision robotics deep learning",
        "genomics biology sequencing",
        "batteries robotics vision hydrogen",
        "hydrogen batteries genomics vision",
    ]
    for i in range(n_experts):
        user = f.UserFactory()
        w.experts.append(
            expert_create(
                actor=officer,
                funder=call.funder,
                user=user,
                name=f"Expert {i}",
                organisation=f.OrganisationFactory(name=f"Expert org {i}"),
                keywords=expertise[i % len(expertise)],
                expertise="",
                languages="fr,en",
                max_load=5,
            )
        )
    return w
