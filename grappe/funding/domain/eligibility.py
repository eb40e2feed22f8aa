"""Consortium rules of a call, evaluated against a project (FUNDING-RULES §3, rows 34-44).

Every rule of `ConsortiumRules` gives one `Verdict`, in a fixed order, NOT_APPLICABLE when the
call does not set it. A failed rule listed as `advisory` in the call gives NEEDS_JUSTIFICATION.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from grappe.funding.domain.common import ZERO, Params, PartnerKind, pct, pct_against
from grappe.funding.domain.inputs import PartnerProfile, ProjectInput, declared_profile
from grappe.funding.domain.rulesets import RuleSet

_EMPTY: Params = MappingProxyType({})


class VerdictStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NEEDS_JUSTIFICATION = "needs_justification"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str  # the ConsortiumRules field
    status: VerdictStatus
    code: str
    params: Params = field(default_factory=lambda: _EMPTY, hash=False)
    legal_ref: str = ""
    unconfirmed: bool = False


# Verdicts are immutable, so the "not set by this call" ones are shared.
_NOT_APPLICABLE: dict[tuple[str, str], Verdict] = {}

RULE_ORDER = (
    "min_independent_companies",
    "min_research_organisations",
    "min_sme_or_eti",
    "coordinator_must_be_company",
    "max_partner_share",
    "lab_aid_share_justification",
    "budget",
    "max_partners",
    "max_aided_partners",
    "min_accreditations",
    "lead_cluster_first",
    "min_paris_partners",
    "min_cost_share_in_cluster_territory",
)


def evaluate_consortium(
    project: ProjectInput,
    ruleset: RuleSet,
    profiles: Mapping[str, PartnerProfile] | None = None,
    aid_by_partner: Mapping[str, Decimal] | None = None,
    eligible_costs: Mapping[str, Decimal] | None = None,
) -> tuple[Verdict, ...]:
    """One verdict per consortium rule; `aid_by_partner` is needed for the labs' aid share.

    `eligible_costs` (partner id -> eligible cost) saves recomputing them when already known.
    """
    rules = ruleset.consortium
    partners = sorted(project.partners, key=lambda p: p.id)
    cost = (
        eligible_costs if eligible_costs is not None else {p.id: p.eligible_cost for p in partners}
    )
    prof = {p.id: (profiles or {}).get(p.id) or declared_profile(p) for p in partners}
    ref = ruleset.reference
    out: list[Verdict] = []

    def verdict(rule: str, ok: bool, code: str, params: Params, justify: bool = False) -> None:
        if ok:
            status = VerdictStatus.PASSED
        elif justify or rule in rules.advisory:
            status = VerdictStatus.NEEDS_JUSTIFICATION
        else:
            status = VerdictStatus.FAILED
        path = "consortium.budget_min" if rule == "budget" else f"consortium.{rule}"
        unconfirmed = ruleset.is_unconfirmed(path) or (
            rule == "budget" and ruleset.is_unconfirmed("consortium.budget_max")
        )
        out.append(Verdict(rule, status, code, params, ref, unconfirmed))

    def not_applicable(rule: str) -> None:
        key = (rule, ref)
        v = _NOT_APPLICABLE.get(key)
        if v is None:
            if len(_NOT_APPLICABLE) > 4096:
                _NOT_APPLICABLE.clear()
            v = _NOT_APPLICABLE[key] = Verdict(
                rule, VerdictStatus.NOT_APPLICABLE, "eligibility.not_applicable", {}, ref
            )
        out.append(v)

    collaborators = [p for p in partners if not p.contract_research]
    companies = [p for p in collaborators if p.kind is PartnerKind.COMPANY]
    total_cost = sum((cost[p.id] for p in partners), ZERO)

    n = rules.min_independent_companies
    if n is None:
        not_applicable("min_independent_companies")
    else:
        count = len({p.group_id for p in companies})
        verdict(
            "min_independent_companies",
            count >= n,
            "eligibility.independent_companies",
            {"count": count, "required": n},
        )

    n = rules.min_research_organisations
    if n is None:
        not_applicable("min_research_organisations")
    else:
        count = sum(1 for p in collaborators if p.kind.is_academic)
        verdict(
            "min_research_organisations",
            count >= n,
            "eligibility.research_organisations",
            {"count": count, "required": n},
        )

    n = rules.min_sme_or_eti
    if n is None:
        not_applicable("min_sme_or_eti")
    else:
        count = sum(1 for p in companies if prof[p.id].is_sme_or_eti)
        verdict(
            "min_sme_or_eti", count >= n, "eligibility.sme_or_eti", {"count": count, "required": n}
        )

    if not rules.coordinator_must_be_company:
        not_applicable("coordinator_must_be_company")
    else:
        coordinators = [p for p in partners if p.coordinator]
        if not coordinators:
            verdict("coordinator_must_be_company", False, "eligibility.coordinator.missing", {})
        elif len(coordinators) > 1:
            verdict(
                "coordinator_must_be_company",
                False,
                "eligibility.coordinator.several",
                {"ids": ", ".join(p.id for p in coordinators)},
            )
        elif coordinators[0].kind is not PartnerKind.COMPANY:
            verdict(
                "coordinator_must_be_company",
                False,
                "eligibility.coordinator.not_company",
                {"id": coordinators[0].id},
            )
        else:
            verdict(
                "coordinator_must_be_company",
                True,
                "eligibility.coordinator.company",
                {"id": coordinators[0].id},
            )

    limit = rules.max_partner_share
    if limit is None:
        not_applicable("max_partner_share")
    else:
        top = max(partners, key=lambda p: (cost[p.id], p.id), default=None)
        share = cost[top.id] / total_cost if top is not None and total_cost > 0 else ZERO
        verdict(
            "max_partner_share",
            share <= limit,
            "eligibility.partner_share",
            {
                "id": top.id if top else "",
                "share_pct": pct_against(share, limit),
                "limit_pct": pct(limit),
            },
        )

    limit = rules.lab_aid_share_justification
    if limit is None:
        not_applicable("lab_aid_share_justification")
    elif aid_by_partner is None:
        out.append(
            Verdict(
                "lab_aid_share_justification",
                VerdictStatus.NOT_APPLICABLE,
                "eligibility.not_evaluated",
                {},
                ref,
            )
        )
    else:
        total_aid = sum((aid_by_partner.get(p.id, ZERO) for p in partners), ZERO)
        labs = sum(
            (aid_by_partner.get(p.id, ZERO) for p in partners if p.kind.is_research_body), ZERO
        )
        share = labs / total_aid if total_aid > 0 else ZERO
        verdict(
            "lab_aid_share_justification",
            share <= limit,
            "eligibility.lab_aid_share",
            {"share_pct": pct_against(share, limit), "limit_pct": pct(limit)},
            justify=True,
        )

    lo, hi = rules.budget_min, rules.budget_max
    if lo is None and hi is None:
        not_applicable("budget")
    else:
        ok = (lo is None or total_cost >= lo) and (hi is None or total_cost <= hi)
        params: dict[str, Decimal | str | int] = {"total_eur": total_cost}
        if lo is not None:
            params["min_eur"] = lo
        if hi is not None:
            params["max_eur"] = hi
        code = (
            "eligibility.budget.window"
            if lo is not None and hi is not None
            else "eligibility.budget.min"
            if lo is not None
            else "eligibility.budget.max"
        )
        verdict("budget", ok, code, params)

    n = rules.max_partners
    if n is None:
        not_applicable("max_partners")
    else:
        verdict(
            "max_partners",
            len(partners) <= n,
            "eligibility.partners",
            {"count": len(partners), "max": n},
        )

    n = rules.max_aided_partners
    if n is None:
        not_applicable("max_aided_partners")
    else:
        count = sum(
            1
            for p in partners
            if p.requests_aid and (aid_by_partner is None or aid_by_partner.get(p.id, ZERO) > 0)
        )
        verdict(
            "max_aided_partners",
            count <= n,
            "eligibility.aided_partners",
            {"count": count, "max": n},
        )

    n = rules.min_accreditations
    if n is None:
        not_applicable("min_accreditations")
    else:
        count = len(project.accreditations)
        verdict(
            "min_accreditations",
            count >= n,
            "eligibility.accreditations",
            {"count": count, "required": n},
        )

    if not rules.lead_cluster_first:
        not_applicable("lead_cluster_first")
    elif not project.accreditations:
        verdict("lead_cluster_first", False, "eligibility.lead_cluster.none", {})
    elif project.lead_cluster is not None and project.accreditations[0] != project.lead_cluster:
        verdict(
            "lead_cluster_first",
            False,
            "eligibility.lead_cluster.not_first",
            {"lead": project.lead_cluster, "first": project.accreditations[0]},
        )
    else:
        verdict(
            "lead_cluster_first",
            True,
            "eligibility.lead_cluster.first",
            {"lead": project.accreditations[0]},
        )

    n = rules.min_paris_partners
    if n is None:
        not_applicable("min_paris_partners")
    else:
        count = sum(1 for p in partners if p.in_paris)
        verdict(
            "min_paris_partners",
            count >= n,
            "eligibility.paris_partners",
            {"count": count, "required": n},
        )

    limit = rules.min_cost_share_in_cluster_territory
    if limit is None:
        not_applicable("min_cost_share_in_cluster_territory")
    else:
        inside = sum((cost[p.id] for p in partners if p.in_cluster_territory), ZERO)
        share = inside / total_cost if total_cost > 0 else ZERO
        verdict(
            "min_cost_share_in_cluster_territory",
            share >= limit,
            "eligibility.territory_share",
            {"share_pct": pct_against(share, limit), "min_pct": pct(limit)},
        )
    return tuple(out)
