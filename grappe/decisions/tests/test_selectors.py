"""Caps from the rules engine (cumulation), requests, the allocation and its departures, the
`amounts_approved` fact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from grappe.core.tests import factories as f
from grappe.decisions import selectors, services
from grappe.decisions.tests.helpers import ranked, small_project, world
from grappe.funding.domain.aid import max_aid
from grappe.funding.models import RequestedAid
from grappe.funding.selectors import call_ruleset, project_aid_input
from grappe.funding.services import application_transition
from grappe.funding.tests.helpers import open_call
from grappe.projects.models import Participation
from grappe.projects.services import TransitionRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world("sel-decide")


def _large(w) -> Participation:
    return Participation.objects.get(project=w["first"].project, organisation=w["consortium"].large)


def test_caps_are_the_rules_engines_maximum(w):
    call, app = w["call"], w["first"]
    caps = selectors.partner_caps(call, app)
    aid_input = project_aid_input(
        scope=selectors._ENGINE_SCOPE, project=app.project, funder_id=call.funder_id
    )
    expected = max_aid(aid_input.project, call_ruleset(call), aid_input.sizes).by_partner
    large = _large(w)
    assert caps[large.pk] == expected[str(large.organisation_id)] > 0


def test_other_funders_aid_lowers_the_cap_but_not_a_co_funder_of_the_call(w):
    call, app, large = w["call"], w["first"], _large(w)
    before = selectors.partner_caps(call, app)[large.pk]
    co_funder = f.FunderFactory()
    services.call_funding_set(
        actor=None, call=call, envelope=Decimal("1"), pledges=[(co_funder, Decimal("1"))]
    )
    f.FundingLineFactory(
        participation=large,
        funder=co_funder,
        requested=Decimal("200000"),
        granted=Decimal("200000"),
        decided_on=dt.date(2026, 1, 1),
    )
    assert selectors.partner_caps(call, app)[large.pk] == before
    f.FundingLineFactory(
        participation=large,
        funder=f.FunderFactory(),
        requested=Decimal("200000"),
        granted=Decimal("200000"),
        decided_on=dt.date(2026, 1, 1),
    )
    assert selectors.partner_caps(call, app)[large.pk] < before


def test_requests_come_from_funding_lines_else_the_cap(w):
    call, app, large = w["call"], w["first"], _large(w)
    f.FundingLineFactory(
        participation=large, funder=call.funder, requested=Decimal("12345"), granted=None
    )
    caps = selectors.partner_caps(call, app)
    requested = selectors.requested_amounts(app, caps, [call.funder_id])
    assert requested[large.pk] == {call.funder_id: Decimal("12345")}
    others = [pid for pid in caps if pid != large.pk]
    assert all(requested[pid] == {call.funder_id: caps[pid]} for pid in others)


def test_what_the_application_asks_wins_over_funding_lines_and_the_cap(w):
    call, app, large = w["call"], w["first"], _large(w)
    co_funder = f.FunderFactory()
    f.FundingLineFactory(
        participation=large, funder=call.funder, requested=Decimal("12345"), granted=None
    )
    f.FundingLineFactory(
        participation=large, funder=co_funder, requested=Decimal("500"), granted=None
    )
    RequestedAid.objects.create(application=app, participation=large, amount=Decimal("9000"))
    caps = selectors.partner_caps(call, app)
    requested = selectors.requested_amounts(app, caps, [call.funder_id, co_funder.pk])
    assert requested[large.pk] == {call.funder_id: Decimal("9000"), co_funder.pk: Decimal("500")}
    # the others state no amount in the application: they ask the call's funder nothing
    assert all(requested[pid] == {} for pid in caps if pid != large.pk)
    line = next(p for p in selectors.application_partners(call, app) if p.participation == large)
    assert line.requested[call.funder_id] == Decimal("9000")


def test_the_optimiser_departs_from_the_rank_order_and_says_why():
    """A first-ranked project asking more than the envelope has room for next to the others:
    the rank-order line funds it and stops; the optimiser funds the two below, whose scores add
    up to more."""
    call = open_call("departs")
    big = ranked(call, small_project("900000"), rank=1, score="14")
    two = [ranked(call, small_project("300000"), rank=i, score="10") for i in (2, 3)]
    caps = {a.pk: sum(selectors.partner_caps(call, a).values()) for a in [big, *two]}
    envelope = caps[big.pk] + Decimal("1")
    assert caps[two[0].pk] + caps[two[1].pk] <= envelope < caps[big.pk] + caps[two[0].pk]
    services.call_funding_set(actor=None, call=call, envelope=envelope, minimum_share=Decimal("1"))
    view = selectors.call_allocation(call)
    rows = {r.application.pk: r for r in view.rows}
    assert rows[big.pk].line is not None and rows[big.pk].optimal is None
    assert all(rows[a.pk].optimal is not None and rows[a.pk].line is None for a in two)
    assert {d.project for d in view.departures} == {big.pk, *(a.pk for a in two)}
    assert view.optimal.total_score == Decimal("20") > view.line.total_score
    # What if the envelope were larger: everything fits, no departure, nothing written.
    roomy = selectors.call_allocation(call, envelope_if=envelope * 3)
    assert not roomy.departures
    assert selectors.call_envelopes(call)[0].amount == envelope


def test_fund_is_refused_until_an_amount_is_approved(w):
    with pytest.raises(TransitionRefused) as exc:
        application_transition(actor=w["officer"], application=w["first"], transition="fund")
    assert exc.value.guard == "amounts_approved"
    assert selectors.application_decision_facts(w["first"]) == {"amounts_approved": False}
