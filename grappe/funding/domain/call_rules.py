"""A call's rule set in plain words: explanation lines for the public call pages.

`explain_rules(rs)` turns a validated `RuleSet` into `RuleLine`s — who may apply (eligibility)
and how much aid (intensities per research category and size, bonuses, caps). Each line is a
message code with params (the interface renders it with `grappe.funding.explain.render`, so
French, English and plurals work) and says whether it rests on a value the rule set marks
unconfirmed ([U] in FUNDING-RULES.md) or is only a recommendation (an advisory rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from grappe.core.domain.i18n import gettext_noop
from grappe.funding.domain.common import ZERO, ParamValue, ResearchCategory, pct
from grappe.funding.domain.rulesets import RateTable, RuleSet


class Section(StrEnum):
    ELIGIBILITY = "eligibility"
    AID = "aid"


SECTION_TITLES = {
    Section.ELIGIBILITY: gettext_noop("Who may apply"),
    Section.AID: gettext_noop("How much aid"),
}


@dataclass(frozen=True, slots=True)
class RuleLine:
    section: Section
    code: str
    params: dict[str, ParamValue] = field(default_factory=dict)
    # The rule-set paths the line rests on (for the unconfirmed marks).
    paths: tuple[str, ...] = ()
    unconfirmed: bool = False
    advisory: bool = False


CALL_RULE_MESSAGES: dict[str, str] = {
    # Eligibility
    "call.rules.none": gettext_noop("No consortium rule: any collaborative project may apply."),
    "call.rules.min_independent_companies": gettext_noop(
        "At least %(count)s independent company in the consortium."
    ),
    "call.rules.min_research_organisations": gettext_noop(
        "At least %(count)s research or training organisation in the consortium."
    ),
    "call.rules.min_sme_or_eti": gettext_noop("At least %(count)s SME or ETI in the consortium."),
    "call.rules.coordinator_must_be_company": gettext_noop("The coordinator must be a company."),
    "call.rules.max_partner_share": gettext_noop(
        "No partner may bear more than %(limit_pct)s %% of the project's costs."
    ),
    "call.rules.lab_aid_share_justification": gettext_noop(
        "When research organisations receive more than %(limit_pct)s %% of the aid, it must be "
        "justified."
    ),
    "call.rules.budget.window": gettext_noop("Project budget from %(min_eur)s to %(max_eur)s EUR."),
    "call.rules.budget.min": gettext_noop("Project budget of at least %(min_eur)s EUR."),
    "call.rules.budget.max": gettext_noop("Project budget of at most %(max_eur)s EUR."),
    "call.rules.max_partners": gettext_noop("At most %(count)s partner."),
    "call.rules.max_aided_partners": gettext_noop("At most %(count)s partner requesting aid."),
    "call.rules.min_accreditations": gettext_noop(
        "The project must be accredited by at least %(count)s cluster."
    ),
    "call.rules.lead_cluster_first": gettext_noop(
        "The lead cluster must be listed first among the accreditations."
    ),
    "call.rules.min_paris_partners": gettext_noop("At least %(count)s partner located in Paris."),
    "call.rules.min_cost_share_in_cluster_territory": gettext_noop(
        "At least %(min_pct)s %% of the costs incurred in the clusters' territories."
    ),
    "call.rules.exclusive_cost_base": gettext_noop(
        "The costs this call funds may not be funded by other public money."
    ),
    # Aid
    "call.rules.gber": gettext_noop(
        "Aid under the General Block Exemption Regulation (%(version)s text)."
    ),
    "call.rules.rates.base": gettext_noop(
        "Call rates for companies: small %(small_pct)s %%, medium-sized %(medium_pct)s %%, "
        "ETI %(eti_pct)s %%, large %(large_pct)s %%."
    ),
    "call.rules.rates.base.micro": gettext_noop(
        "Call rates for companies: micro %(micro_pct)s %%, small %(small_pct)s %%, "
        "medium-sized %(medium_pct)s %%, ETI %(eti_pct)s %%, large %(large_pct)s %%."
    ),
    "call.rules.rates.labelled": gettext_noop(
        "In a project labelled by a cluster: small %(small_pct)s %%, medium-sized "
        "%(medium_pct)s %%, ETI %(eti_pct)s %%, large %(large_pct)s %%."
    ),
    "call.rules.rates.labelled.micro": gettext_noop(
        "In a project labelled by a cluster: micro %(micro_pct)s %%, small %(small_pct)s %%, "
        "medium-sized %(medium_pct)s %%, ETI %(eti_pct)s %%, large %(large_pct)s %%."
    ),
    "call.rules.rates.outside_territory": gettext_noop(
        "Outside the labelling cluster's territory: small %(small_pct)s %%, medium-sized "
        "%(medium_pct)s %%, ETI %(eti_pct)s %%, large %(large_pct)s %%."
    ),
    "call.rules.rates.outside_territory.micro": gettext_noop(
        "Outside the labelling cluster's territory: micro %(micro_pct)s %%, small "
        "%(small_pct)s %%, medium-sized %(medium_pct)s %%, ETI %(eti_pct)s %%, large "
        "%(large_pct)s %%."
    ),
    "call.rules.ceiling.fundamental": gettext_noop(
        "Fundamental research: at most %(large_pct)s %% whatever the size."
    ),
    "call.rules.ceiling.industrial": gettext_noop(
        "Industrial research: at most %(large_pct)s %% for a large company, %(medium_pct)s %% "
        "for a medium-sized and %(small_pct)s %% for a small enterprise."
    ),
    "call.rules.ceiling.experimental": gettext_noop(
        "Experimental development: at most %(large_pct)s %% for a large company, "
        "%(medium_pct)s %% for a medium-sized and %(small_pct)s %% for a small enterprise."
    ),
    "call.rules.ceiling.feasibility": gettext_noop(
        "Feasibility study: at most %(large_pct)s %% for a large company, %(medium_pct)s %% "
        "for a medium-sized and %(small_pct)s %% for a small enterprise."
    ),
    "call.rules.collaboration_bonus": gettext_noop(
        "Effective collaboration or wide dissemination of the results: +%(bonus_pct)s points "
        "in industrial research and experimental development, up to %(cap_pct)s %%."
    ),
    "call.rules.lower_applies": gettext_noop(
        "Each partner receives the lower of the call's rate and the ceiling for its research "
        "category and size."
    ),
    "call.rules.startup_bonus": gettext_noop("Start-ups: +%(bonus_pct)s points."),
    "call.rules.startup_bonus.paris": gettext_noop(
        "Start-ups located in Paris: +%(bonus_pct)s points."
    ),
    "call.rules.startup.definition": gettext_noop(
        "A start-up is a company founded less than %(count)s year ago."
    ),
    "call.rules.startup.definition.sme": gettext_noop(
        "A start-up is an SME founded less than %(count)s year ago."
    ),
    "call.rules.ro.both": gettext_noop(
        "Research organisations (non-economic activity): %(full_pct)s %% of full cost or "
        "%(marginal_pct)s %% of marginal cost."
    ),
    "call.rules.ro.full": gettext_noop(
        "Research organisations (non-economic activity): %(full_pct)s %% of full cost."
    ),
    "call.rules.ro.marginal": gettext_noop(
        "Research organisations (non-economic activity): %(marginal_pct)s %% of marginal cost."
    ),
    "call.rules.ro.none": gettext_noop("This call sets no rate for research organisations."),
    "call.rules.cap.partner": gettext_noop("At most %(cap_eur)s EUR of aid per partner."),
    "call.rules.cap.project": gettext_noop("At most %(cap_eur)s EUR of aid per project."),
}

CALL_RULE_PLURALS: dict[str, tuple[str, str]] = {
    "call.rules.min_independent_companies": (
        "count",
        "At least %(count)s independent companies in the consortium.",
    ),
    "call.rules.min_research_organisations": (
        "count",
        "At least %(count)s research or training organisations in the consortium.",
    ),
    "call.rules.min_sme_or_eti": ("count", "At least %(count)s SMEs or ETIs in the consortium."),
    "call.rules.max_partners": ("count", "At most %(count)s partners."),
    "call.rules.max_aided_partners": ("count", "At most %(count)s partners requesting aid."),
    "call.rules.min_accreditations": (
        "count",
        "The project must be accredited by at least %(count)s clusters.",
    ),
    "call.rules.min_paris_partners": ("count", "At least %(count)s partners located in Paris."),
    "call.rules.startup.definition": (
        "count",
        "A start-up is a company founded less than %(count)s years ago.",
    ),
    "call.rules.startup.definition.sme": (
        "count",
        "A start-up is an SME founded less than %(count)s years ago.",
    ),
}

_STARTUP = "startup"  # (paths written f"{_STARTUP}.…" are not message codes)

# Consortium rules that are counts (one plural line each), in the order shown.
_COUNTS = (
    "min_independent_companies",
    "min_research_organisations",
    "min_sme_or_eti",
    "max_partners",
    "max_aided_partners",
    "min_accreditations",
    "min_paris_partners",
)


def _line(
    rs: RuleSet,
    section: Section,
    code: str,
    params: dict[str, ParamValue] | None = None,
    paths: Iterable[str] = (),
    *,
    gber_paths: Iterable[str] = (),
    advisory: bool = False,
) -> RuleLine:
    paths = tuple(paths)
    gber_paths = tuple(gber_paths)
    unconfirmed = any(rs.is_unconfirmed(p) for p in paths) or any(
        p in rs.gber.unconfirmed for p in gber_paths
    )
    return RuleLine(
        section=section,
        code=code,
        params=params or {},
        paths=paths,
        unconfirmed=unconfirmed,
        advisory=advisory,
    )


def eligibility_lines(rs: RuleSet) -> list[RuleLine]:
    """Who may apply: one line per consortium rule the call sets, in a stable order."""
    c = rs.consortium
    e = Section.ELIGIBILITY
    out: list[RuleLine] = []

    def path(rule: str) -> str:
        return f"consortium.{rule}"

    for rule in _COUNTS[:3]:
        value = getattr(c, rule)
        if value:
            out.append(
                _line(
                    rs,
                    e,
                    f"call.rules.{rule}",
                    {"count": value},
                    [path(rule)],
                    advisory=rule in c.advisory,
                )
            )
    if c.coordinator_must_be_company:
        rule = "coordinator_must_be_company"
        out.append(
            _line(rs, e, f"call.rules.{rule}", {}, [path(rule)], advisory=rule in c.advisory)
        )
    for rule in _COUNTS[3:]:
        value = getattr(c, rule)
        if value:
            out.append(
                _line(
                    rs,
                    e,
                    f"call.rules.{rule}",
                    {"count": value},
                    [path(rule)],
                    advisory=rule in c.advisory,
                )
            )
    if c.lead_cluster_first:
        rule = "lead_cluster_first"
        out.append(
            _line(rs, e, f"call.rules.{rule}", {}, [path(rule)], advisory=rule in c.advisory)
        )
    if c.budget_min is not None or c.budget_max is not None:
        paths = [path("budget_min"), path("budget_max")]
        advisory = bool({"budget_min", "budget_max"} & c.advisory)
        if c.budget_min is not None and c.budget_max is not None:
            code, params = (
                "call.rules.budget.window",
                {"min_eur": c.budget_min, "max_eur": c.budget_max},
            )
        elif c.budget_min is not None:
            code, params = "call.rules.budget.min", {"min_eur": c.budget_min}
        else:
            assert c.budget_max is not None
            code, params = "call.rules.budget.max", {"max_eur": c.budget_max}
        out.append(_line(rs, e, code, dict(params), paths, advisory=advisory))
    for rule, key in (
        ("max_partner_share", "limit_pct"),
        ("min_cost_share_in_cluster_territory", "min_pct"),
        ("lab_aid_share_justification", "limit_pct"),
    ):
        value = getattr(c, rule)
        if value is not None:
            out.append(
                _line(
                    rs,
                    e,
                    f"call.rules.{rule}",
                    {key: pct(value)},
                    [path(rule)],
                    advisory=rule in c.advisory,
                )
            )
    if rs.exclusive_cost_base:
        out.append(_line(rs, e, "call.rules.exclusive_cost_base", {}, ["exclusive_cost_base"]))
    if not out:
        out.append(_line(rs, e, "call.rules.none", {}, ["consortium"]))
    return out


def _rates(rs: RuleSet, name: str, table: RateTable, path: str) -> RuleLine:
    params: dict[str, ParamValue] = {
        "small_pct": pct(table.small),
        "medium_pct": pct(table.medium),
        "eti_pct": pct(table.eti),
        "large_pct": pct(table.large),
    }
    code = f"call.rules.rates.{name}"
    if table.micro is not None:
        params["micro_pct"] = pct(table.micro)
        code += ".micro"
    return _line(rs, Section.AID, code, params, [path])


def _ceiling(rs: RuleSet, category: ResearchCategory, bonus: Decimal) -> Decimal:
    g = rs.gber
    rate = g.base.get(category) + bonus
    if category is not ResearchCategory.FUNDAMENTAL:
        rate = min(rate, g.max_intensity)
    return rate


def aid_lines(rs: RuleSet) -> list[RuleLine]:
    """How much aid: the call's rates by size, the GBER ceilings by research category and size,
    the bonuses, the research organisations' rates and the caps."""
    a = Section.AID
    g = rs.gber
    out = [_line(rs, a, "call.rules.gber", {"version": g.version}, ["gber"])]
    out.append(_rates(rs, "base", rs.company_rates, "company_rates"))
    if rs.company_rates_labelled is not None:
        out.append(_rates(rs, "labelled", rs.company_rates_labelled, "company_rates_labelled"))
    if rs.company_rates_outside_territory is not None:
        out.append(
            _rates(
                rs,
                "outside_territory",
                rs.company_rates_outside_territory,
                "company_rates_outside_territory",
            )
        )
    for category in ResearchCategory:
        sme = category in g.sme_bonus_categories
        params: dict[str, ParamValue] = {
            "large_pct": pct(_ceiling(rs, category, ZERO)),
            "medium_pct": pct(_ceiling(rs, category, g.sme_bonus_medium if sme else ZERO)),
            "small_pct": pct(_ceiling(rs, category, g.sme_bonus_small if sme else ZERO)),
        }
        out.append(
            _line(
                rs,
                a,
                f"call.rules.ceiling.{category.value}",
                params,
                gber_paths=[f"base.{category.value}", f"sme_bonus_categories.{category.value}"],
            )
        )
    out.append(
        _line(
            rs,
            a,
            "call.rules.collaboration_bonus",
            {"bonus_pct": pct(g.collaboration_bonus), "cap_pct": pct(g.max_intensity)},
            gber_paths=["collaboration_bonus"],
        )
    )
    out.append(_line(rs, a, "call.rules.lower_applies"))
    if rs.startup_bonus > ZERO:
        code = (
            "call.rules.startup_bonus.paris"
            if rs.startup_bonus_requires_paris
            else ("call.rules.startup_bonus")
        )
        out.append(
            _line(
                rs,
                a,
                code,
                {"bonus_pct": pct(rs.startup_bonus)},
                ["startup_bonus", "startup_bonus_requires_paris"],
            )
        )
        st = rs.startup
        out.append(
            _line(
                rs,
                a,
                "call.rules.startup.definition.sme"
                if st.require_sme
                else ("call.rules.startup.definition"),
                {"count": st.max_age_years},
                [f"{_STARTUP}.max_age_years", f"{_STARTUP}.require_sme"],
            )
        )
    ro = rs.research_organisations
    if ro is None or (ro.full_cost_rate is None and ro.marginal_cost_rate is None):
        out.append(_line(rs, a, "call.rules.ro.none", {}, ["research_organisations"]))
    elif ro.full_cost_rate is not None and ro.marginal_cost_rate is not None:
        out.append(
            _line(
                rs,
                a,
                "call.rules.ro.both",
                {"full_pct": pct(ro.full_cost_rate), "marginal_pct": pct(ro.marginal_cost_rate)},
                [
                    "research_organisations.full_cost_rate",
                    "research_organisations.marginal_cost_rate",
                ],
            )
        )
    elif ro.full_cost_rate is not None:
        out.append(
            _line(
                rs,
                a,
                "call.rules.ro.full",
                {"full_pct": pct(ro.full_cost_rate)},
                ["research_organisations.full_cost_rate"],
            )
        )
    else:
        assert ro.marginal_cost_rate is not None
        out.append(
            _line(
                rs,
                a,
                "call.rules.ro.marginal",
                {"marginal_pct": pct(ro.marginal_cost_rate)},
                ["research_organisations.marginal_cost_rate"],
            )
        )
    if rs.max_aid_per_partner is not None:
        out.append(
            _line(
                rs,
                a,
                "call.rules.cap.partner",
                {"cap_eur": rs.max_aid_per_partner},
                ["max_aid_per_partner"],
            )
        )
    if rs.max_aid_per_project is not None:
        out.append(
            _line(
                rs,
                a,
                "call.rules.cap.project",
                {"cap_eur": rs.max_aid_per_project},
                ["max_aid_per_project"],
            )
        )
    return out


def explain_rules(rs: RuleSet) -> list[RuleLine]:
    """Every line of a rule set in plain words: eligibility first, then aid."""
    return eligibility_lines(rs) + aid_lines(rs)
