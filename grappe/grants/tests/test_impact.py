"""Impact roll-up: the same figures on the cluster, funder and project pages and in the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from grappe.core.tests.factories import AccreditationFactory
from grappe.grants import selectors, services
from grappe.grants.domain.impact import leverage
from grappe.grants.tests.helpers import make_agreement, make_world, pay

D = Decimal
pytestmark = pytest.mark.django_db


def test_leverage_is_private_euros_per_public_euro():
    assert leverage(own_contribution=D("100"), follow_on_private=D("50"), granted=D("100")) == D(
        "1.50"
    )
    assert leverage(own_contribution=D("1"), follow_on_private=D("0"), granted=D("0")) is None
    assert leverage(own_contribution=D("1"), follow_on_private=D("0"), granted=D("3")) == D("0.33")


@pytest.fixture
def world():
    w = make_world()
    acc = AccreditationFactory(project=w.project)
    a = make_agreement(w)  # 100 000 granted on 200 000 of eligible costs
    pay(w, a, "advance")
    for year, jobs, private in ((2024, "1.5", "40000"), (2025, "2", "60000")):
        r = services.report_submit(actor=w.partner, agreement=a, kind="yearly", year=year,
                                   figures={"jobs_fte": jobs, "patents": 1,
                                            "follow_on_private": private,
                                            "follow_on_source": "Seed round"})  # fmt: skip
        services.report_transition(actor=w.officer, report=r, transition="approve")
    # a submitted, not approved report does not count
    services.report_submit(actor=w.partner, agreement=a, kind="yearly", year=2026,
                           figures={"jobs_fte": "50"})  # fmt: skip
    return w, acc.cluster, a


def test_the_roll_up(world):
    _w, cluster, _a = world
    figures = selectors.impact(selectors.impact_agreements(cluster_id=cluster.pk))
    assert figures.granted == D("100000.00") and figures.paid == D("30000.00")
    assert figures.own_contribution == D("100000.00")
    assert figures.jobs_fte == D("3.50") and figures.patents == 2
    assert figures.follow_on_private == D("100000.00")
    assert figures.leverage == D("2.00")
    years = {y.year: y for y in figures.by_year}
    assert years[2024].jobs_fte == D("1.50") and years[2024].granted == D("100000.00")
    assert sum((y.paid for y in figures.by_year), D("0")) == figures.paid


@pytest.mark.parametrize("who", ["partner", "officer", "other_officer", "outsider", None])
def test_same_figures_on_every_page_and_in_the_api(world, who):
    w, cluster, _a = world
    c = Client()
    if who:
        c.force_login(getattr(w, who))
    pages = [
        c.get(reverse("cluster_detail", kwargs={"slug": cluster.slug})),
        c.get(reverse("funder_detail", kwargs={"slug": w.funder.slug})),
        c.get(reverse("project_detail", kwargs={"pk": w.project.pk})),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="impact-leverage">2.00<' in html
        assert 'data-testid="impact-jobs">3.50<' in html
    for path in (f"/clusters/{cluster.slug}/impact", f"/funders/{w.funder.slug}/impact",
                 f"/projects/{w.project.pk}/impact"):  # fmt: skip
        data = c.get("/api/v1" + path).json()
        assert (data["leverage"], data["jobs_fte"], data["granted"]) == ("2.00", "3.50",
                                                                        "100000.00")  # fmt: skip


def test_other_funder_and_draft_projects_count_nothing(world):
    w, cluster, _a = world
    assert selectors.impact(selectors.impact_agreements(funder_id=w.other_funder.pk)).granted == 0
    w.project.status = "draft"
    w.project.save()
    assert selectors.impact(selectors.impact_agreements(cluster_id=cluster.pk)).agreements == 0
    assert Client().get(f"/api/v1/projects/{w.project.pk}/impact").status_code == 404


def test_impact_queries_do_not_grow(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grappe.core.tests.factories import FundingLineFactory, ParticipationFactory
    from grappe.grants.domain.payments import PLAN_DATA
    from grappe.grants.models import GrantAgreement

    w, _cluster, _a = world
    counts = []
    for n in (10, 100):
        while selectors.impact_agreements(funder_id=w.funder.pk).count() < n:
            part = ParticipationFactory(project=w.project)
            line = FundingLineFactory(participation=part, funder=w.funder, granted=D("1000"),
                                      decided_on=dt.date(2025, 1, 1))  # fmt: skip
            g = services.agreement_create(actor=w.officer, funding_line=line,
                                          costs={"personnel": "3000"}, intensity="0.5",
                                          plan=PLAN_DATA["fui"])  # fmt: skip
            # setting up many grants in force; the workflow itself is tested elsewhere
            GrantAgreement.objects.filter(pk=g.pk).update(status="active")
        with CaptureQueriesContext(connection) as ctx:
            page = Client().get(reverse("funder_detail", kwargs={"slug": w.funder.slug}))
        assert page.status_code == 200
        counts.append(len(ctx))
    print("funder page queries with 10 and 100 grants:", counts)
    assert counts[0] == counts[1]


def test_a_partner_funded_by_two_funders_counts_its_own_contribution_once(world):
    """Its costs less the aid of both funders, not each agreement's costs less its own grant."""
    from grappe.core.tests.factories import FundingLineFactory
    from grappe.grants.domain.payments import PLAN_DATA

    w, cluster, a = world
    second = FundingLineFactory(
        participation=a.participation, funder=w.other_funder, granted=D("50000.00")
    )
    other = services.agreement_create(
        actor=None,
        funding_line=second,
        costs={"personnel": "150000.00", "instruments_equipment": "50000.00"},
        intensity="0.25",
        plan=PLAN_DATA["fui"],
    )
    for t in ("offer", "accept", "activate"):
        actor = w.partner if t == "accept" else None  # the partner's signatory accepts
        services.agreement_transition(actor=actor, agreement=other, transition=t)
    figures = selectors.impact(selectors.impact_agreements(cluster_id=cluster.pk))
    assert figures.granted == D("150000.00")
    assert figures.own_contribution == D("50000.00")  # 200,000 of costs less 150,000 of aid
