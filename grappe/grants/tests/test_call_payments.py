"""A call's payment plan page (`calls/<slug>/payments/`): its officer only; errors name the field."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from grappe.core.models import AuditEvent
from grappe.funding.tests.helpers import open_call
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import PaymentPlan
from grappe.grants.plan_form import initial_of
from grappe.grants.tests.helpers import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


@pytest.fixture
def call(w):
    return open_call(slug="paris-open", funder=w.funder)


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def url(call):
    return reverse("grants:call_payments", kwargs={"slug": call.slug})


def form_data(plan, **changes):
    data = {k: v for k, v in initial_of(plan).items() if v not in (False, None)}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    data["rows"] = str(len(plan["tranches"]) + 1)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("who", "status"),
    [("officer", 200), ("admin", 200), ("other_officer", 404), ("partner", 404),
     ("outsider", 404)],
)  # fmt: skip
def test_page_triad(w, call, who, status):
    assert client(getattr(w, who)).get(url(call)).status_code == status
    r = client(getattr(w, who)).post(url(call), form_data(PLAN_DATA["fui"]))
    assert r.status_code == (302 if status == 200 else 404)
    assert PaymentPlan.objects.filter(call=call).exists() == (status == 200)


def test_anonymous_is_sent_to_log_in(call):
    assert client().get(url(call)).status_code == 302


def test_start_from_a_ready_made_plan_with_its_unconfirmed_marks(w, call):
    page = client(w.officer).get(url(call), {"start": "horizon-europe"}).content.decode()
    assert 'value="prefinancing"' in page and 'value="0.05"' in page
    # cap, retention and three rates: every figure of a ready-made plan is unconfirmed
    assert page.count('data-testid="unconfirmed"') == 5
    assert not PaymentPlan.objects.filter(call=call).exists()  # nothing saved by looking


def test_saving_an_edited_plan_keeps_the_ticks_and_audits(w, call):
    data = form_data(PLAN_DATA["city-of-paris"], t0_rate="0.2", label="Paris, checked")
    del data["t0_unconfirmed"]  # the advance was checked against the convention
    data.update({"t3_id": "second", "t3_trigger": "statement_accepted",
                 "t3_basis": "accepted_costs", "t3_rate": "1"})  # fmt: skip
    # a new tranche after the balance is refused on its trigger, nothing saved
    r = client(w.officer).post(url(call), data)
    assert r.status_code == 422
    assert "Tranche 3, paid: the last tranche, and only it, is the balance" in r.content.decode()
    assert not PaymentPlan.objects.filter(call=call).exists()
    for key in ("t3_id", "t3_trigger", "t3_basis", "t3_rate"):
        data.pop(key)
    r = client(w.officer).post(url(call), data)
    assert r.status_code == 302
    plan = PaymentPlan.objects.get(call=call).data
    assert plan["label"] == "Paris, checked" and plan["tranches"][0]["rate"] == "0.2"
    assert "tranches[0].rate" not in plan["unconfirmed"] and "cap" in plan["unconfirmed"]
    assert AuditEvent.objects.filter(action="grant.plan_set").count() == 1
    again = client(w.officer).get(url(call)).content.decode()
    assert 'value="Paris, checked"' in again and again.count('data-testid="unconfirmed"') == 4


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"t1_rate": "1.5"}, "Tranche 2, rate must be a fraction between 0 and 1."),
        ({"cap": "abc"}, "Cap before the balance has the wrong type"),
        ({"retention": "0.9"}, "Retention: the retention may not exceed the cap"),
        ({"t0_rate": "0.9"}, "Tranches: the shares of the grant paid before the balance"),
        ({"t1_id": "advance"}, "Tranche 2, name repeats the id of another tranche."),
        ({"t1_trigger": ""}, "Tranche 2, paid is required."),
        ({"t2_rate": ""}, "Tranche 3, rate is required."),
        ({"label": ""}, "Give the plan a name."),
    ],
)
def test_bad_values_are_refused_naming_the_field(w, call, change, field_text):
    r = client(w.officer).post(url(call), form_data(PLAN_DATA["fui"], **change))
    assert r.status_code == 422
    assert field_text in r.content.decode()
    assert not PaymentPlan.objects.filter(call=call).exists()


def test_a_forged_row_count_is_not_a_500(w, call):
    r = client(w.officer).post(url(call), form_data(PLAN_DATA["fui"], rows="lots"))
    assert r.status_code == 302
    assert len(PaymentPlan.objects.get(call=call).data["tranches"]) == 3
