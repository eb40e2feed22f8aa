"""A proposal's target call: chosen by its coordinator (or staff) among the open and upcoming
calls, shown to its insiders, and used by its live checks and aid simulation; the page, the API
and the service, owner / insider / outsider / anonymous, each refusal naming its field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, RequestFactory

from grappe.core.models import AuditEvent
from grappe.core.scopes import scope_for
from grappe.funding.models import Call, ProposalTarget
from grappe.funding.pages import proposal_live_checks
from grappe.funding.services import proposal_target_set
from grappe.funding.tests.helpers import closed_call, open_call, upcoming_call
from grappe.projects.models import Participation, ProjectStatus
from grappe.projects.selectors import project_get
from grappe.projects.services import partner_budget_set
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def checks(user, project) -> dict:
    scope = scope_for(user)
    request = RequestFactory().get("/")
    return proposal_live_checks(
        request, scope, project=project_get(scope=scope, pk=project.pk)
    ).get("live_checks", {})


def verdict(result: dict, rule: str) -> str:
    return next(v["status"] for v in result["sim"]["verdicts"] if v["rule"] == rule)


@pytest.fixture
def lyon_proposal():
    """A draft whose two partners are in Lyon, with a budget: the City of Paris's rule of a
    Parisian partner fails on it; FUI 19 has no such rule."""
    p = proposal()
    for org in (p.coordinator, p.partner):
        org.city, org.postcode, org.paris_arrondissement, org.in_paris = (
            "Lyon",
            "69002",
            None,
            False,
        )
        org.save()
    own = Participation.objects.get(project=p.project, organisation=p.coordinator)
    partner_budget_set(
        actor=p.owner, participation=own, lines={("personnel", "industrial"): Decimal("200000")}
    )
    return p


def test_the_live_checks_use_the_target_calls_rules(lyon_proposal) -> None:
    p = lyon_proposal
    fui = open_call("fui-open", code="fui-19")
    paris = upcoming_call("paris-next", code="city-of-paris")
    before = checks(p.owner, p.project)
    assert before["call"].slug == fui.slug and not before["is_target"]
    assert verdict(before, "min_paris_partners") == "not_applicable"

    proposal_target_set(actor=p.owner, project=p.project, call_slug=paris.slug)
    after = checks(p.insider, p.project)  # a partner sees the same checks
    assert after["call"].slug == paris.slug and after["is_target"]
    assert [c.slug for c in after["calls"]] == [paris.slug]  # no other call to choose
    assert verdict(after, "min_paris_partners") == "failed"
    page = client_for(p.owner).get(f"/en/projects/{p.project.pk}/").content.decode()
    assert "Against the target call “Call paris-next”" in page
    # The aid simulation page starts on the target call too (the others stay choosable).
    sim = client_for(p.owner).get(f"/en/projects/{p.project.pk}/aid-simulation/")
    assert sim.status_code == 200 and sim.context["call"].slug == paris.slug
    assert {c.slug for c in sim.context["calls"]} == {paris.slug, fui.slug}


def test_a_target_call_without_rules_says_so(lyon_proposal) -> None:
    """A call always gets a rule set when created; one whose current version was removed has
    none (the foreign key is SET_NULL): the checks say so instead of running on nothing."""
    p = lyon_proposal
    open_call("fui-open", code="fui-19")
    bare = open_call("no-rules", code="fui-19")
    Call.objects.filter(pk=bare.pk).update(ruleset=None)
    proposal_target_set(actor=p.staff, project=p.project, call_slug="no-rules")
    result = checks(p.owner, p.project)
    assert result["call"].slug == "no-rules" and "no rule set yet" in result["error"]
    assert "sim" not in result
    sim = client_for(p.owner).get(f"/en/projects/{p.project.pk}/aid-simulation/")
    assert sim.status_code == 200 and "no rule set yet" in sim.context["ruleset_error"]


def test_only_the_coordinator_and_staff_choose_it(lyon_proposal) -> None:
    p = lyon_proposal
    call = open_call()
    for who in (p.insider, p.outsider, p.manager):
        with pytest.raises(PermissionDenied):
            proposal_target_set(actor=who, project=p.project, call_slug=call.slug)
    assert not ProposalTarget.objects.exists()
    assert proposal_target_set(actor=p.owner, project=p.project, call_slug=call.slug) is not None
    event = AuditEvent.objects.get(action="proposal.target_call")
    assert (event.before, event.after) == ({"call": None}, {"call": call.slug})
    # The same call again changes nothing; staff removes it.
    proposal_target_set(actor=p.owner, project=p.project, call_slug=call.slug)
    assert AuditEvent.objects.filter(action="proposal.target_call").count() == 1
    assert proposal_target_set(actor=p.staff, project=p.project, call_slug=None) is None
    assert not ProposalTarget.objects.exists()
    assert AuditEvent.objects.filter(action="proposal.target_call").count() == 2


@pytest.mark.parametrize(
    ("slug", "field", "words"),
    [
        ("fui-25", "call", "closed"),
        ("no-such-call", "call", "no call"),
    ],
)
def test_a_closed_or_unknown_call_is_refused(lyon_proposal, slug, field, words) -> None:
    p = lyon_proposal
    closed_call()
    with pytest.raises(ValidationError) as exc:
        proposal_target_set(actor=p.owner, project=p.project, call_slug=slug)
    assert set(exc.value.message_dict) == {field} and words in str(exc.value.message_dict)
    assert not ProposalTarget.objects.exists()
    assert not AuditEvent.objects.filter(action="proposal.target_call").exists()


def test_only_a_draft_gets_a_target_call() -> None:
    p = proposal(ProjectStatus.SUBMITTED)
    call = open_call()
    with pytest.raises(ValidationError) as exc:
        proposal_target_set(actor=p.owner, project=p.project, call_slug=call.slug)
    assert set(exc.value.message_dict) == {"project"}
    assert not ProposalTarget.objects.exists()


def test_the_page_section_and_its_form(lyon_proposal) -> None:
    p = lyon_proposal
    call = upcoming_call()
    closed_call()
    url = f"/en/projects/{p.project.pk}/target-call/"
    page = client_for(p.owner).get(f"/en/projects/{p.project.pk}/").content.decode()
    assert 'data-testid="target-call-none"' in page and 'name="call"' in page
    assert 'value="paris-next"' in page and 'value="fui-25"' not in page  # closed: not offered
    assert client_for(p.insider).post(url, {"call": call.slug}).status_code == 403
    assert client_for(p.outsider).post(url, {"call": call.slug}).status_code == 404
    assert client_for(None).post(url, {"call": call.slug}).status_code == 302  # to log in
    assert client_for(p.owner).get(url).status_code == 405
    assert not ProposalTarget.objects.exists()
    response = client_for(p.owner).post(url, {"call": call.slug}, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"/projects/{p.project.pk}/#target-call")
    assert ProposalTarget.objects.get().call == call
    # The partner sees it, without the form; an outsider sees no draft at all.
    seen = client_for(p.insider).get(f"/en/projects/{p.project.pk}/").content.decode()
    assert 'data-testid="target-call-current"' in seen and "Call paris-next" in seen
    assert f'action="/en/projects/{p.project.pk}/target-call/"' not in seen
    # A closed call posted anyway: refused with the reason, nothing changed.
    refused = client_for(p.owner).post(url, {"call": "fui-25"}, follow=True).content.decode()
    assert "The target call was not changed" in refused and "closed" in refused
    assert ProposalTarget.objects.get().call == call
    fr = client_for(p.owner).get(f"/fr/projects/{p.project.pk}/").content.decode()
    assert "Appel visé" in fr


def test_the_api(lyon_proposal) -> None:
    p = lyon_proposal
    call = open_call()
    closed_call()
    path = f"/api/v1/projects/{p.project.pk}/target-call"

    def post(user, body):
        return client_for(user).post(path, body, content_type="application/json")

    assert post(None, {"call": call.slug}).status_code == 401
    assert post(p.outsider, {"call": call.slug}).status_code == 404
    assert post(p.insider, {"call": call.slug}).status_code == 403
    for body, field in (
        ({"call": "fui-25"}, "call"),
        ({"call": "no/slug"}, "call"),
        ({"call": "x" * 81}, "call"),
        ({"call": call.slug, "other": 1}, "other"),
    ):
        response = post(p.owner, body)
        assert response.status_code == 422, body
        assert field in {e["loc"][-1] for e in response.json()["detail"]}
    closed = post(p.owner, {"call": "fui-25"}).json()["detail"]
    assert [(e["loc"][-1], e["type"]) for e in closed] == [("call", "closed")]
    assert not ProposalTarget.objects.exists()
    ok = post(p.owner, {"call": call.slug})
    assert ok.status_code == 200 and ok.json() == {"call": call.slug}
    detail = client_for(p.insider).get(f"/api/v1/projects/{p.project.pk}").json()
    assert detail["target_call"]["slug"] == call.slug and detail["target_call"]["status"] == "open"
    assert post(p.staff, {"call": None}).json() == {"call": None}
    assert client_for(p.owner).get(f"/api/v1/projects/{p.project.pk}").json()["target_call"] is None


def test_the_target_call_stays_confidential_on_a_public_project(lyon_proposal) -> None:
    p = lyon_proposal
    call = open_call()
    proposal_target_set(actor=p.owner, project=p.project, call_slug=call.slug)
    type(p.project).objects.filter(pk=p.project.pk).update(status=ProjectStatus.ACCREDITED)
    public = client_for(None).get(f"/api/v1/projects/{p.project.pk}").json()
    assert public["target_call"] is None
    page = client_for(p.outsider).get(f"/en/projects/{p.project.pk}/").content.decode()
    assert 'data-testid="target-call"' not in page
    own = client_for(p.insider).get(f"/en/projects/{p.project.pk}/").content.decode()
    assert 'data-testid="target-call-current"' in own and 'name="call"' not in own
