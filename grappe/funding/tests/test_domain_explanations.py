"""The explanation says why, to the last word: the size applied, each bonus given or refused,
percentages that never contradict their verdict, warnings. Pure tests (no database).

Rows cite FUNDING-RULES.md.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from grappe.funding.domain.aid import envelope_warnings, simulate
from grappe.funding.domain.common import (
    CostCategory,
    PartnerKind,
    ResearchCategory,
    pct_against,
)
from grappe.funding.domain.gber import CollaborationParty, assess_collaboration
from grappe.funding.domain.inputs import CostLine, PartnerInput, ProjectInput
from grappe.funding.domain.messages import render
from grappe.funding.domain.rulesets import gber_text, ready_made
from grappe.registry.domain.sme import SizeClass

PERS = CostCategory.PERSONNEL
IR, ED = ResearchCategory.INDUSTRIAL, ResearchCategory.EXPERIMENTAL
COMPANY, RO = PartnerKind.COMPANY, PartnerKind.RESEARCH_ORGANISATION


def company(pid: str, amount: str, size: SizeClass, **kw: object) -> PartnerInput:
    costs = (CostLine(PERS, IR, D(amount), f"{pid}-1"),)
    return PartnerInput(pid, COMPANY, costs, size=size, **kw)  # type: ignore[arg-type]


def lab(amount: str) -> PartnerInput:
    return PartnerInput("lab", RO, (CostLine(PERS, IR, D(amount), "lab-1"),))


def codes(steps: object) -> list[str]:
    return [s.code for s in steps]  # type: ignore[attr-defined]


def paris_project(startup_size: SizeClass) -> ProjectInput:
    return ProjectInput(
        "p",
        (
            company("start", "100000", startup_size, is_startup=True, in_paris=True),
            company("other", "100000", SizeClass.MEDIUM),
            lab("50000"),
        ),
        accreditations=("cap-digital",),
    )


# --- The start-up bonus follows the size applied (FUNDING-RULES §4, §5.5 [U]) ------------------


def test_a_start_up_applied_as_large_gets_no_start_up_bonus_when_the_call_requires_an_sme() -> None:
    rs = ready_made("city-of-paris")  # startup.require_sme: true
    assert rs.startup.require_sme
    large = simulate(paris_project(SizeClass.LARGE), rs).partner("start")
    assert not large.is_startup
    assert "startup.not_sme" in codes(large.steps)
    step = next(s for s in large.steps if s.code == "startup.not_sme")
    assert step.unconfirmed  # the City's start-up definition is [U]
    assert large.lines[0].intensity == D("0.25")  # the City's large rate, no +10 points
    assert not any(c.startswith("scheme.startup_bonus") for c in codes(large.lines[0].steps))


def test_the_start_up_bonus_names_each_condition_it_met() -> None:
    rs = ready_made("city-of-paris")
    small = simulate(paris_project(SizeClass.SMALL), rs).partner("start")
    assert small.is_startup
    assert small.lines[0].intensity == D("0.55")  # 45 % + 10 points
    bonus = next(s for s in small.lines[0].steps if s.code.startswith("scheme.startup_bonus"))
    assert bonus.code == "scheme.startup_bonus.sme.paris"
    assert render(bonus.code, bonus.params) == (
        "Start-up bonus: +10 points (a start-up located in Paris, and an SME as the call "
        "requires: small)."
    )


def test_without_an_assessment_the_declared_size_is_said_to_be_declared() -> None:
    rs = ready_made("fui-19")
    result = simulate(paris_project(SizeClass.SMALL), rs)
    assert "aid.size.declared" in codes(result.partner("other").steps)
    assert "aid.size.declared" not in codes(result.partner("lab").steps)  # no size for a lab


# --- Every bonus given or refused says why (GBER Art. 25(6)) -----------------------------------


def test_a_large_enterprise_is_told_it_gets_no_sme_bonus() -> None:
    result = simulate(paris_project(SizeClass.LARGE), ready_made("fui-19"))
    assert "gber.bonus.sme.none" in codes(result.partner("start").lines[0].steps)
    assert "gber.bonus.sme.none" not in codes(result.partner("other").lines[0].steps)


def test_contract_research_and_lack_of_collaboration_are_reasons_for_no_bonus() -> None:
    rs = ready_made("fui-19")
    alone = ProjectInput("p", (company("solo", "100000", SizeClass.LARGE),))
    steps = codes(simulate(alone, rs).partner("solo").lines[0].steps)
    assert "gber.bonus.collaboration.none" in steps
    contract = ProjectInput(
        "p",
        (
            company("a", "100000", SizeClass.SMALL),
            company("b", "100000", SizeClass.SMALL, contract_research=True),
        ),
    )
    steps = codes(simulate(contract, rs).partner("b").lines[0].steps)
    assert "gber.bonus.collaboration.contract_research" in steps


def test_a_bonus_carried_by_a_research_organisation_does_not_list_the_failed_test() -> None:
    # One company and a lab bearing 1/3: the bonus rests on the research organisation (row 9).
    project = ProjectInput("p", (company("a", "100000", SizeClass.LARGE), lab("50000")))
    result = simulate(project, ready_made("fui-19"))
    assert result.collaboration.basis is not None
    assert codes(result.collaboration.steps) == ["gber.collaboration.research_organisations.met"]


def test_a_bonus_carried_by_dissemination_says_so_instead_of_the_failed_tests() -> None:
    project = ProjectInput("p", (company("a", "100000", SizeClass.LARGE),), wide_dissemination=True)
    result = simulate(project, ready_made("fui-19"))
    assert codes(result.collaboration.steps) == ["gber.collaboration.dissemination_instead"]
    assert "gber.bonus.collaboration.dissemination" in codes(result.partner("a").lines[0].steps)


# --- Percentages never contradict the verdict (rows 8-9) ---------------------------------------


@pytest.mark.parametrize(
    ("share", "limit", "shown"),
    [
        pytest.param("0.70001", "0.70", D("70.001"), id="row8-just-above-70"),
        pytest.param("0.6999999", "0.70", D("69.99999"), id="row8-just-below-70"),
        pytest.param("0.0999999", "0.10", D("9.99999"), id="row9-just-below-10"),
        pytest.param("0.70", "0.70", D("70"), id="row8-exactly-70"),
        pytest.param("0.4386", "0.70", D("43.86"), id="two-decimals-when-enough"),
    ],
)
def test_a_share_is_shown_precisely_enough_to_differ_from_its_limit(
    share: str, limit: str, shown: D
) -> None:
    assert pct_against(D(share), D(limit)) == shown


def test_70_001_percent_is_refused_in_words_that_say_above_70() -> None:
    text = gber_text("2014")
    parties = [
        CollaborationParty("a", True, "a", True, "FR", D("70001")),
        CollaborationParty("b", True, "b", True, "FR", D("29999")),
    ]
    result = assess_collaboration(text, parties)
    assert not result.undertakings
    step = next(s for s in result.steps if s.code.endswith("share_too_high"))
    assert render(step.code, step.params) == (
        "One undertaking bears 70.001 % of the costs (at most 70 %)."
    )


def test_9_99999_percent_of_research_organisation_costs_reads_below_10() -> None:
    text = gber_text("2014")
    parties = [
        CollaborationParty("a", True, "a", False, "FR", D("900001")),
        CollaborationParty("lab", False, "lab", False, "FR", D("99999")),
    ]
    result = assess_collaboration(text, parties)
    assert not result.research_organisations
    step = next(s for s in result.steps if s.code.endswith("research_organisations.not_met"))
    assert "bear 9.9999 % of the costs (less than 10 %)" in render(step.code, step.params)


# --- Warnings: notification thresholds, budget window, envelope (rows 11-17, 40) ---------------


def test_an_absurd_amount_warns_of_the_notification_threshold_of_the_text_in_force() -> None:
    huge = ProjectInput("p", (company("a", "999999999999", SizeClass.SMALL), lab("100000")))
    result = simulate(huge, ready_made("city-of-paris"))  # GBER 2023 text: 35 M EUR for IR
    warning = next(w for w in result.warnings if w.code == "gber.notification.industrial")
    assert warning.params["threshold_eur"] == D("35000000")
    assert warning.params["version"] == "2023"
    assert "(GBER 2023 text): notify the Commission." in render(warning.code, warning.params)
    fui = simulate(huge, ready_made("fui-25"))  # 2014 text: 20 M EUR [U] (row 16)
    old = next(w for w in fui.warnings if w.code == "gber.notification.industrial")
    assert old.params["threshold_eur"] == D("20000000") and old.unconfirmed


def test_a_budget_outside_the_window_is_a_warning_as_well_as_a_failed_rule() -> None:
    small = ProjectInput("p", (company("a", "100000", SizeClass.SMALL), lab("100000")))
    result = simulate(small, ready_made("pspc-regions"))  # EUR 1-4 m (row 40)
    assert [w.code for w in result.warnings] == ["call.budget.below"]
    big = dataclasses.replace(
        small, partners=(company("a", "5000000", SizeClass.SMALL), lab("100000"))
    )
    assert [w.code for w in simulate(big, ready_made("pspc-regions")).warnings] == [
        "call.budget.above"
    ]


def test_an_aid_above_the_calls_envelope_is_flagged() -> None:
    assert envelope_warnings(D("2000000"), D("1000000"))[0].code == "call.envelope.exceeded"
    assert envelope_warnings(D("1000000"), D("1000000")) == ()
    assert envelope_warnings(D("1000000"), None) == ()


# --- Plurals (the English template for 1 and for many) -----------------------------------------


@pytest.mark.parametrize(
    ("count", "sentence"),
    [
        (1, "1 research or training organisation (at least 1)."),
        (2, "2 research or training organisations (at least 1)."),
        (0, "0 research or training organisations (at least 1)."),
    ],
)
def test_counts_take_the_singular_or_plural(count: int, sentence: str) -> None:
    params = {"count": count, "required": 1}
    assert render("eligibility.research_organisations", params) == sentence


def test_as_of_dates_do_not_change_a_declared_start_up() -> None:
    project = dataclasses.replace(paris_project(SizeClass.SMALL), as_of=date(2026, 1, 1))
    assert simulate(project, ready_made("city-of-paris")).partner("start").is_startup
