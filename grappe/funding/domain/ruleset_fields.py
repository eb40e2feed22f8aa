"""The rule-set editor's specification: every editable value of a call's rule set, by its path.

A programme officer edits a rule set in a form, not as JSON. `FIELDS` lists each editable value
by its dotted path in the rule-set data (`ruleset_to_dict`), with its kind (a percentage shown
as 45 for "0.45", an amount in EUR, a whole number, a flag, a choice, a list of codes), its
section of the form, and whether it may be marked unconfirmed ([U]); `GROUPS` the parts that
may be marked unconfirmed as a whole ("company_rates", "consortium"…).

`to_form(data)` gives the form's values; `from_form(values, base)` builds the rule-set data
back on top of `base` (the values the form does not edit — code, title, references, validity —
are kept). Every ready-made set goes round exactly: `from_form(to_form(d), d) == d`. Validation
stays with `ruleset_from_dict`, whose errors name the path (`field_name` maps it to the form).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from grappe.core.domain.i18n import gettext_noop
from grappe.funding.domain.rulesets import CONSORTIUM_RULES, GBER_TEXTS

HUNDRED = Decimal(100)
MARK_PREFIX = "u__"


class Kind(StrEnum):
    PERCENT = "percent"
    EUR = "eur"
    INTEGER = "integer"
    FLAG = "flag"
    CHOICE = "choice"
    CODES = "codes"


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str


SECTIONS = (
    Section("general", gettext_noop("Legal basis")),
    Section("company_rates", gettext_noop("Call rates for companies")),
    Section("company_rates_labelled", gettext_noop("Rates in a labelled project (optional)")),
    Section(
        "company_rates_outside_territory",
        gettext_noop("Rates outside the cluster's territory (optional)"),
    ),
    Section("startup", gettext_noop("Start-ups")),
    Section("research_organisations", gettext_noop("Research organisations")),
    Section("caps", gettext_noop("Caps and cost base")),
    Section("consortium", gettext_noop("Who may apply")),
)


@dataclass(frozen=True, slots=True)
class Field:
    path: str
    kind: Kind
    section: str
    label: str
    required: bool = False
    unconfirmable: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int = 0

    @property
    def name(self) -> str:
        return field_name(self.path)


@dataclass(frozen=True, slots=True)
class Group:
    """A part of the rule set that may be marked unconfirmed as a whole; `optional` parts are
    left out (None) when every one of their `presence` values is blank."""

    path: str
    section: str
    label: str
    optional: bool = False
    presence: tuple[str, ...] = ()


def field_name(path: str) -> str:
    """The form field of a path: "company_rates.small" -> "company_rates__small"."""
    return path.replace(".", "__")


def mark_name(path: str) -> str:
    return MARK_PREFIX + field_name(path)


# The start-up definition's part (its paths are written f"{_STARTUP}.…": not message codes).
_STARTUP = "startup"

_SIZES = (
    ("micro", gettext_noop("Micro-enterprise (%)")),
    ("small", gettext_noop("Small enterprise (%)")),
    ("medium", gettext_noop("Medium-sized enterprise (%)")),
    ("eti", gettext_noop("ETI (%)")),
    ("large", gettext_noop("Large company (%)")),
)


def _table(key: str, required: bool) -> list[Field]:
    return [
        Field(f"{key}.{size}", Kind.PERCENT, key, label, required=required and size != "micro")
        for size, label in _SIZES
    ]


_CONSORTIUM_LABELS = {
    "min_independent_companies": gettext_noop("Minimum independent companies"),
    "min_research_organisations": gettext_noop("Minimum research or training organisations"),
    "min_sme_or_eti": gettext_noop("Minimum SMEs or ETIs"),
    "coordinator_must_be_company": gettext_noop("The coordinator must be a company"),
    "max_partners": gettext_noop("Maximum partners"),
    "max_aided_partners": gettext_noop("Maximum partners requesting aid"),
    "min_accreditations": gettext_noop("Minimum cluster accreditations"),
    "lead_cluster_first": gettext_noop("The lead cluster is listed first"),
    "min_paris_partners": gettext_noop("Minimum partners located in Paris"),
    "budget_min": gettext_noop("Minimum project budget (EUR)"),
    "budget_max": gettext_noop("Maximum project budget (EUR)"),
    "max_partner_share": gettext_noop("Largest share of the costs one partner may bear (%)"),
    "min_cost_share_in_cluster_territory": gettext_noop(
        "Minimum share of the costs in the clusters' territories (%)"
    ),
    "lab_aid_share_justification": gettext_noop(
        "Research organisations' share of the aid above which it is justified (%)"
    ),
}
_CONSORTIUM_KINDS = {
    "coordinator_must_be_company": Kind.FLAG,
    "lead_cluster_first": Kind.FLAG,
    "budget_min": Kind.EUR,
    "budget_max": Kind.EUR,
    "max_partner_share": Kind.PERCENT,
    "min_cost_share_in_cluster_territory": Kind.PERCENT,
    "lab_aid_share_justification": Kind.PERCENT,
}

FIELDS: tuple[Field, ...] = (
    Field(
        "gber",
        Kind.CHOICE,
        "general",
        gettext_noop("GBER text"),
        required=True,
        unconfirmable=False,
        choices=tuple((v, v) for v in sorted(GBER_TEXTS)),
    ),
    *_table("company_rates", required=True),
    *_table("company_rates_labelled", required=False),
    *_table("company_rates_outside_territory", required=False),
    Field("startup_bonus", Kind.PERCENT, "startup", gettext_noop("Start-up bonus (points)")),
    Field(
        "startup_bonus_requires_paris",
        Kind.FLAG,
        "startup",
        gettext_noop("The start-up bonus requires a start-up located in Paris"),
    ),
    Field(
        f"{_STARTUP}.max_age_years",
        Kind.INTEGER,
        "startup",
        gettext_noop("A start-up is younger than (years)"),
        minimum=1,
    ),
    Field(
        f"{_STARTUP}.require_sme", Kind.FLAG, "startup", gettext_noop("A start-up must be an SME")
    ),
    Field(
        f"{_STARTUP}.max_older_company_share",
        Kind.PERCENT,
        "startup",
        gettext_noop("Largest share held by older companies (%)"),
    ),
    Field(
        f"{_STARTUP}.older_company_min_age_years",
        Kind.INTEGER,
        "startup",
        gettext_noop("An older company is at least (years)"),
    ),
    Field(
        f"{_STARTUP}.jei_is_startup",
        Kind.FLAG,
        "startup",
        gettext_noop("A young innovative company (JEI) is a start-up"),
    ),
    Field(
        "research_organisations.full_cost_rate",
        Kind.PERCENT,
        "research_organisations",
        gettext_noop("Rate on full cost (%)"),
    ),
    Field(
        "research_organisations.marginal_cost_rate",
        Kind.PERCENT,
        "research_organisations",
        gettext_noop("Rate on marginal cost (%)"),
    ),
    Field(
        "research_organisations.default_basis",
        Kind.CHOICE,
        "research_organisations",
        gettext_noop("Basis used when the partner states none"),
        choices=(
            ("full_cost", gettext_noop("Full cost")),
            ("marginal_cost", gettext_noop("Marginal cost")),
        ),
    ),
    Field("max_aid_per_partner", Kind.EUR, "caps", gettext_noop("Maximum aid per partner (EUR)")),
    Field("max_aid_per_project", Kind.EUR, "caps", gettext_noop("Maximum aid per project (EUR)")),
    Field(
        "exclusive_cost_base",
        Kind.FLAG,
        "caps",
        gettext_noop("The costs may not be funded by other public money"),
    ),
    *(
        Field(
            f"consortium.{rule}",
            _CONSORTIUM_KINDS.get(rule, Kind.INTEGER),
            "consortium",
            label,
            minimum=1 if rule.startswith("max") else 0,
        )
        for rule, label in _CONSORTIUM_LABELS.items()
    ),
    Field(
        "consortium.advisory",
        Kind.CODES,
        "consortium",
        gettext_noop("Rules that are only recommendations"),
        unconfirmable=False,
        choices=tuple((rule, _CONSORTIUM_LABELS[rule]) for rule in sorted(CONSORTIUM_RULES)),
    ),
)

GROUPS: tuple[Group, ...] = (
    Group("company_rates", "company_rates", gettext_noop("All the call rates")),
    Group(
        "company_rates_labelled",
        "company_rates_labelled",
        gettext_noop("All the rates in a labelled project"),
        optional=True,
        presence=tuple(f"company_rates_labelled.{s}" for s, _label in _SIZES),
    ),
    Group(
        "company_rates_outside_territory",
        "company_rates_outside_territory",
        gettext_noop("All the rates outside the territory"),
        optional=True,
        presence=tuple(f"company_rates_outside_territory.{s}" for s, _label in _SIZES),
    ),
    Group("startup", "startup", gettext_noop("The start-up definition")),
    Group(
        "research_organisations",
        "research_organisations",
        gettext_noop("All the research organisations' rates"),
        optional=True,
        presence=(
            "research_organisations.full_cost_rate",
            "research_organisations.marginal_cost_rate",
        ),
    ),
    Group("consortium", "consortium", gettext_noop("All the consortium rules")),
)

BY_PATH = {f.path: f for f in FIELDS}
BY_NAME = {f.name: f for f in FIELDS}
MARKABLE = tuple(g.path for g in GROUPS) + tuple(f.path for f in FIELDS if f.unconfirmable)


def _get(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[last] = value


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _plain(d: Decimal) -> Decimal:
    """Without a trailing exponent: 100 stays 100, not 1E+2."""
    n = d.normalize()
    return n.quantize(Decimal(1)) if n == n.to_integral_value() else n


def to_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for rule-set data: percentages as 45 for "0.45", amounts as Decimal,
    flags as booleans, lists as lists; each mark `u__<name>` True when the path is listed as
    unconfirmed (exactly that path: a group's mark stands for the group)."""
    values: dict[str, Any] = {}
    for f in FIELDS:
        raw = _get(data, f.path)
        if f.kind is Kind.PERCENT:
            d = _number(raw)
            values[f.name] = None if d is None else _plain(d * HUNDRED)
        elif f.kind is Kind.EUR:
            d = _number(raw)
            values[f.name] = None if d is None else _plain(d)
        elif f.kind is Kind.INTEGER:
            values[f.name] = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        elif f.kind is Kind.FLAG:
            values[f.name] = bool(raw)
        elif f.kind is Kind.CODES:
            values[f.name] = list(raw) if isinstance(raw, list | tuple) else []
        else:
            values[f.name] = "" if raw is None else str(raw)
    listed = set(data.get("unconfirmed") or ())
    for path in MARKABLE:
        values[mark_name(path)] = path in listed
    return values


def _stored(f: Field, value: Any, before: Any) -> Any:
    """The stored form of a form value; the value as stored before when it is the same number
    (so "1.00" stays "1.00" and an unchanged form changes nothing)."""
    if f.kind in (Kind.PERCENT, Kind.EUR):
        d = _number(value)
        if d is None:
            return None
        if f.kind is Kind.PERCENT:
            d = d / HUNDRED
        old = _number(before)
        if old is not None and old == d and isinstance(before, str):
            return before
        return str(_plain(d))
    if f.kind is Kind.INTEGER:
        return None if value in (None, "") else int(value)
    if f.kind is Kind.FLAG:
        return bool(value)
    if f.kind is Kind.CODES:
        return sorted(value or [])
    return value or None


def from_form(values: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    """The rule-set data with the form's values on top of `base` (what the form does not edit
    is kept as is), ready for `ruleset_from_dict`."""
    out: dict[str, Any] = copy.deepcopy(dict(base))
    for f in FIELDS:
        if f.name in values:
            _set(out, f.path, _stored(f, values[f.name], _get(base, f.path)))
    absent: list[str] = []
    for g in GROUPS:
        if g.optional and all(_get(out, p) is None for p in g.presence):
            out[g.path] = None
            absent.append(g.path)
    managed = set(MARKABLE)
    kept = [u for u in (base.get("unconfirmed") or ()) if u not in managed]
    marked = [
        p
        for p in MARKABLE
        if values.get(mark_name(p)) and not any(p.startswith(a + ".") for a in absent)
    ]
    out["unconfirmed"] = sorted(set(kept) | set(marked))
    return out


def sections() -> list[tuple[Section, list[Group], list[Field]]]:
    """Each section of the form with its groups' marks and its fields, in order."""
    return [
        (s, [g for g in GROUPS if g.section == s.key], [f for f in FIELDS if f.section == s.key])
        for s in SECTIONS
    ]


def path_for_error(path: str) -> str | None:
    """The form field a rule-set error's path names (itself, or the nearest parent that is a
    field); None when the error is about the whole set."""
    parts = path.split(".")
    while parts:
        name = field_name(".".join(parts))
        if name in BY_NAME:
            return name
        parts.pop()
    return None


def field_labels() -> Sequence[tuple[str, str]]:
    return [(f.name, f.label) for f in FIELDS]
