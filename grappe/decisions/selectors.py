"""Decision reads, every one filtered by the user's `Scope` (invisible objects are 404).

Who sees what (the role table's `decision.manage` / `decision.view`):
- the call funder's programme officers (and administrators) see and decide everything of the
  call: envelopes, the allocation, each application's decision page;
- a co-funding funder's officers see the call's envelopes and how their pledge is used;
- an application's consortium sees its decision and amounts once the decision is taken.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext

from grappe.core.domain.roles import Action, Role, Target
from grappe.core.domain.scope import Scope
from grappe.decisions.models import CallFunding, Decision, Envelope, EnvelopeKind, LedgerEntry
from grappe.funding.domain import allocation
from grappe.funding.domain.aid import max_aid
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS
from grappe.funding.domain.rulesets import RuleSetError
from grappe.funding.models import Application, Call, Funder, PanelList, RequestedAid
from grappe.funding.selectors import AidInput, call_ruleset, project_aid_input
from grappe.projects.models import FundingLine, Participation

ZERO = Decimal("0")
CENT = Decimal("0.01")
DEFAULT_MINIMUM_SHARE = Decimal("0.5")

# The rules engine's input is built with an administrator's reach: these selectors are only
# called for a user the role table already let decide on (or see) the call.
_ENGINE_SCOPE = Scope.of(None, [(Role.ADMINISTRATOR, None)])


def status_label(application: Application) -> str:
    """The application's state as its workflow names it, translated ("Ranked by the panel")."""
    try:
        workflow = APPLICATION_WORKFLOWS.get(application.workflow_version)
        return gettext(workflow.state(application.status).staff_label)
    except KeyError:
        return application.status


# --------------------------------------------------------------------------- the guard's fact


def approved_by_application(application_id: int) -> Decimal:
    """The net amount the ledger holds for an application (approvals less reversals)."""
    total = LedgerEntry.objects.filter(application_id=application_id).aggregate(s=Sum("amount"))
    return total["s"] or ZERO


def application_decision_facts(application: Application) -> dict[str, bool]:
    """`amounts_approved` for the application workflow's `fund` guard."""
    return {"amounts_approved": approved_by_application(application.pk) > 0}


# --------------------------------------------------------------------------- access


def _call_funder_ids(call: Call) -> set[int]:
    return {call.funder_id, *Envelope.objects.filter(call=call).values_list("funder_id", flat=True)}


def may_manage(*, scope: Scope, call: Call) -> bool:
    return scope.can(Action.DECISION_MANAGE, Target.of(own_funder=[call.funder_id]))


def may_view_funding(*, scope: Scope, call: Call) -> bool:
    return may_manage(scope=scope, call=call) or scope.can(
        Action.DECISION_VIEW, Target.of(own_funder=_call_funder_ids(call))
    )


def call_for_decisions(*, scope: Scope, slug: str) -> Call:
    """A call `scope` decides on; raises `Call.DoesNotExist` otherwise (a 404)."""
    call = Call.objects.select_related("funder", "ruleset").get(slug=slug)
    if not may_manage(scope=scope, call=call):
        raise Call.DoesNotExist("may not decide on this call")
    return call


def call_for_funding(*, scope: Scope, slug: str) -> Call:
    """A call whose envelopes `scope` may see (its funder's or a co-funder's officers)."""
    call = Call.objects.select_related("funder", "ruleset").get(slug=slug)
    if not may_view_funding(scope=scope, call=call):
        raise Call.DoesNotExist("may not see this call's funding")
    return call


def application_for_decision(*, scope: Scope, pk: int) -> tuple[Application, bool]:
    """An application and whether `scope` decides on it; the consortium reaches it only once
    decided. Raises `Application.DoesNotExist` for everyone else (a 404)."""
    application = Application.objects.select_related("call__funder", "project").get(pk=pk)
    if may_manage(scope=scope, call=application.call):
        return application, True
    decided = Decision.objects.filter(application=application).exists()
    partners = Participation.objects.filter(project_id=application.project_id).values_list(
        "organisation_id", flat=True
    )
    if decided and scope.can(Action.DECISION_VIEW, Target.of(partner=partners)):
        return application, False
    raise Application.DoesNotExist("may not see this application's decision")


# --------------------------------------------------------------------------- envelopes


def call_plan(call: Call) -> CallFunding:
    """The call's funding plan (unsaved defaults until the officer sets it)."""
    plan = CallFunding.objects.filter(call=call).first()
    return plan or CallFunding(call=call, minimum_share=DEFAULT_MINIMUM_SHARE)


def call_envelopes(call: Call) -> list[Envelope]:
    """The call funder's envelope first, then the pledges. Until the officer sets them, the
    call funder's envelope is the call's announced one (unsaved)."""
    rows = list(Envelope.objects.filter(call=call).select_related("funder"))
    if not any(e.kind == EnvelopeKind.ENVELOPE for e in rows) and call.envelope is not None:
        rows.append(
            Envelope(
                call=call, funder=call.funder, kind=EnvelopeKind.ENVELOPE, amount=call.envelope
            )
        )
    return sorted(rows, key=lambda e: (e.kind != EnvelopeKind.ENVELOPE, e.funder.name_en))


def pledged_minimum(envelope: Envelope, requested: Decimal) -> Decimal:
    """What a pledge commits to one funded project asking `requested`: its least per funded
    project, or the whole request when that is less (0 for the call funder's envelope)."""
    if envelope.kind != EnvelopeKind.PLEDGE:
        return ZERO
    return min(envelope.minimum_per_project, requested)


@dataclass(frozen=True)
class PledgeUse:
    envelope: Envelope
    by_application: list[tuple[Application, Decimal]]


def pledge_use(*, scope: Scope, call: Call) -> list[PledgeUse]:
    """How each envelope `scope` may see is used, application by application."""
    manage = may_manage(scope=scope, call=call)
    out = []
    for env in call_envelopes(call):
        if env.pk is None:
            out.append(PledgeUse(env, []))
            continue
        if not manage and env.funder_id not in scope.funder_ids and not scope.is_staff_wide:
            continue
        sums = (
            LedgerEntry.objects.filter(envelope=env)
            .values("application_id")
            .annotate(total=Sum("amount"))
            .order_by("application_id")
        )
        apps = Application.objects.in_bulk([s["application_id"] for s in sums])
        rows = [
            (apps[s["application_id"]], s["total"])
            for s in sums
            if s["total"] and s["application_id"] in apps
        ]
        out.append(PledgeUse(env, rows))
    return out


# --------------------------------------------------------------------------- partners' caps


@dataclass
class PartnerLine:
    """One partner of an application: what it asks each funder, the most it may get from this
    call under the rules engine, and what the ledger already holds for it."""

    participation: Participation
    name: str
    cap: Decimal
    requested: dict[int, Decimal]  # funder id → amount
    approved: dict[int, Decimal] = field(default_factory=dict)

    @property
    def requested_total(self) -> Decimal:
        return sum(self.requested.values(), ZERO)


def _without_call_funders(aid_input: AidInput, funders: Sequence[Funder]) -> AidInput:
    """The engine's input with this call's co-funders' aid left out of cumulation, as
    `project_aid_input(funder_id=)` leaves out the call funder's: the cap is for what the
    partner may get from this call, all its funders together."""
    names = {n for f in funders for n in (f.name_en, f.name_fr)}
    partners = tuple(
        dataclasses.replace(p, other_aid=tuple(o for o in p.other_aid if o.funder not in names))
        for p in aid_input.project.partners
    )
    return dataclasses.replace(
        aid_input, project=dataclasses.replace(aid_input.project, partners=partners)
    )


def partner_caps(call: Call, application: Application) -> dict[int, Decimal]:
    """The most each partner (participation id) may get from this call: the rules engine's
    maximum aid under the call's rule set, cumulation with other funders' aid included."""
    envelopes = call_envelopes(call)
    funders = [e.funder for e in envelopes if e.funder_id != call.funder_id]
    aid_input = project_aid_input(
        scope=_ENGINE_SCOPE, project=application.project, funder_id=call.funder_id
    )
    aid_input = _without_call_funders(aid_input, funders)
    try:
        ruleset = call_ruleset(call)
    except (Call.DoesNotExist, RuleSetError):
        return {}
    result = max_aid(aid_input.project, ruleset, aid_input.sizes)
    by_org = {oid: pid for pid, oid in aid_input.organisation_ids.items()}
    out: dict[int, Decimal] = {}
    for part in Participation.objects.filter(project_id=application.project_id).order_by("id"):
        key = by_org.get(part.organisation_id)
        out[part.pk] = result.by_partner.get(key, ZERO) if key is not None else ZERO
    return out


def requested_amounts(
    application: Application, caps: Mapping[int, Decimal], funder_ids: Sequence[int]
) -> dict[int, dict[int, Decimal]]:
    """What each partner asks each of the call's funders. From the call's funder: what the
    application asks (`funding.RequestedAid`, set on the draft and frozen at submission; a
    partner without a row asks nothing). From a co-funder, or from the call's funder for an
    application that states no amount: the partner's `FundingLine.requested` for that funder
    (lines not yet decided); without any line either, the rules engine's maximum (the partner's
    budget × its maximum intensity) from the call's funder."""
    call_funder = application.call.funder_id
    asked = dict(
        RequestedAid.objects.filter(application=application).values_list(
            "participation_id", "amount"
        )
    )
    lines = FundingLine.objects.filter(
        participation__project_id=application.project_id,
        funder_id__in=list(funder_ids),
        granted__isnull=True,
    ).values_list("participation_id", "funder_id", "requested")
    out: dict[int, dict[int, Decimal]] = {pid: {} for pid in caps}
    for pid, fid, amount in lines:
        if pid in out and not (asked and fid == call_funder):
            out[pid][fid] = out[pid].get(fid, ZERO) + amount
    for pid, by_funder in out.items():
        if asked:
            if pid in asked:
                by_funder[call_funder] = asked[pid]
        elif not by_funder:
            by_funder[call_funder] = caps[pid]
    return out


def application_partners(call: Call, application: Application) -> list[PartnerLine]:
    """Each partner's request, cap and approved amounts, in the consortium's order."""
    caps = partner_caps(call, application)
    funder_ids = [e.funder_id for e in call_envelopes(call)] or [call.funder_id]
    requested = requested_amounts(application, caps, funder_ids)
    approved: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in (
        LedgerEntry.objects.filter(application=application)
        .values("participation_id", "envelope__funder_id")
        .annotate(total=Sum("amount"))
    ):
        approved[row["participation_id"]][row["envelope__funder_id"]] = row["total"]
    parts = Participation.objects.filter(project_id=application.project_id).select_related(
        "organisation"
    )
    return [
        PartnerLine(
            participation=p,
            name=p.organisation.short_name or p.organisation.name,
            cap=caps.get(p.pk, ZERO),
            requested=requested.get(p.pk, {}),
            approved=dict(approved.get(p.pk, {})),
        )
        for p in parts.order_by("id")
    ]


# --------------------------------------------------------------------------- the allocation


@dataclass
class AllocationRow:
    application: Application
    partners: list[PartnerLine]
    requested: Decimal
    cap: Decimal
    minimum: Decimal
    optimal: Decimal | None  # None: not funded by the optimiser
    line: Decimal | None  # None: not funded by the rank-order line
    approved: Decimal
    departure: allocation.Departure | None = None
    status_text: str = ""


@dataclass
class AllocationView:
    call: Call
    rows: list[AllocationRow]
    envelopes: list[Envelope]
    available: dict[str, Decimal]  # funder slug → what is left to allocate (what-if applied)
    optimal: allocation.Allocation
    line: allocation.Allocation
    departures: list[allocation.Departure]
    envelope_if: Decimal | None
    minimum_share: Decimal
    extra: dict[str, Any] = field(default_factory=dict)


def application_request(partners: Sequence[PartnerLine]) -> Decimal:
    """What an application asks of the call: its partners' requests, within their caps."""
    cap = sum((p.cap for p in partners), ZERO)
    return min(sum((p.requested_total for p in partners), ZERO), cap)


def ranked_applications(call: Call) -> QuerySet[Application]:
    """The panel's main and reserve lists, in rank order (decided ones included)."""
    return (
        Application.objects.filter(call=call, panel_list__in=[PanelList.MAIN, PanelList.RESERVE])
        .exclude(status="withdrawn")
        .select_related("project")
        .order_by("panel_rank", "id")
    )


def _floor(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def call_allocation(call: Call, *, envelope_if: Decimal | None = None) -> AllocationView:
    """The ranked list with each partner's request and cap, the optimiser's proposal over the
    applications still to decide, the plain rank-order funding line and where they differ.

    `envelope_if`: the call funder's envelope as if it were this amount (a what-if: nothing is
    written). What is already approved stays approved and comes off the envelopes."""
    envelopes = call_envelopes(call)
    plan = call_plan(call)
    by_slug = {e.funder.slug: e for e in envelopes}
    available: dict[str, Decimal] = {}
    for env in envelopes:
        amount = env.amount
        if envelope_if is not None and env.kind == EnvelopeKind.ENVELOPE:
            amount = envelope_if
        available[env.funder.slug] = max(ZERO, amount - env.approved)
    rows: list[AllocationRow] = []
    candidates: list[allocation.Candidate] = []
    for app in ranked_applications(call):
        partners = application_partners(call, app)
        cap = sum((p.cap for p in partners), ZERO)
        requested = application_request(partners)
        approved = sum((a for p in partners for a in p.approved.values()), ZERO)
        minimum = _floor(requested * plan.minimum_share)
        rows.append(
            AllocationRow(
                app,
                partners,
                requested,
                cap,
                minimum,
                None,
                None,
                approved,
                status_text=status_label(app),
            )
        )
        if app.status == "ranked" and approved == 0 and requested > 0:
            candidates.append(
                allocation.Candidate(
                    id=app.pk,
                    score=app.panel_score or ZERO,
                    requested=requested,
                    minimum=minimum,
                    requests=tuple(
                        allocation.Request(
                            funder=slug, cap=cap, pledge=pledged_minimum(env, requested)
                        )
                        for slug, env in by_slug.items()
                    ),
                )
            )
    optimal = allocation.optimise(candidates, available)
    line = allocation.rank_order(candidates, available)
    departures = allocation.departures(candidates, optimal, line)
    why = {d.project: d for d in departures}
    for row in rows:
        pk = row.application.pk
        if pk in optimal.amounts:
            row.optimal = sum(optimal.amounts[pk].values(), ZERO)
        if pk in line.amounts:
            row.line = sum(line.amounts[pk].values(), ZERO)
        row.departure = why.get(pk)
    return AllocationView(
        call=call,
        rows=rows,
        envelopes=envelopes,
        available=available,
        optimal=optimal,
        line=line,
        departures=departures,
        envelope_if=envelope_if,
        minimum_share=plan.minimum_share,
    )


def application_decision(application: Application) -> Decision | None:
    return Decision.objects.filter(application=application).first()


def application_ledger(application: Application) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(application=application)
        .select_related("envelope__funder", "participation__organisation")
        .order_by("created_at", "id")
    )
