"""Aid simulation for the interfaces (API, command, web page): input, rule set, output.

Thin glue around the pure engine: it builds `ProjectInput` from an inline description or a
stored project, picks the rule set (inline data, a ready-made code or a call), runs
`simulate` and turns the result into plain data (money as strings, sentences translated into
the active language).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext, gettext_noop

from grappe.core.domain.scope import Scope
from grappe.funding.domain.aid import SimulationResult, envelope_warnings, simulate
from grappe.funding.domain.common import ResearchCategory, pct
from grappe.funding.domain.inputs import CostLine, OtherAid, PartnerInput, ProjectInput
from grappe.funding.domain.rulesets import (
    READY_MADE,
    RuleSet,
    RuleSetError,
    ready_made,
    ruleset_from_dict,
)
from grappe.funding.explain import (
    format_param,
    legal_ref,
    render,
    render_explanation,
    ruleset_error_message,
)
from grappe.funding.models import Call
from grappe.funding.schemas import ProjectIn
from grappe.funding.selectors import AidInput, Note, call_get, call_ruleset
from grappe.registry.domain.sme import (
    Enterprise,
    EnterpriseFigures,
    Explanation,
    FrenchCategory,
    Holding,
    SizeClass,
    SmeInputError,
    SmeResult,
    assess_smes,
)

UNCONFIRMED_NOTICE = gettext_noop(
    "The rules of %(funder)s are unconfirmed: the parameters marked as such are to be checked."
)
NOTE_SIZE_OVERRIDDEN = gettext_noop(
    "Size set in the what-if form: %(size)s (any assessment is set aside)."
)
UNCONFIRMED_USED_NOTICE = gettext_noop(
    "Some parameters used in this simulation are unconfirmed: they are marked and to be checked."
)


class SimulationInputError(ValueError):
    """Bad simulation input: `loc` is the path of the offending field, `rule` what it broke."""

    def __init__(self, loc: Sequence[str | int], message: str, rule: str) -> None:
        self.loc = list(loc)
        self.message = message
        self.rule = rule
        super().__init__(message)


# --------------------------------------------------------------------------- bounded work


@dataclasses.dataclass(frozen=True)
class SimulationLimits:
    """The most work one simulation may ask for (settings `AID_SIMULATION_MAX_*`).

    The engine's time grows with the cost lines (each explained), the other funders' aid lines
    (each cumulated per category and checked for double funding against the lines it names)
    and the SME assessment (figures, enterprises, holdings). `benchmarks/bench_aid_limits.py`
    prints the CPU time of the largest simulation these limits accept.
    """

    cost_lines: int = 1000  # over all partners (partners x cost lines)
    other_aid: int = 200  # over all partners (partners x other funders)
    items: int = 4000  # every list item of the input, the lines' ids named by other aid included

    @classmethod
    def from_settings(cls) -> SimulationLimits:
        return cls(
            cost_lines=settings.AID_SIMULATION_MAX_COST_LINES,
            other_aid=settings.AID_SIMULATION_MAX_OTHER_AID,
            items=settings.AID_SIMULATION_MAX_ITEMS,
        )


def _count_inline(payload: ProjectIn) -> dict[str, int]:
    cost_lines = sum(len(p.costs) for p in payload.partners)
    other = [o for p in payload.partners for o in p.other_aid]
    items = (
        len(payload.partners)
        + cost_lines
        + len(other)
        + sum(len(o.cost_line_ids) for o in other)
        + sum(len(p.figures) for p in payload.partners)
        + len(payload.enterprises)
        + sum(len(e.figures) for e in payload.enterprises)
        + len(payload.ownership)
        + len(payload.accreditations)
    )
    return {"cost_lines": cost_lines, "other_aid": len(other), "items": items}


def _count_project(project: ProjectInput) -> dict[str, int]:
    cost_lines = sum(len(p.costs) for p in project.partners)
    other = [o for p in project.partners for o in p.other_aid]
    items = (
        len(project.partners)
        + cost_lines
        + len(other)
        + sum(len(o.cost_line_ids) for o in other)
        + len(project.accreditations)
    )
    return {"cost_lines": cost_lines, "other_aid": len(other), "items": items}


LIMIT_MESSAGES = {
    "cost_lines": gettext_noop(
        "The simulation has %(value)s cost lines over all partners, more than the limit of "
        "%(limit)s."
    ),
    "other_aid": gettext_noop(
        "The simulation has %(value)s aid lines from other funders over all partners, more "
        "than the limit of %(limit)s."
    ),
    "items": gettext_noop(
        "The simulation has %(value)s list items in all (partners, cost lines, other aid and "
        "the cost lines it names, figures, enterprises, holdings, accreditations), more than "
        "the limit of %(limit)s."
    ),
}


def _check(counts: Mapping[str, int], loc: Sequence[str | int], limits: SimulationLimits) -> None:
    for name, value in counts.items():
        limit = getattr(limits, name)
        if value > limit:
            raise SimulationInputError(
                loc,
                gettext(LIMIT_MESSAGES[name])
                % {
                    "value": number_format(value, force_grouping=True),
                    "limit": number_format(limit, force_grouping=True),
                },
                f"limit.{name}",
            )


def check_inline_size(payload: ProjectIn, limits: SimulationLimits | None = None) -> None:
    """Refuse an inline project that asks for more work than the limits, before any is done."""
    _check(_count_inline(payload), ["project"], limits or SimulationLimits.from_settings())


def check_project_size(
    project: ProjectInput,
    loc: Sequence[str | int] = ("project_id",),
    limits: SimulationLimits | None = None,
) -> None:
    """The same limits for a stored project (imported ones can be large)."""
    _check(_count_project(project), loc, limits or SimulationLimits.from_settings())


# --------------------------------------------------------------------------- rule sets


def resolve_ruleset(
    *,
    scope: Scope,
    ruleset: Mapping[str, Any] | None = None,
    ruleset_code: str | None = None,
    call: str | None = None,
) -> tuple[RuleSet, Call | None]:
    """The rule set to apply; raises `SimulationInputError` or `Call.DoesNotExist`."""
    if ruleset is not None:
        try:
            return ruleset_from_dict(ruleset), None
        except RuleSetError as exc:
            loc: list[str | int] = ["ruleset", *exc.field.split(".")]
            raise SimulationInputError(
                loc, ruleset_error_message(exc), f"ruleset.{exc.rule}"
            ) from None
    if ruleset_code is not None:
        if ruleset_code not in READY_MADE:
            raise SimulationInputError(
                ["ruleset_code"],
                gettext("Unknown ready-made rule set: %(code)s (known: %(known)s).")
                % {"code": ruleset_code, "known": ", ".join(sorted(READY_MADE))},
                "unknown_ruleset",
            )
        return ready_made(ruleset_code), None
    assert call is not None
    found = call_get(scope=scope, slug=call)
    try:
        return call_ruleset(found), found
    except RuleSetError as exc:
        # Stored before a change of the engine's rules: say so rather than fail.
        raise SimulationInputError(
            ["call"],
            gettext("The rule set of call %(call)s is no longer valid: %(error)s")
            % {"call": found.slug, "error": ruleset_error_message(exc)},
            f"ruleset.{exc.rule}",
        ) from None


# --------------------------------------------------------------------------- inline projects


def _figures(rows: Iterable[Any]) -> tuple[EnterpriseFigures, ...]:
    return tuple(EnterpriseFigures(f.year, f.staff_awu, f.turnover, f.balance_sheet) for f in rows)


def inline_aid_input(payload: ProjectIn) -> AidInput:
    """The engine's input for a project described inline (API body or command file); raises
    `SimulationInputError` for one beyond the limits (`check_inline_size`)."""
    check_inline_size(payload)
    enterprises: dict[str, Enterprise] = {}
    for e in payload.enterprises:
        enterprises[e.id] = Enterprise(e.id, _figures(e.figures), e.founded_on, e.is_jei)
    for p in payload.partners:
        if p.figures or p.founded_on or p.is_jei:
            enterprises[p.id] = Enterprise(p.id, _figures(p.figures), p.founded_on, p.is_jei)
    holdings: list[Holding] = []
    for i, h in enumerate(payload.ownership):
        try:
            holdings.append(
                Holding(
                    h.holder,
                    h.held,
                    h.capital_share,
                    h.voting_share if h.voting_share is not None else h.capital_share,
                    h.holder_kind,
                    h.dominant_influence,
                    h.angel_total_investment,
                    h.authority_budget,
                    h.authority_inhabitants,
                )
            )
        except ValueError as exc:
            raise SimulationInputError(
                ["project", "ownership", i], str(exc), "value_error"
            ) from None
    sizes: dict[str, SmeResult] = {}
    for i, p in enumerate(payload.partners):
        if not p.figures:
            continue
        try:
            sizes.update(assess_smes([p.id], enterprises, holdings))
        except SmeInputError as exc:
            raise SimulationInputError(
                ["project", "partners", i, "figures"], str(exc), "value_error"
            ) from None
    partners: list[PartnerInput] = []
    for i, p in enumerate(payload.partners):
        try:
            partners.append(
                PartnerInput(
                    id=p.id,
                    kind=p.kind,
                    costs=tuple(CostLine(c.category, c.research, c.amount, c.id) for c in p.costs),
                    size=p.size or SizeClass.LARGE,
                    french_category=p.french_category,
                    is_startup=bool(p.is_startup) if p.is_startup is not None else p.is_jei,
                    coordinator=p.coordinator,
                    group=p.group,
                    country=p.country,
                    in_cluster_territory=p.in_cluster_territory,
                    in_paris=p.in_paris,
                    right_to_publish=p.right_to_publish,
                    contract_research=p.contract_research,
                    wide_dissemination=p.wide_dissemination,
                    economic_activity=p.economic_activity,
                    ro_basis=p.ro_basis,
                    requests_aid=p.requests_aid,
                    other_aid=tuple(
                        OtherAid(
                            o.funder, o.category, o.amount, o.research, frozenset(o.cost_line_ids)
                        )
                        for o in p.other_aid
                    ),
                )
            )
        except (TypeError, ValueError) as exc:
            raise SimulationInputError(
                ["project", "partners", i], str(exc), "value_error"
            ) from None
    project = ProjectInput(
        id=payload.id,
        partners=tuple(partners),
        accreditations=tuple(payload.accreditations),
        lead_cluster=payload.lead_cluster,
        wide_dissemination=payload.wide_dissemination,
        as_of=payload.as_of,
    )
    names = {p.id: p.name for p in payload.partners if p.name}
    return AidInput(project, sizes, names)


# --------------------------------------------------------------------------- what if


def apply_what_if(
    aid_input: AidInput,
    *,
    sizes: Mapping[str, SizeClass] | None = None,
    amounts: Mapping[str, Decimal] | None = None,
    research: Mapping[str, ResearchCategory] | None = None,
) -> AidInput:
    """The same input with a partner's size, a cost line's amount or research category changed.

    A changed size replaces the assessed one; the rest of the assessment (age, owners) stays, so
    the call's start-up definition is checked again against the size now applied.
    """
    sizes = sizes or {}
    amounts = amounts or {}
    research = research or {}
    partners = []
    notes = dict(aid_input.notes)
    for p in aid_input.project.partners:
        costs = tuple(
            dataclasses.replace(
                c,
                amount=amounts.get(c.id, c.amount),
                research=research.get(c.id, c.research),
            )
            for c in p.costs
        )
        size = sizes.get(p.id)
        if size is not None:
            if size.is_sme:
                french: FrenchCategory | None = FrenchCategory.PME
            elif p.french_category in (FrenchCategory.ETI, FrenchCategory.GE):
                french = p.french_category
            else:
                french = FrenchCategory.GE
            p = dataclasses.replace(p, size=size, french_category=french)
            notes[p.id] = (*notes.get(p.id, ()), Note(NOTE_SIZE_OVERRIDDEN, {"size": size.value}))
        partners.append(dataclasses.replace(p, costs=costs))
    assessed = dict(aid_input.sizes)
    for p in partners:
        if p.id in sizes and p.id in assessed:
            assessed[p.id] = dataclasses.replace(
                assessed[p.id], size=p.size, french_category=p.french_category or FrenchCategory.GE
            )
    project = dataclasses.replace(aid_input.project, partners=tuple(partners))
    return dataclasses.replace(aid_input, project=project, sizes=assessed, notes=notes)


# --------------------------------------------------------------------------- output


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _pct(value: Decimal) -> str:
    return f"{pct(value):f}"


def _raw(value: object) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _step(e: Explanation, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "code": e.code,
        "sentence": render_explanation(e, names),
        "legal_ref": legal_ref(e.legal_ref),
        "unconfirmed": e.unconfirmed,
        "params": {k: _raw(v) for k, v in e.params.items()},
    }


def _note(n: Note) -> str:
    values = {k: format_param(k, v) for k, v in n.params.items()}
    return gettext(n.template) % values


def run_simulation(aid_input: AidInput, ruleset: RuleSet) -> SimulationResult:
    return simulate(aid_input.project, ruleset, aid_input.sizes)


def simulation_to_dict(
    result: SimulationResult,
    aid_input: AidInput,
    ruleset: RuleSet,
    call: Call | None = None,
) -> dict[str, Any]:
    """The result as plain data in the active language (the API's `SimulationOut`)."""
    names = aid_input.names
    steps = [_step(e, names) for e in result.steps]
    verdicts = [
        {
            "rule": v.rule,
            "status": v.status.value,
            "code": v.code,
            "sentence": render(v.code, v.params, names),
            "legal_ref": legal_ref(v.legal_ref),
            "unconfirmed": v.unconfirmed,
            "params": {k: _raw(x) for k, x in v.params.items()},
        }
        for v in result.verdicts
    ]
    used_unconfirmed = any(e.unconfirmed for e in result.explanations()) or any(
        v.unconfirmed and v.status.value != "not_applicable" for v in result.verdicts
    )
    partners = []
    for p in result.partners:
        partners.append(
            {
                "id": p.partner_id,
                "name": names.get(p.partner_id, p.partner_id),
                "organisation_id": aid_input.organisation_ids.get(p.partner_id),
                "kind": p.kind.value,
                "undertaking": p.undertaking,
                "size": p.size.value,
                "french_category": p.french_category.value if p.french_category else None,
                "is_startup": p.is_startup,
                "eligible_cost": _money(p.eligible_cost),
                "max_aid": _money(p.max_aid),
                "average_intensity_pct": _pct(p.average_intensity),
                "lines": [
                    {
                        "id": line.line_id,
                        "category": line.category.value,
                        "research": line.research.value,
                        "eligible_cost": _money(line.eligible_cost),
                        "intensity_pct": _pct(line.intensity),
                        "gber_cap_pct": None if line.gber_cap is None else _pct(line.gber_cap),
                        "max_aid": _money(line.max_aid),
                        "steps": [_step(e, names) for e in line.steps],
                    }
                    for line in p.lines
                ],
                "categories": [
                    {
                        "category": c.category.value,
                        "eligible_cost": _money(c.eligible_cost),
                        "gber_max_aid": None if c.gber_max_aid is None else _money(c.gber_max_aid),
                        "other_aid": _money(c.other_aid),
                        "scheme_aid": _money(c.scheme_aid),
                        "max_aid": _money(c.max_aid),
                        "steps": [_step(e, names) for e in c.steps],
                    }
                    for c in p.categories
                ],
                "steps": [_step(e, names) for e in p.steps],
                "warnings": [_step(e, names) for e in p.warnings],
                "notes": [_note(n) for n in aid_input.notes.get(p.partner_id, ())],
            }
        )
    notice = None
    # The call's funder has a name in both languages; a bare rule set its translated label.
    funder = call.funder.name if call is not None else gettext(ruleset.funder)
    if ruleset.unconfirmed:
        notice = gettext(UNCONFIRMED_NOTICE) % {"funder": funder}
    elif used_unconfirmed:
        notice = gettext(UNCONFIRMED_USED_NOTICE)
    return {
        "project_id": result.project_id,
        "language": (get_language() or "en")[:2],
        "ruleset": {
            "code": ruleset.code,
            "title": gettext(ruleset.title) if ruleset.title else "",
            "version": ruleset.version,
            "funder": funder,
            "reference": legal_ref(ruleset.reference),
            "gber_version": ruleset.gber.version,
            "unconfirmed": list(ruleset.unconfirmed),
            "gber_unconfirmed": list(ruleset.gber.unconfirmed),
        },
        "call": None
        if call is None
        else {
            "slug": call.slug,
            "title": call.title,
            "funder": call.funder.name,
            "status": call.status.value,
        },
        "total_eligible_cost": _money(result.total_eligible_cost),
        "total_max_aid": _money(result.total_max_aid),
        "uses_unconfirmed_parameters": used_unconfirmed,
        "unconfirmed_notice": notice,
        "partners": partners,
        "collaboration": {
            "basis": None
            if result.collaboration.basis is None
            else result.collaboration.basis.value,
            "steps": [_step(e, names) for e in result.collaboration.steps],
        },
        "verdicts": verdicts,
        "steps": steps,
        "warnings": [
            _step(e, names)
            for e in (
                *envelope_warnings(result.total_max_aid, call.envelope if call else None),
                *result.warnings,
            )
        ],
    }
