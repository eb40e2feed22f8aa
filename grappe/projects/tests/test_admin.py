"""The back office writes projects, partners and budget lines through the project services."""

from __future__ import annotations

from typing import Any

import pytest

from grappe.core.models import AuditEvent
from grappe.core.tests import factories as f
from grappe.core.tests.test_admin import _project_form, _url, admin_client, admin_user
from grappe.projects.models import BudgetLine, Participation, Project, ProjectStatus

__all__ = ["admin_client", "admin_user"]  # fixtures

pytestmark = pytest.mark.django_db


def test_the_status_is_read_only_once_a_project_exists(admin_client: Any) -> None:
    project = f.ProjectFactory(status=ProjectStatus.FUNDED)
    data = _project_form(project, [], [])
    data.update(status=ProjectStatus.WITHDRAWN, title="Renamed")
    response = admin_client.post(_url(Project, "change", project.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    project.refresh_from_db()
    assert (project.title, project.status) == ("Renamed", ProjectStatus.FUNDED)
    event = AuditEvent.objects.get(action="project.update")
    assert "status" not in event.after and event.after["title"] == "Renamed"


def test_a_coordinator_changes_hands_in_one_submission(admin_client: Any) -> None:
    project = f.ProjectFactory()
    old = f.ParticipationFactory(project=project, role="coordinator", display_order=0)
    new = f.ParticipationFactory(project=project, role="partner", display_order=1)
    data = _project_form(project, [], [])
    data.update(
        {
            "participations-TOTAL_FORMS": "2",
            "participations-INITIAL_FORMS": "2",
            "participations-0-id": str(old.pk),
            "participations-0-project": str(project.pk),
            "participations-0-organisation": str(old.organisation_id),
            "participations-0-role": "partner",
            "participations-0-display_order": "0",
            "participations-1-id": str(new.pk),
            "participations-1-project": str(project.pk),
            "participations-1-organisation": str(new.organisation_id),
            "participations-1-role": "coordinator",
            "participations-1-display_order": "1",
            **f.opened(old, "participations-0"),
            **f.opened(new, "participations-1"),
        }
    )
    response = admin_client.post(_url(Project, "change", project.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Participation.objects.get(role="coordinator").pk == new.pk
    assert AuditEvent.objects.filter(action="participation.update").count() == 2


@pytest.mark.django_db(transaction=True)  # deletes a budget line: commit
def test_budget_lines_edited_on_the_partner_page_are_one_budget_change(
    admin_client: Any,
) -> None:
    part = f.ParticipationFactory(role="coordinator")
    line = f.BudgetLineFactory(
        participation=part, cost_category="personnel", research_category="industrial"
    )
    data = {
        "project": str(part.project_id),
        "organisation": str(part.organisation_id),
        "role": "coordinator",
        "display_order": "0",
        "eu_contribution": "",
        "net_eu_contribution": "",
        "total_cost": "",
        "budget_lines-TOTAL_FORMS": "2",
        "budget_lines-INITIAL_FORMS": "1",
        "budget_lines-MIN_NUM_FORMS": "0",
        "budget_lines-MAX_NUM_FORMS": "1000",
        "budget_lines-0-id": str(line.pk),
        "budget_lines-0-participation": str(part.pk),
        "budget_lines-0-research_category": "industrial",
        "budget_lines-0-cost_category": "personnel",
        "budget_lines-0-amount": "100.00",
        "budget_lines-0-DELETE": "on",
        "budget_lines-1-participation": str(part.pk),
        "budget_lines-1-research_category": "experimental",
        "budget_lines-1-cost_category": "instruments_equipment",
        "budget_lines-1-amount": "2500.00",
        "funding_lines-TOTAL_FORMS": "0",
        "funding_lines-INITIAL_FORMS": "0",
        "funding_lines-MIN_NUM_FORMS": "0",
        "funding_lines-MAX_NUM_FORMS": "1000",
        **f.opened(part),
    }
    response = admin_client.post(_url(Participation, "change", part.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(BudgetLine.objects.values_list("cost_category", "amount")) == [
        ("instruments_equipment", 2500)
    ]
    event = AuditEvent.objects.get(action="budget.set")
    assert event.before == {"personnel/industrial": f"{line.amount:.2f}"}
    assert event.after == {"instruments_equipment/experimental": "2500.00"}


@pytest.mark.django_db(transaction=True)  # deletes a project: commit
def test_a_project_deleted_in_the_back_office_is_deleted_by_the_service(
    admin_client: Any,
) -> None:
    part = f.ParticipationFactory()
    f.BudgetLineFactory(participation=part)
    url = _url(Project, "delete", part.project_id)
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Project.objects.exists() and not BudgetLine.objects.exists()
    assert AuditEvent.objects.get(action="project.delete").before["acronym"] == (
        part.project.acronym
    )


def test_the_project_list_shows_and_sorts_by_coordinator_and_partner_count(
    admin_client: Any,
) -> None:
    big, small, _alone = (f.ProjectFactory(acronym=a) for a in ("BIG", "SMALL", "ALONE"))
    f.ParticipationFactory(project=big, role="coordinator", organisation__name="Zeta Lab")
    for _ in range(3):
        f.ParticipationFactory(project=big, role="partner")
    f.ParticipationFactory(project=small, role="coordinator", organisation__name="Alpha SA")
    f.ParticipationFactory(project=small, role="partner")
    columns = admin_client.get(_url(Project, "changelist")).context["cl"].list_display
    by_partners = columns.index("partner_count")  # `o` counts the columns from 0
    by_coordinator = columns.index("coordinator")
    listed = admin_client.get(_url(Project, "changelist"), {"o": f"-{by_partners}"})
    rows = [(p.acronym, p.partners, p.coordinator_name) for p in listed.context["cl"].result_list]
    assert rows == [("BIG", 4, "Zeta Lab"), ("SMALL", 2, "Alpha SA"), ("ALONE", 0, None)]
    assert listed.context["cl"].result_count == 3
    listed = admin_client.get(_url(Project, "changelist"), {"o": str(by_coordinator)})
    acronyms = [p.acronym for p in listed.context["cl"].result_list]
    assert acronyms == ["SMALL", "BIG", "ALONE"]  # Alpha, Zeta, then no coordinator
