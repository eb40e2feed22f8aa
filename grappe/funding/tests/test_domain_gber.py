"""GBER Art. 25 intensities, collaboration bonus and notification thresholds, as tables.

Each row cites its FUNDING-RULES.md master-table row. Pure tests: no database, no Django.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.funding.domain.common import ResearchCategory
from grappe.funding.domain.gber import (
    BonusBasis,
    CollaborationParty,
    assess_collaboration,
    gber_max_intensity,
    notification_warnings,
)
from grappe.funding.domain.rulesets import gber_text
from grappe.registry.domain.sme import SizeClass

FR, IR, ED, FS = (
    ResearchCategory.FUNDAMENTAL,
    ResearchCategory.INDUSTRIAL,
    ResearchCategory.EXPERIMENTAL,
    ResearchCategory.FEASIBILITY,
)
LARGE, MEDIUM, SMALL, MICRO = SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL, SizeClass.MICRO
COLLAB = BonusBasis.UNDERTAKINGS

# The §1.2 table of FUNDING-RULES.md, for both texts.
INTENSITIES = [
    # category, size, collaboration bonus?, expected                row
    pytest.param(FR, LARGE, False, "1.00", id="row1-fundamental-100"),
    pytest.param(FR, SMALL, True, "1.00", id="row1-fundamental-no-bonus"),
    pytest.param(IR, LARGE, False, "0.50", id="row2-industrial-50"),
    pytest.param(IR, MEDIUM, False, "0.60", id="row5-industrial-medium-60"),
    pytest.param(IR, SMALL, False, "0.70", id="row5-industrial-small-70"),
    pytest.param(IR, MICRO, False, "0.70", id="row5-industrial-micro-is-small"),
    pytest.param(IR, LARGE, True, "0.65", id="row6-industrial-collab-65"),
    pytest.param(IR, MEDIUM, True, "0.75", id="row6-industrial-medium-collab-75"),
    pytest.param(IR, SMALL, True, "0.80", id="row7-industrial-small-85-capped-80"),
    pytest.param(ED, LARGE, False, "0.25", id="row3-experimental-25"),
    pytest.param(ED, MEDIUM, False, "0.35", id="row5-experimental-medium-35"),
    pytest.param(ED, SMALL, False, "0.45", id="row5-experimental-small-45"),
    pytest.param(ED, LARGE, True, "0.40", id="row6-experimental-collab-40"),
    pytest.param(ED, MEDIUM, True, "0.50", id="row6-experimental-medium-collab-50"),
    pytest.param(ED, SMALL, True, "0.60", id="row6-experimental-small-collab-60"),
    pytest.param(FS, LARGE, False, "0.50", id="row4-feasibility-50"),
    pytest.param(FS, MEDIUM, False, "0.60", id="row10-feasibility-medium-60"),
    pytest.param(FS, SMALL, False, "0.70", id="row10-feasibility-small-70"),
    pytest.param(FS, SMALL, True, "0.70", id="row6-no-collaboration-bonus-for-feasibility"),
]


@pytest.mark.parametrize("version", ["2014", "2023"])
@pytest.mark.parametrize(("category", "size", "collab", "expected"), INTENSITIES)
def test_gber_maximum_intensity(
    version: str, category: ResearchCategory, size: SizeClass, collab: bool, expected: str
) -> None:
    got = gber_max_intensity(gber_text(version), category, size, COLLAB if collab else None)
    assert got.rate == D(expected)


def test_each_bonus_and_cap_is_explained_with_its_article() -> None:
    steps = gber_max_intensity(gber_text("2014"), IR, SMALL, COLLAB).steps
    assert [(s.code, s.legal_ref) for s in steps] == [
        ("gber.base.industrial", "GBER Art. 25(5)(b)"),
        ("gber.bonus.small_enterprise", "GBER Art. 25(6)(a)"),
        ("gber.bonus.collaboration.undertakings", "GBER Art. 25(6)(b)"),
        ("gber.cap", "GBER Art. 25(6)"),
    ]
    assert steps[-1].params == {"uncapped_pct": D(85), "cap_pct": D(80)}
    feasibility = gber_max_intensity(gber_text("2014"), FS, MEDIUM).steps
    assert feasibility[1].legal_ref == "GBER Art. 25(7)"


BONUS_2023 = [
    # basis, area (c), joint call, 2014 rate, 2023 rate      source (§1.2, all [U] in 2023)
    pytest.param(BonusBasis.LICENSING, False, False, "0.25", "0.40", id="b-iii-licensing"),
    pytest.param(BonusBasis.ASSISTED_AREA_A, False, False, "0.25", "0.40", id="b-iv-area-a"),
    pytest.param(None, True, False, "0.25", "0.30", id="c-area-c-plus-5"),
    pytest.param(None, False, True, "0.25", "0.50", id="d-joint-call-plus-25"),
    pytest.param(COLLAB, True, True, "0.40", "0.50", id="b-c-d-not-combined-largest-wins"),
]


@pytest.mark.parametrize(("basis", "area_c", "joint", "rate_2014", "rate_2023"), BONUS_2023)
def test_2023_bonuses_are_unconfirmed_parameters(
    basis: BonusBasis | None, area_c: bool, joint: bool, rate_2014: str, rate_2023: str
) -> None:
    def run(version: str) -> D:
        i = gber_max_intensity(
            gber_text(version), ED, LARGE, basis, assisted_area_c=area_c, joint_call=joint
        )
        if version == "2023" and (basis not in (None, COLLAB) or area_c or joint):
            assert any(s.unconfirmed for s in i.steps)
        return i.rate

    assert run("2014") == D(rate_2014)
    assert run("2023") == D(rate_2023)


# --- Effective collaboration (rows 6, 8, 9; Art. 2(90)) -----------------------------------------


def party(
    pid: str,
    cost: int,
    *,
    sme: bool = False,
    ro: bool = False,
    group: str | None = None,
    country: str = "FR",
    publish: bool = True,
    contract: bool = False,
) -> CollaborationParty:
    return CollaborationParty(
        id=pid,
        undertaking=not ro,
        group=group or pid,
        is_sme=sme,
        country=country,
        eligible_cost=D(cost),
        right_to_publish=publish,
        contract_research=contract,
    )


COLLABORATION = [
    # parties, undertakings condition, research-organisation condition     row
    pytest.param([party("a", 70, sme=True), party("b", 30)], True, False, id="row8-SME-and-70pct"),
    pytest.param(
        [party("a", 71, sme=True), party("b", 29)], False, False, id="row8-71pct-too-much"
    ),
    pytest.param([party("a", 50), party("b", 50)], False, False, id="row6-no-SME-same-country"),
    pytest.param(
        [party("a", 50), party("b", 50, country="DE")], True, False, id="row6-two-member-states"
    ),
    pytest.param(
        [party("a", 50), party("b", 50, country="NO")], True, False, id="row6-member-state-and-EEA"
    ),
    pytest.param(
        [party("a", 50), party("b", 50, country="CH")], False, False, id="row6-CH-is-not-EEA"
    ),
    pytest.param(
        [party("a", 40, sme=True, group="g"), party("b", 40, group="g"), party("c", 20)],
        False,
        False,
        id="row8-linked-undertakings-are-one-80pct",
    ),
    pytest.param(
        [party("a", 50, sme=True), party("b", 50, contract=True)],
        False,
        False,
        id="art2-90-contract-research-is-not-collaboration",
    ),
    pytest.param([party("a", 90), party("lab", 10, ro=True)], False, True, id="row9-RO-10pct"),
    pytest.param(
        [party("a", 901), party("lab", 99, ro=True)], False, False, id="row9-RO-9.9pct-too-little"
    ),
    pytest.param(
        [party("a", 80), party("lab", 20, ro=True, publish=False)],
        False,
        False,
        id="row9-RO-must-be-free-to-publish",
    ),
    pytest.param(
        [party("a", 80), party("lab", 20, ro=True, contract=True)],
        False,
        False,
        id="row9-RO-contract-research-does-not-count",
    ),
    pytest.param([party("lab", 100, ro=True)], False, False, id="row9-needs-an-undertaking"),
]


@pytest.mark.parametrize(("parties", "undertakings", "ros"), COLLABORATION)
def test_effective_collaboration(
    parties: list[CollaborationParty], undertakings: bool, ros: bool
) -> None:
    a = assess_collaboration(gber_text("2023"), parties)
    assert (a.undertakings, a.research_organisations) == (undertakings, ros)
    assert all(s.legal_ref.startswith("GBER Art.") for s in a.steps)


# --- Notification thresholds (rows 11-17) ---------------------------------------------------------

M = D(1_000_000)
NOTIFY = [
    # version, costs by category (M€), aid (M€), expected warning code or None     row
    pytest.param("2023", {IR: 100}, {IR: 35}, None, id="row12-IR-35m-at-threshold"),
    pytest.param(
        "2023", {IR: 100}, {IR: "35.01"}, "gber.notification.industrial", id="row12-IR-above-35m"
    ),
    pytest.param("2023", {FR: 60, IR: 40}, {IR: 54}, None, id="row11-predominantly-FR-55m"),
    pytest.param(
        "2023", {FR: 60, IR: 40}, {IR: 56}, "gber.notification.fundamental", id="row11-FR-56m"
    ),
    pytest.param(
        "2023",
        {FR: 50, ED: 50},
        {IR: 26},
        "gber.notification.undetermined",
        id="row17-none-above-half-lowest-threshold-25m",
    ),
    pytest.param(
        "2023", {ED: 100}, {IR: 26}, "gber.notification.experimental", id="row13-ED-above-25m"
    ),
    pytest.param("2023", {FS: 20}, {FS: "8.25"}, None, id="row14-feasibility-8.25m"),
    pytest.param(
        "2023",
        {FS: 20},
        {FS: "8.26"},
        "gber.notification.feasibility",
        id="row14-feasibility-above",
    ),
    pytest.param(
        "2014", {ED: 100}, {IR: 16}, "gber.notification.experimental", id="row15-2014-ED-15m"
    ),
    pytest.param(
        "2014", {IR: 100}, {IR: 21}, "gber.notification.industrial", id="row16-2014-IR-20m-[U]"
    ),
]


@pytest.mark.parametrize(("version", "costs", "aid", "code"), NOTIFY)
def test_notification_thresholds_per_undertaking_per_project(
    version: str,
    costs: dict[ResearchCategory, int],
    aid: dict[ResearchCategory, int | str],
    code: str | None,
) -> None:
    warnings = notification_warnings(
        gber_text(version),
        {k: D(v) * M for k, v in costs.items()},
        {k: D(v) * M for k, v in aid.items()},
    )
    assert [w.code for w in warnings] == ([code] if code else [])
    for w in warnings:
        assert w.legal_ref == "GBER Art. 4(1)(i)"


def test_2014_thresholds_not_found_in_a_source_are_flagged_unconfirmed() -> None:
    text = gber_text("2014")
    (ir,) = notification_warnings(text, {IR: 100 * M}, {IR: 21 * M})
    (ed,) = notification_warnings(text, {ED: 100 * M}, {IR: 16 * M})
    assert ir.unconfirmed  # row 16 [U]
    assert not ed.unconfirmed  # row 15 [C]


# --- Properties ---------------------------------------------------------------------------------

categories = st.sampled_from(list(ResearchCategory))
bases = st.sampled_from([None, *BonusBasis])
versions = st.sampled_from(["2014", "2023"])


@given(
    version=versions, category=categories, basis=bases, area_c=st.booleans(), joint=st.booleans()
)
def test_a_smaller_enterprise_never_gets_a_lower_ceiling(
    version: str, category: ResearchCategory, basis: BonusBasis | None, area_c: bool, joint: bool
) -> None:
    text = gber_text(version)
    rates = [
        gber_max_intensity(
            text, category, size, basis, assisted_area_c=area_c, joint_call=joint
        ).rate
        for size in (MICRO, SMALL, MEDIUM, LARGE)
    ]
    assert rates == sorted(rates, reverse=True)
    base = text.base.get(category)
    assert all(base <= r <= max(base, text.max_intensity) for r in rates)


def test_only_the_feasibility_sme_bonus_is_unconfirmed_in_the_2023_text() -> None:
    # Row 5 confirms the SME bonus for industrial research and experimental development in the
    # 2023 text; row 10 confirms the feasibility-study SME bonus for the 2014 text only.
    def sme_step(category: ResearchCategory):  # type: ignore[no-untyped-def]
        steps = gber_max_intensity(gber_text("2023"), category, SMALL).steps
        return next(s for s in steps if s.code == "gber.bonus.small_enterprise")

    assert not sme_step(IR).unconfirmed
    assert not sme_step(ED).unconfirmed
    assert sme_step(FS).unconfirmed
