"""Public project pages (thin: parse → selector → template)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.domain.workflow import ObjectRole
from grappe.core.lists import list_response
from grappe.core.pages import page_sections
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.projects import selectors
from grappe.projects.domain.budget import shares
from grappe.projects.domain.workflow import PROJECT_WORKFLOWS
from grappe.projects.filters import PROJECT_EXPORT, ProjectFilterSet
from grappe.projects.forms import ProjectSubmitForm, ProjectTransitionForm, SubmissionWithdrawForm
from grappe.projects.models import (
    BudgetLine,
    ClusterSubmission,
    CostCategory,
    FundingLine,
    Participation,
    Project,
    ResearchCategory,
)
from grappe.projects.services import (
    SubmissionRequest,
    TransitionRefused,
    actor_project_roles,
    project_offered_transitions,
    project_submit,
    project_transition,
    submission_withdraw,
)
from grappe.registry.models import Cluster

ZERO = Decimal("0")


def _budget_table(lines: Iterable[BudgetLine], partners: list[Participation]) -> dict[str, Any]:
    """Budget per partner (rows, consortium order) and cost category (columns), with totals."""
    cells: dict[int, dict[str, Decimal]] = {}
    for line in lines:
        row = cells.setdefault(line.participation_id, {})
        row[line.cost_category] = row.get(line.cost_category, ZERO) + line.amount
    categories = [c for c in CostCategory.values if any(c in row for row in cells.values())]
    rows = [
        {
            "organisation": p.organisation,
            "cells": [cells[p.pk].get(c) for c in categories],
            "total": sum(cells[p.pk].values(), ZERO),
        }
        for p in partners
        if p.pk in cells
    ]
    column_totals = [sum((r.get(c, ZERO) for r in cells.values()), ZERO) for c in categories]
    labels = dict(CostCategory.choices)
    return {
        "categories": [labels[c] for c in categories],
        "rows": rows,
        "column_totals": column_totals,
        "total": sum(column_totals, ZERO),
    }


def _research_mix(lines: Iterable[BudgetLine]) -> list[dict[str, Any]]:
    """Share of the budget in each research category (GBER Art. 25), in the GBER order."""
    labels = dict(ResearchCategory.choices)
    mix = shares(((line.research_category, line.amount) for line in lines), ResearchCategory.values)
    return [
        {"label": labels.get(s.key, s.key), "amount": s.amount, "share": s.percent} for s in mix
    ]


def _aid_table(lines: Iterable[FundingLine], partners: list[Participation]) -> dict[str, Any]:
    """Aid per funder (totals) and per partner and funder (detail)."""
    order = {p.pk: i for i, p in enumerate(partners)}
    ordered = sorted(lines, key=lambda fl: (order.get(fl.participation_id, 0), fl.funder.name))
    per_funder: OrderedDict[str, dict[str, Decimal]] = OrderedDict()
    for fl in sorted(ordered, key=lambda fl: fl.funder.name):
        totals = per_funder.setdefault(fl.funder.name, {"requested": ZERO, "granted": ZERO})
        totals["requested"] += fl.requested
        totals["granted"] += fl.granted or ZERO
    return {
        "lines": ordered,
        "per_funder": [{"funder": name, **totals} for name, totals in per_funder.items()],
        "granted_total": sum((t["granted"] for t in per_funder.values()), ZERO),
        "requested_total": sum((t["requested"] for t in per_funder.values()), ZERO),
    }


@rate_limited("search", when=has_query)
def project_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope = scope_for(request.user)
    return list_response(
        request,
        ProjectFilterSet,
        selectors.project_list(scope=scope),
        template="projects/project_list.html",
        filename="projects",
        columns=PROJECT_EXPORT,
        prepare=selectors.projects_with_listing_details,
    )


def _workflow_panel(request: HttpRequest, project: Project, is_insider: bool) -> dict[str, Any]:
    """The transition history (insiders) and the transitions this user may fire, each with the
    reason when a condition blocks it."""
    scope = scope_for(request.user)
    if not is_insider:
        return {"history": [], "offered": []}
    workflow = PROJECT_WORKFLOWS.get(project.workflow_version)
    history = [
        {
            "row": row,
            "transition": _(workflow.transitions[row.transition].label)
            if row.transition in workflow.transitions
            else row.transition,
            "from": _(workflow.states[row.from_state].staff_label),
            "to": _(workflow.states[row.to_state].staff_label),
            "role": _(ObjectRole(row.acting_role).label),
        }
        for row in selectors.project_transition_history(scope=scope, project=project)
    ]
    offered = project_offered_transitions(actor=request.user, project=project)
    return {"history": history, "offered": offered, "idempotency_key": uuid.uuid4().hex}


def project_detail(
    request: HttpRequest, pk: int, *, refused: str = "", status: int = 200
) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        project = selectors.project_get(scope=scope, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    partners = list(project.participations.all())  # coordinator first (selector order)
    is_insider = selectors.project_is_insider(scope=scope, project=project)
    context: dict[str, Any] = {
        "project": project,
        "partners": partners,
        "topics": [t.strip() for t in project.topics.split(";") if t.strip()],
        # Published per-participant figures (CORDIS): columns shown when any partner has them.
        "partner_money": {
            "eu_contribution": any(p.eu_contribution is not None for p in partners),
            "net_eu_contribution": any(p.net_eu_contribution is not None for p in partners),
            "total_cost": any(p.total_cost is not None for p in partners),
        },
        "accreditations": project.accreditations.all(),
        "is_insider": is_insider,
        "aid": _aid_table(selectors.project_funding_lines(scope=scope, project=project), partners),
    }
    if is_insider:
        lines = list(selectors.project_budget_lines(scope=scope, project=project))
        context["budget"] = _budget_table(lines, partners)
        context["research_mix"] = _research_mix(lines)
    context["workflow"] = _workflow_panel(request, project, is_insider)
    context["refused"] = refused
    context["submissions"] = selectors.project_submissions(scope=scope, project=project)
    # provenance: `interop/pages.py`
    context.update(page_sections("projects.project_detail", request, scope, project=project))
    return render(request, "projects/project_detail.html", context, status=status)


@login_required
@require_POST
def project_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Fire a transition from the project page; a refusal is shown on the page (409)."""
    scope = scope_for(request.user)
    try:
        project = selectors.project_get(scope=scope, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    form = ProjectTransitionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return project_detail(request, pk, refused=errors, status=422)
    try:
        outcome = project_transition(
            actor=request.user,
            project=project,
            transition=form.cleaned_data["transition"],
            reason=form.cleaned_data["reason"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except TransitionRefused as refusal:
        return project_detail(request, pk, refused=refusal.message, status=409)
    if not outcome.replayed:
        messages.success(
            request,
            _("Done: the project is now “%(state)s”.") % {"state": project.get_status_display()},
        )
    return redirect("project_detail", pk=pk)


# --- submission for accreditation ---------------------------------------------------------------


def _coordinated_project(request: HttpRequest, pk: int) -> Project:
    """A project the user may see (else 404) and submit as coordinator (else 403)."""
    scope = scope_for(request.user)
    try:
        project = selectors.project_get(scope=scope, pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc
    if not actor_project_roles(request.user, project) & {ObjectRole.COORDINATOR, ObjectRole.STAFF}:
        raise PermissionDenied(_("Only the project's coordinator may submit it."))
    return project


@login_required
def project_submit_view(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    """Submit a draft to clusters for accreditation, lead cluster first, a statement each."""
    project = _coordinated_project(request, pk)
    clusters = Cluster.objects.order_by("name")
    posted = request.method == "POST" and status == 200
    form = ProjectSubmitForm(request.POST if posted else None, clusters=clusters)
    refused = ""
    if posted:
        if form.is_valid():
            try:
                project_submit(
                    actor=request.user,
                    project=project,
                    clusters=[SubmissionRequest(c, s) for c, s in form.requests()],
                )
            except TransitionRefused as refusal:
                refused, status = refusal.message, 409
            except ValidationError as error:
                for field, errs in error.message_dict.items():
                    form.add_error(None, f"{field}: {'; '.join(errs)}")
                status = 422
            else:
                messages.success(request, _("Submitted for accreditation."))
                return redirect("project_detail", pk=pk)
        else:
            status = 422
    context = {
        "project": project,
        "form": form,
        "refused": refused,
        "can_submit": project.status == "draft",
        "submissions": selectors.project_submissions(
            scope=scope_for(request.user), project=project
        ),
    }
    return render(request, "projects/project_submit.html", context, status=status)


@login_required
@require_POST
def submission_withdraw_view(request: HttpRequest, pk: int, submission_pk: int) -> HttpResponse:
    project = _coordinated_project(request, pk)
    try:
        submission = selectors.project_submissions(
            scope=scope_for(request.user), project=project
        ).get(pk=submission_pk, withdrawn_at__isnull=True)
    except ClusterSubmission.DoesNotExist as exc:
        raise Http404(_("No such submission.")) from exc
    form = SubmissionWithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the withdrawal."))
        return project_submit_view(request, pk, status=422)
    try:
        submission_withdraw(
            actor=request.user, submission=submission, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, TransitionRefused) as error:
        text = error.message if isinstance(error, TransitionRefused) else "; ".join(error.messages)
        messages.error(request, text)
    else:
        messages.success(request, _("The submission was withdrawn."))
    return redirect("project_submit", pk=pk)
