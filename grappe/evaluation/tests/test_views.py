"""The evaluation pages: owner / insider / outsider on each, the forms' refusals, 390 px."""

from __future__ import annotations

import pytest
from django.test import Client

from grappe.core.tests import factories as f
from grappe.evaluation.models import Assignment, Declaration, IndividualReport
from grappe.evaluation.services import assignment_propose, evaluation_start, rapporteur_set
from grappe.evaluation.tests.helpers import world

pytestmark = pytest.mark.django_db


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def _started(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=4)
    assignment_propose(actor=w.officer, call=w.call)
    evaluation_start(actor=w.officer, application=w.apps[0])
    assigned = list(Assignment.objects.filter(application=w.apps[0]).select_related("expert"))
    rapporteur_set(actor=w.officer, assignment=assigned[0])
    return w, assigned


def test_officer_pages_owner_insider_outsider(monkeypatch):
    w, assigned = _started(monkeypatch)
    slug, funder = w.call.slug, w.call.funder.slug
    pages = [
        f"/en/funders/{funder}/experts/",
        f"/en/evaluation/experts/{w.experts[0].pk}/",
        f"/en/calls/{slug}/assignments/",
        f"/en/calls/{slug}/panel/",
        f"/en/evaluation/applications/{w.apps[0].pk}/",
    ]
    owner, insider, outsider = client(w.officer), client(w.coordinators[0]), client(w.other_officer)
    for url in pages:
        assert owner.get(url).status_code == 200, url
        assert insider.get(url).status_code == 404, url
        assert outsider.get(url).status_code == 404, url
        assert client().get(url).status_code == 302, url
    assignments = owner.get(pages[2]).content.decode()
    assert "shared words" in assignments and assigned[0].expert.name in assignments
    pool = owner.get(pages[0] + "?export=csv")
    assert b"Expert 0" in b"".join(pool.streaming_content)
    assert owner.get(pages[0] + "?q=vision").content.decode().count("Expert 1") >= 1


def test_expert_declares_before_seeing_the_file_then_reports(monkeypatch):
    w, assigned = _started(monkeypatch)
    app = w.apps[0]
    url = f"/en/evaluation/applications/{app.pk}/"
    expert = client(assigned[1].expert.user)
    page = expert.get(url).content.decode()
    assert 'data-testid="declaration-form"' in page and 'data-testid="file"' not in page
    unassigned = next(e for e in w.experts if e.pk not in {a.expert_id for a in assigned})
    assert client(unassigned.user).get(url).status_code == 404
    assert expert.post(url, {"action": "declare", "has_conflict": "no"}).status_code == 302
    page = expert.get(url).content.decode()
    assert 'data-testid="file"' in page and app.project.title in page
    bad = expert.post(
        url,
        {
            "action": "report",
            "score_excellence": "4.3",
            "score_impact": "4",
            "score_implementation": "4",
        },
    )
    assert bad.status_code == 422 and "0.5" in bad.content.decode()
    assert not IndividualReport.objects.exists()
    ok = expert.post(
        url,
        {
            "action": "report",
            "score_excellence": "4.5",
            "score_impact": "4",
            "score_implementation": "4",
        },
    )
    assert ok.status_code == 302 and IndividualReport.objects.count() == 1


def test_declaring_a_conflict_then_the_page_is_gone(monkeypatch):
    w, assigned = _started(monkeypatch)
    url = f"/en/evaluation/applications/{w.apps[0].pk}/"
    expert = client(assigned[2].expert.user)
    assert (
        expert.post(url, {"action": "declare", "has_conflict": "yes", "statement": ""}).status_code
        == 422
    )
    assert not Declaration.objects.exists()
    assert (
        expert.post(
            url, {"action": "declare", "has_conflict": "yes", "statement": "Cousin"}
        ).status_code
        == 302
    )
    assert expert.get(url).status_code == 404


def test_adding_a_conflicted_expert_shows_the_reason(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=2)
    expert = w.experts[0]
    expert.organisation = w.partners[0]
    expert.save()
    response = client(w.officer).post(
        f"/en/calls/{w.call.slug}/assignments/",
        {"action": "add", "application": w.apps[0].pk, "expert": expert.pk},
    )
    assert response.status_code == 422
    assert "Partner 0" in response.content.decode()
    assert not Assignment.objects.exists()


def test_pool_add_form_names_the_field(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=0)
    url = f"/en/funders/{w.call.funder.slug}/experts/"
    owner = client(w.officer)
    r = owner.post(url, {"person": "nobody", "name": "X", "languages": "fr", "max_load": "3"})
    assert r.status_code == 422 and "No user has this name" in r.content.decode()
    user = f.UserFactory()
    r = owner.post(
        url,
        {
            "person": user.username,
            "name": "New",
            "languages": "fr,en",
            "max_load": "3",
            "active": "on",
        },
    )
    assert r.status_code == 302
    assert "New" in owner.get(url).content.decode()
    assert client(w.other_officer).post(url, {"person": user.username}).status_code == 404


def test_french_pages(monkeypatch):
    w, _assigned = _started(monkeypatch)
    page = client(w.officer).get(f"/fr/calls/{w.call.slug}/assignments/").content.decode()
    assert "Conflits d" in page
