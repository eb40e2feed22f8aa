"""The proposal API: create, invite, answer, own budget — the pages' services, owner / insider /
outsider / anonymous, each refusal naming its field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from grappe.core.models import Role
from grappe.core.tests.factories import OrganisationFactory, make_siren, user_with_role
from grappe.projects.models import BudgetLine, Participation, PartnerInvitation, Project
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def api(user, method: str, path: str, body=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    url = "/api/v1" + path
    if method == "GET":
        return client.get(url)
    return client.post(url, body or {}, content_type="application/json")


def fields_of(response) -> set[str]:
    return {e["loc"][-1] for e in response.json()["detail"]}


def test_create_a_proposal() -> None:
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    body = {"organisation_id": org.pk, "acronym": "APIP", "title": "By the API", "trl_start": 2}
    response = api(member, "POST", "/projects", body)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    assert Participation.objects.get(project_id=response.json()["id"]).organisation_id == org.pk
    assert api(None, "POST", "/projects", body).status_code == 401
    other = api(member, "POST", "/projects", {**body, "organisation_id": OrganisationFactory().pk})
    assert other.status_code == 422 and fields_of(other) == {"organisation"}
    bad = api(member, "POST", "/projects", {**body, "trl_start": 12})
    assert bad.status_code == 422 and "trl_start" in fields_of(bad)
    assert Project.objects.count() == 1


def test_invite_answer_and_budget_through_the_api() -> None:
    p = proposal()
    guest = OrganisationFactory()
    guest_member = user_with_role(Role.MEMBER, organisation=guest)
    path = f"/projects/{p.project.pk}/invitations"
    assert api(p.outsider, "POST", path, {"organisation_id": guest.pk}).status_code == 404
    assert api(p.insider, "POST", path, {"organisation_id": guest.pk}).status_code == 403
    assert api(None, "POST", path, {"organisation_id": guest.pk}).status_code == 401
    for body, field in (
        ({"organisation_id": 99999}, "organisation"),
        ({"organisation_id": p.coordinator.pk}, "organisation"),
        ({"organisation_id": p.partner.pk}, "organisation"),
        ({"siren": "123456789"}, "siren"),
        ({}, "organisation_id"),
    ):
        refused = api(p.owner, "POST", path, body)
        assert refused.status_code == 422 and field in fields_of(refused), body
    created = api(p.owner, "POST", path, {"organisation_id": guest.pk})
    assert created.status_code == 201 and created.json()["status"] == "pending"
    by_siren = api(
        p.owner, "POST", path, {"siren": make_siren(77_777_777), "name": "API New", "kind": "sme"}
    )
    assert by_siren.status_code == 201 and by_siren.json()["organisation"]["name"] == "API New"
    assert len(api(p.insider, "GET", path).json()) == 2
    assert api(p.outsider, "GET", path).status_code == 404
    assert [i["id"] for i in api(guest_member, "GET", "/invitations").json()] == [
        created.json()["id"]
    ]
    answer = f"/invitations/{created.json()['id']}/answer"
    assert api(p.outsider, "POST", answer, {"transition": "accept"}).status_code == 404
    wrong = api(p.owner, "POST", answer, {"transition": "accept"})
    assert wrong.status_code == 422 and fields_of(wrong) == {"organisation"}
    accepted = api(guest_member, "POST", answer, {"transition": "accept"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    budget = f"/projects/{p.project.pk}/budget"
    line = {"cost_category": "personnel", "research_category": "industrial", "amount": "5000.00"}
    saved = api(guest_member, "POST", budget, {"lines": [line]})
    assert saved.status_code == 200 and saved.json()[0]["amount"] == "5000.00"
    assert api(p.outsider, "POST", budget, {"lines": [line]}).status_code == 404
    assert api(p.manager, "POST", budget, {"lines": [line]}).status_code == 404
    absurd = api(guest_member, "POST", budget, {"lines": [{**line, "amount": "500000000"}]})
    assert absurd.status_code == 422 and fields_of(absurd) == {"amount"}
    negative = api(guest_member, "POST", budget, {"lines": [{**line, "amount": "-1"}]})
    assert negative.status_code == 422
    unknown = api(guest_member, "POST", budget, {"lines": [{**line, "cost_category": "cake"}]})
    assert unknown.status_code == 422 and fields_of(unknown) == {"lines"}
    assert BudgetLine.objects.get().amount == Decimal("5000.00")
    assert PartnerInvitation.objects.count() == 2


def test_the_coordinator_edits_the_description_with_its_token() -> None:
    p = proposal()
    read = api(p.owner, "GET", f"/projects/{p.project.pk}/proposal")
    assert read.status_code == 200 and read.json()["may_edit"] is True
    token = read.json()["edit_token"]
    path = f"/projects/{p.project.pk}/proposal"
    body = {"summary_fr": "Stockage d'hydrogène pour bus.", "trl_target": 6, "edit_token": token}
    response = api(p.owner, "POST", path, body)
    assert response.status_code == 200, response.content
    assert response.json()["summary_fr"] == "Stockage d'hydrogène pour bus."
    project = Project.objects.get(pk=p.project.pk)
    assert (project.summary_fr, project.trl_target, project.title) == (
        "Stockage d'hydrogène pour bus.",
        6,
        p.project.title,  # not given, not changed
    )
    # The old token is stale now: refused, nothing written.
    stale = api(p.owner, "POST", path, {"title": "Another", "edit_token": token})
    assert stale.status_code == 409
    assert Project.objects.get(pk=p.project.pk).title == p.project.title


@pytest.mark.parametrize(
    ("who", "status"), [("insider", 403), ("outsider", 404), ("manager", 404), (None, 401)]
)
def test_only_the_coordinator_edits_the_description(who, status) -> None:
    p = proposal()
    token = api(p.owner, "GET", f"/projects/{p.project.pk}/proposal").json()["edit_token"]
    user = getattr(p, who) if who else None
    if who == "insider":
        read = api(user, "GET", f"/projects/{p.project.pk}/proposal").json()
        assert read["may_edit"] is False and read["edit_token"] is None
    body = {"title": "Taken over", "edit_token": token}
    response = api(user, "POST", f"/projects/{p.project.pk}/proposal", body)
    assert response.status_code == status, response.content
    assert Project.objects.get(pk=p.project.pk).title == p.project.title


def test_a_submitted_description_is_fixed_and_bad_fields_are_named() -> None:
    from grappe.projects.models import ProjectStatus

    p = proposal(ProjectStatus.SUBMITTED)
    read = api(p.owner, "GET", f"/projects/{p.project.pk}/proposal").json()
    assert read["may_edit"] is False
    token = api(p.staff, "GET", f"/projects/{p.project.pk}/proposal").json()["edit_token"]
    path = f"/projects/{p.project.pk}/proposal"
    fixed = api(p.owner, "POST", path, {"title": "Late change", "edit_token": token})
    assert fixed.status_code == 403 and "no longer a draft" in fixed.json()["detail"]
    bad = api(p.staff, "POST", path, {"title": "", "trl_start": 12, "edit_token": token})
    assert bad.status_code == 422 and fields_of(bad) >= {"title", "trl_start"}
    status = api(p.staff, "POST", path, {"status": "funded", "edit_token": token})
    assert status.status_code == 422 and "status" in fields_of(status)
    assert Project.objects.get(pk=p.project.pk).title == p.project.title
