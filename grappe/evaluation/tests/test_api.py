"""The evaluation API: owner / insider / outsider, refusals naming the field."""

from __future__ import annotations

import pytest
from django.test import Client

from grappe.evaluation.models import Assignment, IndividualReport
from grappe.evaluation.tests.helpers import world

pytestmark = pytest.mark.django_db

GOOD = {"excellence": "4", "impact": "4", "implementation": "4"}


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def post(c, url, body):
    return c.post(url, body, content_type="application/json")


def test_the_evaluation_through_the_api(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=4)
    slug, app = w.call.slug, w.apps[0]
    owner, insider, outsider = client(w.officer), client(w.coordinators[0]), client(w.other_officer)
    for url in (
        f"/api/v1/funders/{w.call.funder.slug}/experts",
        f"/api/v1/calls/{slug}/assignments",
        f"/api/v1/calls/{slug}/panel",
    ):
        assert owner.get(url).status_code == 200, url
        assert insider.get(url).status_code == 404, url
        assert outsider.get(url).status_code == 404, url
    assert len(owner.get(f"/api/v1/funders/{w.call.funder.slug}/experts").json()["items"]) == 4
    r = post(owner, f"/api/v1/calls/{slug}/assignments", {"action": "propose"})
    assert r.status_code == 200
    assigned = r.json()["applications"][0]["assigned"]
    assert len(assigned) == 3
    assert (
        post(outsider, f"/api/v1/calls/{slug}/assignments", {"action": "propose"}).status_code
        == 404
    )
    r = post(owner, f"/api/v1/calls/{slug}/assignments", {"action": "start", "application": app.pk})
    assert r.status_code == 200 and r.json()["applications"][0]["status"] == "under_evaluation"
    rapporteur = Assignment.objects.get(pk=assigned[0]["id"])
    r = post(
        owner,
        f"/api/v1/calls/{slug}/assignments",
        {"action": "rapporteur", "assignment": rapporteur.pk},
    )
    assert r.status_code == 200
    users = [Assignment.objects.get(pk=a["id"]).expert.user for a in assigned]
    url = f"/api/v1/evaluation/applications/{app.pk}"
    assert client(users[0]).get(url).json()["title"] == ""
    assert insider.get(url).status_code == 404 and outsider.get(url).status_code == 404
    for user in users:
        c = client(user)
        assert post(c, url + "/declaration", {"has_conflict": False}).status_code == 200
        bad = post(c, url + "/report", {"scores": {**GOOD, "impact": "5.5"}})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "impact"]
        assert post(c, url + "/report", {"scores": GOOD}).status_code == 200
    assert IndividualReport.objects.count() == 3
    # a non-rapporteur may not record the consensus
    assert post(client(users[1]), url + "/consensus", {"scores": GOOD}).status_code == 403
    r = post(client(users[0]), url + "/consensus", {"scores": GOOD})
    assert r.status_code == 200 and r.json()["consensus"]["overall"] == "12.00"
    r = post(
        owner,
        f"/api/v1/calls/{slug}/panel",
        {"action": "settings", "main_list_size": 1, "disagreement_gap": "1.5"},
    )
    assert r.status_code == 200 and r.json()["main_list_size"] == 1
    r = post(owner, f"/api/v1/calls/{slug}/panel", {"action": "rank"})
    assert r.status_code == 200
    assert r.json()["places"][0]["list"] == "main" and r.json()["places"][0]["rank"] == 1
    # the applicant sees nothing before the decision
    assert insider.get(url).status_code == 404


def test_every_write_is_404_to_the_insider_and_the_outsider(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=3)
    slug, app = w.call.slug, w.apps[0]
    writes = [
        (f"/api/v1/funders/{w.call.funder.slug}/experts", {"user": w.officer.username}),
        (f"/api/v1/calls/{slug}/assignments", {"action": "propose"}),
        (f"/api/v1/calls/{slug}/panel", {"action": "rank"}),
        (f"/api/v1/evaluation/applications/{app.pk}/declaration", {"has_conflict": False}),
        (f"/api/v1/evaluation/applications/{app.pk}/report", {"scores": GOOD}),
        (f"/api/v1/evaluation/applications/{app.pk}/consensus", {"scores": GOOD}),
    ]
    for user in (w.coordinators[0], w.other_officer, w.experts[0].user):
        for url, body in writes:
            assert post(client(user), url, body).status_code == 404, (user, url)
    for url, body in writes:
        assert post(client(), url, body).status_code == 401, url
    assert not Assignment.objects.exists()
    # the owner: the pool takes the person once, and names the field the second time
    r = post(client(w.officer), writes[0][0], {"user": w.coordinators[0].username})
    assert r.status_code == 200
    r = post(client(w.officer), writes[0][0], {"user": w.coordinators[0].username})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "user"]
