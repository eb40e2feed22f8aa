"""Grants API: owner / insider / outsider on every operation; bad input names the field."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client

from grappe.grants.models import ExpenseStatement, ImpactReport, Installment
from grappe.grants.tests.helpers import make_agreement, make_world, pay, statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def post(c, path, body):
    return c.post(f"/api/v1{path}", body, content_type="application/json")


@pytest.mark.parametrize(
    ("who", "status"),
    [("partner", 200), ("officer", 200), ("admin", 200), ("other_partner", 404),
     ("other_officer", 404), ("outsider", 404), (None, 404)],
)  # fmt: skip
def test_get_grant_triad(w, who, status):
    a = make_agreement(w)
    r = client(getattr(w, who) if who else None).get(f"/api/v1/grants/{a.pk}")
    assert r.status_code == status
    if status == 200:
        data = r.json()
        assert data["amount"] == "100000.00" and data["paid_total"] == "0.00"
        assert data["plan"]["tranches"][0]["unconfirmed"] is True


OPS = [
    ("/transitions", {"transition": "close", "reason": "x"}),
    ("/amendments", {"reason": "x", "amount": "90000.00"}),
    ("/installments", {"tranche": "advance"}),
    ("/installments/transitions", {"installment": 1, "transition": "approve"}),
    ("/statements", {"period_start": "2024-01-01", "period_end": "2024-06-30",
                     "lines": [{"category": "personnel", "description": "x", "claimed": "1"}]}),
    ("/statements/lines", {"line": 1, "decision": "accepted"}),
    ("/statements/transitions", {"statement": 1, "transition": "review"}),
    ("/reports", {"kind": "yearly", "year": 2024, "jobs_fte": "1"}),
    ("/reports/transitions", {"report": 1, "transition": "approve"}),
]  # fmt: skip


@pytest.mark.parametrize(("suffix", "body"), OPS)
@pytest.mark.parametrize("who", ["other_partner", "other_officer", "outsider"])
def test_outsiders_get_404_on_every_write(w, suffix, body, who):
    a = make_agreement(w)
    assert post(client(getattr(w, who)), f"/grants/{a.pk}{suffix}", body).status_code == 404


@pytest.mark.parametrize(("suffix", "body"), OPS)
def test_anonymous_writes_need_a_login(w, suffix, body):
    a = make_agreement(w)
    assert post(client(), f"/grants/{a.pk}{suffix}", body).status_code == 401


def test_main_path_through_the_api(w):
    a = make_agreement(w, status="offered")
    p, o = client(w.partner), client(w.officer)
    base = f"/grants/{a.pk}"
    assert post(o, base + "/transitions", {"transition": "accept"}).status_code == 403
    r = post(p, base + "/transitions", {"transition": "accept"})
    assert r.status_code == 200 and r.json()["accepted_by"] == w.partner.username
    assert post(o, base + "/transitions", {"transition": "activate"}).status_code == 200
    r = post(p, base + "/installments", {"tranche": "advance"})
    inst = r.json()["installments"][0]
    assert inst["amount"] == "30000.00" and inst["explanation"]
    assert post(p, base + "/installments/transitions",
                {"installment": inst["id"], "transition": "approve"}).status_code == 403  # fmt: skip
    for t in ("approve", "pay"):
        r = post(o, base + "/installments/transitions",
                 {"installment": inst["id"], "transition": t, "payment_reference": "V1"})  # fmt: skip
        assert r.status_code == 200
    assert r.json()["paid_total"] == "30000.00"
    r = post(p, base + "/statements", {"period_start": "2024-01-01", "period_end": "2024-12-31",
             "lines": [{"category": "personnel", "description": "staff", "claimed": "100000"},
                       {"category": "instruments_equipment", "description": "kit",
                        "claimed": "40000"}]})  # fmt: skip
    assert r.status_code == 200
    st = r.json()["statements"][0]
    post(o, base + "/statements/lines", {"line": st["lines"][0]["id"], "decision": "accepted"})
    r = post(o, base + "/statements/lines", {"line": st["lines"][1]["id"],
             "decision": "adjusted", "accepted": "20000", "reason": "no invoice"})  # fmt: skip
    assert r.status_code == 200
    r = post(o, base + "/statements/transitions", {"statement": st["id"], "transition": "review"})
    assert r.json()["accepted_costs"] == "120000.00"
    r = post(p, base + "/installments", {"tranche": "interim"})
    assert r.json()["installments"][1]["amount"] == "30000.00"


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("/statements", {"period_start": "2024-01-01", "period_end": "2024-06-30",
                         "lines": [{"category": "buildings_land", "description": "x",
                                    "claimed": "1"}]}, "lines[0].category"),
        ("/statements", {"period_start": "2024-01-01", "period_end": "2027-06-30",
                         "lines": [{"category": "personnel", "description": "x",
                                    "claimed": "1"}]}, "period_end"),
        ("/statements", {"period_start": "2024-01-01", "period_end": "2024-06-30",
                         "lines": [{"category": "personnel", "description": "x",
                                    "claimed": "-1"}]}, "claimed"),
        ("/reports", {"kind": "yearly", "year": 2031}, "year"),
        ("/reports", {"kind": "yearly", "year": 2024, "revenue": "-5"}, "revenue"),
        ("/installments", {"tranche": "moon"}, "tranche"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field(w, suffix, body, field):
    a = make_agreement(w)
    r = post(client(w.partner), f"/grants/{a.pk}{suffix}", body)
    assert r.status_code == 422
    assert any(field in str(e["loc"]) for e in r.json()["detail"]), r.json()
    assert ExpenseStatement.objects.count() == ImpactReport.objects.count() == 0
    assert Installment.objects.count() == 0


def test_another_partner_cannot_touch_a_statement_line(w):
    a = make_agreement(w)
    st = statement(w, a, ("personnel", "10"))
    r = post(client(w.other_officer), f"/grants/{a.pk}/statements/lines",
             {"line": st.lines.get().pk, "decision": "accepted"})  # fmt: skip
    assert r.status_code == 404


def test_amendment_through_the_api(w):
    a = make_agreement(w)
    pay(w, a, "advance")  # 30 000 paid
    body = {"reason": "More work", "amount": "120000.00", "ends_on": "2026-06-30"}
    assert post(client(w.partner), f"/grants/{a.pk}/amendments", body).status_code == 403
    low = post(client(w.officer), f"/grants/{a.pk}/amendments", {"reason": "x", "amount": "1000"})
    assert low.status_code == 422 and low.json()["detail"][0]["loc"] == ["body", "amount"]
    bad = post(client(w.officer), f"/grants/{a.pk}/amendments",
               {"reason": "x", "costs": [{"category": "nothing", "amount": "1"}]})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "costs"]
    r = post(client(w.officer), f"/grants/{a.pk}/amendments", body)
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "offered" and data["version"] == 2 and data["amount"] == "120000.00"
    assert data["ends_on"] == "2026-06-30"
    a.refresh_from_db()
    assert a.amount == D("100000.00")  # in force once the partner accepts
    assert post(client(w.partner), f"/grants/{a.pk}/transitions",
                {"transition": "accept"}).json()["amount"] == "120000.00"  # fmt: skip
