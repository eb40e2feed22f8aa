"""Payment plans and the amount due (pure, no database)."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.grants.domain.payments import (
    PAYMENT_MESSAGES,
    PLAN_DATA,
    READY_MADE,
    Basis,
    DueError,
    PlanError,
    Trigger,
    TriggerFacts,
    amount_due,
    plan_from_dict,
    plan_to_dict,
    trigger_met,
)

D = Decimal
PARIS = READY_MADE["city-of-paris"]
HORIZON = READY_MADE["horizon-europe"]


def due(plan, tranche, grant="100000", intensity="0.5", costs="0", paid="0"):
    return amount_due(
        plan, tranche, grant=D(grant), intensity=D(intensity), accepted_costs=D(costs), paid=D(paid)
    )


def test_ready_made_plans_load_and_round_trip():
    for key, plan in READY_MADE.items():
        assert plan.id == key
        assert plan_from_dict(plan_to_dict(plan)) == plan
        assert plan.balance.trigger is Trigger.FINAL_REPORT


def test_every_figure_of_the_ready_made_plans_is_unconfirmed():
    # FUNDING-RULES.md confirms no payment schedule: cap, retention and every rate are [U].
    for plan in READY_MADE.values():
        assert plan.is_unconfirmed("cap") and plan.is_unconfirmed("retention")
        for i in range(len(plan.tranches)):
            assert plan.is_unconfirmed(f"tranches[{i}].rate")
        assert not plan.is_unconfirmed("label")


def test_advance_is_a_share_of_the_grant():
    d = due(PARIS, "advance")
    assert d.amount == D("30000.00")
    assert [line.code for line in d.lines][-1] == "payments.due.amount"


def test_interim_pays_intensity_times_accepted_costs_less_paid():
    # 50 % of 100 000 accepted = 50 000, less the 30 000 advance = 20 000 (under the 80 000 cap)
    assert due(PARIS, "interim", costs="100000", paid="30000").amount == D("20000.00")


def test_interim_stops_at_the_cap():
    # entitlement 0.5 x 200 000 = 100 000, but the cap is 80 % of 100 000
    d = due(PARIS, "interim", costs="200000", paid="30000")
    assert d.amount == D("50000.00")
    assert "payments.due.capped" in [line.code for line in d.lines]


def test_retention_is_held_back_until_the_balance():
    # Horizon-like: ceiling (90 % - 5 %) x 100 000 = 85 000 before the balance
    assert due(HORIZON, "interim", intensity="1", costs="200000", paid="40000").amount == D(
        "45000.00"
    )
    # the balance releases the retention: up to the whole grant
    d = due(HORIZON, "balance", intensity="1", costs="200000", paid="85000")
    assert d.amount == D("15000.00")
    assert d.lines[1].code == "payments.due.ceiling_balance"
    assert d.lines[1].params["retained"] == "5000.00"


def test_nothing_due_when_the_advance_exceeds_the_entitlement():
    d = due(PARIS, "interim", costs="10000", paid="30000")
    assert d.amount == D("0")
    assert "payments.due.nothing" in [line.code for line in d.lines]


def test_amounts_are_rounded_down_to_the_cent():
    assert due(PARIS, "interim", intensity="0.45", costs="333.33").amount == D("149.99")


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("grant", {"grant": "-1"}),
        ("paid", {"paid": "-0.01"}),
        ("accepted_costs", {"costs": "-5"}),
        ("intensity", {"intensity": "1.2"}),
        ("paid", {"paid": "200000"}),
    ],
)
def test_bad_figures_are_refused_naming_the_field(field, kwargs):
    with pytest.raises(DueError) as err:
        due(PARIS, "interim", **kwargs)
    assert err.value.field == field


def _broken(mutate):
    data = copy.deepcopy(PLAN_DATA["fui"])
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "field", "rule"),
    [
        (lambda d: d.pop("id"), "id", "required"),
        (lambda d: d.update(tranches=[]), "tranches", "required"),
        (lambda d: d["tranches"][1].update(rate="1.5"), "tranches[1].rate", "rate_range"),
        (lambda d: d["tranches"][1].update(rate="-0.1"), "tranches[1].rate", "rate_range"),
        (lambda d: d["tranches"][1].update(rate="abc"), "tranches[1].rate", "type"),
        (lambda d: d["tranches"][0].update(trigger="moon"), "tranches[0].trigger", "unknown_value"),
        (lambda d: d["tranches"][0].update(basis="x"), "tranches[0].basis", "unknown_value"),
        (lambda d: d["tranches"][0].update(extra=1), "tranches[0].extra", "unknown_key"),
        (lambda d: d["tranches"][1].update(id="advance"), "tranches[1].id", "duplicate"),
        (lambda d: d["tranches"].pop(), "tranches[1].trigger", "balance"),
        (lambda d: d.update(retention="0.9"), "retention", "retention"),
        (lambda d: d["tranches"][0].update(rate="0.95"), "tranches", "over_cap"),
        (lambda d: d.update(unconfirmed=["nowhere"]), "unconfirmed", "unknown_path"),
        (lambda d: d.update(cap=True), "cap", "type"),
    ],
)
def test_plan_validation_names_the_path(mutate, field, rule):
    with pytest.raises(PlanError) as err:
        plan_from_dict(_broken(mutate))
    assert (err.value.field, err.value.rule) == (field, rule)
    assert err.value.code in PAYMENT_MESSAGES


def test_every_explanation_code_has_a_message():
    d = due(HORIZON, "interim", intensity="1", costs="200000", paid="40000")
    for line in d.lines:
        assert line.code in PAYMENT_MESSAGES
        PAYMENT_MESSAGES[line.code] % dict(line.params)  # every parameter is given


def test_report_triggered_tranche_waits_for_the_approval():
    interim = HORIZON.tranche("interim")
    assert not trigger_met(interim, TriggerFacts(signed=True, statements_accepted=3))
    assert trigger_met(interim, TriggerFacts(signed=True, reports_approved=1))
    assert not trigger_met(HORIZON.balance, TriggerFacts(signed=True, reports_approved=2))
    assert trigger_met(HORIZON.balance, TriggerFacts(signed=True, final_report_approved=True))
    assert not trigger_met(HORIZON.tranche("prefinancing"), TriggerFacts())
    assert PARIS.tranche("interim").repeatable and not PARIS.tranche("advance").repeatable
    assert PARIS.tranche("interim").basis is Basis.ACCEPTED_COSTS


# --- Properties -------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False)
fraction = st.decimals(min_value=0, max_value=1, places=2, allow_nan=False)
plans = st.sampled_from(sorted(READY_MADE))


def _run(plan, grant, intensity, statements):
    """The advance, an interim payment after each statement, then the balance: total paid."""
    paid = D("0")
    accepted = D("0")
    for tranche in plan.tranches:
        if tranche.repeatable:
            for amount in statements:
                accepted += amount
                paid += amount_due(
                    plan, tranche.id, grant=grant, intensity=intensity,
                    accepted_costs=accepted, paid=paid,
                ).amount  # fmt: skip
        else:
            paid += amount_due(
                plan, tranche.id, grant=grant, intensity=intensity,
                accepted_costs=accepted, paid=paid,
            ).amount  # fmt: skip
    return paid


@settings(max_examples=200, deadline=None)
@given(plans, money, fraction, st.lists(money, max_size=6))
def test_total_paid_never_exceeds_the_grant(plan_id, grant, intensity, statements):
    assert _run(READY_MADE[plan_id], grant, intensity, statements) <= grant


@settings(max_examples=200, deadline=None)
@given(plans, money, fraction, money, money, st.sampled_from(["advance", "interim", "balance"]))
def test_amount_due_is_never_negative(plan_id, grant, intensity, costs, paid, which):
    plan = READY_MADE[plan_id]
    tranche = plan.tranches[["advance", "interim", "balance"].index(which)]
    paid = min(paid, grant)
    d = amount_due(
        plan, tranche.id, grant=grant, intensity=intensity, accepted_costs=costs, paid=paid
    )
    assert D("0") <= d.amount <= grant - paid
    assert d.amount == d.amount.quantize(D("0.01"))


@settings(max_examples=200, deadline=None)
@given(plans, money, fraction, st.lists(money, max_size=6), st.randoms())
def test_order_of_accepted_statements_does_not_change_the_total(
    plan_id, grant, intensity, statements, rnd
):
    plan = READY_MADE[plan_id]
    shuffled = list(statements)
    rnd.shuffle(shuffled)
    assert _run(plan, grant, intensity, statements) == _run(plan, grant, intensity, shuffled)
