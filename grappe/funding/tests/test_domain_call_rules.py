"""A call's rule set in plain words (`call_rules`) and the structured editor's spec
(`ruleset_fields`): every ready-made set explained, [U] marked, and going round the form exactly."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from grappe.funding.domain.call_rules import (
    CALL_RULE_MESSAGES,
    CALL_RULE_PLURALS,
    Section,
    explain_rules,
)
from grappe.funding.domain.messages import MESSAGES, render
from grappe.funding.domain.ruleset_fields import (
    BY_PATH,
    FIELDS,
    MARKABLE,
    field_name,
    from_form,
    mark_name,
    path_for_error,
    to_form,
)
from grappe.funding.domain.rulesets import (
    READY_MADE,
    RuleSetError,
    ready_made,
    ruleset_from_dict,
    ruleset_to_dict,
)


def normalised(code: str) -> dict[str, object]:
    return ruleset_to_dict(ruleset_from_dict(READY_MADE[code]))


def texts(code: str) -> dict[str, tuple[str, bool, bool]]:
    return {
        line.code: (render(line.code, line.params), line.unconfirmed, line.advisory)
        for line in explain_rules(ready_made(code))
    }


@pytest.mark.parametrize("code", sorted(READY_MADE))
def test_every_ready_made_set_is_explained_with_known_codes(code: str) -> None:
    lines = explain_rules(ready_made(code))
    assert {line.section for line in lines} == {Section.ELIGIBILITY, Section.AID}
    for line in lines:
        assert line.code in MESSAGES
        assert render(line.code, line.params)  # every placeholder filled


def test_fui_19_reads_as_its_specification() -> None:
    t = texts("fui-19")
    assert t["call.rules.min_independent_companies"][0] == (
        "At least 2 independent companies in the consortium."
    )
    assert t["call.rules.min_research_organisations"][0] == (
        "At least 1 research or training organisation in the consortium."
    )
    assert t["call.rules.budget.window"][0] == "Project budget from 750000 to 5000000 EUR."
    assert t["call.rules.rates.base"][0] == (
        "Call rates for companies: small 45 %, medium-sized 45 %, ETI 30 %, large 25 %."
    )
    assert t["call.rules.ceiling.industrial"][0] == (
        "Industrial research: at most 50 % for a large company, 60 % for a medium-sized and "
        "70 % for a small enterprise."
    )
    assert t["call.rules.ro.both"][0].endswith("40 % of full cost or 100 % of marginal cost.")
    assert not any(unconfirmed for _t, unconfirmed, _a in t.values())


def test_city_of_paris_values_are_marked_unconfirmed_and_gber_ones_are_not() -> None:
    t = texts("city-of-paris")
    for code in (
        "call.rules.min_paris_partners",
        "call.rules.min_accreditations",
        "call.rules.rates.base",
        "call.rules.startup_bonus.paris",
        "call.rules.startup.definition.sme",
        "call.rules.ro.both",
    ):
        assert t[code][1], code
    assert t["call.rules.startup_bonus.paris"][0] == "Start-ups located in Paris: +10 points."
    assert not t["call.rules.ceiling.industrial"][1]
    # The 2023 text's feasibility SME bonus is itself unconfirmed (FUNDING-RULES row 10).
    assert t["call.rules.ceiling.feasibility"][1]
    assert not texts("fui-19")["call.rules.ceiling.feasibility"][1]


def test_an_advisory_rule_is_marked_a_recommendation() -> None:
    t = texts("pspc-regions")
    assert t["call.rules.max_aided_partners"] == ("At most 5 partners requesting aid.", False, True)
    assert not t["call.rules.min_sme_or_eti"][2]


def test_a_set_without_consortium_rules_says_anyone_may_apply_and_shows_caps() -> None:
    data = normalised("fui-25")
    data["consortium"] = {}
    data["exclusive_cost_base"] = False
    data["max_aid_per_partner"] = "300000"
    data["company_rates"] = {**data["company_rates"], "micro": "0.55"}  # type: ignore[dict-item]
    t = {
        line.code: render(line.code, line.params) for line in explain_rules(ruleset_from_dict(data))
    }
    assert t["call.rules.none"].startswith("No consortium rule")
    assert t["call.rules.cap.partner"] == "At most 300000 EUR of aid per partner."
    assert "micro 55 %" in t["call.rules.rates.base.micro"]


def test_plurals_have_a_singular_in_the_messages() -> None:
    for code, (param, plural) in CALL_RULE_PLURALS.items():
        assert code in CALL_RULE_MESSAGES and f"%({param})s" in plural
    assert render("call.rules.max_partners", {"count": 1}) == "At most 1 partner."
    assert render("call.rules.max_partners", {"count": 4}) == "At most 4 partners."


# --- the editor's spec ----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(READY_MADE))
def test_every_ready_made_set_goes_round_the_form_exactly(code: str) -> None:
    data = normalised(code)
    assert from_form(to_form(data), data) == data


def test_every_editable_path_exists_in_the_rule_set_data() -> None:
    data = normalised("fui-19")
    for f in FIELDS:
        head = f.path.split(".")[0]
        assert head in data, f.path


def test_percentages_are_shown_as_percent_and_stored_as_fractions() -> None:
    data = normalised("fui-19")
    values = to_form(data)
    assert values["company_rates__small"] == Decimal(45)
    assert values["research_organisations__marginal_cost_rate"] == Decimal(100)
    values["company_rates__small"] = Decimal("47.5")
    values["consortium__budget_max"] = Decimal("6000000")
    out = from_form(values, data)
    assert out["company_rates"]["small"] == "0.475"  # type: ignore[index]
    assert out["consortium"]["budget_max"] == "6000000"  # type: ignore[index]
    assert ruleset_from_dict(out).company_rates.small == Decimal("0.475")
    # What the form does not edit is kept.
    assert out["code"] == "fui-19" and out["reference"] == data["reference"]


def test_blanking_an_optional_table_removes_it_and_its_marks() -> None:
    data = normalised("fui-19")
    values = to_form(data)
    for size in ("micro", "small", "medium", "eti", "large"):
        values[f"company_rates_outside_territory__{size}"] = None
    values[mark_name("company_rates_outside_territory.small")] = True
    out = from_form(values, data)
    assert out["company_rates_outside_territory"] is None
    assert out["unconfirmed"] == []
    assert ruleset_from_dict(out).company_rates_outside_territory is None


def test_marks_add_and_remove_unconfirmed_paths() -> None:
    data = normalised("city-of-paris")
    values = to_form(data)
    assert values[mark_name("consortium")] is True
    assert values[mark_name("consortium.min_paris_partners")] is False
    values[mark_name("consortium")] = False
    values[mark_name("consortium.min_paris_partners")] = True
    values[mark_name("max_aid_per_partner")] = True
    values["max_aid_per_partner"] = Decimal(200000)
    out = from_form(values, data)
    assert "consortium" not in out["unconfirmed"]  # type: ignore[operator]
    assert "consortium.min_paris_partners" in out["unconfirmed"]  # type: ignore[operator]
    rs = ruleset_from_dict(out)
    assert rs.is_unconfirmed("max_aid_per_partner")


def test_a_rate_above_100_is_refused_by_the_rule_set_naming_its_field() -> None:
    data = normalised("fui-19")
    values = to_form(data)
    values["company_rates__eti"] = Decimal(130)
    with pytest.raises(RuleSetError) as exc:
        ruleset_from_dict(from_form(values, data))
    assert exc.value.field == "company_rates.eti"
    assert path_for_error(exc.value.field) == "company_rates__eti"
    assert path_for_error("unconfirmed") is None


def test_the_spec_lists_each_path_once_with_a_kind() -> None:
    assert len(BY_PATH) == len(FIELDS)
    assert len(set(MARKABLE)) == len(MARKABLE)
    assert field_name("a.b.c") == "a__b__c"
    assert copy.deepcopy(FIELDS) == FIELDS
