"""The list of agreements: one FilterSet for the officers' page, its exports and the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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


# --------------------------------------------------------------------------- lines to draft


def lines(w, n, granted="1000.00", year=2020):
    """`n` more granted lines of the officer's funder, decided on successive days of `year`."""
    return [
        FundingLineFactory(
            participation=ParticipationFactory(project=w.project),
            funder=w.funder,
            granted=D(granted) + i,
            decided_on=dt.date(year, 1, 1) + dt.timedelta(days=i),
            decision_reference=f"REF-{year}-{i:03d}",
        )
        for i in range(n)
    ]


def line_ids(body: str) -> list[int]:
    listed = body[body.index('data-testid="lines-to-draft"') : body.index('id="agreements"')]
    return [int(pk) for pk in re.findall(r'data-testid="line-(\d+)"', listed)]


def test_the_granted_lines_are_keyset_pages_with_a_total(w, settings):
    """Not every line on one page: 25 by page, the total, the next page after the cursor; the
    line that has its agreement is left out, and the agreements' list is not moved."""
    make_agreement(w)  # w.line now has its agreement
    extra = lines(w, 30, year=2025)
    theirs = set(w.project.participations.values_list("funding_lines__pk", flat=True))
    expected = 30 + 1  # and the other partner's line of make_world
    body = manage(w.officer).content.decode()
    assert f"{expected} granted lines without an agreement" in body
    first = line_ids(body)
    assert len(first) == settings.PAGE_SIZE and w.line.pk not in first
    assert first[0] == extra[-1].pk  # the latest decision first
    link = re.search(r'href="\?(lines-cursor=[^"]+)" rel="next"', body)
    assert link is not None and "export" not in link.group(1)
    rest = line_ids(manage(w.officer, **{"lines-cursor": _unquote(link.group(1))}).content.decode())
    assert len(rest) == expected - settings.PAGE_SIZE and not set(first) & set(rest)
    assert set(first + rest) <= theirs and w.line.pk not in rest
    following = manage(w.officer, **{"lines-cursor": _unquote(link.group(1))}).content.decode()
    assert 'data-testid="grant-' in following  # the agreements' list is still on its first page


def _unquote(pair: str) -> str:
    return unquote(pair.split("=", 1)[1].split("&")[0])


def test_the_granted_lines_filter_sort_and_say_why_nothing_shows(w):
    old = lines(w, 2, year=2008)
    new = lines(w, 2, granted="90000.00", year=2025)
    recent = line_ids(manage(w.officer, **{"lines-year": "2025"}).content.decode())
    assert sorted(recent) == sorted(ln.pk for ln in new)
    smallest = line_ids(manage(w.officer, **{"lines-sort": "amount"}).content.decode())
    assert smallest[0] == old[0].pk
    found = line_ids(manage(w.officer, **{"lines-q": "REF-2008-001"}).content.decode())
    assert found == [old[1].pk]
    bad = manage(w.officer, **{"lines-funder": "no-such-funder", "sort": "-amount"})
    assert bad.status_code == 200 and "Unknown funder slug: no-such-funder." in bad.content.decode()
    none = manage(w.officer, **{"lines-year": "1991"}).content.decode()
    assert "No granted line without an agreement matches these filters." in none
    assert "0 granted lines without an agreement" in none
    # Another funder's officer has no line of this funder to draft.
    other = manage(w.other_officer).content.decode()
    assert line_ids(other) == [] and "Every granted line has its agreement." in other


def test_the_granted_lines_export_is_the_filtered_list_and_the_agreements_keep_theirs(w):
    a = make_agreement(w)
    new = lines(w, 3, year=2025)
    r = manage(w.officer, **{"lines-export": "csv", "lines-year": "2025", "status": "draft"})
    assert r.status_code == 200 and "granted-lines" in r["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Project", "Partner", "Funder", "Decision reference", "Granted (EUR)", "Decided on",
    ]  # fmt: skip
    assert sorted(row[3] for row in rows[1:]) == sorted(ln.decision_reference for ln in new)
    xlsx = manage(w.officer, **{"lines-export": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    agreements = manage(w.officer, export="csv")
    body = b"".join(agreements.streaming_content).decode("utf-8-sig")
    assert body.startswith("Reference,") and a.reference in body
    page = manage(w.officer).content.decode()
    assert "lines-export=csv" in page and "export=csv" in page


def test_the_page_reads_as_many_queries_for_many_lines(w, django_assert_max_num_queries):
    lines(w, 3)
    c = client(w.officer)
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("grants:manage"))
    lines(w, 40)
    with django_assert_max_num_queries(len(few)):
        c.get(reverse("grants:manage"))


def _form(body: str, label: str) -> str:
    """The filter form whose label is `label`."""
    at = body.index(f'aria-label="{label}"')
    return body[at : body.index("</form>", at)]


def test_filtering_or_resetting_one_list_keeps_the_other_lists_filters(w):
    """Two lists on one page: each filter form carries the other list's parameters (hidden),
    its Reset keeps them, and neither carries its own list's cursor (a new filter starts at the
    top)."""
    body = manage(
        w.officer, **{"lines-year": "2025", "q": "GA-", "lines-cursor": "x"}
    ).content.decode()
    lines_form = _form(body, "Filter granted lines")
    agreements_form = body[body.index('id="agreements"') :]
    agreements_form = agreements_form[: agreements_form.index("</form>")]
    assert '<input type="hidden" name="q" value="GA-">' in lines_form
    assert '<input type="hidden" name="lines-year" value="2025">' in agreements_form
    assert "lines-cursor" not in lines_form  # a new filter starts the list at its top
    assert 'href="/en/grants/manage/?q=GA-"' in lines_form  # Reset the lines only
    # The agreements' filters keep the lines where they are, their page included.
    assert 'href="/en/grants/manage/?lines-year=2025&amp;lines-cursor=x"' in agreements_form
