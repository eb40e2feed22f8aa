"""Call rule sets and GBER texts as data, validated into frozen dataclasses.

A rule set is a plain dict (stored per call, edited in the back office) that
`ruleset_from_dict` turns into a `RuleSet` or refuses with a `RuleSetError` naming the field and
the rule broken. Numbers cite FUNDING-RULES.md master-table rows; every value that is [U] there
is listed in the data's `unconfirmed` paths so the interface can show it as such.

Rates are fractions given as strings ("0.45"); amounts are EUR strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TypeVar

from grappe.core.domain.i18n import gettext_noop
from grappe.funding.domain.common import ZERO, ResearchCategory, RoBasis
from grappe.registry.domain.sme import FrenchCategory, SizeClass, StartupParameters

T = TypeVar("T")


class RuleSetError(ValueError):
    """A rule set or GBER text was refused: `field` is the dotted path, `rule` what it broke.

    `code` and `params` let the interface show a translated message (see messages.MESSAGES).
    """

    def __init__(self, field: str, rule: str, detail: str) -> None:
        self.field = field
        self.rule = rule
        self.code = f"ruleset.error.{rule}"
        self.params: dict[str, str] = {"field": field, "detail": detail}
        super().__init__(f"{field}: {detail} [{rule}]")


# --- Dataclasses ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ByResearch:
    """One value per GBER research category."""

    fundamental: Decimal
    industrial: Decimal
    experimental: Decimal
    feasibility: Decimal

    def get(self, category: ResearchCategory) -> Decimal:
        if category is ResearchCategory.FUNDAMENTAL:
            return self.fundamental
        if category is ResearchCategory.INDUSTRIAL:
            return self.industrial
        if category is ResearchCategory.EXPERIMENTAL:
            return self.experimental
        return self.feasibility


@dataclass(frozen=True, slots=True)
class GberRefs:
    base: str
    sme_bonus: str
    collaboration: str
    cap: str
    feasibility_sme_bonus: str
    notification: str
    effective_collaboration: str
    assisted_area_c: str
    joint_call: str


@dataclass(frozen=True, slots=True)
class GberText:
    """GBER Art. 25 (and Art. 4(1)(i) thresholds) in one version of the Regulation."""

    version: str
    title: str
    base: ByResearch
    sme_bonus_medium: Decimal
    sme_bonus_small: Decimal
    sme_bonus_categories: frozenset[ResearchCategory]
    collaboration_bonus: Decimal
    collaboration_bonus_categories: frozenset[ResearchCategory]
    max_intensity: Decimal
    max_single_undertaking_share: Decimal
    min_ro_share: Decimal
    notification_thresholds: ByResearch
    predominance_share: Decimal
    # 2023 text, unconfirmed [U] (FUNDING-RULES §1.2): extra (b) items, (c) and (d).
    bonus_b_licensing: bool
    bonus_b_assisted_area_a: bool
    bonus_c_assisted_area_c: Decimal | None
    bonus_d_joint_call: Decimal | None
    refs: GberRefs
    unconfirmed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RateTable:
    """Scheme rates by size; micro falls back to small, ETI is the French category."""

    small: Decimal
    medium: Decimal
    eti: Decimal
    large: Decimal
    micro: Decimal | None = None

    def rate(self, size: SizeClass, french: FrenchCategory | None) -> Decimal:
        if size is SizeClass.MICRO:
            return self.small if self.micro is None else self.micro
        if size is SizeClass.SMALL:
            return self.small
        if size is SizeClass.MEDIUM:
            return self.medium
        return self.eti if french is FrenchCategory.ETI else self.large


@dataclass(frozen=True, slots=True)
class ResearchOrganisationRule:
    """Non-economic research organisations: funded outside the GBER (Framework 2022 §2.1)."""

    full_cost_rate: Decimal | None
    marginal_cost_rate: Decimal | None
    default_basis: RoBasis

    def rate(self, basis: RoBasis) -> Decimal | None:
        return self.full_cost_rate if basis is RoBasis.FULL_COST else self.marginal_cost_rate


@dataclass(frozen=True, slots=True)
class ConsortiumRules:
    """Each rule is off when None (or False); `advisory` rules give NEEDS_JUSTIFICATION."""

    min_independent_companies: int | None = None
    min_research_organisations: int | None = None
    min_sme_or_eti: int | None = None
    coordinator_must_be_company: bool = False
    max_partner_share: Decimal | None = None
    lab_aid_share_justification: Decimal | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    max_partners: int | None = None
    max_aided_partners: int | None = None
    min_accreditations: int | None = None
    lead_cluster_first: bool = False
    min_paris_partners: int | None = None
    min_cost_share_in_cluster_territory: Decimal | None = None
    advisory: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RuleSet:
    code: str
    title: str
    version: int
    funder: str
    reference: str
    gber: GberText
    valid_from: date | None
    valid_until: date | None
    company_rates: RateTable
    company_rates_labelled: RateTable | None
    company_rates_outside_territory: RateTable | None
    startup_bonus: Decimal
    startup_bonus_requires_paris: bool
    startup: StartupParameters
    research_organisations: ResearchOrganisationRule | None
    max_aid_per_partner: Decimal | None
    max_aid_per_project: Decimal | None
    exclusive_cost_base: bool
    consortium: ConsortiumRules
    unconfirmed: tuple[str, ...]
    notes: str = ""

    def is_unconfirmed(self, path: str) -> bool:
        """True when `path` or one of its parents is marked unconfirmed."""
        if not self.unconfirmed:
            return False
        return any(path == u or path.startswith(u + ".") for u in self.unconfirmed)


# --- Validation -------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))  # JSON numbers: the shortest repr is the number that was typed
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return d if d.is_finite() else None


class _Reader:
    """Reads one dict level, recording used keys so unknown ones are refused."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise RuleSetError(path or "(root)", "type", "must be an object")
        self.data: Mapping[str, object] = data
        self.path = path
        self.used: set[str] = set()

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool) -> object:
        self.used.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                raise RuleSetError(self.field(key), "required", "is required")
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        v = self._get(key, required)
        if v is None:
            return default
        if not isinstance(v, str) or (required and not v.strip()):
            raise RuleSetError(self.field(key), "type", "must be a non-empty text")
        return v

    def number(self, key: str, required: bool = True) -> Decimal | None:
        v = self._get(key, required)
        if v is None:
            return None
        d = _decimal(v)
        if d is None:
            raise RuleSetError(self.field(key), "type", f"must be a number (got {v!r})")
        if d < ZERO:
            raise RuleSetError(self.field(key), "non_negative", f"must not be negative (got {d})")
        return d

    def rate(self, key: str, required: bool = True) -> Decimal | None:
        d = self.number(key, required)
        if d is not None and d > 1:
            raise RuleSetError(
                self.field(key), "rate_range", f"must be a fraction between 0 and 1 (got {d})"
            )
        return d

    def req_rate(self, key: str) -> Decimal:
        d = self.rate(key)
        assert d is not None
        return d

    def integer(self, key: str, required: bool = False, minimum: int = 0) -> int | None:
        v = self._get(key, required)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise RuleSetError(self.field(key), "integer", f"must be a whole number (got {v!r})")
        if v < minimum:
            raise RuleSetError(self.field(key), "non_negative", f"must be at least {minimum}")
        return v

    def flag(self, key: str, default: bool = False) -> bool:
        v = self._get(key, False)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise RuleSetError(self.field(key), "type", f"must be true or false (got {v!r})")
        return v

    def day(self, key: str) -> date | None:
        v = self._get(key, False)
        if v is None:
            return None
        if isinstance(v, date):
            return v
        if isinstance(v, str):
            try:
                return date.fromisoformat(v)
            except ValueError:
                pass
        raise RuleSetError(self.field(key), "date", f"must be a date YYYY-MM-DD (got {v!r})")

    def strings(self, key: str) -> tuple[str, ...]:
        v = self._get(key, False)
        if v is None:
            return ()
        if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
            raise RuleSetError(self.field(key), "type", "must be a list of texts")
        return tuple(v)

    def choice(self, key: str, enum: Callable[[str], T], required: bool = True) -> T | None:
        v = self._get(key, required)
        if v is None:
            return None
        try:
            return enum(v)  # type: ignore[arg-type]
        except ValueError:
            raise RuleSetError(self.field(key), "unknown_value", f"unknown value {v!r}") from None

    def sub(self, key: str, required: bool = False) -> _Reader | None:
        v = self._get(key, required)
        return None if v is None else _Reader(v, self.field(key))

    def done(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise RuleSetError(self.field(str(key)), "unknown_key", "is not a known rule")


def _paths(data: Mapping[str, object], prefix: str = "") -> Iterator[str]:
    for k, v in data.items():
        p = f"{prefix}.{k}" if prefix else str(k)
        yield p
        if isinstance(v, Mapping):
            yield from _paths(v, p)
        elif isinstance(v, list):  # a list of codes: each member can be flagged on its own
            yield from (f"{p}.{item}" for item in v if isinstance(item, str))


def _check_unconfirmed(r: _Reader, data: Mapping[str, object]) -> tuple[str, ...]:
    listed = r.strings("unconfirmed")
    known = set(_paths(data))
    for u in listed:
        if u not in known or u == "unconfirmed":
            raise RuleSetError(
                r.field("unconfirmed"), "unknown_path", f"{u!r} does not name a rule of this set"
            )
    return tuple(sorted(set(listed)))


def _by_research(r: _Reader, key: str) -> ByResearch:
    s = r.sub(key, required=True)
    assert s is not None
    out = ByResearch(
        fundamental=_req(s.number("fundamental")),
        industrial=_req(s.number("industrial")),
        experimental=_req(s.number("experimental")),
        feasibility=_req(s.number("feasibility")),
    )
    s.done()
    return out


def _by_research_rates(r: _Reader, key: str) -> ByResearch:
    s = r.sub(key, required=True)
    assert s is not None
    out = ByResearch(
        fundamental=s.req_rate("fundamental"),
        industrial=s.req_rate("industrial"),
        experimental=s.req_rate("experimental"),
        feasibility=s.req_rate("feasibility"),
    )
    s.done()
    return out


def _req(d: Decimal | None) -> Decimal:
    assert d is not None
    return d


def _categories(r: _Reader, key: str) -> frozenset[ResearchCategory]:
    out: set[ResearchCategory] = set()
    for v in r.strings(key):
        try:
            out.add(ResearchCategory(v))
        except ValueError:
            raise RuleSetError(r.field(key), "unknown_value", f"unknown category {v!r}") from None
    return frozenset(out)


def gber_text_from_dict(data: Mapping[str, object]) -> GberText:
    r = _Reader(data, "")
    bonus = r.sub("sme_bonus", required=True)
    assert bonus is not None
    medium, small = bonus.req_rate("medium"), bonus.req_rate("small")
    bonus.done()
    refs_r = r.sub("refs", required=True)
    assert refs_r is not None
    refs = GberRefs(**{f.name: refs_r.text(f.name) for f in fields(GberRefs)})
    refs_r.done()
    text = GberText(
        version=r.text("version"),
        title=r.text("title"),
        base=_by_research_rates(r, "base"),
        sme_bonus_medium=medium,
        sme_bonus_small=small,
        sme_bonus_categories=_categories(r, "sme_bonus_categories"),
        collaboration_bonus=r.req_rate("collaboration_bonus"),
        collaboration_bonus_categories=_categories(r, "collaboration_bonus_categories"),
        max_intensity=r.req_rate("max_intensity"),
        max_single_undertaking_share=r.req_rate("max_single_undertaking_share"),
        min_ro_share=r.req_rate("min_ro_share"),
        notification_thresholds=_by_research(r, "notification_thresholds"),
        predominance_share=r.req_rate("predominance_share"),
        bonus_b_licensing=r.flag("bonus_b_licensing"),
        bonus_b_assisted_area_a=r.flag("bonus_b_assisted_area_a"),
        bonus_c_assisted_area_c=r.rate("bonus_c_assisted_area_c", required=False),
        bonus_d_joint_call=r.rate("bonus_d_joint_call", required=False),
        refs=refs,
        unconfirmed=_check_unconfirmed(r, data),
    )
    r.done()
    return text


def gber_text_to_dict(text: GberText) -> dict[str, object]:
    def by(b: ByResearch) -> dict[str, str]:
        return {c.value: str(b.get(c)) for c in ResearchCategory}

    return {
        "version": text.version,
        "title": text.title,
        "base": by(text.base),
        "sme_bonus": {"medium": str(text.sme_bonus_medium), "small": str(text.sme_bonus_small)},
        "sme_bonus_categories": sorted(c.value for c in text.sme_bonus_categories),
        "collaboration_bonus": str(text.collaboration_bonus),
        "collaboration_bonus_categories": sorted(
            c.value for c in text.collaboration_bonus_categories
        ),
        "max_intensity": str(text.max_intensity),
        "max_single_undertaking_share": str(text.max_single_undertaking_share),
        "min_ro_share": str(text.min_ro_share),
        "notification_thresholds": by(text.notification_thresholds),
        "predominance_share": str(text.predominance_share),
        "bonus_b_licensing": text.bonus_b_licensing,
        "bonus_b_assisted_area_a": text.bonus_b_assisted_area_a,
        "bonus_c_assisted_area_c": _s(text.bonus_c_assisted_area_c),
        "bonus_d_joint_call": _s(text.bonus_d_joint_call),
        "refs": {f.name: getattr(text.refs, f.name) for f in fields(GberRefs)},
        "unconfirmed": list(text.unconfirmed),
    }


def _s(d: Decimal | None) -> str | None:
    return None if d is None else str(d)


def _rate_table(r: _Reader, key: str, required: bool) -> RateTable | None:
    s = r.sub(key, required=required)
    if s is None:
        return None
    t = RateTable(
        small=s.req_rate("small"),
        medium=s.req_rate("medium"),
        eti=s.req_rate("eti"),
        large=s.req_rate("large"),
        micro=s.rate("micro", required=False),
    )
    s.done()
    return t


def _rate_table_dict(t: RateTable | None) -> dict[str, str | None] | None:
    if t is None:
        return None
    return {
        "micro": _s(t.micro),
        "small": str(t.small),
        "medium": str(t.medium),
        "eti": str(t.eti),
        "large": str(t.large),
    }


_CONSORTIUM_INTS = (
    "min_independent_companies",
    "min_research_organisations",
    "min_sme_or_eti",
    "max_partners",
    "max_aided_partners",
    "min_accreditations",
    "min_paris_partners",
)
_CONSORTIUM_RATES = (
    "max_partner_share",
    "lab_aid_share_justification",
    "min_cost_share_in_cluster_territory",
)
_CONSORTIUM_AMOUNTS = ("budget_min", "budget_max")
_CONSORTIUM_FLAGS = ("coordinator_must_be_company", "lead_cluster_first")
CONSORTIUM_RULES = frozenset(
    _CONSORTIUM_INTS + _CONSORTIUM_RATES + _CONSORTIUM_AMOUNTS + _CONSORTIUM_FLAGS
)


def _consortium(r: _Reader) -> ConsortiumRules:
    s = r.sub("consortium")
    if s is None:
        return ConsortiumRules()
    values: dict[str, object] = {}
    for k in _CONSORTIUM_INTS:
        values[k] = s.integer(k, minimum=1 if k.startswith("max") else 0)
    for k in _CONSORTIUM_RATES:
        values[k] = s.rate(k, required=False)
    for k in _CONSORTIUM_AMOUNTS:
        values[k] = s.number(k, required=False)
    for k in _CONSORTIUM_FLAGS:
        values[k] = s.flag(k)
    advisory = s.strings("advisory")
    for a in advisory:
        if a not in CONSORTIUM_RULES:
            raise RuleSetError(
                s.field("advisory"), "unknown_value", f"{a!r} is not a consortium rule"
            )
    s.done()
    lo, hi = values["budget_min"], values["budget_max"]
    if isinstance(lo, Decimal) and isinstance(hi, Decimal) and lo > hi:
        raise RuleSetError(s.field("budget_min"), "order", "must not exceed budget_max")
    return ConsortiumRules(advisory=frozenset(advisory), **values)  # type: ignore[arg-type]


def _consortium_dict(c: ConsortiumRules) -> dict[str, object]:
    out: dict[str, object] = {}
    for k in _CONSORTIUM_INTS + _CONSORTIUM_FLAGS:
        out[k] = getattr(c, k)
    for k in _CONSORTIUM_RATES + _CONSORTIUM_AMOUNTS:
        out[k] = _s(getattr(c, k))
    out["advisory"] = sorted(c.advisory)
    return out


def _startup(r: _Reader) -> StartupParameters:
    s = r.sub("startup")
    if s is None:
        return StartupParameters()
    d = StartupParameters()
    max_age = s.integer("max_age_years", minimum=1)
    older_min = s.integer("older_company_min_age_years", minimum=0)
    share = s.rate("max_older_company_share", required=False)
    out = StartupParameters(
        max_age_years=d.max_age_years if max_age is None else max_age,
        require_sme=s.flag("require_sme", d.require_sme),
        max_older_company_share=d.max_older_company_share if share is None else share,
        older_company_min_age_years=older_min,
        jei_is_startup=s.flag("jei_is_startup", d.jei_is_startup),
    )
    s.done()
    return out


def _research_organisations(r: _Reader) -> ResearchOrganisationRule | None:
    s = r.sub("research_organisations")
    if s is None:
        return None
    rule = ResearchOrganisationRule(
        full_cost_rate=s.rate("full_cost_rate", required=False),
        marginal_cost_rate=s.rate("marginal_cost_rate", required=False),
        default_basis=s.choice("default_basis", RoBasis, required=False) or RoBasis.FULL_COST,
    )
    s.done()
    if rule.rate(rule.default_basis) is None:
        raise RuleSetError(
            s.field("default_basis"), "required", "names a basis that has no rate in this set"
        )
    return rule


def ruleset_from_dict(data: Mapping[str, object]) -> RuleSet:
    """Validate a rule set; raises RuleSetError naming the field and the rule."""
    r = _Reader(data, "")
    version_key = r.text("gber")
    if version_key not in GBER_TEXTS:
        raise RuleSetError(
            "gber", "unknown_gber_version", f"{version_key!r} is not one of {sorted(GBER_TEXTS)}"
        )
    version = r.integer("version", minimum=1)
    rs = RuleSet(
        code=r.text("code"),
        title=r.text("title"),
        version=1 if version is None else version,
        funder=r.text("funder"),
        reference=r.text("reference"),
        gber=gber_text(version_key),
        valid_from=r.day("valid_from"),
        valid_until=r.day("valid_until"),
        company_rates=_req_table(_rate_table(r, "company_rates", required=True)),
        company_rates_labelled=_rate_table(r, "company_rates_labelled", required=False),
        company_rates_outside_territory=_rate_table(
            r, "company_rates_outside_territory", required=False
        ),
        startup_bonus=r.rate("startup_bonus", required=False) or ZERO,
        startup_bonus_requires_paris=r.flag("startup_bonus_requires_paris"),
        startup=_startup(r),
        research_organisations=_research_organisations(r),
        max_aid_per_partner=r.number("max_aid_per_partner", required=False),
        max_aid_per_project=r.number("max_aid_per_project", required=False),
        exclusive_cost_base=r.flag("exclusive_cost_base"),
        consortium=_consortium(r),
        unconfirmed=_check_unconfirmed(r, data),
        notes=r.text("notes", required=False),
    )
    r.done()
    if rs.valid_from and rs.valid_until and rs.valid_from > rs.valid_until:
        raise RuleSetError("valid_from", "order", "must not be after valid_until")
    return rs


def _req_table(t: RateTable | None) -> RateTable:
    assert t is not None
    return t


def ruleset_to_dict(rs: RuleSet) -> dict[str, object]:
    """The data form of a rule set; `ruleset_from_dict` gives back an equal RuleSet."""
    ro = rs.research_organisations
    st = rs.startup
    return {
        "code": rs.code,
        "title": rs.title,
        "version": rs.version,
        "funder": rs.funder,
        "reference": rs.reference,
        "gber": rs.gber.version,
        "valid_from": rs.valid_from.isoformat() if rs.valid_from else None,
        "valid_until": rs.valid_until.isoformat() if rs.valid_until else None,
        "company_rates": _rate_table_dict(rs.company_rates),
        "company_rates_labelled": _rate_table_dict(rs.company_rates_labelled),
        "company_rates_outside_territory": _rate_table_dict(rs.company_rates_outside_territory),
        "startup_bonus": str(rs.startup_bonus),
        "startup_bonus_requires_paris": rs.startup_bonus_requires_paris,
        "startup": {
            "max_age_years": st.max_age_years,
            "require_sme": st.require_sme,
            "max_older_company_share": str(st.max_older_company_share),
            "older_company_min_age_years": st.older_company_min_age_years,
            "jei_is_startup": st.jei_is_startup,
        },
        "research_organisations": None
        if ro is None
        else {
            "full_cost_rate": _s(ro.full_cost_rate),
            "marginal_cost_rate": _s(ro.marginal_cost_rate),
            "default_basis": ro.default_basis.value,
        },
        "max_aid_per_partner": _s(rs.max_aid_per_partner),
        "max_aid_per_project": _s(rs.max_aid_per_project),
        "exclusive_cost_base": rs.exclusive_cost_base,
        "consortium": _consortium_dict(rs.consortium),
        "unconfirmed": list(rs.unconfirmed),
        "notes": rs.notes,
    }


# --- GBER texts as data -----------------------------------------------------------------------

_REFS = {
    "base": "GBER Art. 25(5)",
    "sme_bonus": "GBER Art. 25(6)(a)",
    "collaboration": "GBER Art. 25(6)(b)",
    "cap": "GBER Art. 25(6)",
    "feasibility_sme_bonus": "GBER Art. 25(7)",
    "notification": "GBER Art. 4(1)(i)",
    "effective_collaboration": "GBER Art. 2(90)",
    "assisted_area_c": "GBER Art. 25(6)(c)",
    "joint_call": "GBER Art. 25(6)(d)",
}

GBER_TEXTS: dict[str, dict[str, object]] = {
    "2014": {
        "version": "2014",
        "title": "Regulation (EU) No 651/2014, Art. 25 as adopted",
        "base": {
            "fundamental": "1.00",  # row 1
            "industrial": "0.50",  # row 2
            "experimental": "0.25",  # row 3
            "feasibility": "0.50",  # row 4
        },
        "sme_bonus": {"medium": "0.10", "small": "0.20"},  # rows 5 and 10
        "sme_bonus_categories": ["industrial", "experimental", "feasibility"],  # rows 5, 10
        "collaboration_bonus": "0.15",  # row 6
        "collaboration_bonus_categories": ["industrial", "experimental"],  # row 6
        "max_intensity": "0.80",  # row 7
        "max_single_undertaking_share": "0.70",  # row 8
        "min_ro_share": "0.10",  # row 9
        "notification_thresholds": {
            "fundamental": "40000000",  # row 16 [U]
            "industrial": "20000000",  # row 16 [U]
            "experimental": "15000000",  # row 15
            "feasibility": "7500000",  # row 16 [U]
        },
        "predominance_share": "0.50",  # row 17
        "bonus_b_licensing": False,
        "bonus_b_assisted_area_a": False,
        "bonus_c_assisted_area_c": None,
        "bonus_d_joint_call": None,
        "refs": _REFS,
        "unconfirmed": [
            "notification_thresholds.fundamental",
            "notification_thresholds.industrial",
            "notification_thresholds.feasibility",
        ],
    },
    "2023": {
        "version": "2023",
        "title": "Regulation (EU) No 651/2014 as amended by Regulation (EU) 2023/1315",
        "base": {
            "fundamental": "1.00",  # row 1
            "industrial": "0.50",  # row 2
            "experimental": "0.25",  # row 3
            "feasibility": "0.50",  # row 4
        },
        "sme_bonus": {"medium": "0.10", "small": "0.20"},  # row 5 (text valid from 2024)
        # row 10 confirms the feasibility SME bonus for the 2014 text only.
        "sme_bonus_categories": ["industrial", "experimental", "feasibility"],
        "collaboration_bonus": "0.15",  # row 6
        "collaboration_bonus_categories": ["industrial", "experimental"],  # row 6
        "max_intensity": "0.80",  # row 7
        "max_single_undertaking_share": "0.70",  # row 8
        "min_ro_share": "0.10",  # row 9
        "notification_thresholds": {
            "fundamental": "55000000",  # row 11
            "industrial": "35000000",  # row 12
            "experimental": "25000000",  # row 13
            "feasibility": "8250000",  # row 14
        },
        "predominance_share": "0.50",  # row 17
        "bonus_b_licensing": True,  # §1.2 (b)(iii) [U]
        "bonus_b_assisted_area_a": True,  # §1.2 (b)(iv) [U]
        "bonus_c_assisted_area_c": "0.05",  # §1.2 (c) [U]
        "bonus_d_joint_call": "0.25",  # §1.2 (d) [U]
        "refs": _REFS,
        "unconfirmed": [
            # Only the feasibility-study SME bonus is unconfirmed in the 2023 text (row 10).
            "sme_bonus_categories.feasibility",
            "bonus_b_licensing",
            "bonus_b_assisted_area_a",
            "bonus_c_assisted_area_c",
            "bonus_d_joint_call",
        ],
    },
}


@cache
def gber_text(version: str) -> GberText:
    """The validated GBER text for "2014" or "2023"."""
    try:
        data = GBER_TEXTS[version]
    except KeyError:
        raise RuleSetError(
            "gber", "unknown_gber_version", f"{version!r} is not one of {sorted(GBER_TEXTS)}"
        ) from None
    return gber_text_from_dict(data)


# --- Ready-made call rule sets ----------------------------------------------------------------
# Each value cites its FUNDING-RULES.md row; [U] values are listed under "unconfirmed".

_FUI_RO = {
    "full_cost_rate": "0.40",  # row 31 [S]
    "marginal_cost_rate": "1.00",  # row 31 [S]
    "default_basis": "full_cost",
}

FUI_19: dict[str, object] = {
    "code": "fui-19",
    "title": gettext_noop("FUI call 19 (2014)"),
    "version": 1,
    "funder": gettext_noop("State (FUI)"),
    "reference": gettext_noop("FUI call 19 specifications"),
    "gber": "2014",
    "company_rates": {
        "small": "0.45",  # row 28
        "medium": "0.45",  # row 28
        "eti": "0.30",  # row 29
        "large": "0.25",  # row 30
    },
    "company_rates_outside_territory": {
        "small": "0.30",  # row 28: SME outside the labelling cluster's territory
        "medium": "0.30",  # row 28
        "eti": "0.30",  # row 29 (no territorial variant)
        "large": "0.25",  # row 30 (no territorial variant)
    },
    "research_organisations": _FUI_RO,
    "exclusive_cost_base": True,  # §3.1: the base may not be funded by other public money
    "consortium": {
        "min_independent_companies": 2,  # §3.1
        "min_research_organisations": 1,  # §3.1
        "coordinator_must_be_company": True,  # §3.1
        "max_partner_share": "0.70",  # row 36
        "lab_aid_share_justification": "0.40",  # row 34
        "budget_min": "750000",  # row 37 [S]
        "budget_max": "5000000",  # row 37 [S]
        "min_accreditations": 1,  # §3.1 label
        "lead_cluster_first": True,  # §3.1 label
        "min_cost_share_in_cluster_territory": "0.50",  # row 35
    },
    "unconfirmed": [],
}

FUI_25: dict[str, object] = {
    "code": "fui-25",
    "title": gettext_noop("FUI call 25 (2017-2018)"),
    "version": 1,
    "funder": gettext_noop("State (FUI)"),
    "reference": gettext_noop("FUI call 25 specifications"),
    "gber": "2014",
    "company_rates": {
        "small": "0.50",  # row 32: SME in the labelling cluster's territory
        "medium": "0.50",  # row 32
        "eti": "0.35",  # row 32: ETI in territory
        "large": "0.30",  # row 33: other companies
    },
    "company_rates_outside_territory": {
        "small": "0.35",  # row 33: SME outside territory
        "medium": "0.35",  # row 33
        "eti": "0.30",  # row 33: other companies
        "large": "0.30",  # row 33
    },
    "research_organisations": _FUI_RO,
    "exclusive_cost_base": True,  # §3.1
    "consortium": {
        "min_independent_companies": 2,  # §3.1
        "min_research_organisations": 1,  # §3.1
        "coordinator_must_be_company": True,  # §3.1
        "max_partner_share": "0.70",  # row 36
        "lab_aid_share_justification": "0.40",  # row 34
        "min_accreditations": 1,  # §3.1
        "lead_cluster_first": True,  # §3.1
        "min_cost_share_in_cluster_territory": "0.50",  # row 35
    },
    "unconfirmed": [],
}

PSPC_REGIONS: dict[str, object] = {
    "code": "pspc-regions",
    "title": gettext_noop("PSPC-Régions (PIA3)"),
    "version": 1,
    "funder": gettext_noop("State (PIA) and Regions"),
    "reference": gettext_noop("PSPC-Régions specifications"),
    "gber": "2014",
    "company_rates": {  # row 41, without cluster label
        "small": "0.35",
        "medium": "0.35",
        "eti": "0.25",
        "large": "0.20",
    },
    "company_rates_labelled": {  # row 41, with cluster label
        "small": "0.50",
        "medium": "0.50",
        "eti": "0.35",
        "large": "0.25",
    },
    "research_organisations": {
        "full_cost_rate": "0.40",  # §3.2 [U] lab rates not found
        "marginal_cost_rate": "1.00",  # §3.2 [U]
        "default_basis": "full_cost",
    },
    "consortium": {
        "min_independent_companies": 2,  # §3.2
        "min_sme_or_eti": 1,  # §3.2
        "min_research_organisations": 1,  # §3.2
        "coordinator_must_be_company": True,  # §3.2
        "budget_min": "1000000",  # row 40
        "budget_max": "4000000",  # row 40
        "max_aided_partners": 5,  # row 42 (recommended)
        "advisory": ["max_aided_partners"],
    },
    "unconfirmed": ["research_organisations"],
}

I_DEMO_AURA: dict[str, object] = {
    "code": "i-demo-aura",
    "title": gettext_noop("i-Démo régionalisé, Auvergne-Rhône-Alpes (France 2030)"),
    "version": 1,
    "funder": gettext_noop("State (France 2030) and Region AURA"),
    "reference": gettext_noop("i-Démo régionalisé AURA specifications"),
    "gber": "2023",
    "company_rates": {
        "small": "0.60",  # row 45
        "medium": "0.50",  # row 45
        "eti": "0.35",  # row 45
        "large": "0.25",  # row 45
    },
    "research_organisations": {
        "full_cost_rate": "0.40",  # not in FUNDING-RULES [U]
        "marginal_cost_rate": "1.00",  # not in FUNDING-RULES [U]
        "default_basis": "full_cost",
    },
    "consortium": {
        "min_independent_companies": 2,  # row 44
        "min_sme_or_eti": 1,  # row 44
        "min_research_organisations": 1,  # row 44
        "max_partners": 5,  # row 44
        "budget_min": "1000000",  # row 44
        "budget_max": "4000000",  # row 44
    },
    "unconfirmed": ["research_organisations"],
}

CITY_OF_PARIS: dict[str, object] = {
    "code": "city-of-paris",
    "title": gettext_noop("City of Paris co-funding of cluster projects"),
    "version": 1,
    "funder": gettext_noop("City of Paris"),
    "reference": gettext_noop("City of Paris co-funding rules (to be confirmed)"),
    "gber": "2023",
    # §4: the City's rules were not found; every value is a placeholder to configure [U].
    "company_rates": {"small": "0.45", "medium": "0.45", "eti": "0.30", "large": "0.25"},
    "startup_bonus": "0.10",  # §4 "special assistance to Parisian start-ups" [U]
    "startup_bonus_requires_paris": True,  # §4 [U]
    "startup": {  # §5.5: no City definition of a start-up [U]
        "max_age_years": 8,
        "require_sme": True,
        "max_older_company_share": "0.50",
        "jei_is_startup": True,
    },
    "research_organisations": {
        "full_cost_rate": "0.40",  # [U]
        "marginal_cost_rate": "1.00",  # [U]
        "default_basis": "full_cost",
    },
    "consortium": {
        "min_paris_partners": 1,  # §4 Paris-located partner [U]
        "min_accreditations": 1,  # §4 projects accredited by the City's clusters [U]
    },
    "unconfirmed": [
        "company_rates",
        "startup_bonus",
        "startup_bonus_requires_paris",
        "startup",
        "research_organisations",
        "consortium",
    ],
}

READY_MADE: dict[str, dict[str, object]] = {
    d["code"]: d  # type: ignore[misc]
    for d in (FUI_19, FUI_25, PSPC_REGIONS, I_DEMO_AURA, CITY_OF_PARIS)
}


@cache
def ready_made(code: str) -> RuleSet:
    """A validated ready-made rule set by code ("fui-19", "fui-25", "pspc-regions", ...)."""
    return ruleset_from_dict(READY_MADE[code])
