"""Call rule sets as data: ready-made sets, validation with precise refusals, round trips."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from grappe.funding.domain.messages import MESSAGES
from grappe.funding.domain.rulesets import (
    CITY_OF_PARIS,
    FUI_19,
    GBER_TEXTS,
    READY_MADE,
    RuleSet,
    RuleSetError,
    gber_text,
    gber_text_from_dict,
    gber_text_to_dict,
    ready_made,
    ruleset_from_dict,
    ruleset_to_dict,
)
from grappe.registry.domain.sme import FrenchCategory, SizeClass

SMALL, MEDIUM, LARGE, MICRO = SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE, SizeClass.MICRO
ETI = FrenchCategory.ETI


@pytest.mark.parametrize("code", sorted(READY_MADE))
def test_ready_made_sets_validate_and_round_trip(code: str) -> None:
    rs = ready_made(code)
    assert isinstance(rs, RuleSet)
    assert ruleset_from_dict(ruleset_to_dict(rs)) == rs


@pytest.mark.parametrize("version", sorted(GBER_TEXTS))
def test_gber_texts_round_trip(version: str) -> None:
    text = gber_text(version)
    assert gber_text_from_dict(gber_text_to_dict(text)) == text


RATES = [
    # set, table, size, French category, expected                      row
    pytest.param("fui-19", "company_rates", SMALL, None, "0.45", id="row28-FUI19-SME-45"),
    pytest.param("fui-19", "company_rates", MICRO, None, "0.45", id="row28-FUI19-micro-as-small"),
    pytest.param("fui-19", "company_rates", LARGE, ETI, "0.30", id="row29-FUI19-ETI-30"),
    pytest.param("fui-19", "company_rates", LARGE, None, "0.25", id="row30-FUI19-large-25"),
    pytest.param(
        "fui-19",
        "company_rates_outside_territory",
        MEDIUM,
        None,
        "0.30",
        id="row28-FUI19-SME-out-30",
    ),
    pytest.param("fui-25", "company_rates", SMALL, None, "0.50", id="row32-FUI25-SME-territory-50"),
    pytest.param("fui-25", "company_rates", LARGE, ETI, "0.35", id="row32-FUI25-ETI-territory-35"),
    pytest.param(
        "fui-25",
        "company_rates_outside_territory",
        SMALL,
        None,
        "0.35",
        id="row33-FUI25-SME-out-35",
    ),
    pytest.param("fui-25", "company_rates", LARGE, None, "0.30", id="row33-FUI25-others-30"),
    pytest.param("pspc-regions", "company_rates", SMALL, None, "0.35", id="row41-PSPC-SME-35"),
    pytest.param(
        "pspc-regions", "company_rates_labelled", SMALL, None, "0.50", id="row41-PSPC-SME-label-50"
    ),
    pytest.param("pspc-regions", "company_rates", LARGE, ETI, "0.25", id="row41-PSPC-ETI-25"),
    pytest.param(
        "pspc-regions", "company_rates_labelled", LARGE, ETI, "0.35", id="row41-PSPC-ETI-label-35"
    ),
    pytest.param("pspc-regions", "company_rates", LARGE, None, "0.20", id="row41-PSPC-GE-20"),
    pytest.param(
        "pspc-regions", "company_rates_labelled", LARGE, None, "0.25", id="row41-PSPC-GE-label-25"
    ),
    pytest.param("i-demo-aura", "company_rates", SMALL, None, "0.60", id="row45-AURA-small-60"),
    pytest.param("i-demo-aura", "company_rates", MEDIUM, None, "0.50", id="row45-AURA-medium-50"),
    pytest.param("i-demo-aura", "company_rates", LARGE, ETI, "0.35", id="row45-AURA-ETI-35"),
    pytest.param("i-demo-aura", "company_rates", LARGE, None, "0.25", id="row45-AURA-GE-25"),
]


@pytest.mark.parametrize(("code", "table", "size", "french", "expected"), RATES)
def test_ready_made_rates(
    code: str, table: str, size: SizeClass, french: FrenchCategory | None, expected: str
) -> None:
    rates = getattr(ready_made(code), table)
    assert rates.rate(size, french) == D(expected)


def test_ready_made_rules_cite_funding_rules() -> None:
    fui = ready_made("fui-19")
    assert fui.research_organisations is not None
    assert fui.research_organisations.full_cost_rate == D("0.40")  # row 31
    assert fui.research_organisations.marginal_cost_rate == D("1.00")  # row 31
    assert fui.consortium.max_partner_share == D("0.70")  # row 36
    assert fui.consortium.lab_aid_share_justification == D("0.40")  # row 34
    pspc = ready_made("pspc-regions")
    assert (pspc.consortium.budget_min, pspc.consortium.budget_max) == (D(1_000_000), D(4_000_000))
    assert pspc.consortium.max_aided_partners == 5  # row 42, recommended: advisory
    assert "max_aided_partners" in pspc.consortium.advisory
    aura = ready_made("i-demo-aura")
    assert aura.consortium.max_partners == 5  # row 44
    assert aura.gber.version == "2023"


UNCONFIRMED = [
    # set or GBER text, path                                        source
    pytest.param("city-of-paris", "company_rates.small", id="§4-City-rates-[U]"),
    pytest.param("city-of-paris", "startup_bonus", id="§4-City-startup-bonus-[U]"),
    pytest.param("city-of-paris", "startup_bonus_requires_paris", id="§4-Paris-condition-[U]"),
    pytest.param("city-of-paris", "consortium.min_paris_partners", id="§4-Paris-partner-[U]"),
    pytest.param("city-of-paris", "research_organisations", id="§4-City-lab-rate-[U]"),
    pytest.param("pspc-regions", "research_organisations", id="§3.2-PSPC-lab-rates-[U]"),
    pytest.param("gber-2014", "notification_thresholds.fundamental", id="row16-2014-FR-40m-[U]"),
    pytest.param("gber-2014", "notification_thresholds.industrial", id="row16-2014-IR-20m-[U]"),
    pytest.param("gber-2014", "notification_thresholds.feasibility", id="row16-2014-FS-7.5m-[U]"),
    pytest.param("gber-2023", "bonus_c_assisted_area_c", id="§1.2-2023-(c)-[U]"),
    pytest.param("gber-2023", "bonus_d_joint_call", id="§1.2-2023-(d)-[U]"),
]


@pytest.mark.parametrize(("source", "path"), UNCONFIRMED)
def test_unconfirmed_rules_are_marked_in_the_data(source: str, path: str) -> None:
    if source.startswith("gber-"):
        unconfirmed = gber_text(source.removeprefix("gber-")).unconfirmed
        assert path in unconfirmed
    else:
        assert ready_made(source).is_unconfirmed(path)


def test_confirmed_rules_are_not_marked() -> None:
    assert not ready_made("fui-25").unconfirmed
    assert "notification_thresholds.experimental" not in gber_text("2014").unconfirmed


def test_every_city_of_paris_rule_is_unconfirmed() -> None:
    rs = ready_made("city-of-paris")
    data = ruleset_to_dict(rs)
    for key in ("company_rates", "startup_bonus", "startup", "research_organisations"):
        assert rs.is_unconfirmed(key), key
    assert data["consortium"]
    assert rs.is_unconfirmed("consortium.min_paris_partners")


# --- Bad input is refused with the field and the rule ------------------------------------------

Mutation = Callable[[dict[str, object]], None]


def _set(path: str, value: object) -> Mutation:
    def mutate(d: dict[str, object]) -> None:
        *parents, last = path.split(".")
        node: dict[str, object] = d
        for p in parents:
            node = node[p]  # type: ignore[assignment]
        node[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(d: dict[str, object]) -> None:
        *parents, last = path.split(".")
        node: dict[str, object] = d
        for p in parents:
            node = node[p]  # type: ignore[assignment]
        del node[last]

    return mutate


REFUSALS = [
    # mutation of FUI call 19, refused field, rule
    pytest.param(
        _set("company_rates.small", "1.5"), "company_rates.small", "rate_range", id="rate>1"
    ),
    pytest.param(
        _set("company_rates.eti", "-0.1"), "company_rates.eti", "non_negative", id="rate<0"
    ),
    pytest.param(
        _set("company_rates.large", "abc"), "company_rates.large", "type", id="not-a-number"
    ),
    pytest.param(_set("company_rates.large", True), "company_rates.large", "type", id="bool-rate"),
    pytest.param(
        _delete("company_rates.large"), "company_rates.large", "required", id="missing-rate"
    ),
    pytest.param(
        _set("company_rates.tiny", "0.1"), "company_rates.tiny", "unknown_key", id="bad-size"
    ),
    pytest.param(_set("bonus", "0.1"), "bonus", "unknown_key", id="unknown-top-level-rule"),
    pytest.param(
        _set("consortium.max_labs", 2),
        "consortium.max_labs",
        "unknown_key",
        id="unknown-consortium",
    ),
    pytest.param(
        _set("consortium.max_partner_share", "70"),
        "consortium.max_partner_share",
        "rate_range",
        id="percent-instead-of-fraction",
    ),
    pytest.param(
        _set("consortium.budget_min", "6000000"), "consortium.budget_min", "order", id="min>max"
    ),
    pytest.param(
        _set("consortium.min_research_organisations", 1.5),
        "consortium.min_research_organisations",
        "integer",
        id="fractional-count",
    ),
    pytest.param(
        _set("consortium.max_aided_partners", 0),
        "consortium.max_aided_partners",
        "non_negative",
        id="zero-max",
    ),
    pytest.param(
        _set("consortium.advisory", ["max_fun"]),
        "consortium.advisory",
        "unknown_value",
        id="advisory",
    ),
    pytest.param(_set("gber", "2019"), "gber", "unknown_gber_version", id="gber-version"),
    pytest.param(_set("valid_from", "2014-13-01"), "valid_from", "date", id="bad-date"),
    pytest.param(
        _set("unconfirmed", ["company_rates.huge"]), "unconfirmed", "unknown_path", id="bad-path"
    ),
    pytest.param(
        _set("research_organisations.default_basis", "half_cost"),
        "research_organisations.default_basis",
        "unknown_value",
        id="bad-basis",
    ),
    pytest.param(
        _set("research_organisations.full_cost_rate", None),
        "research_organisations.default_basis",
        "required",
        id="basis-without-rate",
    ),
    pytest.param(_set("consortium", "yes"), "consortium", "type", id="object-expected"),
    pytest.param(_set("startup_bonus", "0.1x"), "startup_bonus", "type", id="bad-bonus"),
]


@pytest.mark.parametrize(("mutate", "field", "rule"), REFUSALS)
def test_bad_rule_sets_are_refused_naming_field_and_rule(
    mutate: Mutation, field: str, rule: str
) -> None:
    data = copy.deepcopy(FUI_19)
    mutate(data)
    with pytest.raises(RuleSetError) as caught:
        ruleset_from_dict(data)
    err = caught.value
    assert (err.field, err.rule) == (field, rule)
    assert field in str(err) and rule in str(err)
    assert err.code in MESSAGES
    assert MESSAGES[err.code] % err.params


def test_json_numbers_are_read_as_typed_not_as_binary_floats() -> None:
    data = copy.deepcopy(FUI_19)
    data["company_rates"] = {"small": 0.45, "medium": 0.45, "eti": 0.3, "large": 0.25}
    rs = ruleset_from_dict(data)
    assert rs.company_rates.small == D("0.45")
    assert isinstance(rs.company_rates.small, D)


def test_a_city_set_is_configurable() -> None:
    data = copy.deepcopy(CITY_OF_PARIS)
    data["startup_bonus"] = "0.15"
    data["startup_bonus_requires_paris"] = False
    rs = ruleset_from_dict(data)
    assert rs.startup_bonus == D("0.15")
    assert not rs.startup_bonus_requires_paris


def test_every_refusal_rule_has_a_template() -> None:
    from pathlib import Path

    from grappe.funding.domain import rulesets

    source = Path(rulesets.__file__).read_text()
    rules = set(re.findall(r'RuleSetError\(\s*[^,]+,\s*"([a-z_]+)"', source))
    assert len(rules) >= 10
    assert {f"ruleset.error.{r}" for r in rules} <= set(MESSAGES)
