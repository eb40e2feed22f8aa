"""Calls and their versioned rule sets: validation, versions, audit, nothing half-written."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from grappe.core.models import AuditEvent
from grappe.core.tests import factories as f
from grappe.funding.domain.rulesets import FUI_19, ruleset_from_dict
from grappe.funding.models import Call, CallRuleSet
from grappe.funding.selectors import call_ruleset
from grappe.funding.services import RuleSetInvalid, call_create, call_ruleset_update
from grappe.funding.tests.helpers import open_call, upcoming_call

pytestmark = pytest.mark.django_db


def test_a_call_created_from_a_ready_made_set_has_version_1_and_is_audited() -> None:
    officer = f.UserFactory()
    call = call_create(
        actor=officer,
        funder=f.FunderFactory(),
        slug="fui-19",
        title_en="FUI 19",
        title_fr="FUI 19",
        opens_on=dt.date(2014, 10, 1),
        closes_on=dt.date(2015, 1, 15),
        source_code="fui-19",
    )
    assert call.ruleset is not None and call.ruleset.version == 1
    assert call.ruleset.source_code == "fui-19"
    assert call.ruleset.data["company_rates"]["small"] == "0.45"
    assert call_ruleset(call).code == "fui-19"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_id"))
    assert actions == [("call.create", officer.pk), ("call.ruleset_update", officer.pk)]


def test_each_change_creates_a_new_version_and_keeps_the_earlier_one() -> None:
    call = upcoming_call(code="fui-19")
    data = copy.deepcopy(call.ruleset.data)
    data["company_rates"]["small"] = "0.50"
    officer = f.UserFactory()
    v2 = call_ruleset_update(actor=officer, call=call, data=data, reason="SME rate raised")
    call.refresh_from_db()
    assert (v2.version, call.ruleset_id) == (2, v2.pk)
    assert v2.created_by == officer and v2.reason == "SME rate raised"
    v1 = CallRuleSet.objects.get(call=call, version=1)
    assert v1.data["company_rates"]["small"] == "0.45"
    assert ruleset_from_dict(v2.data).version == 2  # the stored data carries its version
    event = AuditEvent.objects.filter(action="call.ruleset_update").latest("id")
    assert event.reason == "SME rate raised"
    assert event.before["version"] == 1 and event.after["version"] == 2


def test_saving_the_same_rule_set_again_creates_no_version() -> None:
    call = upcoming_call(code="fui-19")
    same = call_ruleset_update(actor=None, call=call, data=dict(FUI_19), reason="no change")
    assert same.version == 1
    assert CallRuleSet.objects.filter(call=call).count() == 1


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        (
            lambda d: d["company_rates"].__setitem__("small", "1.5"),
            "company_rates.small",
            "rate_range",
        ),
        (lambda d: d.__setitem__("bonus_for_friends", "0.10"), "bonus_for_friends", "unknown_key"),
        (
            lambda d: d["company_rates"].__setitem__("large", "-0.1"),
            "company_rates.large",
            "non_negative",
        ),
        (
            lambda d: d["consortium"].__setitem__("max_partners", "five"),
            "consortium.max_partners",
            "integer",
        ),
        (lambda d: d.__setitem__("gber", "2031"), "gber", "unknown_gber_version"),
    ],
    ids=["rate-1.5", "unknown-rule", "negative-rate", "not-an-integer", "unknown-gber"],
)
def test_a_wrong_rule_set_is_refused_naming_the_field_and_rule(change, field, rule) -> None:
    call = upcoming_call(code="fui-19")
    events = AuditEvent.objects.count()
    data = copy.deepcopy(call.ruleset.data)
    change(data)
    with pytest.raises(RuleSetInvalid) as info:
        call_ruleset_update(actor=None, call=call, data=data, reason="typo")
    assert info.value.field == field and info.value.rule == rule
    assert field in info.value.messages[0]
    assert CallRuleSet.objects.filter(call=call).count() == 1
    assert AuditEvent.objects.count() == events


def test_a_call_without_rule_set_or_with_wrong_dates_is_refused_and_nothing_is_written() -> None:
    funder = f.FunderFactory()
    kwargs = dict(
        actor=None,
        funder=funder,
        slug="x",
        title_en="X",
        title_fr="X",
        opens_on=dt.date(2026, 2, 1),
        closes_on=dt.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError):
        call_create(**kwargs, source_code="fui-19")
    with pytest.raises(ValidationError):
        call_create(**{**kwargs, "closes_on": dt.date(2026, 3, 1)})
    with pytest.raises(RuleSetInvalid):
        call_create(
            **{**kwargs, "closes_on": dt.date(2026, 3, 1)},
            ruleset_data={**FUI_19, "startup_bonus": "2"},
        )
    assert not Call.objects.exists() and not AuditEvent.objects.exists()


def test_call_status_follows_the_dates() -> None:
    call = open_call()
    assert call.is_open and call.status == "open"
    assert call.status_on(call.closes_on + dt.timedelta(days=1)) == "closed"
    assert call.status_on(call.opens_on - dt.timedelta(days=1)) == "upcoming"
