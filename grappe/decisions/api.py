"""API: a call's envelopes and pledges, its allocation (with what-ifs), an application's
decision (approve, decline). Invisible calls and applications are 404; the rules are the
services' and selectors'."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.security import django_auth

from grappe.core.apikit import BODY_ERRORS, MAX_ID, SLUG, not_found, responses
from grappe.core.scopes import scope_for
from grappe.decisions import selectors, services
from grappe.decisions.schemas import (
    AllocationOut,
    AllocationQuery,
    ApproveIn,
    DecisionOut,
    DeclineIn,
    FundingIn,
    FundingOut,
)
from grappe.funding.explain import format_param
from grappe.funding.models import Application, Call, Funder
from grappe.projects.services import TransitionRefused

router = Router(tags=["decisions"])


def _invalid(errors: dict[str, list[str]], loc_of: Any = None) -> Status[Any]:
    detail = []
    for key, messages in errors.items():
        loc = loc_of(key) if loc_of else ["body", *key.split(".")]
        for message in messages:
            detail.append({"loc": loc, "msg": message, "type": "value_error"})
    return Status(422, {"detail": detail})


def _call(request: HttpRequest, slug: str, *, manage: bool) -> Call:
    if not SLUG.fullmatch(slug):
        raise not_found(_("call"), slug)
    scope = scope_for(request.user)
    try:
        if manage:
            return selectors.call_for_decisions(scope=scope, slug=slug)
        return selectors.call_for_funding(scope=scope, slug=slug)
    except Call.DoesNotExist:
        raise not_found(_("call"), slug) from None


def _funding_out(request: HttpRequest, call: Call) -> dict[str, Any]:
    scope = scope_for(request.user)
    return {
        "call": call.slug,
        "may_manage": selectors.may_manage(scope=scope, call=call),
        "minimum_share": str(selectors.call_plan(call).minimum_share),
        "envelopes": [
            {
                "funder": u.envelope.funder.slug,
                "kind": u.envelope.kind,
                "amount": u.envelope.amount,
                "approved": u.envelope.approved,
                "left": u.envelope.remaining,
                "minimum_per_project": u.envelope.minimum_per_project,
                "uses": [
                    {"application": a.pk, "project": str(a.project), "amount": amount}
                    for a, amount in u.by_application
                ],
            }
            for u in selectors.pledge_use(scope=scope, call=call)
        ],
    }


@router.get(
    "/calls/{slug}/funding",
    response=responses(FundingOut, 404),
    summary="A call's envelope, co-funding pledges and their use (the call's and co-funders' officers)",
)
def get_funding(request: HttpRequest, slug: Path[str]) -> dict[str, Any]:
    return _funding_out(request, _call(request, slug, manage=False))


@router.post(
    "/calls/{slug}/funding",
    auth=django_auth,
    response=responses(FundingOut, 401, 404, BODY_ERRORS),
    summary="Set a call's envelope, pledges and minimum viable share (the call funder's officers)",
    description="422 names the field: a negative amount, an envelope below what is approved.",
)
def post_funding(request: HttpRequest, slug: Path[str], body: FundingIn) -> Any:
    call = _call(request, slug, manage=True)
    funders = {f.slug: f for f in Funder.objects.filter(slug__in=[p.funder for p in body.pledges])}
    unknown = {
        f"pledges.{i}.funder": [_("Unknown funder: %(slug)s") % {"slug": p.funder}]
        for i, p in enumerate(body.pledges)
        if p.funder not in funders
    }
    if unknown:
        return _invalid(unknown)
    try:
        services.call_funding_set(
            actor=request.user,
            call=call,
            envelope=Decimal(body.envelope),
            pledges=[
                (funders[p.funder], Decimal(p.amount), Decimal(p.minimum_per_project))
                for p in body.pledges
            ],
            minimum_share=None if body.minimum_share is None else Decimal(body.minimum_share),
            reason=body.reason,
        )
    except PermissionDenied as refusal:
        return Status(403, {"detail": str(refusal)})
    except ValidationError as error:
        return _invalid(error.message_dict)
    return _funding_out(request, call)


@router.get(
    "/calls/{slug}/allocation",
    response=responses(AllocationOut, 404, 422),
    summary="The ranked list, the optimiser's allocation and the rank-order line (the call funder's officers)",
    description=(
        "envelope_if: the call funder's envelope as if it were this amount; recomputed, "
        "nothing is written."
    ),
)
def get_allocation(request: HttpRequest, slug: Path[str], query: Query[AllocationQuery]) -> Any:
    call = _call(request, slug, manage=True)
    envelope_if = None if query.envelope_if is None else Decimal(query.envelope_if)
    view = selectors.call_allocation(call, envelope_if=envelope_if)
    slugs = {e.funder_id: e.funder.slug for e in view.envelopes}

    def text(d: Any) -> str | None:
        if d is None:
            return None
        return _(d.message) % {k: format_param(k, v) for k, v in d.params.items()}

    return {
        "call": call.slug,
        "envelope_if": envelope_if,
        "available": view.available,
        "solver_status": view.optimal.status,
        "gap": view.optimal.gap if math.isfinite(view.optimal.gap) else None,
        "optimal_total_score": view.optimal.total_score,
        "rank_order_total_score": view.line.total_score,
        "rows": [
            {
                "application": r.application.pk,
                "project": str(r.application.project),
                "status": r.application.status,
                "panel_list": r.application.panel_list,
                "panel_rank": r.application.panel_rank,
                "score": r.application.panel_score,
                "requested": r.requested,
                "cap": r.cap,
                "minimum": r.minimum,
                "optimal": r.optimal,
                "rank_order": r.line,
                "approved": r.approved,
                "departure": text(r.departure),
                "partners": [
                    {
                        "participation": p.participation.pk,
                        "organisation": p.participation.organisation_id,
                        "name": p.name,
                        "cap": p.cap,
                        "requested": {slugs.get(k, str(k)): v for k, v in p.requested.items()},
                        "approved": {slugs.get(k, str(k)): v for k, v in p.approved.items()},
                    }
                    for p in r.partners
                ],
            }
            for r in view.rows
        ],
    }


def _application(request: HttpRequest, id: int) -> tuple[Application, bool]:
    if not 0 < id <= MAX_ID:
        raise not_found(_("application"), id)
    try:
        return selectors.application_for_decision(scope=scope_for(request.user), pk=id)
    except Application.DoesNotExist:
        raise not_found(_("application"), id) from None


def _decision_out(application: Application) -> dict[str, Any]:
    decision = selectors.application_decision(application)
    ledger = selectors.application_ledger(application) if decision else []
    return {
        "application": application.pk,
        "status": application.status,
        "outcome": decision.outcome if decision else None,
        "reason": decision.reason if decision else "",
        "reference": decision.reference if decision else "",
        "decided_on": decision.decided_on if decision else None,
        "ledger": [
            {
                "participation": e.participation_id,
                "partner": str(e.participation.organisation),
                "funder": e.envelope.funder.slug,
                "kind": e.kind,
                "amount": e.amount,
                "reason": e.reason,
            }
            for e in ledger
        ],
    }


@router.get(
    "/decisions/applications/{id}",
    response=responses(DecisionOut, 404, 422),
    summary="An application's decision (its officers; its consortium once decided)",
)
def get_decision(request: HttpRequest, id: Path[int]) -> dict[str, Any]:
    application, _manage = _application(request, id)
    return _decision_out(application)


REFUSAL_STATUS = {"role": 403, "wrong_state": 409, "guard": 409, "reason": 422}


@router.post(
    "/decisions/applications/{id}/approve",
    auth=django_auth,
    response=responses(DecisionOut, 401, 404, 409, BODY_ERRORS),
    summary="Approve per-partner amounts under the envelope and fund (the call funder's officers)",
    description=(
        "422 names the amount: negative, above the partner's cap under the call's rules (the "
        "cap in the message), beyond what the envelope has left; nothing is written."
    ),
)
def post_approve(request: HttpRequest, id: Path[int], body: ApproveIn) -> Any:
    application, manage = _application(request, id)
    if not manage:
        return Status(403, {"detail": _("You may not decide on this call's applications.")})
    funders = dict(
        Funder.objects.filter(slug__in=[a.funder for a in body.amounts]).values_list("slug", "pk")
    )
    errors: dict[str, list[str]] = {}
    amounts: dict[tuple[int, int], Decimal] = {}
    where: dict[str, list[str | int]] = {}
    for i, a in enumerate(body.amounts):
        if a.funder not in funders:
            errors[f"amounts.{i}.funder"] = [_("Unknown funder: %(slug)s") % {"slug": a.funder}]
            continue
        key = (a.participation, funders[a.funder])
        amounts[key] = amounts.get(key, Decimal(0)) + Decimal(a.amount)
        where[f"amount_{key[0]}_{key[1]}"] = ["body", "amounts", i, "amount"]
    if errors:
        return _invalid(errors)
    try:
        services.application_approve(
            actor=request.user,
            application=application,
            amounts=amounts,
            reference=body.reference,
            decided_on=body.decided_on,
            reason=body.reason,
        )
    except PermissionDenied as refusal:
        return Status(403, {"detail": str(refusal)})
    except ValidationError as error:
        return _invalid(
            error.message_dict,
            lambda key: where.get(key, ["body", "amounts" if key == "__all__" else key]),
        )
    except TransitionRefused as refusal:
        return Status(REFUSAL_STATUS.get(refusal.refusal, 409), {"detail": refusal.message})
    return _decision_out(application)


@router.post(
    "/decisions/applications/{id}/decline",
    auth=django_auth,
    response=responses(DecisionOut, 401, 404, 409, BODY_ERRORS),
    summary="Decline a ranked application with the reason sent to the consortium",
)
def post_decline(request: HttpRequest, id: Path[int], body: DeclineIn) -> Any:
    application, manage = _application(request, id)
    if not manage:
        return Status(403, {"detail": _("You may not decide on this call's applications.")})
    try:
        services.application_decline(
            actor=request.user,
            application=application,
            reason=body.reason,
            reference=body.reference,
        )
    except PermissionDenied as refusal:
        return Status(403, {"detail": str(refusal)})
    except ValidationError as error:
        return _invalid(error.message_dict)
    except TransitionRefused as refusal:
        return Status(REFUSAL_STATUS.get(refusal.refusal, 409), {"detail": refusal.message})
    return _decision_out(application)
