"""EU SME status (Commission Recommendation 2003/361/EC) and French categories (Décret 2008-1354).

Pure Python: frozen dataclasses in, an `SmeResult` with explanation steps out. Numbers and sources
are in FUNDING-RULES.md (master table rows 18-27, §2 and §6); row numbers are cited inline.

Modelling choices worth knowing:

* Linkage (> 50 % of voting rights, or `dominant_influence`) is transitive and includes control
  reached through controlled enterprises; enterprises controlled by the same enterprise are linked
  to each other. Natural persons do not link the enterprises they hold (Annex Art. 3(3) links them
  only when they act on the same or adjacent markets, which the data does not say).
* A partner is a linked group holding, or held, jointly >= 25 % (Annex Art. 3(2)); its data is the
  group's data at 100 % times the higher of the capital and voting percentages (Art. 6(2)-(3)).
  When one group is related to several members of the enterprise's own linked group, the highest
  percentage is used once, so nothing is counted twice.
* The two-consecutive-years rule (Annex Art. 4(2)) is unconfirmed [U] and is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from grappe.core.domain.i18n import gettext_noop

ZERO = Decimal(0)
HUNDRED = Decimal(100)

ParamValue = Decimal | str | int

REC = "Rec. 2003/361/EC"
DECREE = "Décret 2008-1354 art. 3"
STARTUP_REF = "Call rules (start-up definition)"
_REF_2 = f"{REC} Annex Art. 2"
_REF_3_1 = f"{REC} Annex Art. 3(1)"
_REF_3_2 = f"{REC} Annex Art. 3(2)"
_REF_3_2_SECOND_SUBPARAGRAPH = f"{REC} Annex Art. 3(2), second subparagraph"
_REF_3_3 = f"{REC} Annex Art. 3(3)"
_REF_3_4 = f"{REC} Annex Art. 3(4)"
_REF_4_2 = f"{REC} Annex Art. 4(2)"
_REF_6_1 = f"{REC} Annex Art. 6(1)"
_REF_6_2 = f"{REC} Annex Art. 6(2)"
_REF_6_2_3 = f"{REC} Annex Art. 6(2)-(3)"


class SizeClass(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def rank(self) -> int:
        """0 for micro up to 3 for large: smaller enterprises have lower ranks."""
        return _RANK[self]

    @property
    def is_sme(self) -> bool:
        return self is not SizeClass.LARGE


_RANK = {SizeClass.MICRO: 0, SizeClass.SMALL: 1, SizeClass.MEDIUM: 2, SizeClass.LARGE: 3}
_BY_RANK = {rank: size for size, rank in _RANK.items()}


class FrenchCategory(StrEnum):
    """Décret 2008-1354: micro-enterprises count as PME here."""

    PME = "pme"
    ETI = "eti"
    GE = "ge"


class EnterpriseType(StrEnum):
    AUTONOMOUS = "autonomous"
    PARTNER = "partner"
    LINKED = "linked"


class HolderKind(StrEnum):
    ENTERPRISE = "enterprise"
    NATURAL_PERSON = "natural_person"
    PUBLIC_BODY = "public_body"
    PUBLIC_INVESTMENT_CORPORATION = "public_investment_corporation"
    VENTURE_CAPITAL = "venture_capital"
    BUSINESS_ANGEL = "business_angel"
    UNIVERSITY = "university"  # universities and non-profit research centres
    INSTITUTIONAL_INVESTOR = "institutional_investor"  # incl. regional development funds
    LOCAL_AUTHORITY = "local_authority"


# Annex Art. 3(2), second subparagraph: these investors may hold 25-50 % without making the
# enterprise a partner enterprise.
EXCEPTION_KINDS = frozenset(
    {
        HolderKind.PUBLIC_INVESTMENT_CORPORATION,
        HolderKind.VENTURE_CAPITAL,
        HolderKind.BUSINESS_ANGEL,
        HolderKind.UNIVERSITY,
        HolderKind.INSTITUTIONAL_INVESTOR,
        HolderKind.LOCAL_AUTHORITY,
    }
)


def _non_negative(value: Decimal, what: str) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if value < ZERO:
        raise ValueError(f"{what} must not be negative (got {value})")


def _fraction(value: Decimal, what: str) -> None:
    _non_negative(value, what)
    if value > 1:
        raise ValueError(f"{what} must be a fraction between 0 and 1 (got {value})")


@dataclass(frozen=True, slots=True)
class EnterpriseFigures:
    """One closed accounting year; staff in annual work units (AWU), money in EUR."""

    year: int
    staff_awu: Decimal
    turnover: Decimal
    balance_sheet: Decimal

    def __post_init__(self) -> None:
        _non_negative(self.staff_awu, "staff_awu")
        _non_negative(self.turnover, "turnover")
        _non_negative(self.balance_sheet, "balance_sheet")


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An enterprise whose figures may be aggregated; `consolidated_ids` are already included."""

    id: str
    figures: tuple[EnterpriseFigures, ...] = ()
    founded: date | None = None
    jei: bool = False
    consolidated_ids: frozenset[str] = frozenset()

    def figures_for(self, year: int) -> EnterpriseFigures | None:
        for f in self.figures:
            if f.year == year:
                return f
        return None


@dataclass(frozen=True, slots=True)
class Holding:
    """`holder_id` holds shares of `held_id` (fractions 0..1).

    `angel_total_investment` is the business angel's total investment in the held enterprise
    (the exception needs it below EUR 1.25 m, row 23); `authority_budget` and
    `authority_inhabitants` describe a local-authority holder (row 24).
    """

    holder_id: str
    held_id: str
    capital_share: Decimal
    voting_share: Decimal
    holder_kind: HolderKind = HolderKind.ENTERPRISE
    dominant_influence: bool = False
    angel_total_investment: Decimal | None = None
    authority_budget: Decimal | None = None
    authority_inhabitants: int | None = None

    def __post_init__(self) -> None:
        _fraction(self.capital_share, "capital_share")
        _fraction(self.voting_share, "voting_share")
        if self.holder_id == self.held_id:
            raise ValueError(f"{self.holder_id} cannot hold itself")

    @property
    def share(self) -> Decimal:
        """The higher of capital and voting shares (Annex Art. 6(2))."""
        return self.capital_share if self.capital_share > self.voting_share else self.voting_share


@dataclass(frozen=True, slots=True)
class SizeThresholds:
    """Staff strictly below `max_staff`; turnover OR balance sheet at most the ceiling."""

    max_staff: Decimal
    max_turnover: Decimal
    max_balance_sheet: Decimal

    def met_by(self, f: EnterpriseFigures) -> bool:
        return f.staff_awu < self.max_staff and (
            f.turnover <= self.max_turnover or f.balance_sheet <= self.max_balance_sheet
        )


M = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class SmeParameters:
    micro: SizeThresholds = SizeThresholds(Decimal(10), 2 * M, 2 * M)  # row 20
    small: SizeThresholds = SizeThresholds(Decimal(50), 10 * M, 10 * M)  # row 19
    medium: SizeThresholds = SizeThresholds(Decimal(250), 50 * M, 43 * M)  # row 18
    eti: SizeThresholds = SizeThresholds(Decimal(5000), 1500 * M, 2000 * M)  # row 26
    partner_threshold: Decimal = Decimal("0.25")  # row 21: >= 25 %
    linked_threshold: Decimal = Decimal("0.50")  # row 22: > 50 % of voting rights
    investor_exception_max_share: Decimal = Decimal("0.50")  # Annex Art. 3(2): <= 50 %
    business_angel_ceiling: Decimal = Decimal("1250000")  # row 23: < EUR 1.25 m
    local_authority_max_budget: Decimal = 10 * M  # row 24: < EUR 10 m
    local_authority_max_inhabitants: int = 5000  # row 24: < 5 000
    public_bodies_threshold: Decimal = Decimal("0.25")  # row 25: >= 25 % -> not an SME
    # [U] Annex Art. 4(2): status changes only after two consecutive years over/under a ceiling.
    two_consecutive_years: bool = True


DEFAULT_SME_PARAMETERS = SmeParameters()

_EMPTY: Mapping[str, ParamValue] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Explanation:
    """One step of a computation, rendered by the interface from its English template.

    `code` is stable and maps to a template (`SME_MESSAGES` here, `MESSAGES` in the funding
    domain); `params` hold raw values (percentages as `*_pct` in 0-100, euros as `*_eur`) that
    the interface formats; `legal_ref` names the rule applied; `unconfirmed` is set when the
    value used is marked unconfirmed in the rule data. The funding domain uses this same class.
    """

    code: str
    params: Mapping[str, ParamValue] = field(default_factory=lambda: _EMPTY, hash=False)
    legal_ref: str = ""
    unconfirmed: bool = False


SmeStep = Explanation


@dataclass(frozen=True, slots=True)
class PartnerLink:
    """A partner enterprise (with its linked enterprises) and the percentage applied."""

    ids: tuple[str, ...]
    share: Decimal
    upstream: bool
    downstream: bool


@dataclass(frozen=True, slots=True)
class YearAssessment:
    year: int
    figures: EnterpriseFigures
    threshold_class: SizeClass  # the class the year's figures alone give
    status: SizeClass  # after the two-consecutive-years rule


@dataclass(frozen=True, slots=True)
class OwnerFact:
    holder_id: str
    share: Decimal
    holder_kind: HolderKind
    founded: date | None


@dataclass(frozen=True, slots=True)
class StartupFacts:
    founded: date | None
    jei: bool
    owners: tuple[OwnerFact, ...]


@dataclass(frozen=True, slots=True)
class SmeResult:
    enterprise_id: str
    size: SizeClass
    french_category: FrenchCategory
    enterprise_type: EnterpriseType
    reference_year: int
    figures: EnterpriseFigures  # aggregated, reference year
    years: tuple[YearAssessment, ...]
    linked_ids: tuple[str, ...]
    partners: tuple[PartnerLink, ...]
    public_share: Decimal
    steps: tuple[Explanation, ...]
    startup_facts: StartupFacts

    @property
    def is_sme(self) -> bool:
        return self.size.is_sme


def _p(value: Decimal) -> Decimal:
    return (value * HUNDRED).normalize() + ZERO


def _figure_params(f: EnterpriseFigures) -> dict[str, ParamValue]:
    return {
        "year": f.year,
        "staff_awu": f.staff_awu,
        "turnover_eur": f.turnover,
        "balance_sheet_eur": f.balance_sheet,
    }


def classify(
    figures: EnterpriseFigures, params: SmeParameters = DEFAULT_SME_PARAMETERS
) -> SizeClass:
    """The class given by the ceilings alone (rows 18-20; Annex Art. 2)."""
    if params.micro.met_by(figures):
        return SizeClass.MICRO
    if params.small.met_by(figures):
        return SizeClass.SMALL
    if params.medium.met_by(figures):
        return SizeClass.MEDIUM
    return SizeClass.LARGE


def french_category(
    size: SizeClass, figures: EnterpriseFigures, params: SmeParameters = DEFAULT_SME_PARAMETERS
) -> FrenchCategory:
    """Décret 2008-1354 art. 3 (rows 26-27): PME, else ETI under its ceilings, else GE."""
    if size.is_sme:
        return FrenchCategory.PME
    if params.eti.met_by(figures):
        return FrenchCategory.ETI
    return FrenchCategory.GE


def apply_two_year_rule(classes: list[SizeClass]) -> list[SizeClass]:
    """Status per year when a change needs two consecutive years beyond a ceiling.

    The status moves only as far as both the current and the previous year support: a small
    enterprise with a medium year then a large year becomes medium.
    """
    statuses: list[SizeClass] = []
    for i, raw in enumerate(classes):
        if i == 0:
            statuses.append(raw)
            continue
        prev_status, prev_raw = statuses[-1], classes[i - 1]
        s, a, b = prev_status.rank, raw.rank, prev_raw.rank
        if a > s and b > s:
            statuses.append(_BY_RANK[min(a, b)])
        elif a < s and b < s:
            statuses.append(_BY_RANK[max(a, b)])
        else:
            statuses.append(prev_status)
    return statuses


class _Graph:
    """Holdings indexed for one assessment, with the control relation closed."""

    __slots__ = (
        "_comp",
        "_pub",
        "controlled_by",
        "controls",
        "has_public",
        "into",
        "kind",
        "out",
        "small_la",
    )

    def __init__(self, holdings: Iterable[Holding], params: SmeParameters) -> None:
        self.into: dict[str, list[Holding]] = {}
        self.out: dict[str, list[Holding]] = {}
        self.kind: dict[str, HolderKind] = {}
        self.small_la: dict[str, bool] = {}
        self.controls: dict[str, set[str]] = {}
        self.controlled_by: dict[str, set[str]] = {}
        self._comp: dict[str, frozenset[str]] = {}
        self._pub: dict[str, bool] = {}
        lt = params.linked_threshold
        person = HolderKind.NATURAL_PERSON
        for h in holdings:
            self.into.setdefault(h.held_id, []).append(h)
            self.out.setdefault(h.holder_id, []).append(h)
            self.kind[h.holder_id] = h.holder_kind
            if h.holder_kind is HolderKind.LOCAL_AUTHORITY:
                self.small_la[h.holder_id] = (
                    h.authority_budget is not None
                    and h.authority_inhabitants is not None
                    and h.authority_budget < params.local_authority_max_budget
                    and h.authority_inhabitants < params.local_authority_max_inhabitants
                )
            if h.holder_kind is not person and (h.dominant_influence or h.voting_share > lt):
                self._add_control(h.holder_id, h.held_id)
        self.has_public = any(self.is_public_body(x) for x in self.kind)
        # Control reached through controlled enterprises (Annex Art. 3(3), last subparagraph).
        changed = True
        while changed:
            changed = False
            for held, hs in self.into.items():
                if len(hs) < 2:
                    continue
                votes: dict[str, Decimal] = {}
                for h in hs:
                    if h.holder_kind is person:
                        continue
                    for c in self.ancestors(h.holder_id) | {h.holder_id}:
                        votes[c] = votes.get(c, ZERO) + h.voting_share
                for c, v in votes.items():
                    if v > lt and c != held and held not in self.controls.get(c, ()):
                        self._add_control(c, held)
                        changed = True

    def _add_control(self, controller: str, controlled: str) -> None:
        self.controls.setdefault(controller, set()).add(controlled)
        self.controlled_by.setdefault(controlled, set()).add(controller)

    def ancestors(self, x: str) -> set[str]:
        found: set[str] = set()
        todo = list(self.controlled_by.get(x, ()))
        while todo:
            c = todo.pop()
            if c not in found:
                found.add(c)
                todo.extend(self.controlled_by.get(c, ()))
        found.discard(x)
        return found

    def component(self, x: str) -> frozenset[str]:
        """x and every enterprise linked to it through control, in either direction."""
        memo = self._comp.get(x)
        if memo is not None:
            return memo
        seen = {x}
        todo = [x]
        while todo:
            y = todo.pop()
            for z in self.controls.get(y, ()):
                if z not in seen:
                    seen.add(z)
                    todo.append(z)
            for z in self.controlled_by.get(y, ()):
                if z not in seen:
                    seen.add(z)
                    todo.append(z)
        comp = frozenset(seen)
        for y in comp:
            self._comp[y] = comp
        return comp

    def is_public_body(self, x: str) -> bool:
        k = self.kind.get(x)
        if k is HolderKind.PUBLIC_BODY:
            return True
        return k is HolderKind.LOCAL_AUTHORITY and not self.small_la.get(x, False)

    def is_public_controlled(self, x: str) -> bool:
        memo = self._pub.get(x)
        if memo is None:
            memo = self.is_public_body(x) or any(self.is_public_body(a) for a in self.ancestors(x))
            self._pub[x] = memo
        return memo


def _exception_applies(h: Holding, g: _Graph, params: SmeParameters) -> bool:
    if h.holder_kind not in EXCEPTION_KINDS:
        return False
    if h.holder_kind is HolderKind.BUSINESS_ANGEL:
        return (
            h.angel_total_investment is not None
            and h.angel_total_investment < params.business_angel_ceiling
        )
    if h.holder_kind is HolderKind.LOCAL_AUTHORITY:
        return g.small_la.get(h.holder_id, False)
    return True


def _ignored_holding(h: Holding, g: _Graph) -> Explanation:
    """Why a holding of a natural person or a public body is not a partner or linked link."""
    params: dict[str, ParamValue] = {"holders": h.holder_id, "share_pct": _p(h.share)}
    if h.holder_kind is HolderKind.NATURAL_PERSON:
        return Explanation("sme.holding.natural_person", params, _REF_3_3)
    if h.holder_kind is HolderKind.LOCAL_AUTHORITY:
        code = (
            "sme.holding.local_authority_unknown"
            if h.authority_budget is None or h.authority_inhabitants is None
            else "sme.holding.local_authority_large"
        )
        return Explanation(code, params, _REF_3_2_SECOND_SUBPARAGRAPH)
    return Explanation("sme.holding.public_body", params, _REF_3_4)


def _exception_reasons(
    hs: Iterable[Holding], g: _Graph, params: SmeParameters
) -> list[Explanation]:
    """What each exempted investor's case turns on: the angel's investment, the authority's size."""
    out: list[Explanation] = []
    ref = _REF_3_2_SECOND_SUBPARAGRAPH
    for h in hs:
        p: dict[str, ParamValue] = {"holders": h.holder_id}
        if h.holder_kind is HolderKind.BUSINESS_ANGEL:
            p["ceiling_eur"] = params.business_angel_ceiling
            if h.angel_total_investment is None:
                out.append(Explanation("sme.angel.unknown_investment", p, ref))
            else:
                p["investment_eur"] = h.angel_total_investment
                ok = h.angel_total_investment < params.business_angel_ceiling
                out.append(Explanation("sme.angel.below" if ok else "sme.angel.above", p, ref))
        elif h.holder_kind is HolderKind.LOCAL_AUTHORITY and g.small_la.get(h.holder_id):
            assert h.authority_budget is not None and h.authority_inhabitants is not None
            p["budget_eur"] = h.authority_budget
            p["inhabitants"] = h.authority_inhabitants
            p["max_budget_eur"] = params.local_authority_max_budget
            p["max_inhabitants"] = params.local_authority_max_inhabitants
            out.append(Explanation("sme.local_authority.small", p, ref))
    return out


def _sum_shares(hs: Iterable[Holding]) -> Decimal:
    cap = ZERO
    vot = ZERO
    for h in hs:
        cap += h.capital_share
        vot += h.voting_share
    return cap if cap > vot else vot


_SIZE_CODE = {
    SizeClass.MICRO: "sme.size.micro",
    SizeClass.SMALL: "sme.size.small",
    SizeClass.MEDIUM: "sme.size.medium",
    SizeClass.LARGE: "sme.size.large",
}
_STATUS_CODE = {
    SizeClass.MICRO: "sme.status.micro",
    SizeClass.SMALL: "sme.status.small",
    SizeClass.MEDIUM: "sme.status.medium",
    SizeClass.LARGE: "sme.status.large",
}
_FRENCH_CODE = {
    FrenchCategory.PME: "sme.french.pme",
    FrenchCategory.ETI: "sme.french.eti",
    FrenchCategory.GE: "sme.french.ge",
}


def _sum_figures(
    year: int, staff: Decimal, turnover: Decimal, balance: Decimal
) -> EnterpriseFigures:
    """Aggregated figures: sums of validated figures, so validation is skipped."""
    f = object.__new__(EnterpriseFigures)
    object.__setattr__(f, "year", year)
    object.__setattr__(f, "staff_awu", staff)
    object.__setattr__(f, "turnover", turnover)
    object.__setattr__(f, "balance_sheet", balance)
    return f


class SmeInputError(ValueError):
    """The data cannot be assessed (e.g. no figures for the reference year)."""


def assess_sme(
    enterprise_id: str,
    enterprises: Mapping[str, Enterprise],
    holdings: Iterable[Holding],
    params: SmeParameters = DEFAULT_SME_PARAMETERS,
    reference_year: int | None = None,
    *,
    explain: bool = True,
) -> SmeResult:
    """SME class of `enterprise_id` given every enterprise's figures and the holdings around it.

    With `explain=False` the result has the same figures and class but no steps (batch runs).
    """
    g = _Graph(holdings, params)
    return _assess(enterprise_id, enterprises, g, params, reference_year, explain)


def assess_smes(
    enterprise_ids: Iterable[str],
    enterprises: Mapping[str, Enterprise],
    holdings: Iterable[Holding],
    params: SmeParameters = DEFAULT_SME_PARAMETERS,
    reference_year: int | None = None,
    *,
    explain: bool = True,
) -> dict[str, SmeResult]:
    """`assess_sme` for several enterprises sharing one ownership graph (built once)."""
    g = _Graph(holdings, params)
    return {
        eid: _assess(eid, enterprises, g, params, reference_year, explain) for eid in enterprise_ids
    }


def _assess(
    enterprise_id: str,
    enterprises: Mapping[str, Enterprise],
    g: _Graph,
    params: SmeParameters,
    reference_year: int | None,
    explain: bool = True,
) -> SmeResult:
    target = enterprises.get(enterprise_id)
    if target is None or not target.figures:
        raise SmeInputError(f"no figures for enterprise {enterprise_id}")
    ref_year = reference_year if reference_year is not None else max(f.year for f in target.figures)
    if target.figures_for(ref_year) is None:
        raise SmeInputError(f"no figures for enterprise {enterprise_id} in {ref_year}")
    steps: list[Explanation] = []
    person = HolderKind.NATURAL_PERSON

    own_group = g.component(enterprise_id)
    linked = sorted(own_group - {enterprise_id})
    for lid in linked:
        if explain:
            steps.append(Explanation("sme.linked_enterprise", {"id": lid}, _REF_3_3))

    # Public bodies (row 25): counted for every member of the linked group, since it is one unit.
    public_share = ZERO
    if not g.has_public:
        pass
    elif any(g.is_public_body(m) for m in own_group):
        public_share = Decimal(1)
    else:
        for m in own_group:
            s = _sum_shares(
                h
                for h in g.into.get(m, ())
                if h.holder_id not in own_group and g.is_public_controlled(h.holder_id)
            )
            public_share = max(public_share, s)

    # Partner enterprises (row 21, Annex Art. 3(2)).
    pt = params.partner_threshold
    partner_share: dict[frozenset[str], Decimal] = {}
    partner_up: set[frozenset[str]] = set()
    partner_down: set[frozenset[str]] = set()
    downstream: dict[str, list[Holding]] = {}
    for member in sorted(own_group):
        upstream: dict[frozenset[str], list[Holding]] = {}
        for h in g.into.get(member, ()):
            hid = h.holder_id
            if hid in own_group:
                continue
            if h.holder_kind is person or g.is_public_body(hid):
                if explain:
                    steps.append(_ignored_holding(h, g))
                continue
            upstream.setdefault(g.component(hid), []).append(h)
        for grp, hs in upstream.items():
            share = _sum_shares(hs)
            holders = ", ".join(sorted({h.holder_id for h in hs}))
            if share < pt:
                if explain:
                    steps.append(
                        Explanation(
                            "sme.holding.below_threshold",
                            {
                                "holders": holders,
                                "share_pct": _p(share),
                                "threshold_pct": _p(pt),
                            },
                            _REF_3_2,
                        )
                    )
                continue
            if any(h.holder_kind in EXCEPTION_KINDS for h in hs):
                if explain:
                    steps.extend(_exception_reasons(hs, g, params))
                if (
                    all(_exception_applies(h, g, params) for h in hs)
                    and share <= params.investor_exception_max_share
                ):
                    if explain:
                        steps.append(
                            Explanation(
                                "sme.investor_exception",
                                {"holders": holders, "share_pct": _p(share)},
                                _REF_3_2_SECOND_SUBPARAGRAPH,
                            )
                        )
                    continue
                if explain:
                    steps.append(
                        Explanation(
                            "sme.investor_exception_lost",
                            {"holders": holders, "share_pct": _p(share)},
                            _REF_3_2_SECOND_SUBPARAGRAPH,
                        )
                    )
            partner_share[grp] = max(partner_share.get(grp, ZERO), share)
            partner_up.add(grp)
        for h in g.out.get(member, ()):
            if h.held_id not in own_group:
                downstream.setdefault(h.held_id, []).append(h)
    for held, hs in downstream.items():
        share = _sum_shares(hs)
        if share < pt:
            if explain:
                steps.append(
                    Explanation(
                        "sme.holding.below_threshold.downstream",
                        {"ids": held, "share_pct": _p(share), "threshold_pct": _p(pt)},
                        _REF_3_2,
                    )
                )
            continue
        grp = g.component(held)
        partner_share[grp] = max(partner_share.get(grp, ZERO), share)
        partner_down.add(grp)

    partners = sorted(
        (
            PartnerLink(tuple(sorted(grp)), share, grp in partner_up, grp in partner_down)
            for grp, share in partner_share.items()
        ),
        key=lambda p: p.ids,
    )
    for pl in partners:
        pp: dict[str, ParamValue] = {"ids": ", ".join(pl.ids), "share_pct": _p(pl.share)}
        if pl.upstream and explain:
            steps.append(Explanation("sme.partner.upstream", pp, _REF_3_2))
        if pl.downstream and explain:
            steps.append(Explanation("sme.partner.downstream", pp, _REF_3_2))

    if linked:
        etype = EnterpriseType.LINKED
        if explain:
            steps.append(Explanation("sme.type.linked", {}, _REF_3_3))
    elif partners:
        etype = EnterpriseType.PARTNER
        if explain:
            steps.append(Explanation("sme.type.partner", {}, _REF_3_2))
    else:
        etype = EnterpriseType.AUTONOMOUS
        if explain:
            steps.append(Explanation("sme.type.autonomous", {}, _REF_3_1))

    # Aggregation (Annex Art. 6), per year.
    skip = target.consolidated_ids

    def aggregate(year: int, explain: bool) -> EnterpriseFigures:
        own = target.figures_for(year)
        assert own is not None
        staff, turnover, balance = own.staff_awu, own.turnover, own.balance_sheet
        if explain:
            steps.append(Explanation("sme.aggregate.own", _figure_params(own), _REF_6_1))
        for lid in linked:
            if lid in skip:
                continue
            f = _figures(lid, year, explain)
            if f is not None:
                staff += f.staff_awu
                turnover += f.turnover
                balance += f.balance_sheet
                if explain:
                    steps.append(
                        Explanation(
                            "sme.aggregate.linked",
                            {"id": lid, **_figure_params(f)},
                            _REF_6_2,
                        )
                    )
        for pl in partners:
            ps = ZERO
            pt_ = ZERO
            pb = ZERO
            for pid in pl.ids:
                if pid in skip:
                    continue
                f = _figures(pid, year, explain)
                if f is not None:
                    ps += f.staff_awu
                    pt_ += f.turnover
                    pb += f.balance_sheet
            staff += ps * pl.share
            turnover += pt_ * pl.share
            balance += pb * pl.share
            if explain:
                steps.append(
                    Explanation(
                        "sme.aggregate.partner",
                        {
                            "ids": ", ".join(pl.ids),
                            "share_pct": _p(pl.share),
                            "year": year,
                            "staff_awu": ps * pl.share,
                            "turnover_eur": pt_ * pl.share,
                            "balance_sheet_eur": pb * pl.share,
                        },
                        _REF_6_2_3,
                    )
                )
        return _sum_figures(year, staff, turnover, balance)

    def _figures(eid: str, year: int, explain: bool) -> EnterpriseFigures | None:
        e = enterprises.get(eid)
        f = e.figures_for(year) if e is not None else None
        if f is None and explain and g.kind.get(eid) not in (person, HolderKind.PUBLIC_BODY):
            steps.append(Explanation("sme.missing_figures", {"id": eid, "year": year}, ""))
        return f

    years = sorted({f.year for f in target.figures if f.year <= ref_year})
    if not params.two_consecutive_years:
        years = [ref_year]
    if linked or partners:
        aggregated = [aggregate(y, explain and y == ref_year) for y in years]
    else:  # autonomous: its own data is the data (Annex Art. 6(1))
        aggregated = [f for y in years if (f := target.figures_for(y)) is not None]
    raw = [classify(f, params) for f in aggregated]
    if len(set(raw)) == 1 or not params.two_consecutive_years:
        statuses = raw
    else:
        statuses = apply_two_year_rule(raw)
    ref = aggregated[-1]
    size = statuses[-1]
    if explain:
        steps.append(Explanation(_SIZE_CODE[raw[-1]], _figure_params(ref), _REF_2))
    if size is not raw[-1]:
        if explain:
            steps.append(
                Explanation(
                    "sme.two_year_rule.kept",
                    {"year": ref_year},
                    _REF_4_2,
                    True,  # the two-year rule is unconfirmed [U]
                )
            )
        if explain:
            steps.append(Explanation(_STATUS_CODE[size], {"year": ref_year}, _REF_4_2, True))
    excluded_by_public_ownership = False
    if public_share >= params.public_bodies_threshold:
        excluded_by_public_ownership = size.is_sme
        size = SizeClass.LARGE
        if explain:
            steps.append(
                Explanation(
                    "sme.public_bodies",
                    {
                        "share_pct": _p(public_share),
                        "threshold_pct": _p(params.public_bodies_threshold),
                    },
                    _REF_3_4,
                )
            )
    if excluded_by_public_ownership:
        # Décret 2008-1354 art. 3 sorts enterprises by staff, turnover and balance sheet only: it
        # has no public-ownership rule, so an enterprise excluded from the EU SMEs only by it
        # stays a PME in the French sense (not an ETI). Our reading of the decree's silence,
        # not a confirmed ruling: marked unconfirmed.
        fr = FrenchCategory.PME
        if explain:
            steps.append(Explanation("sme.french.pme_public_ownership", {}, DECREE, True))
    else:
        fr = french_category(size, ref, params)
        if explain:
            steps.append(Explanation(_FRENCH_CODE[fr], {}, DECREE))

    owners = tuple(
        OwnerFact(
            h.holder_id,
            h.share,
            h.holder_kind,
            enterprises[h.holder_id].founded if h.holder_id in enterprises else None,
        )
        for h in sorted(g.into.get(enterprise_id, ()), key=lambda h: h.holder_id)
    )
    return SmeResult(
        enterprise_id=enterprise_id,
        size=size,
        french_category=fr,
        enterprise_type=etype,
        reference_year=ref_year,
        figures=ref,
        years=tuple(
            YearAssessment(y, f, r, s)
            for y, f, r, s in zip(years, aggregated, raw, statuses, strict=True)
        ),
        linked_ids=tuple(linked),
        partners=tuple(partners),
        public_share=public_share,
        steps=tuple(steps),
        startup_facts=StartupFacts(target.founded, target.jei, owners),
    )


# --- Start-ups ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartupParameters:
    """A call's start-up definition; the defaults are Grappe's (no official City definition)."""

    max_age_years: int = 8  # row 55 (JEI age), used as the default start-up age
    require_sme: bool = True
    # Not a start-up if one company older than it holds at least this share.
    max_older_company_share: Decimal = Decimal("0.50")
    # If set, an owner counts as "older" only from this age (the FPI uses 5 years, §4 [S]).
    older_company_min_age_years: int | None = None
    jei_is_startup: bool = True


DEFAULT_STARTUP_PARAMETERS = StartupParameters()


@dataclass(frozen=True, slots=True)
class StartupResult:
    is_startup: bool
    steps: tuple[Explanation, ...]


def age_in_years(founded: date, as_of: date) -> int:
    years = as_of.year - founded.year
    if (as_of.month, as_of.day) < (founded.month, founded.day):
        years -= 1
    return years


def startup_status(
    result: SmeResult, as_of: date, params: StartupParameters = DEFAULT_STARTUP_PARAMETERS
) -> StartupResult:
    facts = result.startup_facts
    ref = STARTUP_REF
    if params.require_sme and not result.is_sme:
        return StartupResult(False, (Explanation("startup.not_sme", {}, ref),))
    if facts.jei and params.jei_is_startup:
        return StartupResult(True, (Explanation("startup.jei", {}, "CGI art. 44 sexies-0 A"),))
    if facts.founded is None:
        return StartupResult(False, (Explanation("startup.unknown_age", {}, ref),))
    age = age_in_years(facts.founded, as_of)
    if age >= params.max_age_years:
        return StartupResult(
            False,
            (
                Explanation(
                    "startup.too_old", {"age_years": age, "max_years": params.max_age_years}, ref
                ),
            ),
        )
    for o in facts.owners:
        if o.holder_kind is not HolderKind.ENTERPRISE or o.founded is None:
            continue
        if o.share < params.max_older_company_share:
            continue
        owner_age = age_in_years(o.founded, as_of)
        older = (
            owner_age >= params.older_company_min_age_years
            if params.older_company_min_age_years is not None
            else o.founded < facts.founded
        )
        if older:
            return StartupResult(
                False,
                (
                    Explanation(
                        "startup.owned_by_older_company",
                        {"holder": o.holder_id, "share_pct": _p(o.share)},
                        ref,
                    ),
                ),
            )
    return StartupResult(
        True,
        (Explanation("startup.yes", {"age_years": age, "max_years": params.max_age_years}, ref),),
    )


# English templates for every code above; the interface translates them with gettext.
SME_MESSAGES: dict[str, str] = {
    "sme.linked_enterprise": gettext_noop("%(id)s is a linked enterprise (majority control)."),
    "sme.partner.upstream": gettext_noop("%(ids)s holds %(share_pct)s %%: partner enterprise."),
    "sme.partner.downstream": gettext_noop(
        "Holds %(share_pct)s %% of %(ids)s: partner enterprise."
    ),
    "sme.investor_exception": gettext_noop(
        "%(holders)s (%(share_pct)s %%) is an exempted investor: the enterprise stays autonomous."
    ),
    "sme.investor_exception_lost": gettext_noop(
        "%(holders)s holds %(share_pct)s %%: the investor exception does not apply."
    ),
    "sme.holding.below_threshold": gettext_noop(
        "%(holders)s holds %(share_pct)s %% (under %(threshold_pct)s %%): not a partner "
        "enterprise, ignored."
    ),
    "sme.holding.below_threshold.downstream": gettext_noop(
        "Holds %(share_pct)s %% of %(ids)s (under %(threshold_pct)s %%): not a partner "
        "enterprise, ignored."
    ),
    "sme.holding.natural_person": gettext_noop(
        "%(holders)s, a natural person, holds %(share_pct)s %%: ignored (natural persons link "
        "enterprises only on the same markets, which the data does not say)."
    ),
    "sme.holding.public_body": gettext_noop(
        "%(holders)s, a public body, holds %(share_pct)s %%: counted in the public share only."
    ),
    "sme.holding.local_authority_unknown": gettext_noop(
        "%(holders)s, a local authority whose budget or population is not given, holds "
        "%(share_pct)s %%: counted as a public body."
    ),
    "sme.holding.local_authority_large": gettext_noop(
        "%(holders)s, a local authority with a budget of 10 million EUR or more or 5,000 "
        "inhabitants or more, holds %(share_pct)s %%: counted as a public body."
    ),
    "sme.angel.unknown_investment": gettext_noop(
        "%(holders)s is a business angel whose total investment in the enterprise is not given: "
        "the exception needs it under %(ceiling_eur)s EUR."
    ),
    "sme.angel.below": gettext_noop(
        "%(holders)s is a business angel with %(investment_eur)s EUR invested in the enterprise "
        "(under %(ceiling_eur)s EUR)."
    ),
    "sme.angel.above": gettext_noop(
        "%(holders)s is a business angel with %(investment_eur)s EUR invested in the enterprise "
        "(not under %(ceiling_eur)s EUR)."
    ),
    "sme.local_authority.small": gettext_noop(
        "%(holders)s: autonomous local authority, budget %(budget_eur)s EUR, "
        "%(inhabitants)s inhabitants (under %(max_budget_eur)s EUR and %(max_inhabitants)s)."
    ),
    "sme.french.pme_public_ownership": gettext_noop(
        "French category: PME. The decree sorts by staff and finances only; public ownership, "
        "which excludes it from the EU SMEs, is not one of its criteria."
    ),
    "sme.type.autonomous": gettext_noop("Autonomous enterprise."),
    "sme.type.partner": gettext_noop("Enterprise with partner enterprises."),
    "sme.type.linked": gettext_noop("Enterprise with linked enterprises."),
    "sme.public_bodies": gettext_noop(
        "Public bodies hold %(share_pct)s %% (at least %(threshold_pct)s %%): not an SME."
    ),
    "sme.aggregate.own": gettext_noop(
        "Own data %(year)s: %(staff_awu)s AWU, turnover %(turnover_eur)s EUR, "
        "balance sheet %(balance_sheet_eur)s EUR."
    ),
    "sme.aggregate.linked": gettext_noop(
        "Linked %(id)s added at 100 %%: %(staff_awu)s AWU, turnover %(turnover_eur)s EUR, "
        "balance sheet %(balance_sheet_eur)s EUR."
    ),
    "sme.aggregate.partner": gettext_noop(
        "Partner %(ids)s added at %(share_pct)s %%: %(staff_awu)s AWU, "
        "turnover %(turnover_eur)s EUR, balance sheet %(balance_sheet_eur)s EUR."
    ),
    "sme.missing_figures": gettext_noop("No figures for %(id)s in %(year)s: counted as zero."),
    "sme.size.micro": gettext_noop(
        "%(year)s: %(staff_awu)s AWU, turnover %(turnover_eur)s EUR, balance sheet "
        "%(balance_sheet_eur)s EUR: micro-enterprise ceilings."
    ),
    "sme.size.small": gettext_noop(
        "%(year)s: %(staff_awu)s AWU, turnover %(turnover_eur)s EUR, balance sheet "
        "%(balance_sheet_eur)s EUR: small-enterprise ceilings."
    ),
    "sme.size.medium": gettext_noop(
        "%(year)s: %(staff_awu)s AWU, turnover %(turnover_eur)s EUR, balance sheet "
        "%(balance_sheet_eur)s EUR: medium-sized-enterprise ceilings."
    ),
    "sme.size.large": gettext_noop(
        "%(year)s: %(staff_awu)s AWU, turnover %(turnover_eur)s EUR, balance sheet "
        "%(balance_sheet_eur)s EUR: above the SME ceilings."
    ),
    "sme.two_year_rule.kept": gettext_noop(
        "%(year)s is the first year across a ceiling: the status needs two consecutive years."
    ),
    "sme.status.micro": gettext_noop("Status kept in %(year)s: micro-enterprise."),
    "sme.status.small": gettext_noop("Status kept in %(year)s: small enterprise."),
    "sme.status.medium": gettext_noop("Status kept in %(year)s: medium-sized enterprise."),
    "sme.status.large": gettext_noop("Status kept in %(year)s: large enterprise."),
    "sme.french.pme": gettext_noop("French category: PME."),
    "sme.french.eti": gettext_noop("French category: ETI (intermediate-sized enterprise)."),
    "sme.french.ge": gettext_noop("French category: GE (large enterprise)."),
    "startup.not_sme": gettext_noop("Not a start-up: not an SME."),
    "startup.jei": gettext_noop("Start-up: holds the JEI status."),
    "startup.unknown_age": gettext_noop("Not a start-up: creation date unknown."),
    "startup.too_old": gettext_noop(
        "Not a start-up: %(age_years)s years old (under %(max_years)s required)."
    ),
    "startup.owned_by_older_company": gettext_noop(
        "Not a start-up: %(share_pct)s %% held by the older company %(holder)s."
    ),
    "startup.yes": gettext_noop("Start-up: %(age_years)s years old (under %(max_years)s)."),
}
