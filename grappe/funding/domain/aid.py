"""Maximum aid per partner and per cost category, with every bonus and cap explained.

`simulate(project, ruleset, sizes)` is deterministic and independent of the order of partners and
cost lines; "what if" is simply a second call with changed input. Money stays unrounded inside
and is rounded to the cent (half up) only in the result.

For an undertaking, a cost line's intensity is min(call rate for its size / label / territory,
plus any start-up bonus; GBER Art. 25 ceiling). A research organisation doing non-economic work
is funded at the call's research-organisation rate, outside the GBER, and its share of costs
still counts towards the companies' collaboration bonus (FUNDING-RULES §1.5, §7).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from grappe.funding.domain.common import (
    CENT,
    HALF_UP,
    ZERO,
    CostCategory,
    Explanation,
    PartnerKind,
    ResearchCategory,
    RoBasis,
    cents,
    pct,
)
from grappe.funding.domain.eligibility import Verdict, evaluate_consortium
from grappe.funding.domain.gber import (
    BonusBasis,
    CollaborationAssessment,
    CollaborationParty,
    Intensity,
    assess_collaboration,
    gber_max_intensity,
    notification_warnings,
)
from grappe.funding.domain.inputs import (
    CostLine,
    OtherAid,
    PartnerInput,
    PartnerProfile,
    ProjectInput,
    declared_profile,
)
from grappe.funding.domain.rulesets import RateTable, RuleSet
from grappe.registry.domain.sme import (
    STARTUP_REF,
    FrenchCategory,
    SizeClass,
    SmeResult,
    startup_status,
)

__all__ = [
    "CategoryResult",
    "CostLine",
    "LineResult",
    "MaxAidResult",
    "OtherAid",
    "PartnerInput",
    "PartnerResult",
    "ProjectInput",
    "SimulationResult",
    "budget_warnings",
    "envelope_warnings",
    "max_aid",
    "simulate",
]

FRAMEWORK_REF = "R&D&I Framework 2022/C 414/01 §2.1"
_quantize = HALF_UP.quantize


@dataclass(frozen=True, slots=True)
class LineResult:
    line_id: str
    category: CostCategory
    research: ResearchCategory
    eligible_cost: Decimal
    intensity: Decimal
    gber_cap: Decimal | None  # None: outside the GBER (non-economic research organisation)
    max_aid: Decimal  # eligible cost x intensity, before cumulation and caps
    steps: tuple[Explanation, ...]


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: CostCategory
    eligible_cost: Decimal
    gber_max_aid: Decimal | None  # the most all funders together may give (None: no GBER)
    other_aid: Decimal
    scheme_aid: Decimal  # this call's aid before cumulation
    max_aid: Decimal  # this call's aid after cumulation
    steps: tuple[Explanation, ...]


@dataclass(frozen=True, slots=True)
class PartnerResult:
    partner_id: str
    kind: PartnerKind
    undertaking: bool  # the GBER applies
    size: SizeClass
    french_category: FrenchCategory | None
    is_startup: bool
    eligible_cost: Decimal
    lines: tuple[LineResult, ...]
    categories: tuple[CategoryResult, ...]
    max_aid: Decimal
    steps: tuple[Explanation, ...]
    warnings: tuple[Explanation, ...]

    @property
    def average_intensity(self) -> Decimal:
        return self.max_aid / self.eligible_cost if self.eligible_cost > 0 else ZERO


@dataclass(frozen=True, slots=True)
class SimulationResult:
    project_id: str
    ruleset_code: str
    ruleset_version: int
    gber_version: str
    partners: tuple[PartnerResult, ...]  # sorted by partner id
    total_eligible_cost: Decimal
    total_max_aid: Decimal
    collaboration: CollaborationAssessment
    verdicts: tuple[Verdict, ...]
    steps: tuple[Explanation, ...]
    warnings: tuple[Explanation, ...]

    def partner(self, partner_id: str) -> PartnerResult:
        for p in self.partners:
            if p.partner_id == partner_id:
                return p
        raise KeyError(partner_id)

    def explanations(self) -> Iterator[Explanation]:
        """Every explanation in the result (verdicts excluded), for rendering or checks."""
        yield from self.collaboration.steps
        yield from self.steps
        yield from self.warnings
        for p in self.partners:
            yield from p.steps
            yield from p.warnings
            for c in p.categories:
                yield from c.steps
            for line in p.lines:
                yield from line.steps


# --- Intensities, cached per rule set ---------------------------------------------------------

_TABLE_CODE = {
    "base": "scheme.rate.base",
    "labelled": "scheme.rate.labelled",
    "outside": "scheme.rate.outside_territory",
}
_TABLE_PATH = {
    "base": "company_rates",
    "labelled": "company_rates_labelled",
    "outside": "company_rates_outside_territory",
}
_RO_CODE = {RoBasis.FULL_COST: "ro.full_cost", RoBasis.MARGINAL_COST: "ro.marginal_cost"}

_STARTUP_NONE, _STARTUP_BONUS, _STARTUP_NOT_IN_PARIS = 0, 1, 2

_UKey = tuple[ResearchCategory, SizeClass, bool, str, int, BonusBasis | None, bool, bool, bool]


class _Tables:
    """Intensities already worked out for one rule set (they only depend on a few inputs)."""

    __slots__ = ("ro", "rs", "undertaking")

    def __init__(self, rs: RuleSet) -> None:
        self.rs = rs
        self.undertaking: dict[_UKey, tuple[Intensity, Decimal]] = {}
        self.ro: dict[RoBasis, Intensity] = {}

    def for_undertaking(self, key: _UKey) -> tuple[Intensity, Decimal]:
        hit = self.undertaking.get(key)
        if hit is None:
            hit = self.undertaking[key] = self._undertaking(*key)
        return hit

    def _undertaking(
        self,
        research: ResearchCategory,
        size: SizeClass,
        eti: bool,
        table: str,
        startup: int,
        bonus_b: BonusBasis | None,
        area_c: bool,
        joint_call: bool,
        contract_research: bool,
    ) -> tuple[Intensity, Decimal]:
        rs = self.rs
        rates: RateTable | None = getattr(rs, _TABLE_PATH[table])
        assert rates is not None
        scheme = rates.rate(size, FrenchCategory.ETI if eti else None)
        steps = [
            Explanation(
                _TABLE_CODE[table],
                {"rate_pct": pct(scheme)},
                rs.reference,
                rs.is_unconfirmed(_TABLE_PATH[table]),
            )
        ]
        unc_bonus = rs.is_unconfirmed("startup_bonus") or rs.is_unconfirmed("startup")
        if startup == _STARTUP_BONUS:
            scheme += rs.startup_bonus
            # The conditions the call puts on the bonus, each one met, are part of the sentence.
            code = "scheme.startup_bonus"
            if rs.startup.require_sme:
                code += ".sme"
            if rs.startup_bonus_requires_paris:
                code += ".paris"
            steps.append(
                Explanation(
                    code,
                    {"bonus_pct": pct(rs.startup_bonus), "size": size.value},
                    rs.reference,
                    unc_bonus,
                )
            )
        elif startup == _STARTUP_NOT_IN_PARIS:
            steps.append(
                Explanation(
                    "scheme.startup_bonus.not_in_paris",
                    {},
                    rs.reference,
                    unc_bonus or rs.is_unconfirmed("startup_bonus_requires_paris"),
                )
            )
        cap = gber_max_intensity(
            rs.gber,
            research,
            size,
            bonus_b,
            assisted_area_c=area_c,
            joint_call=joint_call,
            contract_research=contract_research,
        )
        steps.extend(cap.steps)
        if scheme > cap.rate:
            rate = cap.rate
            steps.append(
                Explanation(
                    "aid.intensity.capped_by_gber",
                    {"scheme_pct": pct(scheme), "cap_pct": pct(cap.rate)},
                    "GBER Art. 25(5)-(6)",
                )
            )
        else:
            rate = scheme
            steps.append(
                Explanation(
                    "aid.intensity.scheme_rate",
                    {"rate_pct": pct(scheme), "cap_pct": pct(cap.rate)},
                    rs.reference,
                )
            )
        return Intensity(rate, tuple(steps)), cap.rate

    def for_research_organisation(self, basis: RoBasis) -> Intensity:
        hit = self.ro.get(basis)
        if hit is None:
            rs = self.rs
            rule = rs.research_organisations
            ref = f"{rs.reference}; {FRAMEWORK_REF}"
            rate = rule.rate(basis) if rule is not None else None
            if rate is None:
                hit = Intensity(ZERO, (Explanation("ro.no_rule", {}, ref),))
            else:
                hit = Intensity(
                    rate,
                    (
                        Explanation(
                            _RO_CODE[basis],
                            {"rate_pct": pct(rate)},
                            ref,
                            rs.is_unconfirmed("research_organisations"),
                        ),
                    ),
                )
            self.ro[basis] = hit
        return hit


_CACHE: dict[int, _Tables] = {}


def _tables(rs: RuleSet) -> _Tables:
    t = _CACHE.get(id(rs))
    if t is None or t.rs is not rs:
        if len(_CACHE) > 256:
            _CACHE.clear()
        t = _CACHE[id(rs)] = _Tables(rs)
    return t


# --- Simulation -------------------------------------------------------------------------------


def _profile(
    p: PartnerInput,
    rs: RuleSet,
    sizes: Mapping[str, SmeResult] | None,
    project: ProjectInput,
    detail: bool = True,
) -> PartnerProfile:
    sme = sizes.get(p.id) if sizes else None
    if sme is None:
        prof = declared_profile(p)
        if detail and (not p.kind.is_research_body or p.economic_activity):
            prof = dataclasses.replace(
                prof, steps=(Explanation("aid.size.declared", {"size": prof.size.value}),)
            )
        if prof.is_startup and rs.startup.require_sme and not prof.size.is_sme:
            # A declared start-up whose applied size (declared or set in a what-if) is large is
            # not a start-up under a definition that requires an SME: no start-up bonus.
            unc = rs.is_unconfirmed("startup")
            steps = prof.steps
            if detail:
                steps += (Explanation("startup.not_sme", {}, STARTUP_REF, unc),)
            prof = PartnerProfile(prof.size, prof.french_category, False, steps)
        return prof
    is_startup = p.is_startup
    steps = sme.steps if detail else ()
    if project.as_of is not None:
        st = startup_status(sme, project.as_of, rs.startup)
        if not detail:
            pass
        elif rs.is_unconfirmed("startup"):
            steps += tuple(Explanation(s.code, s.params, s.legal_ref, True) for s in st.steps)
        else:
            steps += st.steps
        is_startup = st.is_startup
    return PartnerProfile(sme.size, sme.french_category, is_startup, steps)


@dataclass(slots=True)
class _Work:
    """One partner's unrounded figures between the passes of `simulate`."""

    partner: PartnerInput
    profile: PartnerProfile
    undertaking: bool
    lines: list[tuple[CostLine, Intensity, Decimal | None, Decimal]]
    categories: list[tuple[CostCategory, Decimal, Decimal | None, Decimal, Decimal, Decimal]]
    category_steps: dict[CostCategory, list[Explanation]]
    aid: Decimal
    steps: list[Explanation]
    warnings: list[Explanation]
    feasibility_fraction: Decimal
    cost_by_research: dict[ResearchCategory, Decimal]


_line_key = attrgetter("category", "research", "id", "amount")
_partner_key = attrgetter("id")


def _other_key(o: OtherAid) -> tuple[str, str, Decimal, tuple[str, ...]]:
    return (o.funder, o.category.value, o.amount, tuple(sorted(o.cost_line_ids)))


_CATEGORY_ORDER = {c: i for i, c in enumerate(CostCategory)}


@dataclass(frozen=True, slots=True)
class MaxAidResult:
    """The maximum aid only, without explanations or verdicts (batch runs, rankings)."""

    project_id: str
    by_partner: Mapping[str, Decimal]
    total: Decimal


def simulate(
    project: ProjectInput,
    ruleset: RuleSet,
    sizes: Mapping[str, SmeResult] | None = None,
) -> SimulationResult:
    """Eligible costs, intensities and maximum aid of every partner, and the consortium verdicts.

    `sizes` maps partner ids to SME assessments; partners without one use their declared size.
    Start-up status is re-derived from the assessment with the call's definition when the
    project gives an `as_of` date.
    """
    works, collab, profiles, eligible_by_id, project_steps = _compute(project, ruleset, sizes, True)
    rs = ruleset
    text = rs.gber

    # Notification thresholds look at all public aid to the undertaking for this project.
    for w in works:
        if not w.undertaking:
            continue
        other_feas = sum(
            (o.amount for o in w.partner.other_aid if o.research is ResearchCategory.FEASIBILITY),
            ZERO,
        )
        other_all = sum((o.amount for o in w.partner.other_aid), ZERO)
        feas = w.aid * w.feasibility_fraction + other_feas
        rd = w.aid + other_all - feas
        w.warnings.extend(
            notification_warnings(
                text,
                w.cost_by_research,
                {ResearchCategory.INDUSTRIAL: rd, ResearchCategory.FEASIBILITY: feas},
            )
        )

    if collab.basis is None and any(
        w.undertaking
        and not w.partner.contract_research
        and (project.wide_dissemination or w.partner.wide_dissemination)
        for w in works
    ):
        # The bonus stands on dissemination: the failed collaboration tests are not its reason.
        collab = dataclasses.replace(
            collab,
            steps=(
                *(
                    s
                    for s in collab.steps
                    if s.code == "gber.collaboration.contract_research_excluded"
                ),
                Explanation(
                    "gber.collaboration.dissemination_instead", {}, text.refs.collaboration
                ),
            ),
        )

    aid_by_partner = {w.partner.id: w.aid for w in works}
    verdicts = evaluate_consortium(project, rs, profiles, aid_by_partner, eligible_by_id)

    results = tuple([_partner_result(w, eligible_by_id[w.partner.id]) for w in works])
    total_eligible = sum((r.eligible_cost for r in results), ZERO)
    return SimulationResult(
        project_id=project.id,
        ruleset_code=rs.code,
        ruleset_version=rs.version,
        gber_version=text.version,
        partners=results,
        total_eligible_cost=total_eligible,
        total_max_aid=sum((r.max_aid for r in results), ZERO),
        collaboration=collab,
        verdicts=verdicts,
        steps=tuple(project_steps),
        warnings=(
            *budget_warnings(rs, total_eligible),
            *(w for r in results for w in r.warnings),
        ),
    )


def budget_warnings(rs: RuleSet, total_eligible: Decimal) -> tuple[Explanation, ...]:
    """A budget outside the call's window: the verdict fails, and the figures above say so too."""
    c = rs.consortium
    unc = rs.is_unconfirmed("consortium")
    if c.budget_min is not None and total_eligible < c.budget_min:
        params = {"total_eur": cents(total_eligible), "min_eur": c.budget_min}
        return (Explanation("call.budget.below", params, rs.reference, unc),)
    if c.budget_max is not None and total_eligible > c.budget_max:
        params = {"total_eur": cents(total_eligible), "max_eur": c.budget_max}
        return (Explanation("call.budget.above", params, rs.reference, unc),)
    return ()


def envelope_warnings(total_aid: Decimal, envelope: Decimal | None) -> tuple[Explanation, ...]:
    """An aid above the call's whole envelope: no selection could ever give it."""
    if envelope is None or total_aid <= envelope:
        return ()
    params = {"aid_eur": cents(total_aid), "envelope_eur": envelope}
    return (Explanation("call.envelope.exceeded", params, ""),)


def max_aid(
    project: ProjectInput,
    ruleset: RuleSet,
    sizes: Mapping[str, SmeResult] | None = None,
) -> MaxAidResult:
    """The same figures as `simulate(...).partners[i].max_aid`, without building explanations.

    For batch work (ranking a call's projects, allocation what-ifs): the arithmetic is the very
    same code path as `simulate`; only the explanation objects and verdicts are skipped.
    """
    works = _compute(project, ruleset, sizes, False)[0]
    by_partner = {w.partner.id: _quantize(w.aid, CENT) for w in works}
    return MaxAidResult(project.id, by_partner, sum(by_partner.values(), ZERO))


_Computed = tuple[
    list[_Work],
    CollaborationAssessment,
    dict[str, PartnerProfile],
    dict[str, Decimal],
    list[Explanation],
]


def _compute(
    project: ProjectInput,
    rs: RuleSet,
    sizes: Mapping[str, SmeResult] | None,
    detail: bool,
) -> _Computed:
    text = rs.gber
    tables = _tables(rs)
    partners = sorted(project.partners, key=_partner_key)
    profiles = {p.id: _profile(p, rs, sizes, project, detail) for p in partners}
    eligible_by_id = {p.id: p.eligible_cost for p in partners}

    def is_undertaking(p: PartnerInput) -> bool:
        return not p.kind.is_research_body or p.economic_activity

    collab = assess_collaboration(
        text,
        (
            CollaborationParty(
                p.id,
                is_undertaking(p),
                p.group_id,
                profiles[p.id].size is not SizeClass.LARGE,
                p.country,
                eligible_by_id[p.id],
                p.right_to_publish,
                p.contract_research,
            )
            for p in partners
        ),
    )
    labelled = project.labelled
    works: list[_Work] = []
    for p in partners:
        prof = profiles[p.id]
        undertaking = is_undertaking(p)
        steps: list[Explanation] = list(prof.steps)
        warnings: list[Explanation] = []
        if detail and p.kind.is_research_body and p.economic_activity:
            warnings.append(Explanation("ro.economic_activity", {}, FRAMEWORK_REF))
        bonus_b: BonusBasis | None = None
        table = "base"
        startup = _STARTUP_NONE
        eti = area_c = joint = False
        if undertaking:
            if p.contract_research:
                bonus_b = None
            elif collab.basis is not None:
                bonus_b = collab.basis
            elif project.wide_dissemination or p.wide_dissemination:
                bonus_b = BonusBasis.DISSEMINATION
            elif p.licensing_commitment and text.bonus_b_licensing:
                bonus_b = BonusBasis.LICENSING
            elif p.assisted_area == "a" and text.bonus_b_assisted_area_a:
                bonus_b = BonusBasis.ASSISTED_AREA_A
            else:
                bonus_b = None
            if not p.in_cluster_territory and rs.company_rates_outside_territory is not None:
                table = "outside"
            elif labelled and rs.company_rates_labelled is not None:
                table = "labelled"
            else:
                table = "base"
            if prof.is_startup and rs.startup_bonus > 0:
                startup = (
                    _STARTUP_NOT_IN_PARIS
                    if rs.startup_bonus_requires_paris and not p.in_paris
                    else _STARTUP_BONUS
                )
            else:
                startup = _STARTUP_NONE
            eti = prof.french_category is FrenchCategory.ETI
            area_c = p.assisted_area == "c"
            joint = project.joint_member_state_call
        basis = p.ro_basis or (
            rs.research_organisations.default_basis
            if rs.research_organisations is not None
            else RoBasis.FULL_COST
        )

        lines: list[tuple[CostLine, Intensity, Decimal | None, Decimal]] = []
        by_cat: dict[CostCategory, list[Decimal]] = {}  # eligible, gber max, scheme aid
        cost_by_research: dict[ResearchCategory, Decimal] = {}
        aid_by_research: dict[ResearchCategory, Decimal] = {}
        memo: dict[ResearchCategory, tuple[Intensity, Decimal]] = {}
        for line in sorted(p.costs, key=_line_key):
            if undertaking:
                hit = memo.get(line.research)
                if hit is None:
                    hit = memo[line.research] = tables.for_undertaking(
                        (
                            line.research,
                            prof.size,
                            eti,
                            table,
                            startup,
                            bonus_b,
                            area_c,
                            joint,
                            p.contract_research,
                        )
                    )
                intensity, cap = hit
                gber_cap: Decimal | None = cap
            else:
                intensity = tables.for_research_organisation(basis)
                gber_cap = None
            aid = line.amount * intensity.rate
            if detail:
                lines.append((line, intensity, gber_cap, aid))
            acc = by_cat.get(line.category)
            if acc is None:
                acc = by_cat[line.category] = [ZERO, ZERO, ZERO]
            acc[0] += line.amount
            # Without the GBER, public money may cover at most 100 % of the costs.
            acc[1] += line.amount * gber_cap if gber_cap is not None else line.amount
            acc[2] += aid
            if detail:
                r = line.research
                cost_by_research[r] = cost_by_research.get(r, ZERO) + line.amount
                aid_by_research[r] = aid_by_research.get(r, ZERO) + aid

        other_by_cat: dict[CostCategory, Decimal] = {}
        for o in p.other_aid:
            other_by_cat[o.category] = other_by_cat.get(o.category, ZERO) + o.amount
            by_cat.setdefault(o.category, [ZERO, ZERO, ZERO])

        categories: list[tuple[CostCategory, Decimal, Decimal | None, Decimal, Decimal, Decimal]]
        categories = []
        category_steps: dict[CostCategory, list[Explanation]] = {}
        total = ZERO
        total_before = ZERO
        for cat in sorted(by_cat, key=_CATEGORY_ORDER.__getitem__):
            eligible, ceiling, scheme_aid = by_cat[cat]
            other = other_by_cat.get(cat, ZERO)
            cat_steps: list[Explanation] = []
            aid = scheme_aid
            if other > 0 and not detail:
                aid = max(ZERO, min(scheme_aid, ceiling - other))
            elif other > 0:
                ref = "GBER Art. 8" if undertaking else FRAMEWORK_REF
                allowed = ceiling - other
                if allowed < 0:
                    aid = ZERO
                    warn = Explanation(
                        "cumulation.exceeded_by_others",
                        {"other_eur": cents(other), "max_eur": cents(ceiling)},
                        ref,
                    )
                    cat_steps.append(warn)
                    warnings.append(warn)
                elif scheme_aid > allowed:
                    aid = allowed
                    cat_steps.append(
                        Explanation(
                            "cumulation.reduced",
                            {
                                "other_eur": cents(other),
                                "max_eur": cents(ceiling),
                                "aid_eur": cents(allowed),
                            },
                            ref,
                        )
                    )
                else:
                    cat_steps.append(
                        Explanation(
                            "cumulation.within_max",
                            {"other_eur": cents(other), "max_eur": cents(ceiling)},
                            ref,
                        )
                    )
            categories.append(
                (cat, eligible, ceiling if undertaking else None, other, scheme_aid, aid)
            )
            category_steps[cat] = cat_steps
            total += aid
            total_before += scheme_aid

        # Double funding of the same costs.
        if detail and rs.exclusive_cost_base and p.other_aid:
            warnings.append(
                Explanation(
                    "aid.double_funding.exclusive_base",
                    {"funders": ", ".join(sorted({o.funder for o in p.other_aid}))},
                    rs.reference,
                )
            )
        line_ids = {c.id for c in p.costs if c.id}
        claimed: dict[str, str] = {}
        for o in sorted(p.other_aid, key=_other_key) if detail and p.other_aid else ():
            overlap = sorted(o.cost_line_ids & line_ids)
            twice = sorted(i for i in o.cost_line_ids if i in claimed and claimed[i] != o.funder)
            if overlap or twice:
                warnings.append(
                    Explanation(
                        "aid.double_funding.same_costs",
                        {"funder": o.funder, "lines": ", ".join(sorted(set(overlap + twice)))},
                        "GBER Art. 8",
                    )
                )
            for i in o.cost_line_ids:
                claimed.setdefault(i, o.funder)

        partner_cap = rs.max_aid_per_partner
        if partner_cap is not None and total > partner_cap:
            if detail:
                steps.append(
                    Explanation(
                        "aid.cap.partner",
                        {"aid_eur": cents(total), "cap_eur": partner_cap},
                        rs.reference,
                        rs.is_unconfirmed("max_aid_per_partner"),
                    )
                )
            total = partner_cap

        feas_before = aid_by_research.get(ResearchCategory.FEASIBILITY, ZERO)
        works.append(
            _Work(
                partner=p,
                profile=prof,
                undertaking=undertaking,
                lines=lines,
                categories=categories,
                category_steps=category_steps,
                aid=total,
                steps=steps,
                warnings=warnings,
                feasibility_fraction=feas_before / total_before if total_before > 0 else ZERO,
                cost_by_research=cost_by_research,
            )
        )

    project_steps: list[Explanation] = []
    project_total = sum((w.aid for w in works), ZERO)
    project_cap = rs.max_aid_per_project
    if project_cap is not None and project_total > project_cap:
        factor = project_cap / project_total
        step = Explanation(
            "aid.cap.project",
            {"aid_eur": cents(project_total), "cap_eur": project_cap},
            rs.reference,
            rs.is_unconfirmed("max_aid_per_project"),
        )
        project_steps.append(step)
        for w in works:
            if w.aid > 0:
                w.aid *= factor
                w.steps.append(step)

    return works, collab, profiles, eligible_by_id, project_steps


def _partner_result(w: _Work, eligible: Decimal) -> PartnerResult:
    p = w.partner
    q = _quantize  # rounding happens here, at the output, and nowhere else
    return PartnerResult(
        partner_id=p.id,
        kind=p.kind,
        undertaking=w.undertaking,
        size=w.profile.size,
        french_category=w.profile.french_category,
        is_startup=w.profile.is_startup,
        eligible_cost=q(eligible, CENT),
        lines=tuple(
            [
                LineResult(
                    line.id,
                    line.category,
                    line.research,
                    q(line.amount, CENT),
                    intensity.rate,
                    cap,
                    q(aid, CENT),
                    intensity.steps,
                )
                for line, intensity, cap, aid in w.lines
            ]
        ),
        categories=tuple([_category_result(w, *c) for c in w.categories]),
        max_aid=q(w.aid, CENT),
        steps=tuple(w.steps),
        warnings=tuple(w.warnings),
    )


_ZERO_CENTS = Decimal("0.00")


def _category_result(
    w: _Work,
    cat: CostCategory,
    eligible: Decimal,
    ceiling: Decimal | None,
    other: Decimal,
    scheme_aid: Decimal,
    aid: Decimal,
) -> CategoryResult:
    q = _quantize
    rounded_aid = q(aid, CENT)
    steps = w.category_steps[cat]
    return CategoryResult(
        cat,
        q(eligible, CENT),
        None if ceiling is None else q(ceiling, CENT),
        _ZERO_CENTS if not other else q(other, CENT),
        rounded_aid if scheme_aid is aid else q(scheme_aid, CENT),
        rounded_aid,
        tuple(steps) if steps else (),
    )
