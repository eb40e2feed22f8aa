"""Grant pages: owner / insider / outsider, forms, the PDF, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from grappe.core.models import Transition
from grappe.core.tests.pdf import pdf_text
from grappe.grants import services
from grappe.grants.models import ExpenseStatement, GrantAgreement, Installment
from grappe.grants.tests.helpers import PDF, make_agreement, make_world, pay, statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def client(user=None):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def url(name, **kw):
    return reverse(f"grants:{name}", kwargs=kw)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("partner", 200),
        ("officer", 200),
        ("admin", 200),
        ("other_partner", 404),
        ("other_officer", 404),
        ("outsider", 404),
        (None, 404),
    ],
)
def test_agreement_page_and_pdf_triad(w, who, status):
    a = make_agreement(w)
    st = statement(w, a, ("personnel", "10.00"))
    doc = services.statement_document_add(actor=w.partner, statement=st, title="Proof",
                                          file_name="p.pdf", content=PDF)  # fmt: skip
    c = client(getattr(w, who) if who else None)
    page = c.get(url("detail", pk=a.pk))
    assert page.status_code == status
    for lang in ("fr", "en"):
        pdf = c.get(url("pdf", pk=a.pk) + f"?lang={lang}")
        assert pdf.status_code == status
        if status == 200:
            assert pdf.content.startswith(b"%PDF-")
    assert c.get(url("document", pk=a.pk, document_pk=doc.pk)).status_code == status
    if status == 200:
        assert b"100" in page.content and b"unconfirmed" in page.content
    else:
        assert a.reference.encode() not in page.content


def test_pdf_is_in_the_language_asked_with_names_as_written(w):
    a = make_agreement(w)
    organisation = a.participation.organisation
    organisation.name = "Politechnika Łódzka Œuvre"
    organisation.save(update_fields=["name"])
    c = client(w.partner)
    fr = pdf_text(c.get(url("pdf", pk=a.pk) + "?lang=fr").content)
    en = pdf_text(c.get(url("pdf", pk=a.pk) + "?lang=en").content)
    assert "Convention de subvention" in fr and "Grant agreement" not in fr
    assert "Grant agreement" in en and "Convention de subvention" not in en
    assert "Politechnika Łódzka Œuvre" in fr and "Politechnika Łódzka Œuvre" in en


def test_partner_accepts_on_the_page(w):
    a = make_agreement(w, status="offered")
    r = client(w.other_partner).post(url("detail", pk=a.pk), {"form": "transition",
                                                             "transition": "accept"})  # fmt: skip
    assert r.status_code == 404
    r = client(w.officer).post(url("detail", pk=a.pk), {"form": "transition",
                                                        "transition": "accept"})  # fmt: skip
    assert r.status_code == 409
    r = client(w.partner).post(url("detail", pk=a.pk), {"form": "transition",
                                                        "transition": "accept"})  # fmt: skip
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "accepted"


def test_statement_in_a_category_the_agreement_lacks_is_refused_on_the_page(w):
    a = make_agreement(w)
    r = client(w.partner).post(url("detail", pk=a.pk), {
        "form": "statement", "period_start": "2024-01-01", "period_end": "2027-03-01",
        "amount_personnel": "10",
    })  # fmt: skip
    assert r.status_code == 422
    assert "period_end" in r.content.decode()
    assert ExpenseStatement.objects.count() == 0
    r = client(w.partner).post(url("detail", pk=a.pk), {
        "form": "statement", "period_start": "2024-01-01", "period_end": "2024-06-30",
        "amount_personnel": "-10",
    })  # fmt: skip
    assert r.status_code == 422 and ExpenseStatement.objects.count() == 0


def test_over_payment_refused_on_the_page(w):
    a = make_agreement(w)
    inst = services.installment_request(actor=w.partner, agreement=a, tranche="advance")
    services.installment_transition(actor=w.officer, installment=inst, transition="approve")
    GrantAgreement.objects.filter(pk=a.pk).update(paid_total=Decimal("99000.00"))
    r = client(w.officer).post(url("detail", pk=a.pk), {
        "form": "installment", "installment": inst.pk, "transition": "pay",
        "payment_reference": "VIR-1",
    })  # fmt: skip
    assert r.status_code == 422
    assert "exceed the grant" in r.content.decode()
    assert Installment.objects.get().status == "approved"


@pytest.mark.parametrize(("who", "status"), [("officer", 200), ("admin", 200),
                                             ("partner", 403), ("outsider", 403)])  # fmt: skip
def test_manage_page(w, who, status):
    assert client(getattr(w, who)).get(url("manage")).status_code == status


def test_officer_drafts_from_the_manage_page(w):
    from grappe.core.tests.factories import BudgetLineFactory

    BudgetLineFactory(participation=w.line.participation, amount=Decimal("150000"))
    r = client(w.officer).post(url("manage"), {"funding_line": w.line.pk, "intensity": "0.5",
                                               "plan": "fui"})  # fmt: skip
    assert r.status_code == 302
    a = GrantAgreement.objects.get()
    assert a.amount == Decimal("100000.00") and a.status == "draft"
    # another funder's officer does not see the line
    r = client(w.other_officer).post(url("manage"), {"funding_line": w.line.pk,
                                                     "intensity": "0.5"})  # fmt: skip
    assert r.status_code == 404


def test_my_area_lists_own_grants_only(w):
    a = make_agreement(w)
    assert a.reference in client(w.partner).get(reverse("my_area")).content.decode()
    assert a.reference not in client(w.other_partner).get(reverse("my_area")).content.decode()


def _many(w, n):
    from grappe.core.tests.factories import FundingLineFactory, ParticipationFactory

    for _ in range(n):
        part = ParticipationFactory(project=w.project)
        line = FundingLineFactory(participation=part, funder=w.funder, granted=Decimal("1000"))
        services.agreement_create(actor=w.officer, funding_line=line,
                                  costs={"personnel": "2000"}, intensity="0.5",
                                  plan=__import__("grappe.grants.domain.payments",
                                                  fromlist=["PLAN_DATA"]).PLAN_DATA["fui"])  # fmt: skip


def test_query_counts_do_not_grow_with_the_grants(w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a = make_agreement(w)
    pay(w, a, "advance")
    c = client(w.officer)
    counts = {}
    for n in (10, 100):
        _many(w, n - GrantAgreement.objects.count())
        for name, target in (("detail", url("detail", pk=a.pk)), ("manage", url("manage")),
                             ("my_area", reverse("my_area"))):  # fmt: skip
            with CaptureQueriesContext(connection) as ctx:
                assert c.get(target).status_code == 200
            counts[(name, n)] = len(ctx)
    print("grant page query counts:", counts)
    for name in ("detail", "manage", "my_area"):
        assert counts[(name, 10)] == counts[(name, 100)], counts


def test_officer_offers_an_amendment_on_the_page(w):
    a = make_agreement(w)
    data = {"form": "amend", "amount": "110000.00", "reason": "More work"}
    assert client(w.partner).post(url("detail", pk=a.pk), data).status_code == 403
    assert client(w.officer).post(url("detail", pk=a.pk), data).status_code == 302
    a.refresh_from_db()
    assert a.status == "offered" and a.versions.count() == 2
    r = client(w.partner).post(url("detail", pk=a.pk), {"form": "transition",
                                                        "transition": "accept"})  # fmt: skip
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.amount == Decimal("110000.00")


def test_the_agreement_history_dates_are_unambiguous(w):
    """`7 December 2026, 09:05` (Paris), not `Dec. 7, 2026, 9:05 a.m.` or `12/07/2026`."""
    a = make_agreement(w)
    Transition.objects.update(created_at=dt.datetime(2026, 12, 7, 8, 5, tzinfo=dt.UTC))
    body = client(w.officer).get(url("detail", pk=a.pk)).content.decode()
    history = body[body.index('id="history"') :]
    assert '<time datetime="2026-12-07T09:05:00+01:00">7 December 2026, 09:05</time>' in history
    assert "a.m." not in history and "12/07/2026" not in history
