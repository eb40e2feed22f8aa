"""Maximum aid per partner: worked examples, cumulation, caps and hypothesis properties.

Rows cite FUNDING-RULES.md. Pure tests: no database, no Django.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grappe.funding import domain as funding_domain
from grappe.funding.domain.aid import SimulationResult, max_aid, simulate
from grappe.funding.domain.common import (
    CostCategory,
    Explanation,
    PartnerKind,
    ResearchCategory,
    RoBasis,
    cents,
)
from grappe.funding.domain.inputs import CostLine, OtherAid, PartnerInput, ProjectInput
from grappe.funding.domain.messages import MESSAGES
from grappe.funding.domain.rulesets import (
    FUI_19,
    READY_MADE,
    RuleSet,
    ready_made,
    ruleset_from_dict,
)
from grappe.registry.domain.sme import (
    Enterprise,
    EnterpriseFigures,
    FrenchCategory,
    Holding,
    SizeClass,
    assess_sme,
)

PERS, INSTR, BUILD, CONTRACT, OVER = (
    CostCategory.PERSONNEL,
    CostCategory.INSTRUMENTS,
    CostCategory.BUILDINGS,
    CostCategory.CONTRACTUAL,
    CostCategory.OVERHEADS,
)
FR, IR, ED, FS = (
    ResearchCategory.FUNDAMENTAL,
    ResearchCategory.INDUSTRIAL,
    ResearchCategory.EXPERIMENTAL,
    ResearchCategory.FEASIBILITY,
)
COMPANY, RO = PartnerKind.COMPANY, PartnerKind.RESEARCH_ORGANISATION
SMALL, MEDIUM, LARGE = SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE


def line(
    cat: CostCategory, research: ResearchCategory, amount: int | str, lid: str = ""
) -> CostLine:
    return CostLine(cat, research, D(amount), lid)


def fui_project(*extra: PartnerInput, **kw: object) -> ProjectInput:
    """The reference consortium: a small company, an ETI and a public lab (FUI call 19)."""
    partners = (
        PartnerInput(
            "acme",
            COMPANY,
            (line(PERS, IR, 400_000), line(OVER, ED, 100_000)),
            size=SMALL,
            coordinator=True,
        ),
        PartnerInput(
            "bigco", COMPANY, (line(PERS, ED, 500_000),), french_category=FrenchCategory.ETI
        ),
        PartnerInput("cnrs", RO, (line(PERS, IR, 300_000),)),
        *extra,
    )
    return ProjectInput(
        "p", partners, accreditations=("cap-digital",), lead_cluster="cap-digital", **kw
    )  # type: ignore[arg-type]


def test_worked_example_fui_19() -> None:
    r = simulate(fui_project(), ready_made("fui-19"))
    acme, bigco, cnrs = r.partners
    # row 28: SME 45 %, below the GBER ceilings (IR small+collab 80 %, ED small+collab 60 %)
    assert [(x.intensity, x.max_aid) for x in acme.lines] == [
        (D("0.45"), D("45000.00")),
        (D("0.45"), D("180000.00")),
    ]
    assert acme.max_aid == D("225000.00")
    # row 29: ETI 30 %, GBER ED large + collaboration 40 %
    assert bigco.max_aid == D("150000.00")
    assert bigco.lines[0].gber_cap == D("0.40")
    # row 31: lab 40 % of full cost, outside the GBER
    assert cnrs.max_aid == D("120000.00")
    assert cnrs.lines[0].gber_cap is None
    assert not cnrs.undertaking
    assert r.total_max_aid == D("495000.00")
    assert r.total_eligible_cost == D("1300000.00")
    steps = [s.code for s in acme.lines[1].steps]
    assert steps == [
        "scheme.rate.base",
        "gber.base.industrial",
        "gber.bonus.small_enterprise",
        "gber.bonus.collaboration.undertakings",
        "gber.cap",
        "aid.intensity.scheme_rate",
    ]
    assert {v.status.value for v in r.verdicts} <= {"passed", "not_applicable"}


INTENSITY = [
    # rule set, partner, costs, other partners, expected intensity       row
    pytest.param(
        "fui-19",
        dict(size=SMALL, in_cluster_territory=False),
        ED,
        "0.30",
        id="row28-SME-outside-territory-30",
    ),
    pytest.param("fui-19", dict(size=LARGE), ED, "0.25", id="row30-large-25"),
    pytest.param("fui-19", dict(size=SMALL), FR, "0.45", id="row1-fundamental-call-rate-applies"),
    pytest.param("fui-25", dict(size=MEDIUM), IR, "0.50", id="row32-SME-territory-50"),
    pytest.param(
        "fui-25",
        dict(size=MEDIUM, in_cluster_territory=False),
        IR,
        "0.35",
        id="row33-SME-outside-35",
    ),
    pytest.param(
        "fui-25",
        dict(french_category=FrenchCategory.ETI, in_cluster_territory=False),
        IR,
        "0.30",
        id="row33-ETI-outside-30",
    ),
    pytest.param("pspc-regions", dict(size=SMALL), ED, "0.50", id="row41-SME-labelled-50"),
    pytest.param(
        "pspc-regions",
        dict(french_category=FrenchCategory.ETI),
        ED,
        "0.35",
        id="row41-ETI-labelled-35",
    ),
    pytest.param(
        "i-demo-aura", dict(size=SMALL), ED, "0.60", id="row45-small-60-within-ED-collab-ceiling"
    ),
    pytest.param(
        "i-demo-aura", dict(size=SMALL), FS, "0.60", id="row45-small-60-feasibility-ceiling-70"
    ),
    pytest.param(
        "i-demo-aura", dict(size=MEDIUM), ED, "0.50", id="row45-medium-50-at-ED-collab-ceiling"
    ),
]


@pytest.mark.parametrize(("code", "attrs", "research", "expected"), INTENSITY)
def test_intensity_applied(
    code: str, attrs: dict[str, object], research: ResearchCategory, expected: str
) -> None:
    target = PartnerInput("t", COMPANY, (line(PERS, research, 100_000),), coordinator=True, **attrs)  # type: ignore[arg-type]
    project = ProjectInput(
        "p",
        (
            target,
            PartnerInput("x", COMPANY, (line(PERS, IR, 100_000),), size=SMALL),
            PartnerInput("lab", RO, (line(PERS, IR, 50_000),)),
        ),
        accreditations=("c",),
    )
    assert simulate(project, ready_made(code)).partner("t").lines[0].intensity == D(expected)


def test_a_call_rate_above_the_gber_ceiling_is_capped() -> None:
    """Row 45 vs rows 3, 5, 6: AURA pays a small enterprise 60 %, but without collaboration the
    GBER ceiling for experimental development is 45 %; a lab bearing >= 10 % lifts it to 60 %."""
    alone = ProjectInput(
        "p",
        (
            PartnerInput("s", COMPANY, (line(PERS, ED, 100_000),), size=SMALL),
            PartnerInput("big", COMPANY, (line(PERS, ED, 900_000),)),
        ),
    )
    r = simulate(alone, ready_made("i-demo-aura"))
    s = r.partner("s").lines[0]
    assert s.intensity == D("0.45")
    assert s.steps[-1].code == "aid.intensity.capped_by_gber"
    assert s.steps[-1].params == {"scheme_pct": D(60), "cap_pct": D(45)}
    assert "gber.collaboration.undertakings.share_too_high" in [
        x.code for x in r.collaboration.steps
    ]
    with_lab = dataclasses.replace(
        alone, partners=(*alone.partners, PartnerInput("lab", RO, (line(PERS, ED, 200_000),)))
    )
    s2 = simulate(with_lab, ready_made("i-demo-aura")).partner("s").lines[0]
    assert s2.intensity == D("0.60")
    assert "gber.bonus.collaboration.research_organisations" in [x.code for x in s2.steps]


def test_pspc_label_raises_the_rate() -> None:
    """Row 41: SME 35 % without the cluster label, 50 % with it."""
    labelled = fui_project()
    unlabelled = dataclasses.replace(labelled, accreditations=())
    rs = ready_made("pspc-regions")
    assert simulate(unlabelled, rs).partner("acme").lines[0].intensity == D("0.35")
    assert simulate(labelled, rs).partner("acme").lines[0].intensity == D("0.50")


def test_research_organisation_on_marginal_cost_gets_100_percent() -> None:
    """Row 31: 40 % of full cost or 100 % of marginal cost."""
    marginal = PartnerInput("lab2", RO, (line(PERS, IR, 50_000),), ro_basis=RoBasis.MARGINAL_COST)
    r = simulate(fui_project(marginal), ready_made("fui-19"))
    assert r.partner("lab2").max_aid == D("50000.00")
    assert r.partner("lab2").lines[0].steps[0].code == "ro.marginal_cost"


def test_economic_activity_of_a_lab_falls_under_the_gber() -> None:
    lab = PartnerInput("lab2", RO, (line(PERS, ED, 100_000),), economic_activity=True)
    r = simulate(fui_project(lab), ready_made("fui-19"))
    p = r.partner("lab2")
    assert p.undertaking
    assert p.lines[0].intensity == D("0.25")  # row 30: large-company rate
    assert [w.code for w in p.warnings] == ["ro.economic_activity"]


def test_city_of_paris_start_up_bonus_needs_a_paris_start_up() -> None:
    """§4 [U]: the City's start-up bonus (10 points here) for a start-up located in Paris; the
    start-up status comes from the SME assessment and the call's start-up definition."""
    enterprises = {
        "acme": Enterprise(
            "acme",
            (EnterpriseFigures(2024, D(12), D(900_000), D(800_000)),),
            founded=date(2021, 3, 1),
        )
    }
    sizes = {"acme": assess_sme("acme", enterprises, [])}
    rs = ready_made("city-of-paris")
    project = fui_project(as_of=date(2025, 1, 1))
    in_paris = dataclasses.replace(
        project,
        partners=(dataclasses.replace(project.partners[0], in_paris=True), *project.partners[1:]),
    )
    outside = simulate(project, rs, sizes).partner("acme")
    inside = simulate(in_paris, rs, sizes).partner("acme")
    assert outside.is_startup and inside.is_startup
    assert outside.lines[1].intensity == D("0.45")
    assert "scheme.startup_bonus.not_in_paris" in [s.code for s in outside.lines[1].steps]
    assert inside.lines[1].intensity == D("0.55")
    bonus = [s for s in inside.lines[1].steps if s.code == "scheme.startup_bonus.sme.paris"]
    assert bonus and bonus[0].unconfirmed
    assert inside.lines[0].intensity == D("0.55")  # ED small + collaboration: ceiling 60 %
    assert "startup.yes" in [s.code for s in inside.steps]


def test_sizes_from_sme_assessments_override_declared_sizes() -> None:
    enterprises = {
        "acme": Enterprise("acme", (EnterpriseFigures(2024, D(12), D(1), D(1)),)),
        "parent": Enterprise("parent", (EnterpriseFigures(2024, D(400), D(1), D(1)),)),
    }
    holdings = [Holding("parent", "acme", D("0.6"), D("0.6"))]
    sizes = {"acme": assess_sme("acme", enterprises, holdings)}
    p = simulate(fui_project(), ready_made("fui-19"), sizes).partner("acme")
    assert (p.size, p.french_category) == (LARGE, FrenchCategory.ETI)  # 412 AWU: rows 18, 26
    assert p.lines[1].intensity == D("0.30")  # row 29
    assert "sme.linked_enterprise" in [s.code for s in p.steps]


# --- Cumulation and double funding (§7.3) ---------------------------------------------------------


def with_other_aid(*aid: OtherAid, code: str = "fui-25") -> tuple[SimulationResult, RuleSet]:
    project = fui_project()
    acme = dataclasses.replace(project.partners[0], other_aid=aid)
    project = dataclasses.replace(project, partners=(acme, *project.partners[1:]))
    rs = ready_made(code)
    return simulate(project, rs), rs


def test_other_funders_aid_reduces_this_calls_aid_to_the_gber_maximum() -> None:
    """acme's personnel (400 k€ IR) may get at most 80 % = 320 k€ from all funders together;
    FUI 25 gives 50 % = 200 k€; with 150 k€ from the Region only 170 k€ remain."""
    r, _ = with_other_aid(OtherAid("region", PERS, D(150_000)))
    cat = r.partner("acme").categories[0]
    assert (cat.category, cat.gber_max_aid, cat.scheme_aid, cat.max_aid) == (
        PERS,
        D("320000.00"),
        D("200000.00"),
        D("170000.00"),
    )
    assert cat.steps[0].code == "cumulation.reduced"
    assert cat.steps[0].legal_ref == "GBER Art. 8"


def test_other_aid_within_the_maximum_leaves_this_calls_aid_unchanged() -> None:
    r, _ = with_other_aid(OtherAid("region", PERS, D(100_000)))
    cat = r.partner("acme").categories[0]
    assert cat.max_aid == D("200000.00")
    assert cat.steps[0].code == "cumulation.within_max"


def test_other_aid_above_the_maximum_leaves_nothing_and_warns() -> None:
    r, _ = with_other_aid(OtherAid("eu", PERS, D(330_000)))
    p = r.partner("acme")
    assert p.categories[0].max_aid == 0
    assert "cumulation.exceeded_by_others" in [w.code for w in p.warnings]


def test_double_funding_of_the_same_costs_is_flagged() -> None:
    project = fui_project()
    acme = dataclasses.replace(
        project.partners[0],
        costs=(line(PERS, IR, 400_000, "L1"), line(OVER, ED, 100_000, "L2")),
        other_aid=(OtherAid("region", OVER, D(10_000), cost_line_ids=frozenset({"L2"})),),
    )
    r = simulate(
        dataclasses.replace(project, partners=(acme, *project.partners[1:])), ready_made("fui-19")
    )
    codes = [(w.code, w.params) for w in r.partner("acme").warnings]
    assert ("aid.double_funding.same_costs", {"funder": "region", "lines": "L2"}) in codes
    # §3.1: the FUI's base may not be funded by other public money at all
    assert ("aid.double_funding.exclusive_base", {"funders": "region"}) in codes


# --- Caps per partner and per project --------------------------------------------------------------


def test_maximum_aid_per_partner_and_per_project() -> None:
    data = copy.deepcopy(FUI_19)
    data["max_aid_per_partner"] = "200000"
    data["max_aid_per_project"] = "400000"
    r = simulate(fui_project(), ruleset_from_dict(data))
    # per partner: acme 225 k€ -> 200 k€; then the project's 470 k€ -> 400 k€ pro rata
    assert "aid.cap.partner" in [s.code for s in r.partner("acme").steps]
    assert r.total_max_aid == D("400000.00")
    assert r.partner("acme").max_aid == D("170212.77")  # 200 000 x 400/470
    assert [s.code for s in r.steps] == ["aid.cap.project"]


def test_notification_threshold_is_flagged_per_undertaking() -> None:
    """Row 13: predominantly experimental development above EUR 25 m (2023 text)."""
    big = PartnerInput("giant", COMPANY, (line(PERS, ED, 120_000_000),))
    r = simulate(fui_project(big), ready_made("i-demo-aura"))
    (w,) = r.partner("giant").warnings
    assert w.code == "gber.notification.experimental"
    assert w.params["threshold_eur"] == D(25_000_000)


def test_what_if_is_a_second_run_with_changed_input() -> None:
    rs = ready_made("fui-19")
    before = simulate(fui_project(), rs)
    project = fui_project()
    bigger = dataclasses.replace(project.partners[1], size=MEDIUM, french_category=None)
    after = simulate(
        dataclasses.replace(project, partners=(project.partners[0], bigger, project.partners[2])),
        rs,
    )
    assert before.partner("bigco").max_aid == D("150000.00")
    assert after.partner("bigco").max_aid == D("225000.00")  # SME 45 %
    assert before.partner("acme") == after.partner("acme")


# --- Properties -----------------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=5_000_000_00).map(lambda c: D(c) / 100)
categories = st.sampled_from(list(CostCategory))
researches = st.sampled_from(list(ResearchCategory))


@st.composite
def partner_inputs(draw: st.DrawFn, pid: str) -> PartnerInput:
    kind = draw(st.sampled_from([COMPANY, COMPANY, COMPANY, RO, *PartnerKind]))
    size = draw(st.sampled_from(list(SizeClass)))
    french = draw(st.sampled_from([None, FrenchCategory.ETI])) if size is LARGE else None
    costs = tuple(
        CostLine(draw(categories), draw(researches), draw(money), f"{pid}-{i}")
        for i in range(draw(st.integers(1, 4)))
    )
    other = tuple(
        OtherAid(
            draw(st.sampled_from(["region", "city", "eu"])), draw(categories), draw(money) / 10
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    return PartnerInput(
        pid,
        kind,
        costs,
        size=size,
        french_category=french,
        is_startup=draw(st.booleans()),
        coordinator=pid == "p0",
        group=draw(st.sampled_from([None, None, "g1"])),
        country=draw(st.sampled_from(["FR", "FR", "DE", "CH"])),
        in_cluster_territory=draw(st.booleans()),
        in_paris=draw(st.booleans()),
        right_to_publish=draw(st.booleans()),
        contract_research=draw(st.booleans()) and draw(st.booleans()),
        wide_dissemination=draw(st.booleans()) and draw(st.booleans()),
        economic_activity=draw(st.booleans()) and draw(st.booleans()),
        ro_basis=draw(st.sampled_from([None, *RoBasis])),
        other_aid=other,
    )


@st.composite
def projects(draw: st.DrawFn) -> ProjectInput:
    n = draw(st.integers(1, 6))
    return ProjectInput(
        "p",
        tuple(draw(partner_inputs(f"p{i}")) for i in range(n)),
        accreditations=draw(st.sampled_from([(), ("c1",), ("c1", "c2")])),
        lead_cluster="c1",
        wide_dissemination=draw(st.booleans()) and draw(st.booleans()),
        joint_member_state_call=draw(st.booleans()) and draw(st.booleans()),
    )


def _capped(code: str) -> RuleSet:
    data = copy.deepcopy(READY_MADE[code])
    data["max_aid_per_partner"] = "1000000"
    data["max_aid_per_project"] = "2500000"
    return ruleset_from_dict(data)


RULESETS = [ready_made(c) for c in sorted(READY_MADE)] + [
    _capped("fui-19"),
    _capped("city-of-paris"),
]
rulesets = st.sampled_from(RULESETS)


@settings(deadline=None)
@given(project=projects(), rs=rulesets)
def test_aid_never_exceeds_eligible_cost_times_the_cap(project: ProjectInput, rs: RuleSet) -> None:
    r = simulate(project, rs)
    ro = rs.research_organisations
    for p in r.partners:
        ceiling = D(0)
        for x in p.lines:
            cap = x.gber_cap if x.gber_cap is not None else x.intensity
            assert x.intensity <= cap
            assert x.max_aid <= cents(x.eligible_cost * cap)
            ceiling += x.eligible_cost * cap
            if x.gber_cap is None and ro is not None:
                assert x.intensity in (ro.full_cost_rate, ro.marginal_cost_rate, D(0))
        assert p.max_aid <= cents(ceiling)
        assert p.max_aid <= p.eligible_cost
        if rs.max_aid_per_partner is not None:
            assert p.max_aid <= rs.max_aid_per_partner
    if rs.max_aid_per_project is not None:
        assert r.total_max_aid <= rs.max_aid_per_project + D("0.01") * len(r.partners)


@settings(deadline=None)
@given(project=projects(), rs=rulesets)
def test_cumulation_across_funders_never_exceeds_the_maximum(
    project: ProjectInput, rs: RuleSet
) -> None:
    r = simulate(project, rs)
    for p in r.partners:
        for c in p.categories:
            limit = c.gber_max_aid if c.gber_max_aid is not None else c.eligible_cost
            if c.other_aid <= limit:
                assert c.max_aid + c.other_aid <= limit + D("0.01")
            else:
                assert c.max_aid == 0


SMALLER = {SizeClass.LARGE: MEDIUM, MEDIUM: SMALL, SMALL: SizeClass.MICRO}


@settings(deadline=None)
@given(project=projects(), rs=rulesets, index=st.integers(0, 5))
def test_a_smaller_enterprise_never_gets_a_lower_intensity(
    project: ProjectInput, rs: RuleSet, index: int
) -> None:
    target = project.partners[index % len(project.partners)]
    if target.size not in SMALLER:
        return
    smaller = dataclasses.replace(target, size=SMALLER[target.size], french_category=None)
    changed = dataclasses.replace(
        project, partners=tuple(smaller if p is target else p for p in project.partners)
    )
    before = simulate(project, rs).partner(target.id)
    after = simulate(changed, rs).partner(target.id)
    for a, b in zip(before.lines, after.lines, strict=True):
        assert b.intensity >= a.intensity
    assert after.max_aid >= before.max_aid


@settings(deadline=None)
@given(project=projects(), rs=rulesets, seed=st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_the_order_of_partners(
    project: ProjectInput, rs: RuleSet, seed: int
) -> None:
    rng = random.Random(seed)

    def shuffled(xs: tuple[object, ...]) -> tuple[object, ...]:
        out = list(xs)
        rng.shuffle(out)
        return tuple(out)

    partners = [
        dataclasses.replace(p, costs=shuffled(p.costs), other_aid=shuffled(p.other_aid))
        for p in shuffled(project.partners)
    ]
    reordered = dataclasses.replace(project, partners=tuple(partners))  # type: ignore[arg-type]
    assert simulate(reordered, rs) == simulate(project, rs)


@settings(deadline=None)
@given(project=projects(), rs=rulesets)
def test_the_batch_max_aid_equals_the_explained_simulation(
    project: ProjectInput, rs: RuleSet
) -> None:
    full = simulate(project, rs)
    batch = max_aid(project, rs)
    assert batch.total == full.total_max_aid
    assert dict(batch.by_partner) == {p.partner_id: p.max_aid for p in full.partners}


# --- Every code has a template; money is Decimal ----------------------------------------------------

CODE = re.compile(r'"((?:gber|scheme|aid|ro|cumulation|eligibility|sme|startup)\.[a-z_.]+)"')


def test_every_code_in_the_domain_source_has_an_english_template() -> None:
    sources = list(Path(funding_domain.__file__).parent.glob("*.py"))
    codes = {c for path in sources for c in CODE.findall(path.read_text())}
    assert len(codes) > 60
    missing = sorted(c for c in codes if c not in MESSAGES and not c.endswith("."))
    assert not missing


def _all_explanations(r: SimulationResult) -> Iterator[Explanation]:
    yield from r.explanations()


def _no_floats(value: object) -> None:
    assert not isinstance(value, float)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _no_floats(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            _no_floats(v)
    elif isinstance(value, dict):
        for v in value.values():
            _no_floats(v)


@settings(deadline=None)
@given(project=projects(), rs=rulesets)
def test_every_emitted_code_renders_from_its_template(project: ProjectInput, rs: RuleSet) -> None:
    r = simulate(project, rs)
    for e in _all_explanations(r):
        assert e.code in MESSAGES, e.code
        assert MESSAGES[e.code] % dict(e.params)
    for v in r.verdicts:
        assert MESSAGES[v.code] % dict(v.params)
    _no_floats(r)
