"""Payment plans as data, and the amount due on a grant, in exact cents. Pure.

A plan is a plain dict (stored per call, or as a funder's default) that `plan_from_dict` turns
into a frozen `PaymentPlan` or refuses with a `PlanError` naming the field path
(`tranches[1].rate`) and the rule broken. A plan lists tranches in order; each has

- a **trigger**: the event that makes it payable (the agreement signed, an expense statement
  accepted, a yearly report approved, the final report approved);
- a **basis**: a share of the grant (`grant_share`, e.g. an advance of 30 %), or a share of the
  accepted costs times the aid intensity (`accepted_costs`, cumulative: what was already paid
  is deducted).

Before the balance the payments are capped at `cap` x grant (e.g. 90 %), less the `retention`
(a share of the grant held back, released with the balance). The balance is the last tranche,
triggered by the final report: it may bring the payments up to the whole grant.

    due = max(0, min(ceiling - paid, entitlement - paid))

with `ceiling` = (cap - retention) x grant before the balance and the grant at the balance, and
`entitlement` = rate x grant + paid for a grant share (the tranche itself), or
rate x intensity x accepted costs for accepted costs. Amounts are rounded down to the cent, so a
payment never exceeds what is due. `amount_due` explains every step as message codes
(`PAYMENT_MESSAGES`, marked with `gettext_noop`) with their parameters.

Values not confirmed by a source in FUNDING-RULES.md are listed in the plan's `unconfirmed`
paths, exactly as the rule sets do (`grappe.funding.domain.rulesets`): the interface shows them
as "unconfirmed".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from grappe.core.domain.i18n import gettext_noop

ZERO = Decimal("0")
ONE = Decimal("1")
CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Round down to the cent: a computed payment never exceeds what is due."""
    return amount.quantize(CENT, rounding=ROUND_DOWN)


class Trigger(StrEnum):
    SIGNATURE = "signature"
    STATEMENT_ACCEPTED = "statement_accepted"
    REPORT_APPROVED = "report_approved"
    FINAL_REPORT = "final_report"


TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.SIGNATURE: gettext_noop("at signature of the agreement"),
    Trigger.STATEMENT_ACCEPTED: gettext_noop("when an expense statement is accepted"),
    Trigger.REPORT_APPROVED: gettext_noop("when a yearly report is approved"),
    Trigger.FINAL_REPORT: gettext_noop("when the final report is approved"),
}


class Basis(StrEnum):
    GRANT_SHARE = "grant_share"
    ACCEPTED_COSTS = "accepted_costs"


BASIS_LABELS: dict[Basis, str] = {
    Basis.GRANT_SHARE: gettext_noop("share of the grant"),
    Basis.ACCEPTED_COSTS: gettext_noop("share of the accepted costs times the aid intensity"),
}


class PlanError(ValueError):
    """A plan was refused: `field` is the path, `rule` what it broke; `code` is translatable."""

    def __init__(self, field: str, rule: str, detail: str) -> None:
        self.field = field
        self.rule = rule
        self.code = f"payments.error.{rule}"
        self.params: dict[str, str] = {"field": field, "detail": detail}
        super().__init__(f"{field}: {detail} [{rule}]")


PAYMENT_MESSAGES: dict[str, str] = {
    # Refusals of a plan (params: field, detail).
    "payments.error.type": gettext_noop("%(field)s has the wrong type: %(detail)s."),
    "payments.error.required": gettext_noop("%(field)s is required."),
    "payments.error.unknown_key": gettext_noop("%(field)s is not a known setting of a plan."),
    "payments.error.unknown_value": gettext_noop("%(field)s: %(detail)s."),
    "payments.error.rate_range": gettext_noop("%(field)s must be a fraction between 0 and 1."),
    "payments.error.duplicate": gettext_noop("%(field)s repeats the id of another tranche."),
    "payments.error.balance": gettext_noop(
        "%(field)s: the last tranche, and only it, is the balance paid on the final report."
    ),
    "payments.error.retention": gettext_noop(
        "%(field)s: the retention may not exceed the cap before the balance."
    ),
    "payments.error.over_cap": gettext_noop(
        "%(field)s: the shares of the grant paid before the balance exceed the cap."
    ),
    "payments.error.unknown_path": gettext_noop("%(field)s: %(detail)s."),
    # Explanation of an amount due (params are amounts and fractions as strings).
    "payments.due.grant": gettext_noop("Grant: %(grant)s."),
    "payments.due.ceiling_cap": gettext_noop(
        "Before the balance, payments are capped at %(cap)s of the grant less a retention of "
        "%(retention)s: ceiling %(ceiling)s."
    ),
    "payments.due.ceiling_balance": gettext_noop(
        "The balance may bring the payments up to the whole grant: ceiling %(ceiling)s "
        "(the retention of %(retained)s is released)."
    ),
    "payments.due.paid": gettext_noop("Already paid: %(paid)s; room under the ceiling %(room)s."),
    "payments.due.share": gettext_noop("This tranche is %(rate)s of the grant: %(amount)s."),
    "payments.due.costs": gettext_noop(
        "Accepted costs %(costs)s x aid intensity %(intensity)s x %(rate)s = %(entitlement)s; "
        "less what was paid: %(amount)s."
    ),
    "payments.due.amount": gettext_noop("Amount due: %(due)s."),
    "payments.due.capped": gettext_noop("The amount stops at the ceiling."),
    "payments.due.nothing": gettext_noop("Nothing is due: the payments already reach the limit."),
}


@dataclass(frozen=True, slots=True)
class Tranche:
    id: str
    trigger: Trigger
    basis: Basis
    rate: Decimal  # fraction of the grant, or of intensity x accepted costs

    @property
    def is_balance(self) -> bool:
        return self.trigger is Trigger.FINAL_REPORT

    @property
    def repeatable(self) -> bool:
        """A cost-based interim tranche is paid again on each statement; the others once."""
        return self.basis is Basis.ACCEPTED_COSTS and not self.is_balance


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    id: str
    label: str
    tranches: tuple[Tranche, ...]
    cap: Decimal  # cumulative cap before the balance, a fraction of the grant
    retention: Decimal  # a fraction of the grant held back until the balance
    sources: tuple[str, ...]
    unconfirmed: tuple[str, ...]

    def tranche(self, tranche_id: str) -> Tranche:
        for t in self.tranches:
            if t.id == tranche_id:
                return t
        raise KeyError(tranche_id)

    def is_unconfirmed(self, path: str) -> bool:
        return any(path == u or path.startswith(u + ".") for u in self.unconfirmed)

    @property
    def balance(self) -> Tranche:
        return self.tranches[-1]


# --- Validation -------------------------------------------------------------------------------


def _fraction(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise PlanError(field, "type", 'must be a fraction written as text, e.g. "0.3"')
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise PlanError(field, "type", f"must be a number (got {value!r})") from None
    if not d.is_finite() or d < ZERO or d > ONE:
        raise PlanError(field, "rate_range", f"must be between 0 and 1 (got {value!r})")
    return d


def _text(data: Mapping[str, object], key: str, path: str) -> str:
    field = f"{path}.{key}" if path else key
    v = data.get(key)
    if v is None:
        raise PlanError(field, "required", "is required")
    if not isinstance(v, str) or not v.strip():
        raise PlanError(field, "type", "must be a non-empty text")
    return v.strip()


def _keys(data: Mapping[str, object], allowed: set[str], path: str) -> None:
    for k in data:
        if k not in allowed:
            raise PlanError(f"{path}.{k}" if path else str(k), "unknown_key", "unknown key")


def _paths(data: Mapping[str, object]) -> Iterator[str]:
    for k, v in data.items():
        if k == "tranches" and isinstance(v, list):
            for i, t in enumerate(v):
                yield f"tranches[{i}]"
                if isinstance(t, Mapping):
                    yield from (f"tranches[{i}].{tk}" for tk in t)
        else:
            yield str(k)


def plan_from_dict(data: object) -> PaymentPlan:
    """Validate a plan; raise `PlanError` with the path of the first problem."""
    if not isinstance(data, Mapping):
        raise PlanError("(root)", "type", "must be an object")
    _keys(data, {"id", "label", "tranches", "cap", "retention", "sources", "unconfirmed"}, "")
    plan_id = _text(data, "id", "")
    label = _text(data, "label", "")
    raw = data.get("tranches")
    if not isinstance(raw, list) or not raw:
        raise PlanError("tranches", "required", "must list at least one tranche")
    tranches: list[Tranche] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = f"tranches[{i}]"
        if not isinstance(item, Mapping):
            raise PlanError(path, "type", "must be an object")
        _keys(item, {"id", "trigger", "basis", "rate"}, path)
        tid = _text(item, "id", path)
        if tid in seen:
            raise PlanError(f"{path}.id", "duplicate", tid)
        seen.add(tid)
        trigger_text = _text(item, "trigger", path)  # missing: "required", not "unknown"
        try:
            trigger = Trigger(trigger_text)
        except ValueError:
            raise PlanError(
                f"{path}.trigger", "unknown_value", f"unknown trigger {item.get('trigger')!r}"
            ) from None
        basis_text = _text(item, "basis", path)
        try:
            basis = Basis(basis_text)
        except ValueError:
            raise PlanError(
                f"{path}.basis", "unknown_value", f"unknown basis {item.get('basis')!r}"
            ) from None
        if "rate" not in item:
            raise PlanError(f"{path}.rate", "required", "is required")
        rate = _fraction(item["rate"], f"{path}.rate")
        if rate == ZERO:
            raise PlanError(f"{path}.rate", "rate_range", "must be more than 0")
        tranches.append(Tranche(tid, trigger, basis, rate))
    for i, t in enumerate(tranches):
        last = i == len(tranches) - 1
        if t.is_balance != last:
            raise PlanError(f"tranches[{i}].trigger", "balance", "the balance must come last")
    cap = _fraction(data.get("cap", "1"), "cap")
    retention = _fraction(data.get("retention", "0"), "retention")
    if retention > cap:
        raise PlanError("retention", "retention", f"{retention} > {cap}")
    shares = sum((t.rate for t in tranches[:-1] if t.basis is Basis.GRANT_SHARE), ZERO)
    if shares > cap - retention:
        raise PlanError("tranches", "over_cap", f"{shares} > {cap - retention}")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise PlanError("sources", "type", "must be a list of texts")
    listed = data.get("unconfirmed", [])
    if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
        raise PlanError("unconfirmed", "type", "must be a list of paths")
    known = set(_paths(data)) - {"unconfirmed"}
    for u in listed:
        if u not in known:
            raise PlanError("unconfirmed", "unknown_path", f"{u!r} does not name a setting")
    return PaymentPlan(
        id=plan_id,
        label=label,
        tranches=tuple(tranches),
        cap=cap,
        retention=retention,
        sources=tuple(sources),
        unconfirmed=tuple(sorted(set(listed))),
    )


def plan_to_dict(plan: PaymentPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "label": plan.label,
        "tranches": [
            {"id": t.id, "trigger": t.trigger.value, "basis": t.basis.value, "rate": str(t.rate)}
            for t in plan.tranches
        ],
        "cap": str(plan.cap),
        "retention": str(plan.retention),
        "sources": list(plan.sources),
        "unconfirmed": list(plan.unconfirmed),
    }


# --- The amount due ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One step of an explanation: a message code of PAYMENT_MESSAGES and its parameters."""

    code: str
    params: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Due:
    tranche: Tranche
    amount: Decimal
    ceiling: Decimal
    lines: tuple[Line, ...]


class DueError(ValueError):
    """Bad figures given to `amount_due`: `field` names the figure."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        super().__init__(f"{field}: {detail}")


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def amount_due(
    plan: PaymentPlan,
    tranche_id: str,
    *,
    grant: Decimal,
    intensity: Decimal,
    accepted_costs: Decimal,
    paid: Decimal,
) -> Due:
    """What the tranche `tranche_id` pays now, given the grant, the aid intensity (a fraction),
    the accepted costs so far (cumulative) and what was already paid. Never negative, never
    more than the grant in total."""
    for name, value in (
        ("grant", grant),
        ("intensity", intensity),
        ("accepted_costs", accepted_costs),
        ("paid", paid),
    ):
        if not value.is_finite() or value < ZERO:
            raise DueError(name, "must not be negative")
    if intensity > ONE:
        raise DueError("intensity", "must be a fraction between 0 and 1")
    if paid > grant:
        raise DueError("paid", "exceeds the grant")
    tranche = plan.tranche(tranche_id)
    lines: list[Line] = [Line("payments.due.grant", {"grant": str(grant)})]
    if tranche.is_balance:
        ceiling = grant
        lines.append(
            Line(
                "payments.due.ceiling_balance",
                {"ceiling": str(ceiling), "retained": str(cents(plan.retention * grant))},
            )
        )
    else:
        ceiling = cents((plan.cap - plan.retention) * grant)
        lines.append(
            Line(
                "payments.due.ceiling_cap",
                {
                    "cap": _pct(plan.cap),
                    "retention": _pct(plan.retention),
                    "ceiling": str(ceiling),
                },
            )
        )
    room = max(ZERO, ceiling - paid)
    lines.append(Line("payments.due.paid", {"paid": str(paid), "room": str(room)}))
    if tranche.basis is Basis.GRANT_SHARE:
        basis_amount = cents(tranche.rate * grant)
        lines.append(
            Line("payments.due.share", {"rate": _pct(tranche.rate), "amount": str(basis_amount)})
        )
    else:
        entitlement = cents(tranche.rate * intensity * accepted_costs)
        basis_amount = max(ZERO, entitlement - paid)
        lines.append(
            Line(
                "payments.due.costs",
                {
                    "costs": str(accepted_costs),
                    "intensity": _pct(intensity),
                    "rate": _pct(tranche.rate),
                    "entitlement": str(entitlement),
                    "amount": str(basis_amount),
                },
            )
        )
    due = max(ZERO, min(room, basis_amount))
    if due == ZERO:
        lines.append(Line("payments.due.nothing", {}))
    elif room < basis_amount:
        lines.append(Line("payments.due.capped", {}))
    lines.append(Line("payments.due.amount", {"due": str(due)}))
    return Due(tranche=tranche, amount=due, ceiling=ceiling, lines=tuple(lines))


# --- Triggers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TriggerFacts:
    """What has happened on an agreement, as the service sees it."""

    signed: bool = False
    statements_accepted: int = 0
    reports_approved: int = 0
    final_report_approved: bool = False


def trigger_met(tranche: Tranche, facts: TriggerFacts) -> bool:
    """May the tranche be requested? A report-triggered tranche waits for the approval."""
    if not facts.signed:
        return False
    if tranche.trigger is Trigger.SIGNATURE:
        return True
    if tranche.trigger is Trigger.STATEMENT_ACCEPTED:
        return facts.statements_accepted > 0
    if tranche.trigger is Trigger.REPORT_APPROVED:
        return facts.reports_approved > 0
    return facts.final_report_approved


# --- Ready-made plans -------------------------------------------------------------------------
# FUNDING-RULES.md found no payment schedule for any of these schemes (§3.1: "[U] Payment
# schedule (advance / interim / balance percentages): not found in any cited source ... Make it
# a per-convention parameter"; §4: the City's payment terms "not found"; Horizon Europe is not
# covered). Every figure below is therefore unconfirmed [U]: a starting point a programme
# officer must check against the convention before use.

_ALL_FIGURES = ["cap", "retention"]


def _unconfirmed(tranches: Sequence[Mapping[str, str]]) -> list[str]:
    return [*_ALL_FIGURES, *(f"tranches[{i}].rate" for i in range(len(tranches)))]


_PARIS_TRANCHES = [
    {"id": "advance", "trigger": "signature", "basis": "grant_share", "rate": "0.3"},
    {"id": "interim", "trigger": "statement_accepted", "basis": "accepted_costs", "rate": "1"},
    {"id": "balance", "trigger": "final_report", "basis": "accepted_costs", "rate": "1"},
]
_FUI_TRANCHES = [
    {"id": "advance", "trigger": "signature", "basis": "grant_share", "rate": "0.25"},
    {"id": "interim", "trigger": "statement_accepted", "basis": "accepted_costs", "rate": "1"},
    {"id": "balance", "trigger": "final_report", "basis": "accepted_costs", "rate": "1"},
]
_HORIZON_TRANCHES = [
    {"id": "prefinancing", "trigger": "signature", "basis": "grant_share", "rate": "0.4"},
    {"id": "interim", "trigger": "report_approved", "basis": "accepted_costs", "rate": "1"},
    {"id": "balance", "trigger": "final_report", "basis": "accepted_costs", "rate": "1"},
]

PLAN_DATA: dict[str, dict[str, Any]] = {
    "city-of-paris": {
        "id": "city-of-paris",
        "label": gettext_noop("City of Paris (advance, interim on statements, balance)"),
        "tranches": _PARIS_TRANCHES,
        "cap": "0.8",
        "retention": "0",
        "sources": ["FUNDING-RULES.md §4: the City's payment terms were not found [U]"],
        "unconfirmed": _unconfirmed(_PARIS_TRANCHES),
    },
    "fui": {
        "id": "fui",
        "label": gettext_noop("FUI-like (advance, interim on statements, balance)"),
        "tranches": _FUI_TRANCHES,
        "cap": "0.8",
        "retention": "0",
        "sources": ["FUNDING-RULES.md §3.1: payment schedule not found in any cited source [U]"],
        "unconfirmed": _unconfirmed(_FUI_TRANCHES),
    },
    "horizon-europe": {
        "id": "horizon-europe",
        "label": gettext_noop("Horizon-Europe-like (pre-financing, interim on reports, balance)"),
        "tranches": _HORIZON_TRANCHES,
        "cap": "0.9",
        "retention": "0.05",
        "sources": ["not covered by FUNDING-RULES.md; figures from memory [U]"],
        "unconfirmed": _unconfirmed(_HORIZON_TRANCHES),
    },
}

READY_MADE: dict[str, PaymentPlan] = {k: plan_from_dict(v) for k, v in PLAN_DATA.items()}
