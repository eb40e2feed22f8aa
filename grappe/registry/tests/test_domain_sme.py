"""EU SME status and French categories, read as tables (rows = FUNDING-RULES.md master table).

Pure tests: no database, no Django.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.registry.domain import sme
from grappe.registry.domain.sme import (
    Enterprise,
    EnterpriseFigures,
    EnterpriseType,
    FrenchCategory,
    HolderKind,
    Holding,
    SizeClass,
    SmeInputError,
    SmeParameters,
    StartupParameters,
    apply_two_year_rule,
    assess_sme,
    classify,
    french_category,
    startup_status,
)

M = D(1_000_000)


def fig(
    staff: str | int, turnover_m: str | int, balance_m: str | int, year: int = 2024
) -> EnterpriseFigures:
    return EnterpriseFigures(year, D(staff), D(turnover_m) * M, D(balance_m) * M)


def ent(
    eid: str, staff: str | int, turnover_m: str | int, balance_m: str | int, **kw: object
) -> Enterprise:
    return Enterprise(eid, (fig(staff, turnover_m, balance_m),), **kw)  # type: ignore[arg-type]


def hold(
    holder: str, held: str, share: str, kind: HolderKind = HolderKind.ENTERPRISE, **kw: object
) -> Holding:
    return Holding(holder, held, D(share), D(share), kind, **kw)  # type: ignore[arg-type]


# --- Ceilings (rows 18-20) and French categories (rows 26-27) -----------------------------------

CEILINGS = [
    # staff, turnover M€, balance M€, expected                   row / reason
    pytest.param(9, 2, 50, SizeClass.MICRO, id="row20-9awu-turnover-2m-is-micro"),
    pytest.param(9, 50, 2, SizeClass.MICRO, id="row20-balance-sheet-alone-suffices"),
    pytest.param(10, 1, 1, SizeClass.SMALL, id="row20-10awu-is-not-micro"),
    pytest.param("9.9", "2.01", "2.01", SizeClass.SMALL, id="row20-both-money-ceilings-passed"),
    pytest.param(49, 10, 10, SizeClass.SMALL, id="row19-small-at-ceilings"),
    pytest.param("49.5", 12, 10, SizeClass.SMALL, id="row19-awu-fraction-and-balance-only"),
    pytest.param(50, 1, 1, SizeClass.MEDIUM, id="row19-50awu-is-not-small"),
    pytest.param(249, 50, 100, SizeClass.MEDIUM, id="row18-turnover-50m-is-medium"),
    pytest.param(249, 80, 43, SizeClass.MEDIUM, id="row18-balance-43m-is-medium"),
    pytest.param(249, 51, 44, SizeClass.LARGE, id="row18-both-money-ceilings-passed"),
    pytest.param(250, 1, 1, SizeClass.LARGE, id="row18-staff-is-a-hard-criterion"),
]


@pytest.mark.parametrize(("staff", "turnover", "balance", "expected"), CEILINGS)
def test_it_classifies_by_staff_and_either_money_ceiling(
    staff: int, turnover: int, balance: int, expected: SizeClass
) -> None:
    assert classify(fig(staff, turnover, balance)) is expected


FRENCH = [
    pytest.param(SizeClass.MICRO, 5, 1, 1, FrenchCategory.PME, id="row26-micro-counts-as-PME"),
    pytest.param(SizeClass.MEDIUM, 200, 40, 40, FrenchCategory.PME, id="row26-SME-is-PME"),
    pytest.param(SizeClass.LARGE, 4999, 1500, 9000, FrenchCategory.ETI, id="row26-ETI-by-turnover"),
    pytest.param(SizeClass.LARGE, 4000, 9000, 2000, FrenchCategory.ETI, id="row26-ETI-by-balance"),
    pytest.param(SizeClass.LARGE, 5000, 10, 10, FrenchCategory.GE, id="row27-5000-staff-is-GE"),
    pytest.param(SizeClass.LARGE, 3000, 1501, 2001, FrenchCategory.GE, id="row27-both-ceilings"),
]


@pytest.mark.parametrize(("size", "staff", "turnover", "balance", "expected"), FRENCH)
def test_it_gives_the_french_category(
    size: SizeClass, staff: int, turnover: int, balance: int, expected: FrenchCategory
) -> None:
    assert french_category(size, fig(staff, turnover, balance)) is expected


# --- Autonomous, partner and linked enterprises: worked examples --------------------------------
# Modelled on the EU SME User Guide (2015) examples; data in AWU / M€.


def test_autonomous_enterprise_uses_its_own_data_only() -> None:
    """Row 21: holdings below 25 % leave the enterprise autonomous."""
    es = {"A": ent("A", 40, 8, 8), "B": ent("B", 5000, 900, 900)}
    r = assess_sme("A", es, [hold("B", "A", "0.249")])
    assert r.enterprise_type is EnterpriseType.AUTONOMOUS
    assert r.size is SizeClass.SMALL
    assert r.figures.staff_awu == 40
    assert "sme.type.autonomous" in [s.code for s in r.steps]


def test_partner_enterprises_up_and_downstream_are_added_pro_rata() -> None:
    """User Guide partner example: B holds 25 % of A; A holds 33 % of C and 49 % of D.

    A's data = 100 % A + 25 % B + 33 % C + 49 % D. E, a partner of C, is not added (not
    immediately upstream or downstream of A).
    """
    es = {
        "A": ent("A", 100, 10, 10),
        "B": ent("B", 40, 4, 4),
        "C": ent("C", 100, 30, 30),
        "D": ent("D", 100, 10, 10),
        "E": ent("E", 1000, 1000, 1000),
    }
    hs = [
        hold("B", "A", "0.25"),
        hold("A", "C", "0.33"),
        hold("A", "D", "0.49"),
        hold("E", "C", "0.30"),
    ]
    r = assess_sme("A", es, hs)
    assert r.enterprise_type is EnterpriseType.PARTNER
    assert r.figures.staff_awu == D(100) + D(10) + D(33) + D(49)
    assert r.figures.turnover == (D(10) + D(1) + D("9.9") + D("4.9")) * M
    assert r.size is SizeClass.MEDIUM
    assert [p.ids for p in r.partners] == [("B",), ("C",), ("D",)]
    codes = [s.code for s in r.steps]
    assert codes.count("sme.aggregate.partner") == 3


def test_linked_enterprises_are_added_at_100_percent() -> None:
    """User Guide linked example: B holds 60 % of A; A holds 51 % of C and 100 % of D.

    All four form one group: A's data = 100 % of A, B, C and D (row 22).
    """
    es = {
        "A": ent("A", 20, 2, 2),
        "B": ent("B", 20, 2, 2),
        "C": ent("C", 20, 2, 2),
        "D": ent("D", 20, 2, 2),
    }
    hs = [hold("B", "A", "0.60"), hold("A", "C", "0.51"), hold("A", "D", "1")]
    r = assess_sme("A", es, hs)
    assert r.enterprise_type is EnterpriseType.LINKED
    assert r.linked_ids == ("B", "C", "D")
    assert r.figures.staff_awu == 80
    assert r.size is SizeClass.MEDIUM  # 80 AWU: no longer small


def test_a_partners_linked_enterprises_are_added_before_the_percentage() -> None:
    """Annex Art. 6(3): C holds 30 % of A and controls D (60 %): add 30 % of (C + D)."""
    es = {"A": ent("A", 10, 1, 1), "C": ent("C", 100, 10, 10), "D": ent("D", 50, 10, 10)}
    hs = [hold("C", "A", "0.30"), hold("C", "D", "0.60")]
    r = assess_sme("A", es, hs)
    assert r.partners[0].ids == ("C", "D")
    assert r.figures.staff_awu == 10 + D("0.30") * 150


def test_example_4_exempted_investors_are_left_out() -> None:
    """User Guide Example 4: B (university, 25 %), C (30 %), D (institutional investor, 25 %).

    B and D are exempted investors, not linked to each other, each <= 50 %: only C is added.
    """
    es = {"A": ent("A", 100, 10, 10), "C": ent("C", 100, 10, 10)}
    hs = [
        hold("B", "A", "0.25", HolderKind.UNIVERSITY),
        hold("C", "A", "0.30"),
        hold("D", "A", "0.25", HolderKind.INSTITUTIONAL_INVESTOR),
    ]
    r = assess_sme("A", es, hs)
    assert r.figures.staff_awu == 100 + 30
    assert [s.code for s in r.steps].count("sme.investor_exception") == 2


def test_example_5_linked_investors_holding_55_percent_lose_the_exception() -> None:
    """User Guide Example 5: B (university, 25 %) and D (public investment corporation, 30 %)
    are linked to each other; together they hold 55 % of A, above the 50 % exception ceiling.
    Their joint majority links them to A, whose data then includes B and D at 100 % and C at 25 %.
    """
    es = {
        "A": ent("A", 100, 10, 10),
        "B": ent("B", 20, 1, 1),
        "C": ent("C", 40, 4, 4),
        "D": ent("D", 10, 1, 1),
    }
    hs = [
        hold("B", "A", "0.25", HolderKind.UNIVERSITY),
        hold("C", "A", "0.25"),
        hold("D", "A", "0.30", HolderKind.PUBLIC_INVESTMENT_CORPORATION),
        hold("B", "D", "0.60", HolderKind.UNIVERSITY),
    ]
    r = assess_sme("A", es, hs)
    assert r.enterprise_type is EnterpriseType.LINKED
    assert set(r.linked_ids) == {"B", "D"}
    assert r.figures.staff_awu == 100 + 20 + 10 + 10


INVESTORS = [
    # kind, share, extra, exception applies?                      row
    pytest.param(HolderKind.VENTURE_CAPITAL, "0.50", {}, True, id="row21-VC-50pct-exempt"),
    pytest.param(HolderKind.VENTURE_CAPITAL, "0.25", {}, True, id="row21-VC-25pct-exempt"),
    pytest.param(
        HolderKind.BUSINESS_ANGEL,
        "0.40",
        {"angel_total_investment": D("1249999")},
        True,
        id="row23-angel-under-1.25m-exempt",
    ),
    pytest.param(
        HolderKind.BUSINESS_ANGEL,
        "0.40",
        {"angel_total_investment": D("1250000")},
        False,
        id="row23-angel-at-1.25m-partner",
    ),
    pytest.param(HolderKind.BUSINESS_ANGEL, "0.40", {}, False, id="row23-angel-amount-unknown"),
    pytest.param(
        HolderKind.LOCAL_AUTHORITY,
        "0.30",
        {"authority_budget": D("9999999"), "authority_inhabitants": 4999},
        True,
        id="row24-small-local-authority-exempt",
    ),
    pytest.param(HolderKind.UNIVERSITY, "0.45", {}, True, id="row25-university-exempt"),
    pytest.param(HolderKind.INSTITUTIONAL_INVESTOR, "0.35", {}, True, id="institutional-exempt"),
    pytest.param(HolderKind.ENTERPRISE, "0.25", {}, False, id="row21-enterprise-25pct-partner"),
]


@pytest.mark.parametrize(("kind", "share", "extra", "exempt"), INVESTORS)
def test_investor_exceptions(
    kind: HolderKind, share: str, extra: dict[str, object], exempt: bool
) -> None:
    es = {"A": ent("A", 30, 5, 5), "I": ent("I", 1000, 500, 500)}
    r = assess_sme("A", es, [hold("I", "A", share, kind, **extra)])
    if exempt:
        assert r.enterprise_type is EnterpriseType.AUTONOMOUS
        assert r.size is SizeClass.SMALL
    else:
        assert r.enterprise_type is EnterpriseType.PARTNER
        assert r.figures.staff_awu == 30 + D(share) * 1000


def test_an_exempted_investor_above_50_percent_is_linked() -> None:
    es = {"A": ent("A", 30, 5, 5), "V": ent("V", 300, 100, 100)}
    r = assess_sme("A", es, [hold("V", "A", "0.51", HolderKind.VENTURE_CAPITAL)])
    assert r.enterprise_type is EnterpriseType.LINKED
    assert r.size is SizeClass.LARGE


PUBLIC = [
    pytest.param([hold("S", "A", "0.25", HolderKind.PUBLIC_BODY)], True, id="row25-25pct-public"),
    pytest.param([hold("S", "A", "0.249", HolderKind.PUBLIC_BODY)], False, id="row25-under-25pct"),
    pytest.param(
        [
            hold("S", "A", "0.15", HolderKind.PUBLIC_BODY),
            hold("T", "A", "0.10", HolderKind.PUBLIC_BODY),
        ],
        True,
        id="row25-jointly-25pct",
    ),
    pytest.param(
        [hold("S", "X", "0.60", HolderKind.PUBLIC_BODY), hold("X", "A", "0.30")],
        True,
        id="row25-indirectly-via-a-public-controlled-company",
    ),
    pytest.param(
        [hold("U", "A", "0.40", HolderKind.UNIVERSITY)], False, id="row25-universities-excepted"
    ),
    pytest.param(
        [
            hold(
                "L",
                "A",
                "0.30",
                HolderKind.LOCAL_AUTHORITY,
                authority_budget=D(50 * M),
                authority_inhabitants=90000,
            )
        ],
        True,
        id="row24-large-local-authority-is-a-public-body",
    ),
]


@pytest.mark.parametrize(("holdings", "not_sme"), PUBLIC)
def test_public_bodies_holding_25_percent_make_it_large(
    holdings: list[Holding], not_sme: bool
) -> None:
    es = {"A": ent("A", 5, 1, 1), "X": ent("X", 5, 1, 1)}
    r = assess_sme("A", es, holdings)
    assert (r.size is SizeClass.LARGE) is not_sme
    assert ("sme.public_bodies" in [s.code for s in r.steps]) is not_sme


def test_the_higher_of_capital_and_voting_share_is_used() -> None:
    es = {"A": ent("A", 10, 1, 1), "B": ent("B", 100, 10, 10)}
    r = assess_sme("A", es, [Holding("B", "A", D("0.20"), D("0.40"))])
    assert r.figures.staff_awu == 10 + 40


def test_dominant_influence_links_without_a_majority() -> None:
    es = {"A": ent("A", 10, 1, 1), "B": ent("B", 300, 10, 10)}
    r = assess_sme("A", es, [Holding("B", "A", D("0.30"), D("0.30"), dominant_influence=True)])
    assert r.enterprise_type is EnterpriseType.LINKED
    assert r.size is SizeClass.LARGE


def test_sister_companies_under_one_parent_are_linked() -> None:
    es = {"A": ent("A", 10, 1, 1), "P": ent("P", 10, 1, 1), "S": ent("S", 240, 1, 1)}
    r = assess_sme("A", es, [hold("P", "A", "0.8"), hold("P", "S", "0.9")])
    assert set(r.linked_ids) == {"P", "S"}
    assert r.size is SizeClass.LARGE


def test_control_through_a_subsidiary_counts() -> None:
    """P holds 30 % of A directly and 25 % through S, which it controls: P controls A."""
    es = {"A": ent("A", 10, 1, 1), "P": ent("P", 10, 1, 1), "S": ent("S", 10, 1, 1)}
    r = assess_sme(
        "A", es, [hold("P", "A", "0.30"), hold("P", "S", "0.70"), hold("S", "A", "0.25")]
    )
    assert r.enterprise_type is EnterpriseType.LINKED
    assert r.figures.staff_awu == 30


def test_natural_persons_do_not_link_the_enterprises_they_hold() -> None:
    es = {"A": ent("A", 10, 1, 1), "B": ent("B", 400, 100, 100)}
    hs = [
        hold("Ann", "A", "0.9", HolderKind.NATURAL_PERSON),
        hold("Ann", "B", "0.9", HolderKind.NATURAL_PERSON),
    ]
    r = assess_sme("A", es, hs)
    assert r.enterprise_type is EnterpriseType.AUTONOMOUS
    assert r.size is SizeClass.SMALL


def test_consolidated_data_is_not_counted_twice() -> None:
    es = {
        "A": Enterprise("A", (fig(60, 5, 5),), consolidated_ids=frozenset({"C"})),
        "C": ent("C", 50, 5, 5),
    }
    r = assess_sme("A", es, [hold("A", "C", "1")])
    assert r.figures.staff_awu == 60


def test_missing_figures_are_reported_and_counted_as_zero() -> None:
    es = {"A": ent("A", 10, 1, 1)}
    r = assess_sme("A", es, [hold("B", "A", "0.3")])
    assert "sme.missing_figures" in [s.code for s in r.steps]
    assert r.figures.staff_awu == 10


# --- Two consecutive years [U] -------------------------------------------------------------------

S, Sm, Md, L = SizeClass.SMALL, SizeClass.MICRO, SizeClass.MEDIUM, SizeClass.LARGE
TWO_YEARS = [
    pytest.param([S, Md], [S, S], id="one-year-above-keeps-status"),
    pytest.param([S, Md, Md], [S, S, Md], id="two-years-above-changes-status"),
    pytest.param([S, Md, L], [S, S, Md], id="moves-only-as-far-as-both-years"),
    pytest.param([Md, S, Md, S], [Md, Md, Md, Md], id="alternating-keeps-status"),
    pytest.param([L, Md, Sm], [L, L, Md], id="falls-as-far-as-both-years"),
]


@pytest.mark.parametrize(("raw", "expected"), TWO_YEARS)
def test_two_consecutive_years_rule(raw: list[SizeClass], expected: list[SizeClass]) -> None:
    assert apply_two_year_rule(raw) == expected


def test_two_year_rule_is_a_parameter() -> None:
    a = Enterprise("A", (fig(40, 5, 5, 2023), fig(60, 5, 5, 2024)))
    with_rule = assess_sme("A", {"A": a}, [])
    without = assess_sme("A", {"A": a}, [], SmeParameters(two_consecutive_years=False))
    assert with_rule.size is SizeClass.SMALL
    kept = [s for s in with_rule.steps if s.code == "sme.two_year_rule.kept"]
    assert kept and kept[0].unconfirmed  # Annex Art. 4(2) is [U]
    assert without.size is SizeClass.MEDIUM
    assert assess_sme("A", {"A": a}, [], reference_year=2023).size is SizeClass.SMALL


# --- Start-ups ----------------------------------------------------------------------------------

AS_OF = date(2025, 6, 1)
STARTUPS = [
    # founded, jei, owner (founded, share), params, expected                    reason
    pytest.param(date(2018, 6, 2), False, None, StartupParameters(), True, id="row55-7-years-old"),
    pytest.param(date(2017, 6, 1), False, None, StartupParameters(), False, id="row55-8-years-old"),
    pytest.param(date(2000, 1, 1), True, None, StartupParameters(), True, id="JEI-flag-honoured"),
    pytest.param(
        date(2000, 1, 1),
        True,
        None,
        StartupParameters(jei_is_startup=False),
        False,
        id="JEI-flag-off",
    ),
    pytest.param(
        date(2022, 1, 1),
        False,
        (date(1990, 1, 1), "0.5"),
        StartupParameters(),
        False,
        id="50pct-older-company",
    ),
    pytest.param(
        date(2022, 1, 1),
        False,
        (date(1990, 1, 1), "0.49"),
        StartupParameters(),
        True,
        id="49pct-older-company",
    ),
    pytest.param(
        date(2022, 1, 1),
        False,
        (date(2023, 1, 1), "0.9"),
        StartupParameters(),
        True,
        id="younger-parent",
    ),
    pytest.param(
        date(2023, 1, 1),
        False,
        (date(2021, 1, 1), "0.6"),
        StartupParameters(max_age_years=3, older_company_min_age_years=5),
        True,
        id="FPI-style-owner-under-5-years",
    ),
]


@pytest.mark.parametrize(("founded", "jei", "owner", "params", "expected"), STARTUPS)
def test_startup_status(
    founded: date,
    jei: bool,
    owner: tuple[date, str] | None,
    params: StartupParameters,
    expected: bool,
) -> None:
    es = {"A": Enterprise("A", (fig(5, 1, 1),), founded=founded, jei=jei)}
    hs = []
    if owner is not None:
        es["P"] = Enterprise("P", (fig(5, "0.1", "0.1"),), founded=owner[0])
        # a 0.5 share links P and A; P is small, so A stays an SME
        hs.append(hold("P", "A", owner[1]))
    r = assess_sme("A", es, hs)
    assert startup_status(r, AS_OF, params).is_startup is expected


def test_a_large_enterprise_is_not_a_startup() -> None:
    r = assess_sme("A", {"A": Enterprise("A", (fig(300, 100, 100),), founded=date(2024, 1, 1))}, [])
    st_ = startup_status(r, AS_OF)
    assert not st_.is_startup
    assert st_.steps[0].code == "startup.not_sme"


# --- Inputs are refused when wrong ---------------------------------------------------------------


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="staff_awu"):
        EnterpriseFigures(2024, D(-1), D(0), D(0))
    with pytest.raises(TypeError, match="Decimal"):
        EnterpriseFigures(2024, 1.5, D(0), D(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="voting_share"):
        Holding("A", "B", D("0.5"), D("1.5"))
    with pytest.raises(ValueError, match="itself"):
        Holding("A", "A", D("0.5"), D("0.5"))
    with pytest.raises(SmeInputError, match="no figures"):
        assess_sme("A", {}, [])
    with pytest.raises(SmeInputError, match="2020"):
        assess_sme("A", {"A": ent("A", 1, 1, 1)}, [], reference_year=2020)


# --- Properties ---------------------------------------------------------------------------------

shares = st.decimals(min_value=0, max_value=1, places=2)
amounts = st.integers(min_value=0, max_value=400)


@given(
    own=st.tuples(amounts, amounts, amounts),
    other=st.tuples(amounts, amounts, amounts),
    share=shares,
    extra_staff=st.integers(min_value=0, max_value=300),
)
def test_adding_staff_never_makes_an_enterprise_smaller(
    own: tuple[int, int, int], other: tuple[int, int, int], share: D, extra_staff: int
) -> None:
    def size(staff: int) -> SizeClass:
        es = {"A": ent("A", staff, own[1], own[2]), "B": ent("B", *other)}
        return assess_sme("A", es, [hold("B", "A", str(share))]).size

    assert size(own[0]).rank <= size(own[0] + extra_staff).rank


def test_batch_assessment_without_explanations_gives_the_same_figures() -> None:
    es = {
        "A": Enterprise("A", (fig(40, 5, 5, 2023), fig(60, 5, 5, 2024))),
        "B": ent("B", 40, 4, 4),
        "C": ent("C", 100, 30, 30),
    }
    hs = [hold("B", "A", "0.25"), hold("A", "C", "0.60")]
    explained = sme.assess_smes(["A", "C"], es, hs)
    batch = sme.assess_smes(["A", "C"], es, hs, explain=False)
    for eid in ("A", "C"):
        assert batch[eid].steps == ()
        assert explained[eid].steps
        assert dataclasses.replace(batch[eid], steps=explained[eid].steps) == explained[eid]
        assert explained[eid] == assess_sme(eid, es, hs)


# --- Every code has an English template -----------------------------------------------------------


def test_every_sme_code_has_a_template() -> None:
    source = Path(sme.__file__).read_text()
    codes = set(re.findall(r'"((?:sme|startup)\.[a-z_.]+)"', source))
    assert codes, "no codes found"
    assert codes <= set(sme.SME_MESSAGES)
    for template in sme.SME_MESSAGES.values():
        assert len(template) < 160


# --- Annex Art. 3(2) exceptions, explained (Commission's SME user guide, 2020 edition) --------
# The guide: a business angel investing less than EUR 1 250 000 in the same enterprise, and an
# autonomous local authority with an annual budget under EUR 10 million and fewer than 5 000
# inhabitants, may hold 25-50 % without making the enterprise a partner enterprise.


def _codes(r: sme.SmeResult) -> list[str]:
    return [s.code for s in r.steps]


def test_guide_an_angel_under_the_ceiling_is_a_mere_investor_and_the_step_says_how_much() -> None:
    es = {"A": ent("A", 30, 5, 5), "I": ent("I", 1000, 500, 500)}
    holding = hold("I", "A", "0.40", HolderKind.BUSINESS_ANGEL, angel_total_investment=D(900_000))
    r = assess_sme("A", es, [holding])
    assert r.enterprise_type is EnterpriseType.AUTONOMOUS
    step = next(s for s in r.steps if s.code == "sme.angel.below")
    assert step.params["investment_eur"] == D(900_000)
    assert step.params["ceiling_eur"] == D(1_250_000)
    assert "sme.investor_exception" in _codes(r)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        pytest.param({"angel_total_investment": D(1_500_000)}, "sme.angel.above", id="above"),
        pytest.param({}, "sme.angel.unknown_investment", id="amount-not-given"),
    ],
)
def test_guide_an_angel_without_the_exception_is_a_partner_and_the_step_says_why(
    extra: dict[str, object], code: str
) -> None:
    es = {"A": ent("A", 30, 5, 5), "I": ent("I", 1000, 500, 500)}
    r = assess_sme("A", es, [hold("I", "A", "0.40", HolderKind.BUSINESS_ANGEL, **extra)])
    assert r.enterprise_type is EnterpriseType.PARTNER
    assert code in _codes(r) and "sme.investor_exception_lost" in _codes(r)


def test_guide_a_small_commune_holding_30_percent_keeps_the_enterprise_an_sme() -> None:
    es = {"A": ent("A", 5, 1, 1)}
    commune = hold(
        "L",
        "A",
        "0.30",
        HolderKind.LOCAL_AUTHORITY,
        authority_budget=D(4 * M),
        authority_inhabitants=3200,
    )
    r = assess_sme("A", es, [commune])
    assert r.size is SizeClass.MICRO and r.enterprise_type is EnterpriseType.AUTONOMOUS
    assert "sme.local_authority.small" in _codes(r)


def test_a_commune_of_unknown_size_is_a_public_body_and_the_step_says_so() -> None:
    es = {"A": ent("A", 5, 1, 1)}
    r = assess_sme("A", es, [hold("L", "A", "0.30", HolderKind.LOCAL_AUTHORITY)])
    assert r.size is SizeClass.LARGE
    assert "sme.holding.local_authority_unknown" in _codes(r)
    assert "sme.public_bodies" in _codes(r)


def test_an_enterprise_excluded_only_by_public_ownership_is_a_french_pme_not_an_eti() -> None:
    # Décret 2008-1354 art. 3 has no public-ownership rule (FUNDING-RULES §6): PME by its figures.
    es = {"A": ent("A", 40, 6, 4)}
    r = assess_sme("A", es, [hold("S", "A", "0.30", HolderKind.PUBLIC_BODY)])
    assert r.size is SizeClass.LARGE
    assert r.french_category is FrenchCategory.PME
    step = next(s for s in r.steps if s.code == "sme.french.pme_public_ownership")
    assert step.unconfirmed and step.legal_ref == "Décret 2008-1354 art. 3"


def test_a_large_enterprise_by_its_figures_under_public_ownership_is_still_an_eti() -> None:
    es = {"A": ent("A", 600, 200, 150)}
    r = assess_sme("A", es, [hold("S", "A", "0.30", HolderKind.PUBLIC_BODY)])
    assert r.french_category is FrenchCategory.ETI
    assert "sme.french.pme_public_ownership" not in _codes(r)


@pytest.mark.parametrize(
    ("holding", "code"),
    [
        pytest.param(hold("B", "A", "0.20"), "sme.holding.below_threshold", id="under-25pct"),
        pytest.param(
            hold("P", "A", "0.60", HolderKind.NATURAL_PERSON),
            "sme.holding.natural_person",
            id="natural-person",
        ),
        pytest.param(
            hold("A", "B", "0.10"), "sme.holding.below_threshold.downstream", id="downstream"
        ),
    ],
)
def test_an_ignored_holding_is_listed_with_the_reason(holding: Holding, code: str) -> None:
    es = {"A": ent("A", 30, 5, 5), "B": ent("B", 1000, 500, 500)}
    r = assess_sme("A", es, [holding])
    assert r.enterprise_type is EnterpriseType.AUTONOMOUS
    assert code in _codes(r)
