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
