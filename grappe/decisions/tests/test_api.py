"""Decision API: owner / insider / outsider, 422 naming the field, nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from grappe.core.tests import factories as f
from grappe.decisions import selectors, services
from grappe.decisions.models import Envelope, LedgerEntry
from grappe.decisions.tests.helpers import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world("api-decide")


def as_(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def post(c: Client, url: str, body: dict) -> object:
    return c.post(url, body, content_type="application/json")


def test_funding_get_and_set_by_the_officer_only(w):
    call = w["call"]
    url = f"/api/v1/calls/{call.slug}/funding"
    region = f.FunderFactory()
    officer = as_(w["officer"])
    response = post(
        officer,
        url,
        {"envelope": "300000.00", "pledges": [{"funder": region.slug, "amount": "20000.00"}]},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert {e["funder"]: e["amount"] for e in data["envelopes"]} == {
        call.funder.slug: "300000.00",
        region.slug: "20000.00",
    }
    for who in ("other_officer", "member", "evaluator"):
        assert as_(w[who]).get(url).status_code == 404
        assert post(as_(w[who]), url, {"envelope": "1.00"}).status_code == 404
    assert Client().get(url).status_code == 404
    assert post(Client(), url, {"envelope": "1.00"}).status_code == 401
    region_officer = f.user_with_role("programme_officer", funder=region)
    assert as_(region_officer).get(url).json()["may_manage"] is False
    assert post(as_(region_officer), url, {"envelope": "1.00"}).status_code == 404


def test_negative_envelope_and_pledge_are_422_naming_the_field(w):
    call = w["call"]
    url = f"/api/v1/calls/{call.slug}/funding"
    response = post(
        as_(w["officer"]),
        url,
        {"envelope": "-1", "pledges": [{"funder": f.FunderFactory().slug, "amount": "-2"}]},
    )
    assert response.status_code == 422
    locs = {tuple(d["loc"][-3:]) for d in response.json()["detail"]}
    assert locs == {("body", "body", "envelope"), ("pledges", 0, "amount")}
    assert not Envelope.objects.exists()


def test_a_pledges_least_per_project_is_set_read_and_checked(w):
    call = w["call"]
    url = f"/api/v1/calls/{call.slug}/funding"
    region = f.FunderFactory()
    officer = as_(w["officer"])
    pledge = {"funder": region.slug, "amount": "20000.00", "minimum_per_project": "25000.00"}
    response = post(officer, url, {"envelope": "300000.00", "pledges": [pledge]})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "pledges", "0", "minimum_per_project"]
    assert "above the pledge" in error["msg"]
    assert not Envelope.objects.exists()
    pledge["minimum_per_project"] = "5000.00"
    response = post(officer, url, {"envelope": "300000.00", "pledges": [pledge]})
    assert response.status_code == 200, response.content
    by_funder = {e["funder"]: e["minimum_per_project"] for e in response.json()["envelopes"]}
    assert by_funder == {call.funder.slug: "0.00", region.slug: "5000.00"}


def test_allocation_and_what_if(w):
    call = w["call"]
    services.call_funding_set(actor=w["officer"], call=call, envelope=Decimal("1000000"))
    url = f"/api/v1/calls/{call.slug}/allocation"
    data = as_(w["officer"]).get(url).json()
    assert [r["application"] for r in data["rows"]] == [w["first"].pk, w["second"].pk]
    assert all(r["optimal"] is not None for r in data["rows"])
    assert data["solver_status"] == "Optimal"
    tight = as_(w["officer"]).get(url, {"envelope_if": "1"}).json()
    assert tight["envelope_if"] == "1.00"
    assert all(r["optimal"] is None for r in tight["rows"])
    assert as_(w["officer"]).get(url, {"envelope_if": "-1"}).status_code == 422
    for who in ("other_officer", "member", "evaluator"):
        assert as_(w[who]).get(url).status_code == 404


def test_approve_above_the_cap_is_422_on_the_amount_then_approve_and_read(w):
    call, app = w["call"], w["first"]
    services.call_funding_set(actor=w["officer"], call=call, envelope=Decimal("1000000"))
    partner = selectors.application_partners(call, app)[0]
    url = f"/api/v1/decisions/applications/{app.pk}"
    body = {
        "amounts": [
            {
                "participation": partner.participation.pk,
                "funder": call.funder.slug,
                "amount": str(partner.cap + 1),
            }
        ]
    }
    refused = post(as_(w["officer"]), url + "/approve", body)
    assert refused.status_code == 422
    detail = refused.json()["detail"][0]
    assert detail["loc"] == ["body", "amounts", 0, "amount"]
    assert services.money_text(partner.cap) in detail["msg"]
    assert not LedgerEntry.objects.exists()
    assert as_(w["member"]).get(url).status_code == 404  # not decided yet
    assert post(as_(w["other_officer"]), url + "/approve", body).status_code == 404
    body["amounts"][0]["amount"] = "5000.00"
    ok = post(as_(w["officer"]), url + "/approve", body)
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "funded"
    seen = as_(w["member"]).get(url).json()
    assert seen["outcome"] == "funded" and seen["ledger"][0]["amount"] == "5000.00"
    assert as_(w["outsider"]).get(url).status_code == 404
    assert as_(w["evaluator"]).get(url).status_code == 404


def test_decline_needs_a_reason(w):
    url = f"/api/v1/decisions/applications/{w['second'].pk}/decline"
    assert post(as_(w["officer"]), url, {"reason": "   "}).status_code == 422
    assert post(as_(w["member"]), url, {"reason": "x"}).status_code == 404
    ok = post(as_(w["officer"]), url, {"reason": "Below the funding line."})
    assert ok.status_code == 200 and ok.json()["status"] == "not_funded"
