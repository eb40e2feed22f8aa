"""GBER Art. 25 maximum aid intensities, the collaboration bonus and notification thresholds.

All numbers come from a versioned `GberText` (rulesets.GBER_TEXTS); this module is the arithmetic
and the explanation of it (FUNDING-RULES.md §1.2-§1.3, §7.1-7.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from grappe.funding.domain.common import (
    ZERO,
    Explanation,
    ResearchCategory,
    cents,
    pct,
    pct_against,
)
from grappe.funding.domain.rulesets import GberText
from grappe.registry.domain.sme import SizeClass

# EU Member States and the other EEA Contracting Parties (ISO 3166-1 alpha-2; Greece as "GR").
_EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EEA_COUNTRIES = frozenset(f"{_EU} IS LI NO".split(" "))

_LETTER = {
    ResearchCategory.FUNDAMENTAL: "(a)",
    ResearchCategory.INDUSTRIAL: "(b)",
    ResearchCategory.EXPERIMENTAL: "(c)",
    ResearchCategory.FEASIBILITY: "(d)",
}
_BASE_CODE = {
    ResearchCategory.FUNDAMENTAL: "gber.base.fundamental",
    ResearchCategory.INDUSTRIAL: "gber.base.industrial",
    ResearchCategory.EXPERIMENTAL: "gber.base.experimental",
    ResearchCategory.FEASIBILITY: "gber.base.feasibility",
}


class BonusBasis(StrEnum):
    """Why the Art. 25(6)(b) bonus applies to an undertaking."""

    UNDERTAKINGS = "undertakings"
    RESEARCH_ORGANISATIONS = "research_organisations"
    DISSEMINATION = "dissemination"
    LICENSING = "licensing"  # 2023 (b)(iii) [U]
    ASSISTED_AREA_A = "assisted_area_a"  # 2023 (b)(iv) [U]


_BONUS_CODE = {
    BonusBasis.UNDERTAKINGS: "gber.bonus.collaboration.undertakings",
    BonusBasis.RESEARCH_ORGANISATIONS: "gber.bonus.collaboration.research_organisations",
    BonusBasis.DISSEMINATION: "gber.bonus.collaboration.dissemination",
    BonusBasis.LICENSING: "gber.bonus.collaboration.licensing",
    BonusBasis.ASSISTED_AREA_A: "gber.bonus.collaboration.assisted_area_a",
}
_BONUS_PATH = {
    BonusBasis.LICENSING: "bonus_b_licensing",
    BonusBasis.ASSISTED_AREA_A: "bonus_b_assisted_area_a",
}


@dataclass(frozen=True, slots=True)
class Intensity:
    rate: Decimal
    steps: tuple[Explanation, ...]


def _unc(text: GberText, path: str) -> bool:
    return any(path == u or path.startswith(u + ".") for u in text.unconfirmed)


def gber_max_intensity(
    text: GberText,
    research: ResearchCategory,
    size: SizeClass,
    bonus_b: BonusBasis | None = None,
    *,
    assisted_area_c: bool = False,
    joint_call: bool = False,
    contract_research: bool = False,
) -> Intensity:
    """The GBER ceiling for one undertaking and research category, step by step.

    A bonus that does not apply says why (size, no collaboration, contract research), so that
    every figure of the ceiling is explained, the absent ones included.
    """
    refs = text.refs
    base = text.base.get(research)
    steps = [
        Explanation(
            _BASE_CODE[research],
            {"rate_pct": pct(base)},
            f"{refs.base}{_LETTER[research]}",
            _unc(text, f"base.{research.value}"),
        )
    ]
    rate = base
    if research in text.sme_bonus_categories and size is not SizeClass.LARGE:
        small = size is not SizeClass.MEDIUM
        bonus = text.sme_bonus_small if small else text.sme_bonus_medium
        ref = (
            refs.feasibility_sme_bonus
            if research is ResearchCategory.FEASIBILITY
            else refs.sme_bonus
        )
        steps.append(
            Explanation(
                "gber.bonus.small_enterprise" if small else "gber.bonus.medium_enterprise",
                {"bonus_pct": pct(bonus)},
                ref,
                _unc(text, "sme_bonus") or _unc(text, f"sme_bonus_categories.{research.value}"),
            )
        )
        rate += bonus
    elif research in text.sme_bonus_categories:
        steps.append(Explanation("gber.bonus.sme.none", {}, refs.sme_bonus))
    if research in text.collaboration_bonus_categories:
        # Art. 25(6)(b), (c) and (d) may not be combined (2023 text): the largest one applies.
        options: list[tuple[Decimal, Explanation]] = []
        if bonus_b is not None and (
            bonus_b not in _BONUS_PATH or getattr(text, _BONUS_PATH[bonus_b])
        ):
            options.append(
                (
                    text.collaboration_bonus,
                    Explanation(
                        _BONUS_CODE[bonus_b],
                        {
                            "bonus_pct": pct(text.collaboration_bonus),
                            "limit_pct": pct(text.max_single_undertaking_share),
                            "min_pct": pct(text.min_ro_share),
                        },
                        refs.collaboration,
                        bonus_b in _BONUS_PATH and _unc(text, _BONUS_PATH[bonus_b]),
                    ),
                )
            )
        if assisted_area_c and text.bonus_c_assisted_area_c is not None:
            options.append(
                (
                    text.bonus_c_assisted_area_c,
                    Explanation(
                        "gber.bonus.assisted_area_c",
                        {"bonus_pct": pct(text.bonus_c_assisted_area_c)},
                        refs.assisted_area_c,
                        _unc(text, "bonus_c_assisted_area_c"),
                    ),
                )
            )
        if joint_call and text.bonus_d_joint_call is not None:
            options.append(
                (
                    text.bonus_d_joint_call,
                    Explanation(
                        "gber.bonus.joint_call",
                        {"bonus_pct": pct(text.bonus_d_joint_call)},
                        refs.joint_call,
                        _unc(text, "bonus_d_joint_call"),
                    ),
                )
            )
        if not options:
            steps.append(
                Explanation(
                    "gber.bonus.collaboration.contract_research"
                    if contract_research
                    else "gber.bonus.collaboration.none",
                    {},
                    refs.effective_collaboration if contract_research else refs.collaboration,
                )
            )
        else:
            best = max(options, key=lambda o: o[0])
            steps.append(best[1])
            rate += best[0]
            if len(options) > 1:
                steps.append(Explanation("gber.bonus.not_combined", {}, refs.cap))
    if research is not ResearchCategory.FUNDAMENTAL and rate > text.max_intensity:
        steps.append(
            Explanation(
                "gber.cap",
                {"uncapped_pct": pct(rate), "cap_pct": pct(text.max_intensity)},
                refs.cap,
            )
        )
        rate = text.max_intensity
    return Intensity(rate, tuple(steps))


# --- Effective collaboration (Art. 25(6)(b), Art. 2(90)) --------------------------------------


@dataclass(frozen=True, slots=True)
class CollaborationParty:
    """A project participant as the collaboration test sees it.

    `group` identifies linked undertakings, which form one undertaking. Contract research and
    subcontracting are not collaboration (Art. 2(90)), so such parties never count.
    """

    id: str
    undertaking: bool
    group: str
    is_sme: bool
    country: str
    eligible_cost: Decimal
    right_to_publish: bool = True
    contract_research: bool = False


@dataclass(frozen=True, slots=True)
class CollaborationAssessment:
    undertakings: bool
    research_organisations: bool
    max_undertaking_share: Decimal
    research_organisation_share: Decimal
    steps: tuple[Explanation, ...]

    @property
    def basis(self) -> BonusBasis | None:
        if self.undertakings:
            return BonusBasis.UNDERTAKINGS
        if self.research_organisations:
            return BonusBasis.RESEARCH_ORGANISATIONS
        return None


def assess_collaboration(
    text: GberText, parties: Iterable[CollaborationParty]
) -> CollaborationAssessment:
    refs = text.refs
    all_parties = sorted(parties, key=lambda p: p.id)
    total = sum((p.eligible_cost for p in all_parties), ZERO)
    steps: list[Explanation] = []
    excluded = [p.id for p in all_parties if p.contract_research]
    if excluded:
        steps.append(
            Explanation(
                "gber.collaboration.contract_research_excluded",
                {"ids": ", ".join(excluded)},
                refs.effective_collaboration,
            )
        )
    collaborators = [p for p in all_parties if not p.contract_research]
    groups: dict[str, Decimal] = {}
    any_sme = False
    countries: set[str] = set()
    for p in collaborators:
        if p.undertaking:
            groups[p.group] = groups.get(p.group, ZERO) + p.eligible_cost
            any_sme = any_sme or p.is_sme
            if p.country.upper() in EEA_COUNTRIES:
                countries.add(p.country.upper())
    max_share = max(groups.values(), default=ZERO) / total if total > 0 else ZERO
    limit = text.max_single_undertaking_share
    undertakings_ok = False
    if len(groups) < 2:
        steps.append(
            Explanation(
                "gber.collaboration.undertakings.too_few",
                {"count": len(groups)},
                refs.collaboration,
            )
        )
    elif not any_sme and len(countries) < 2:
        steps.append(
            Explanation(
                "gber.collaboration.undertakings.no_sme_or_cross_border", {}, refs.collaboration
            )
        )
    elif max_share > limit:
        steps.append(
            Explanation(
                "gber.collaboration.undertakings.share_too_high",
                {"max_share_pct": pct_against(max_share, limit), "limit_pct": pct(limit)},
                refs.collaboration,
            )
        )
    else:
        undertakings_ok = True
        steps.append(
            Explanation(
                "gber.collaboration.undertakings.met",
                {
                    "count": len(groups),
                    "max_share_pct": pct_against(max_share, limit),
                    "limit_pct": pct(limit),
                },
                refs.collaboration,
            )
        )
    ro_cost = sum(
        (p.eligible_cost for p in collaborators if not p.undertaking and p.right_to_publish), ZERO
    )
    ro_share = ro_cost / total if total > 0 else ZERO
    ro_ok = bool(groups) and ro_share >= text.min_ro_share
    if any(not p.undertaking for p in collaborators) and groups:
        steps.append(
            Explanation(
                "gber.collaboration.research_organisations.met"
                if ro_ok
                else "gber.collaboration.research_organisations.not_met",
                {
                    "share_pct": pct_against(ro_share, text.min_ro_share),
                    "min_pct": pct(text.min_ro_share),
                },
                refs.collaboration,
            )
        )
    if ro_ok and not undertakings_ok:
        # The bonus stands on the research organisations: the failed test between undertakings
        # is not a reason and would read as a refusal.
        steps = [s for s in steps if not s.code.startswith("gber.collaboration.undertakings.")]
    return CollaborationAssessment(undertakings_ok, ro_ok, max_share, ro_share, tuple(steps))


# --- Notification thresholds (Art. 4(1)(i)) ---------------------------------------------------

_NOTIFY_CODE = {
    ResearchCategory.FUNDAMENTAL: "gber.notification.fundamental",
    ResearchCategory.INDUSTRIAL: "gber.notification.industrial",
    ResearchCategory.EXPERIMENTAL: "gber.notification.experimental",
    ResearchCategory.FEASIBILITY: "gber.notification.feasibility",
}
_RD = (ResearchCategory.FUNDAMENTAL, ResearchCategory.INDUSTRIAL, ResearchCategory.EXPERIMENTAL)


def notification_warnings(
    text: GberText,
    costs: Mapping[ResearchCategory, Decimal],
    aid: Mapping[ResearchCategory, Decimal],
) -> tuple[Explanation, ...]:
    """Warnings when one undertaking's aid for one project exceeds an Art. 4(1)(i) threshold.

    R&D aid is compared with the threshold of the category holding more than half of its R&D
    eligible costs, or with the lowest threshold of the categories present when none does (row
    17). A feasibility study is compared with its own threshold.
    """
    th = text.notification_thresholds
    if sum(aid.values(), ZERO) <= min(
        th.fundamental, th.industrial, th.experimental, th.feasibility
    ):
        return ()
    out: list[Explanation] = []
    ref = text.refs.notification
    rd_cost = sum((costs.get(c, ZERO) for c in _RD), ZERO)
    rd_aid = sum((aid.get(c, ZERO) for c in _RD), ZERO)
    if rd_cost > 0 and rd_aid > 0:
        present = [c for c in _RD if costs.get(c, ZERO) > 0]
        main = [c for c in present if costs.get(c, ZERO) > text.predominance_share * rd_cost]
        if main:
            cat = main[0]
            code = _NOTIFY_CODE[cat]
        else:
            cat = min(present, key=lambda c: th.get(c))
            code = "gber.notification.undetermined"
        limit = th.get(cat)
        if rd_aid > limit:
            out.append(
                Explanation(
                    code,
                    {"aid_eur": cents(rd_aid), "threshold_eur": limit, "version": text.version},
                    ref,
                    _unc(text, f"notification_thresholds.{cat.value}"),
                )
            )
    feas = aid.get(ResearchCategory.FEASIBILITY, ZERO)
    if feas > th.feasibility:
        out.append(
            Explanation(
                _NOTIFY_CODE[ResearchCategory.FEASIBILITY],
                {
                    "aid_eur": cents(feas),
                    "threshold_eur": th.feasibility,
                    "version": text.version,
                },
                ref,
                _unc(text, "notification_thresholds.feasibility"),
            )
        )
    return tuple(out)
