"""Envelopes, approvals under the envelope ledger, declines, reversals (services)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grappe.core.models import AuditEvent, Transition
from grappe.core.tests import factories as f
from grappe.decisions import selectors, services
from grappe.decisions.models import Decision, Envelope, LedgerEntry
from grappe.decisions.tests.helpers import world
from grappe.funding.models import Application
from grappe.projects.models import FundingLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def _amounts(app, call, share="0.5"):
    """Each partner at `share` of its cap, from the call's funder."""
    partners = selectors.application_partners(call, app)
    return {
        (p.participation.pk, call.funder_id): (p.cap * Decimal(share)).quantize(Decimal("1"))
        for p in partners
    }


def test_envelope_and_pledges_are_set_and_audited(w):
    call, officer = w["call"], w["officer"]
    region = f.FunderFactory()
    rows = services.call_funding_set(
        actor=officer,
        call=call,
        envelope=Decimal("500000"),
        pledges=[(region, Decimal("100000"))],
        minimum_share=Decimal("0.6"),
    )
    assert {(e.funder_id, e.kind, e.amount) for e in rows} == {
        (call.funder_id, "envelope", Decimal("500000")),
        (region.pk, "pledge", Decimal("100000")),
    }
    assert selectors.call_plan(call).minimum_share == Decimal("0.6")
    assert AuditEvent.objects.filter(action="call.funding_set").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"envelope": Decimal("-1")}, "envelope"),
        ({"envelope": Decimal("1.001")}, "envelope"),
        ({"envelope": Decimal("1"), "minimum_share": Decimal("1.5")}, "minimum_share"),
    ],
)
def test_bad_envelopes_are_refused_naming_the_field(w, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.call_funding_set(actor=w["officer"], call=w["call"], **kwargs)
    assert field in exc.value.message_dict
    assert not Envelope.objects.exists()


def test_a_negative_or_self_pledge_is_refused(w):
    call = w["call"]
    with pytest.raises(ValidationError) as exc:
        services.call_funding_set(
            actor=w["officer"],
            call=call,
            envelope=Decimal("10"),
            pledges=[(f.FunderFactory(), Decimal("-5")), (call.funder, Decimal("5"))],
        )
    assert set(exc.value.message_dict) == {"pledges.0", "pledges.1"}
    assert not Envelope.objects.exists()


def test_only_the_call_funders_officers_set_envelopes(w):
    for actor in (w["other_officer"], w["member"], w["evaluator"]):
        with pytest.raises(PermissionDenied):
            services.call_funding_set(actor=actor, call=w["call"], envelope=Decimal("1"))
    assert not Envelope.objects.exists()


def test_approval_posts_to_the_ledger_writes_funding_lines_and_funds(w):
    call, app, officer = w["call"], w["first"], w["officer"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    amounts = _amounts(app, call)
    decision = services.application_approve(
        actor=officer, application=app, amounts=amounts, reference="2026 DAE 12"
    )
    assert decision.outcome == "funded"
    app.refresh_from_db()
    assert app.status == "funded"
    env = Envelope.objects.get(call=call)
    assert env.approved == sum(amounts.values())
    assert LedgerEntry.objects.filter(application=app).count() == len(amounts)
    lines = FundingLine.objects.filter(decision_reference="2026 DAE 12")
    assert {(ln.participation_id, ln.granted) for ln in lines} == {
        (pid, a) for (pid, _fid), a in amounts.items()
    }
    assert all(ln.decided_on is not None for ln in lines)
    assert Transition.objects.filter(object_id=app.pk, transition="fund").exists()
    assert AuditEvent.objects.filter(action="decision.approve").count() == 1


def test_an_amount_above_the_cap_is_refused_with_the_cap(w):
    call, app, officer = w["call"], w["first"], w["officer"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("10000000"))
    partner = selectors.application_partners(call, app)[0]
    key = (partner.participation.pk, call.funder_id)
    with pytest.raises(ValidationError) as exc:
        services.application_approve(actor=officer, application=app, amounts={key: partner.cap + 1})
    field = f"amount_{key[0]}_{key[1]}"
    assert field in exc.value.message_dict
    assert services.money_text(partner.cap) in exc.value.message_dict[field][0]
    assert not LedgerEntry.objects.exists() and not Decision.objects.exists()
    assert Application.objects.get(pk=app.pk).status == "ranked"


def test_a_negative_amount_is_refused(w):
    call, app, officer = w["call"], w["first"], w["officer"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("10000000"))
    partner = selectors.application_partners(call, app)[0]
    key = (partner.participation.pk, call.funder_id)
    with pytest.raises(ValidationError) as exc:
        services.application_approve(actor=officer, application=app, amounts={key: Decimal(-1)})
    assert f"amount_{key[0]}_{key[1]}" in exc.value.message_dict
    assert not LedgerEntry.objects.exists()


def test_a_second_approval_beyond_the_envelope_is_refused(w):
    call, officer = w["call"], w["officer"]
    first = _amounts(w["first"], call)
    second = _amounts(w["second"], call)
    envelope = sum(first.values()) + sum(second.values()) - 1
    services.call_funding_set(actor=officer, call=call, envelope=envelope)
    services.application_approve(actor=officer, application=w["first"], amounts=first)
    with pytest.raises(ValidationError) as exc:
        services.application_approve(actor=officer, application=w["second"], amounts=second)
    assert "envelope" in exc.value.message_dict
    assert Envelope.objects.get(call=call).approved == sum(first.values())
    assert Application.objects.get(pk=w["second"].pk).status == "ranked"
    assert not FundingLine.objects.filter(participation__project=w["second"].project).exists()


def test_an_envelope_below_what_is_approved_is_refused(w):
    call, officer = w["call"], w["officer"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    amounts = _amounts(w["first"], call)
    services.application_approve(actor=officer, application=w["first"], amounts=amounts)
    with pytest.raises(ValidationError) as exc:
        services.call_funding_set(actor=officer, call=call, envelope=Decimal("1"))
    assert "envelope" in exc.value.message_dict
    assert Envelope.objects.get(call=call).amount == Decimal("1000000")


def test_officer_of_another_funder_may_not_approve(w):
    call = w["call"]
    services.call_funding_set(actor=w["officer"], call=call, envelope=Decimal("1000000"))
    with pytest.raises(PermissionDenied):
        services.application_approve(
            actor=w["other_officer"], application=w["first"], amounts=_amounts(w["first"], call)
        )
    assert not LedgerEntry.objects.exists()


def test_decline_needs_a_reason_and_is_recorded(w):
    officer, app = w["officer"], w["second"]
    with pytest.raises(ValidationError) as exc:
        services.application_decline(actor=officer, application=app, reason=" ")
    assert "reason" in exc.value.message_dict
    services.application_decline(actor=officer, application=app, reason="Budget exhausted.")
    app.refresh_from_db()
    assert app.status == "not_funded"
    assert Decision.objects.get(application=app).reason == "Budget exhausted."
    with pytest.raises(ValidationError):
        services.application_decline(actor=officer, application=app, reason="Again")


def test_a_reversal_releases_the_envelope_and_lowers_the_funding_line(w):
    call, officer, app = w["call"], w["officer"], w["first"]
    services.call_funding_set(actor=officer, call=call, envelope=Decimal("1000000"))
    amounts = _amounts(app, call)
    services.application_approve(actor=officer, application=app, amounts=amounts, reference="R1")
    (pid, fid), amount = next(iter(sorted(amounts.items())))
    with pytest.raises(ValidationError) as exc:
        services.approval_reverse(
            actor=officer,
            application=app,
            participation_id=pid,
            funder_id=fid,
            amount=amount + 1,
            reason="Too much",
        )
    assert "amount" in exc.value.message_dict
    services.approval_reverse(
        actor=officer,
        application=app,
        participation_id=pid,
        funder_id=fid,
        amount=Decimal("1000"),
        reason="A cost was dropped.",
    )
    env = Envelope.objects.get(call=call)
    assert env.approved == sum(amounts.values()) - Decimal("1000")
    line = FundingLine.objects.get(participation_id=pid, decision_reference="R1")
    assert line.granted == amount - Decimal("1000")


def test_a_least_per_project_above_its_pledge_or_negative_is_refused(w):
    call = w["call"]
    with pytest.raises(ValidationError) as exc:
        services.call_funding_set(
            actor=w["officer"],
            call=call,
            envelope=Decimal("10"),
            pledges=[
                (f.FunderFactory(), Decimal("100"), Decimal("150")),
                (f.FunderFactory(), Decimal("100"), Decimal("-1")),
            ],
        )
    errors = exc.value.message_dict
    assert set(errors) == {"pledges.0.minimum_per_project", "pledges.1.minimum_per_project"}
    assert "above the pledge" in errors["pledges.0.minimum_per_project"][0]
    assert not Envelope.objects.exists()


def test_a_co_funders_least_per_project_is_stored_audited_and_binds_approvals(w):
    call, app, officer = w["call"], w["first"], w["officer"]
    region = f.FunderFactory()
    services.call_funding_set(
        actor=officer,
        call=call,
        envelope=Decimal("10000000"),
        pledges=[(region, Decimal("500000"), Decimal("20000"))],
    )
    pledge = Envelope.objects.get(call=call, funder=region)
    assert pledge.minimum_per_project == Decimal("20000")
    event = AuditEvent.objects.get(action="call.funding_set")
    assert event.after["minimums"] == {region.slug: "20000"}
    # the city alone: refused, naming the co-funder and its least per project
    amounts = _amounts(app, call)
    with pytest.raises(ValidationError) as exc:
        services.application_approve(actor=officer, application=app, amounts=amounts)
    first = min(p.participation.pk for p in selectors.application_partners(call, app))
    message = exc.value.message_dict[f"amount_{first}_{region.pk}"][0]
    assert region.name in message and services.money_text(Decimal("20000")) in message
    assert not LedgerEntry.objects.exists()
    # with 20,000 € from the region: approved, posted to both envelopes
    (key, amount), *_rest = sorted(amounts.items())
    amounts[key] = amount - Decimal("20000")
    amounts[(key[0], region.pk)] = Decimal("20000")
    services.application_approve(actor=officer, application=app, amounts=amounts)
    pledge.refresh_from_db()
    assert pledge.approved == Decimal("20000")


def test_the_optimiser_gives_the_co_funders_least_per_project(w):
    call, officer = w["call"], w["officer"]
    region = f.FunderFactory()
    services.call_funding_set(
        actor=officer,
        call=call,
        envelope=Decimal("10000000"),
        pledges=[(region, Decimal("30000"), Decimal("20000"))],
    )
    view = selectors.call_allocation(call)
    # the region's 30,000 € pay its least (20,000 €) for one project only
    assert len(view.optimal.funded) == 1
    (funded,) = view.optimal.funded
    assert view.optimal.amounts[funded][region.slug] >= Decimal("20000")
