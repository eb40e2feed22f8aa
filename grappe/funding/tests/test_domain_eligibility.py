"""Consortium rules of a call against a project: one verdict per rule, read as a table."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from grappe.funding.domain.common import CostCategory, PartnerKind, ResearchCategory
from grappe.funding.domain.eligibility import RULE_ORDER, VerdictStatus, evaluate_consortium
from grappe.funding.domain.inputs import CostLine, PartnerInput, ProjectInput
from grappe.funding.domain.messages import MESSAGES
from grappe.funding.domain.rulesets import ready_made
from grappe.registry.domain.sme import FrenchCategory, SizeClass

PASSED, FAILED = VerdictStatus.PASSED, VerdictStatus.FAILED
JUSTIFY, NA = VerdictStatus.NEEDS_JUSTIFICATION, VerdictStatus.NOT_APPLICABLE


def cost(amount: int) -> tuple[CostLine, ...]:
    return (CostLine(CostCategory.PERSONNEL, ResearchCategory.INDUSTRIAL, D(amount)),)


def company(pid: str, amount: int, **kw: object) -> PartnerInput:
    return PartnerInput(pid, PartnerKind.COMPANY, cost(amount), **kw)  # type: ignore[arg-type]


def lab(pid: str, amount: int, **kw: object) -> PartnerInput:
    return PartnerInput(pid, PartnerKind.RESEARCH_ORGANISATION, cost(amount), **kw)  # type: ignore[arg-type]


BASE = ProjectInput(
    "p",
    (
        company("acme", 600_000, coordinator=True, size=SizeClass.SMALL),
        company("bigco", 500_000),
        lab("cnrs", 400_000),
    ),
    accreditations=("cap-digital", "systematic"),
    lead_cluster="cap-digital",
)

Change = Callable[[ProjectInput], ProjectInput]


def partners(*ps: PartnerInput) -> Change:
    return lambda p: dataclasses.replace(p, partners=ps)


def project(**kw: object) -> Change:
    return lambda p: dataclasses.replace(p, **kw)  # type: ignore[arg-type]


def same(p: ProjectInput) -> ProjectInput:
    return p


FUI19 = [
    # change to the base project, rule, expected status, code        source (FUNDING-RULES)
    pytest.param(same, "min_independent_companies", PASSED, id="§3.1-two-independent-companies"),
    pytest.param(
        partners(
            company("a", 600_000, coordinator=True),
            company("b", 500_000, group="a"),
            lab("l", 400_000),
        ),
        "min_independent_companies",
        FAILED,
        id="§3.1-linked-companies-count-once",
    ),
    pytest.param(
        partners(
            company("a", 600_000, coordinator=True),
            company("b", 500_000, contract_research=True),
            lab("l", 400_000),
        ),
        "min_independent_companies",
        FAILED,
        id="§3.1-a-subcontractor-is-not-a-partner-company",
    ),
    pytest.param(same, "min_research_organisations", PASSED, id="§3.1-one-lab"),
    pytest.param(
        partners(
            company("a", 600_000, coordinator=True),
            company("b", 500_000),
            PartnerInput("irt", PartnerKind.TECHNOLOGY_INSTITUTE, cost(400_000)),
        ),
        "min_research_organisations",
        FAILED,
        id="§3.1-an-IRT-is-not-the-academic-partner",
    ),
    pytest.param(
        partners(
            company("a", 600_000, coordinator=True),
            company("b", 500_000),
            PartnerInput("school", PartnerKind.TRAINING_ORGANISATION, cost(400_000)),
        ),
        "min_research_organisations",
        PASSED,
        id="§3.1-a-training-organisation-counts",
    ),
    pytest.param(same, "coordinator_must_be_company", PASSED, id="§3.1-company-led"),
    pytest.param(
        partners(company("a", 600_000), company("b", 500_000), lab("l", 400_000, coordinator=True)),
        "coordinator_must_be_company",
        FAILED,
        id="§3.1-lab-led-refused",
    ),
    pytest.param(
        partners(company("a", 600_000), company("b", 500_000), lab("l", 400_000)),
        "coordinator_must_be_company",
        FAILED,
        id="§3.1-no-coordinator",
    ),
    pytest.param(same, "max_partner_share", PASSED, id="row36-40pct"),
    pytest.param(
        partners(
            company("a", 7_100_000, coordinator=True), company("b", 1_000_000), lab("l", 1_900_000)
        ),
        "max_partner_share",
        FAILED,
        id="row36-71pct-refused",
    ),
    pytest.param(
        partners(company("a", 700_000, coordinator=True), company("b", 100_000), lab("l", 200_000)),
        "max_partner_share",
        PASSED,
        id="row36-exactly-70pct",
    ),
    pytest.param(same, "budget", PASSED, id="row37-1.5m-in-window"),
    pytest.param(
        partners(company("a", 300_000, coordinator=True), company("b", 200_000), lab("l", 200_000)),
        "budget",
        FAILED,
        id="row37-700k-too-small",
    ),
    pytest.param(same, "min_accreditations", PASSED, id="§3.1-labelled"),
    pytest.param(project(accreditations=()), "min_accreditations", FAILED, id="§3.1-no-label"),
    pytest.param(same, "lead_cluster_first", PASSED, id="§3.1-lead-cluster-first"),
    pytest.param(
        project(lead_cluster="systematic"), "lead_cluster_first", FAILED, id="§3.1-lead-not-first"
    ),
    pytest.param(same, "min_cost_share_in_cluster_territory", PASSED, id="row35-all-in-territory"),
    pytest.param(
        partners(
            company("a", 600_000, coordinator=True, in_cluster_territory=False),
            company("b", 500_000, in_cluster_territory=False),
            lab("l", 400_000),
        ),
        "min_cost_share_in_cluster_territory",
        FAILED,
        id="row35-27pct-in-territory",
    ),
    pytest.param(same, "max_aided_partners", NA, id="not-set-by-FUI"),
    pytest.param(same, "min_paris_partners", NA, id="not-set-by-FUI-paris"),
]


@pytest.mark.parametrize(("change", "rule", "status"), FUI19)
def test_fui_19_consortium_rules(change: Change, rule: str, status: VerdictStatus) -> None:
    verdicts = {v.rule: v for v in evaluate_consortium(change(BASE), ready_made("fui-19"))}
    assert verdicts[rule].status is status
    assert verdicts[rule].legal_ref == "FUI call 19 specifications"


LAB_AID = [
    # aid to labs vs companies, status                                   row 34
    pytest.param({"acme": 300, "bigco": 300, "cnrs": 400}, PASSED, id="row34-exactly-40pct"),
    pytest.param({"acme": 300, "bigco": 299, "cnrs": 401}, JUSTIFY, id="row34-above-40pct-justify"),
]


@pytest.mark.parametrize(("aid", "status"), LAB_AID)
def test_labs_share_of_aid_above_40_percent_needs_justification(
    aid: dict[str, int], status: VerdictStatus
) -> None:
    verdicts = evaluate_consortium(
        BASE, ready_made("fui-19"), aid_by_partner={k: D(v) for k, v in aid.items()}
    )
    (v,) = [v for v in verdicts if v.rule == "lab_aid_share_justification"]
    assert v.status is status


def test_lab_aid_share_is_not_evaluated_without_aid() -> None:
    (v,) = [
        v
        for v in evaluate_consortium(BASE, ready_made("fui-19"))
        if v.rule == "lab_aid_share_justification"
    ]
    assert (v.status, v.code) == (NA, "eligibility.not_evaluated")


def test_pspc_aided_partner_limit_is_advisory() -> None:
    """Row 42: at most 5 partners requesting aid is recommended, not required."""
    many = tuple(
        company(f"c{i}", 200_000, coordinator=i == 0, size=SizeClass.SMALL) for i in range(6)
    )
    p = dataclasses.replace(BASE, partners=(*many, lab("l", 300_000)))
    verdicts = {v.rule: v for v in evaluate_consortium(p, ready_made("pspc-regions"))}
    assert verdicts["max_aided_partners"].status is JUSTIFY
    assert verdicts["max_aided_partners"].params == {"count": 7, "max": 5}


def test_pspc_and_i_demo_need_an_sme_or_eti() -> None:
    """Rows 44 and §3.2: at least one SME or ETI among the companies."""
    no_sme = partners(
        company("a", 600_000, coordinator=True), company("b", 500_000), lab("l", 400_000)
    )(BASE)
    eti = partners(
        company("a", 600_000, coordinator=True, french_category=FrenchCategory.ETI),
        company("b", 500_000),
        lab("l", 400_000),
    )(BASE)
    for code in ("pspc-regions", "i-demo-aura"):
        rs = ready_made(code)
        assert {v.rule: v.status for v in evaluate_consortium(no_sme, rs)}[
            "min_sme_or_eti"
        ] is FAILED
        assert {v.rule: v.status for v in evaluate_consortium(eti, rs)}["min_sme_or_eti"] is PASSED


def test_i_demo_allows_at_most_five_partners() -> None:
    six = (*(company(f"c{i}", 200_000, coordinator=i == 0) for i in range(5)), lab("l", 1))
    verdicts = {
        v.rule: v for v in evaluate_consortium(partners(*six)(BASE), ready_made("i-demo-aura"))
    }
    assert verdicts["max_partners"].status is FAILED  # row 44


def test_city_of_paris_needs_a_partner_in_paris_and_says_it_is_unconfirmed() -> None:
    rs = ready_made("city-of-paris")
    (without,) = [v for v in evaluate_consortium(BASE, rs) if v.rule == "min_paris_partners"]
    assert without.status is FAILED
    assert without.unconfirmed
    in_paris = partners(
        company("acme", 600_000, coordinator=True, in_paris=True),
        company("b", 500_000),
        lab("l", 1),
    )(BASE)
    (with_,) = [v for v in evaluate_consortium(in_paris, rs) if v.rule == "min_paris_partners"]
    assert with_.status is PASSED


def test_every_rule_gets_one_verdict_in_a_fixed_order_with_a_template() -> None:
    for code in ("fui-19", "fui-25", "pspc-regions", "i-demo-aura", "city-of-paris"):
        verdicts = evaluate_consortium(BASE, ready_made(code), aid_by_partner={"acme": D(1)})
        assert tuple(v.rule for v in verdicts) == RULE_ORDER
        for v in verdicts:
            assert MESSAGES[v.code] % v.params


def test_verdicts_do_not_depend_on_partner_order() -> None:
    reversed_ = dataclasses.replace(BASE, partners=tuple(reversed(BASE.partners)))
    rs = ready_made("fui-19")
    assert evaluate_consortium(BASE, rs) == evaluate_consortium(reversed_, rs)
