"""POST /api/v1/projects/{id}/transitions: owner / insider / outsider, errors, replays."""

from __future__ import annotations

import pytest
from django.test import Client

from grappe.core.models import Transition
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def post(client: Client, pk: int, **body):
    return client.post(f"/api/v1/projects/{pk}/transitions", body, content_type="application/json")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_fires_a_transition() -> None:
    p = proposal()
    withdraw = {"transition": "withdraw", "reason": "Merged.", "idempotency_key": "a"}
    response = post(logged_in(p.owner), p.project.pk, **withdraw)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["from_state"], body["to_state"], body["acting_role"]) == (
        "draft",
        "withdrawn",
        "coordinator",
    )
    assert body["replayed"] is False
    again = post(logged_in(p.owner), p.project.pk, **withdraw)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["id"] == body["id"]
    history = logged_in(p.insider).get(f"/api/v1/projects/{p.project.pk}/transitions").json()
    assert [h["transition"] for h in history] == ["withdraw"]


@pytest.mark.parametrize("who", ["owner", "staff", "insider"])
def test_submit_is_not_a_bare_transition_any_more(who) -> None:
    """A submission names its clusters: `POST /projects/{id}/submissions`, not this."""
    p = proposal()
    response = post(logged_in(getattr(p, who)), p.project.pk, transition="submit")
    assert response.status_code == 409
    body = response.json()
    assert body["refusal"] == "own_service" and body["transition"] == "submit"
    assert "/api/v1/projects/{id}/submissions" in body["detail"]
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert not Transition.objects.exists()


def test_an_insider_without_the_role_gets_403_naming_the_role() -> None:
    p = proposal()
    response = post(logged_in(p.insider), p.project.pk, transition="withdraw", reason="No.")
    assert response.status_code == 403
    body = response.json()
    assert body["refusal"] == "role" and body["transition"] == "withdraw"
    assert "member of a partner organisation" in body["detail"]
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


def test_an_outsider_gets_404_and_an_anonymous_caller_401() -> None:
    p = proposal()
    assert post(logged_in(p.outsider), p.project.pk, transition="submit").status_code == 404
    assert post(Client(), p.project.pk, transition="submit").status_code == 401
    assert (
        logged_in(p.outsider).get(f"/api/v1/projects/{p.project.pk}/transitions").status_code == 404
    )
    assert not Transition.objects.exists()


def test_a_public_project_history_is_empty_for_outsiders() -> None:
    p = proposal(status=ProjectStatus.FUNDED)
    post(logged_in(p.owner), p.project.pk, transition="complete")
    assert logged_in(p.outsider).get(f"/api/v1/projects/{p.project.pk}/transitions").json() == []
    assert len(logged_in(p.owner).get(f"/api/v1/projects/{p.project.pk}/transitions").json()) == 1


@pytest.mark.parametrize(
    ("body", "status", "refusal"),
    [
        ({"transition": "complete"}, 409, "wrong_state"),
        ({"transition": "withdraw"}, 422, "reason"),
        ({"transition": "publish"}, 422, "unknown_transition"),
    ],
)
def test_refusals_have_documented_answers(body, status, refusal) -> None:
    p = proposal()
    response = post(logged_in(p.staff), p.project.pk, **body)
    assert response.status_code == status, response.content
    assert response.json()["refusal"] == refusal


def test_a_guard_refusal_is_409_naming_the_guard() -> None:
    p = proposal(ProjectStatus.ACCREDITED)  # no funder has granted it aid
    response = post(logged_in(p.staff), p.project.pk, transition="record_funding")
    assert response.status_code == 409
    assert response.json()["guard"] == "has_granted_aid"


@pytest.mark.parametrize("transition", ["accredit", "refuse_accreditation"])
def test_accreditation_follows_a_labelling_decision_not_a_bare_transition(transition) -> None:
    """A cluster decides through its labelling committee (`submission_decide`), so a manager
    cannot refuse a project here while another cluster is still deciding."""
    p = proposal(ProjectStatus.SUBMITTED)
    response = post(logged_in(p.staff), p.project.pk, transition=transition, reason="No fit.")
    assert response.status_code == 409
    body = response.json()
    assert body["refusal"] == "own_service" and body["transition"] == transition
    assert "/api/v1/labelling/reviews/{id}/transitions" in body["detail"]
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED
    assert not Transition.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"transition": "submit", "status": "funded"},
        {"status": "funded"},
        {"transition": "Submit; DROP"},
        {"transition": "submit", "reason": "a\x00b"},
    ],
)
def test_the_api_never_accepts_a_status(body) -> None:
    p = proposal()
    response = post(logged_in(p.staff), p.project.pk, **body)
    assert response.status_code == 422, response.content
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_project_itself_cannot_be_written(method) -> None:
    p = proposal()
    client = logged_in(p.staff)
    response = getattr(client, method)(
        f"/api/v1/projects/{p.project.pk}", {"status": "funded"}, content_type="application/json"
    )
    assert response.status_code == 405
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


def test_the_schema_documents_the_error_answers() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/projects/{id}/transitions"]["post"]["responses"]
    assert {"200", "201", "401", "403", "404", "409", "422"} <= set(responses)
