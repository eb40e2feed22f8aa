"""Decision pages: owner / insider / outsider, forms refusing bad input, what-ifs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from grappe.core.tests import factories as f
from grappe.decisions import selectors, services
from grappe.decisions.models import Envelope, LedgerEntry
from grappe.decisions.tests.helpers import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def client_for(user) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def urls(w):
    call = w["call"]
    return [
        reverse("decisions:funding", args=[call.slug]),
        reverse("decisions:allocation", args=[call.slug]),
        reverse("decisions:application", args=[w["first"].pk]),
    ]


def test_officer_of_the_call_funder_sees_every_page(w):
    c = client_for(w["officer"])
    for url in urls(w):
        assert c.get(url).status_code == 200, url


def test_others_get_404_and_anonymous_the_login(w):
    for who in ("other_officer", "member", "outsider", "evaluator"):
        c = client_for(w[who])
        for url in urls(w):
            assert c.get(url).status_code == 404, (who, url)
    for url in urls(w):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_officer_sets_envelope_and_pledge_on_the_page(w):
    call = w["call"]
    region = f.FunderFactory(name_en="Region", name_fr="Région")
    c = client_for(w["officer"])
    url = reverse("decisions:funding", args=[call.slug])
    response = c.post(
        url,
        {
            "envelope": "400000",
            "minimum_share": "0.5",
            "pledge_funder_1": region.pk,
            "pledge_amount_1": "50000",
        },
    )
    assert response.status_code == 302
    assert Envelope.objects.get(call=call, funder=region).amount == Decimal("50000")
    # The co-funder's officer sees the envelopes, without the form.
    region_officer = f.user_with_role("programme_officer", funder=region)
    page = client_for(region_officer).get(url)
    assert page.status_code == 200 and b"funding-form" not in page.content
    assert (
        client_for(region_officer)
        .get(reverse("decisions:allocation", args=[call.slug]))
        .status_code
        == 404
    )


def test_a_least_per_project_above_the_pledge_is_refused_on_its_field(w):
    call = w["call"]
    region = f.FunderFactory()
    c = client_for(w["officer"])
    url = reverse("decisions:funding", args=[call.slug])
    data = {
        "envelope": "400000",
        "minimum_share": "0.5",
        "pledge_funder_1": region.pk,
        "pledge_amount_1": "50000",
        "pledge_minimum_1": "60000",
    }
    response = c.post(url, data)
    assert response.status_code == 200
    assert "above the pledge" in response.context["form"].errors["pledge_minimum_1"][0]
    assert not Envelope.objects.exists()
    data["pledge_minimum_1"] = "10000"
    assert c.post(url, data).status_code == 302
    assert Envelope.objects.get(funder=region).minimum_per_project == Decimal("10000")
    page = c.get(url)
    assert "€10,000.00" in page.content.decode()


def test_negative_envelope_is_refused_on_the_page_naming_the_field(w):
    c = client_for(w["officer"])
    url = reverse("decisions:funding", args=[w["call"].slug])
    response = c.post(url, {"envelope": "-5", "minimum_share": "0.5"})
    assert response.status_code == 200
    assert response.context["form"].errors["envelope"]
    assert not Envelope.objects.exists()


def test_envelope_below_approved_is_refused_on_the_page(w):
    call, officer = w["call"], w["officer"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    partner = selectors.application_partners(call, w["first"])[0]
    services.application_approve(
        actor=officer,
        application=w["first"],
        amounts={(partner.participation.pk, call.funder_id): Decimal("10000")},
    )
    response = client_for(officer).post(
        reverse("decisions:funding", args=[call.slug]),
        {"envelope": "5000", "minimum_share": "0.5"},
    )
    assert response.status_code == 200
    assert "10,000.00" in " ".join(response.context["form"].errors["envelope"])
    assert Envelope.objects.get(call=call).amount == Decimal("1000000")


def test_allocation_page_shows_optimiser_and_what_if_without_writing(w):
    call, officer = w["call"], w["officer"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    c = client_for(officer)
    url = reverse("decisions:allocation", args=[call.slug])
    page = c.get(url)
    assert page.status_code == 200
    view = page.context["view"]
    assert [r.application.pk for r in view.rows] == [w["first"].pk, w["second"].pk]
    assert all(r.optimal is not None for r in view.rows)
    small = c.get(url, {"envelope_if": "1"})
    assert small.status_code == 200 and b"what-if-notice" in small.content
    assert all(r.optimal is None for r in small.context["view"].rows)
    assert Envelope.objects.get(call=call).amount == Decimal("1000000")
    bad = c.get(url, {"envelope_if": "-3"})
    assert bad.context["what_if"].errors["envelope_if"]


def test_approve_on_the_page_then_consortium_sees_the_decision(w):
    call, officer, app = w["call"], w["officer"], w["first"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    url = reverse("decisions:application", args=[app.pk])
    member = client_for(w["member"])
    assert member.get(url).status_code == 404  # not decided yet
    partners = selectors.application_partners(call, app)
    data = {"action": "approve", "reference": "DEL-1"}
    for p in partners:
        data[f"amount_{p.participation.pk}_{call.funder_id}"] = str(p.cap + 1)
    refused = client_for(officer).post(url, data)
    assert refused.status_code == 200
    name = f"amount_{partners[0].participation.pk}_{call.funder_id}"
    assert refused.context["approve"].errors[name]
    assert not LedgerEntry.objects.exists()
    for p in partners:
        data[f"amount_{p.participation.pk}_{call.funder_id}"] = "1000"
    assert client_for(officer).post(url, data).status_code == 302
    page = member.get(url)
    assert page.status_code == 200 and b'data-testid="ledger"' in page.content
    assert client_for(w["outsider"]).get(url).status_code == 404


def test_decline_needs_a_reason_and_the_consortium_reads_it(w):
    officer, app = w["officer"], w["second"]
    url = reverse("decisions:application", args=[app.pk])
    c = client_for(officer)
    refused = c.post(url, {"action": "decline", "decline-reason": ""})
    assert refused.status_code == 200 and refused.context["decline"].errors["reason"]
    assert c.post(url, {"action": "decline", "decline-reason": "Out of scope."}).status_code == 302
    project_member = f.user_with_role(
        "member", organisation=app.project.participations.first().organisation
    )
    page = client_for(project_member).get(url)
    assert b"Out of scope." in page.content


def test_pages_render_in_french(w):
    c = client_for(w["officer"])
    page = c.get("/fr" + reverse("decisions:allocation", args=[w["call"].slug]).removeprefix("/en"))
    assert page.status_code == 200
    assert "Répartition".encode() in page.content


def test_officer_reverses_part_of_an_approval_on_the_page(w):
    call, officer, app = w["call"], w["officer"], w["first"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    partner = selectors.application_partners(call, app)[0]
    services.application_approve(
        actor=officer,
        application=app,
        amounts={(partner.participation.pk, call.funder_id): Decimal("8000")},
    )
    url = reverse("decisions:application", args=[app.pk])
    line = f"{partner.participation.pk}-{call.funder_id}"
    c = client_for(officer)
    too_much = c.post(
        url,
        {
            "action": "reverse",
            "reverse-line": line,
            "reverse-amount": "9000",
            "reverse-reason": "x",
        },
    )
    assert too_much.status_code == 200 and too_much.context["reverse"].errors["amount"]
    done = c.post(
        url,
        {
            "action": "reverse",
            "reverse-line": line,
            "reverse-amount": "3000",
            "reverse-reason": "A cost was dropped.",
        },
    )
    assert done.status_code == 302
    assert Envelope.objects.get(call=call).approved == Decimal("5000")
    # The consortium sees the reversal and its reason; it cannot reverse.
    member = client_for(w["member"])
    page = member.get(url)
    assert b"A cost was dropped." in page.content and b"reverse-form" not in page.content
