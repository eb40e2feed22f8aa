"""Decision pages (thin): the selectors read, the services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.core.scopes import scope_for
from grappe.core.templatetags.grappe_ui import money
from grappe.decisions import selectors, services
from grappe.decisions.forms import ApproveForm, DeclineForm, FundingForm, ReverseForm, WhatIfForm
from grappe.funding.explain import format_param
from grappe.funding.models import Application, Call
from grappe.projects.services import TransitionRefused


def _departure_text(departure: object) -> str:
    message = getattr(departure, "message", "")
    params = {k: format_param(k, v) for k, v in getattr(departure, "params", {}).items()}
    return _(message) % params if message else ""


@login_required
@require_http_methods(["GET", "POST"])
def call_funding(request: HttpRequest, slug: str) -> HttpResponse:
    """The call's envelope and co-funding pledges: set by the call funder's officers; the
    co-funders' officers see how their pledge is used."""
    scope = scope_for(request.user)
    try:
        call = selectors.call_for_funding(scope=scope, slug=slug)
    except Call.DoesNotExist:
        raise Http404 from None
    manage = selectors.may_manage(scope=scope, call=call)
    envelopes = selectors.call_envelopes(call)
    form = None
    if manage:
        plan = selectors.call_plan(call)
        form = FundingForm(
            request.POST or None,
            call=call,
            envelopes=envelopes,
            initial={"minimum_share": plan.minimum_share},
        )
        if request.method == "POST" and form.is_valid():
            pledges, fields = form.pledges()
            try:
                services.call_funding_set(
                    actor=request.user,
                    call=call,
                    envelope=form.cleaned_data["envelope"],
                    pledges=pledges,
                    minimum_share=form.cleaned_data["minimum_share"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc, fields)
            else:
                messages.success(request, _("The envelopes were saved."))
                return redirect("decisions:funding", slug=call.slug)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "decisions/funding.html",
        {
            "call": call,
            "form": form,
            "manage": manage,
            "uses": selectors.pledge_use(scope=scope, call=call),
        },
    )


@login_required
@require_http_methods(["GET"])
def call_allocation(request: HttpRequest, slug: str) -> HttpResponse:
    """The ranked list with requests and caps, the optimiser's proposal against the plain
    rank-order line, and a what-if on the envelope (recomputed, nothing written)."""
    scope = scope_for(request.user)
    try:
        call = selectors.call_for_decisions(scope=scope, slug=slug)
    except Call.DoesNotExist:
        raise Http404 from None
    what_if = WhatIfForm(request.GET or None)
    envelope_if = what_if.cleaned_data.get("envelope_if") if what_if.is_valid() else None
    view = selectors.call_allocation(call, envelope_if=envelope_if)
    departures = [
        (
            next(r.application for r in view.rows if r.application.pk == d.project),
            _departure_text(d),
        )
        for d in view.departures
    ]
    return render(
        request,
        "decisions/allocation.html",
        {
            "call": call,
            "view": view,
            "what_if": what_if,
            "departures": departures,
            "minimum_percent": view.minimum_share * 100,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_decision(request: HttpRequest, pk: int) -> HttpResponse:
    """An application's decision: the officer approves per-partner amounts or declines; the
    consortium reads the decision, its reason and amounts once taken."""
    scope = scope_for(request.user)
    try:
        application, manage = selectors.application_for_decision(scope=scope, pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None
    call = application.call
    decision = selectors.application_decision(application)
    envelopes = [e for e in selectors.call_envelopes(call) if e.pk is not None]
    approve = decline = None
    reverse: ReverseForm | None = None
    partners = selectors.application_partners(call, application) if manage else []
    if manage and decision is None and application.status == "ranked":
        action = request.POST.get("action") if request.method == "POST" else None
        approve = ApproveForm(
            request.POST if action == "approve" else None,
            partners=partners,
            envelopes=envelopes,
        )
        decline = DeclineForm(request.POST if action == "decline" else None, prefix="decline")
        if action == "approve" and approve.is_valid():
            try:
                services.application_approve(
                    actor=request.user,
                    application=application,
                    amounts=approve.amounts(),
                    reference=approve.cleaned_data["reference"],
                    decided_on=approve.cleaned_data["decided_on"],
                    reason=approve.cleaned_data["reason"],
                )
            except ValidationError as exc:
                approve.add_service_errors(exc)
            except TransitionRefused as exc:
                approve.add_error(None, exc.message)
            else:
                messages.success(request, _("The amounts were approved and the project funded."))
                return redirect("decisions:application", pk=application.pk)
        elif action == "decline" and decline.is_valid():
            try:
                services.application_decline(
                    actor=request.user,
                    application=application,
                    reason=decline.cleaned_data["reason"],
                    reference=decline.cleaned_data["reference"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    for error in errors:
                        decline.add_error(key if key in decline.fields else None, error)
            except TransitionRefused as exc:
                decline.add_error(None, exc.message)
            else:
                messages.success(request, _("The application was declined."))
                return redirect("decisions:application", pk=application.pk)
        elif action not in (None, "approve", "decline"):
            messages.error(request, _("Unknown action."))
    elif manage and decision is not None and decision.outcome == "funded":
        funders = {e.funder_id: e.funder.name for e in envelopes}
        choices = [
            (f"{p.participation.pk}-{fid}", f"{p.name} — {funders.get(fid, fid)} ({money(a, 2)})")
            for p in partners
            for fid, a in p.approved.items()
            if a > 0
        ]
        posted = request.method == "POST" and request.POST.get("action") == "reverse"
        reverse = ReverseForm(request.POST if posted else None, choices=choices, prefix="reverse")
        if posted and reverse.is_valid():
            participation_id, funder_id = reverse.key()
            try:
                services.approval_reverse(
                    actor=request.user,
                    application=application,
                    participation_id=participation_id,
                    funder_id=funder_id,
                    amount=reverse.cleaned_data["amount"],
                    reason=reverse.cleaned_data["reason"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    for error in errors:
                        reverse.add_error(key if key in reverse.fields else None, error)
            else:
                messages.success(request, _("The amount was reversed."))
                return redirect("decisions:application", pk=application.pk)
    elif request.method == "POST":
        return redirect("decisions:application", pk=application.pk)
    return render(
        request,
        "decisions/application.html",
        {
            "application": application,
            "call": call,
            "manage": manage,
            "decision": decision,
            "partners": partners,
            "approve": approve,
            "decline": decline,
            "ledger": selectors.application_ledger(application) if decision else [],
            "status_text": selectors.status_label(application),
            "reverse": reverse,
        },
    )
