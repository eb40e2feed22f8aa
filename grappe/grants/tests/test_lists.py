"""The list of agreements: one FilterSet for the officers' page, its exports and the API."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from grappe.core.tests.factories import FundingLineFactory, ParticipationFactory
from grappe.funding.tests.helpers import open_call
from grappe.grants import services
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.tests.helpers import make_agreement, make_world, pay

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def w():
    return make_world()


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def second(w, granted="250000.00", status="draft", call=None):
    part = ParticipationFactory(project=w.project)
    line = FundingLineFactory(participation=part, funder=w.funder, granted=D(granted))
    a = services.agreement_create(actor=w.officer, funding_line=line, call=call,
                                  costs={"personnel": "500000"}, intensity="0.5",
                                  plan=PLAN_DATA["fui"], reference="ZZ-2")  # fmt: skip
    if status == "offered":
        services.agreement_transition(actor=w.officer, agreement=a, transition="offer")
    return a, part


def manage(user, **query):
    return client(user).get(reverse("grants:manage"), query)


def test_the_page_lists_filters_sorts_and_counts(w):
    a = make_agreement(w)
    pay(w, a, "advance")
    call = open_call(funder=w.funder)
    b, part = second(w, status="offered", call=call)
    page = manage(w.officer).content.decode()
    assert f'data-testid="grant-{a.pk}"' in page and f'data-testid="grant-{b.pk}"' in page
    assert page.index(f"grant-{b.pk}") < page.index(f"grant-{a.pk}")  # newest first
    by_amount = manage(w.officer, sort="-amount").content.decode()
    assert by_amount.index(f"grant-{b.pk}") < by_amount.index(f"grant-{a.pk}")
    by_paid = manage(w.officer, sort="-paid").content.decode()
    assert by_paid.index(f"grant-{a.pk}") < by_paid.index(f"grant-{b.pk}")
    active = manage(w.officer, status="active").content.decode()
    assert f"grant-{a.pk}" in active and f"grant-{b.pk}" not in active
    assert "1 agreement" in active
    by_call = manage(w.officer, call=call.slug).content.decode()
    assert f"grant-{b.pk}" in by_call and f"grant-{a.pk}" not in by_call
    text = manage(w.officer, q=part.organisation.name.split()[0][:40]).content.decode()
    assert f"grant-{b.pk}" in text
    counts = manage(w.officer).content.decode()
    counts = counts[counts.index('data-testid="grant-counts"') :].split("</ul>")[0]
    assert "Active: <strong>1</strong>" in counts and "Offered to the partner: <strong>1" in counts
    assert "Closed: <strong>0</strong>" in counts


def test_a_bad_filter_is_named_and_not_applied(w):
    make_agreement(w)
    r = manage(w.officer, funder="no-such-funder", status="nope")
    assert r.status_code == 200
    body = r.content.decode()
    assert (
        "Unknown funder slug: no-such-funder." in body and "Some filters were not applied" in body
    )


def test_the_export_has_the_filtered_rows_only(w):
    a = make_agreement(w)
    b, _part = second(w)
    r = manage(w.officer, export="csv", status="draft")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Project", "Partner"]
    assert [row[0] for row in rows[1:]] == [b.reference]
    assert rows[1][6] == "250000.00"
    xlsx = manage(w.officer, export="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert a.reference  # the active one is left out of the draft-only export


def test_another_funders_officer_lists_nothing_and_partners_are_refused(w):
    make_agreement(w)
    page = manage(w.other_officer).content.decode()
    assert "No agreement matches these filters." in page
    assert manage(w.partner).status_code == 403
    assert manage(w.outsider, export="csv").status_code == 403
    assert client().get(reverse("grants:manage")).status_code == 302  # to the login page


@pytest.mark.parametrize(
    ("who", "seen"),
    [("officer", 2), ("admin", 2), ("partner", 1), ("other_officer", 0), ("outsider", 0),
     (None, 0)],
)  # fmt: skip
def test_api_list_triad(w, who, seen):
    make_agreement(w)
    second(w)
    r = client(getattr(w, who) if who else None).get("/api/v1/grants")
    assert r.status_code == 200
    assert len(r.json()["items"]) == seen


def test_api_list_is_the_page_list(w):
    a = make_agreement(w)
    pay(w, a, "advance")
    b, _part = second(w)
    c = client(w.officer)
    body = c.get("/api/v1/grants", {"sort": "-paid"}).json()
    assert [x["id"] for x in body["items"]] == [a.pk, b.pk]
    first = body["items"][0]
    assert first["paid_total"] == "30000.00" and first["amount"] == "100000.00"
    assert first["funder"] == w.funder.slug and first["status"] == "active"
    one = c.get("/api/v1/grants", {"status": "draft", "limit": 1}).json()
    assert [x["id"] for x in one["items"]] == [b.pk] and one["next_cursor"] is None
    for query, name in (({"funder": "nope"}, "funder"), ({"sort": "up"}, "sort")):
        bad = c.get("/api/v1/grants", query)
        assert bad.status_code == 422
        assert [e["loc"] for e in bad.json()["detail"]] == [["query", name]]
