"""API: projects (read-only). Proposals, requested aid and budgets only reach insiders."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.security import django_auth

from grappe.core.apikit import MAX_ID, NotFoundOut, ValidationErrorOut, decimal_str, not_found
from grappe.core.lists import api_filterset, api_page
from grappe.core.pagination import CursorPage, Page
from grappe.core.scopes import scope_for
from grappe.projects.domain.budget import shares
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import (
    BudgetLine,
    FundingLine,
    Project,
    ResearchCategory,
)
from grappe.projects.schemas import (
    AidByFunderOut,
    AidLineOut,
    BudgetLineOut,
    FunderRefOut,
    ProjectDetailOut,
    ProjectListQuery,
    ProjectOut,
    RefusalOut,
    ResearchShareOut,
    TransitionIn,
    TransitionOut,
)
from grappe.projects.selectors import (
    project_budget_lines,
    project_funding_lines,
    project_get,
    project_is_insider,
    project_list,
    project_transition_history,
    projects_with_listing_details,
)
from grappe.projects.services import TransitionRefused, project_transition

router = Router(tags=["projects"])


# What a list row shows besides the project itself: one query each, whatever the page size.
@router.get(
    "/projects",
    response={200: CursorPage[ProjectOut], 422: ValidationErrorOut},
    summary="List projects",
)
def list_projects(request: HttpRequest, params: Query[ProjectListQuery]) -> Page[Any]:
    qs = project_list(scope=scope_for(request.user))
    filterset = api_filterset(ProjectFilterSet, params, qs, request)
    return api_page(filterset, params, prepare=projects_with_listing_details)


@router.get(
    "/projects/{id}",
    response={200: ProjectDetailOut, 404: NotFoundOut, 422: ValidationErrorOut},
    summary="One project; requested aid and budget lines only for insiders",
)
def get_project(request: HttpRequest, id: Path[int]) -> ProjectDetailOut:
    scope = scope_for(request.user)
    if not 1 <= id <= MAX_ID:
        raise not_found(_("project"), id)
    try:
        project = project_get(scope=scope, pk=id)
    except Project.DoesNotExist:
        # Proposals the user may not see are "not found" too: their existence is confidential.
        raise not_found(_("project"), id) from None
    insider = project_is_insider(scope=scope, project=project)
    out = ProjectDetailOut.from_orm(project)
    aid = list(project_funding_lines(scope=scope, project=project).order_by("funder", "id"))
    out.aid = [_aid_line(line, show_requested=insider) for line in aid]
    out.aid_granted_by_funder = _aid_by_funder(aid)
    if insider:
        budget = list(project_budget_lines(scope=scope, project=project))
        out.budget_lines = [BudgetLineOut.from_orm(line) for line in budget]
        out.budget_total = decimal_str(sum((b.amount for b in budget), Decimal("0")))
        out.research_category_mix = _research_mix(budget)
    return out


def _aid_line(line: FundingLine, *, show_requested: bool) -> AidLineOut:
    out = AidLineOut.from_orm(line)
    if not show_requested:
        out.requested = None
    return out


def _aid_by_funder(lines: Iterable[FundingLine]) -> list[AidByFunderOut]:
    totals: dict[int, tuple[Any, Decimal]] = {}
    for line in lines:
        if line.granted is None:
            continue
        funder, total = totals.get(line.funder_id, (line.funder, Decimal("0.00")))
        totals[line.funder_id] = (funder, total + line.granted)
    return [
        AidByFunderOut(funder=FunderRefOut.from_orm(funder), granted=decimal_str(total))
        for funder, total in sorted(totals.values(), key=lambda t: t[0].name)
    ]


def _research_mix(lines: Iterable[BudgetLine]) -> list[ResearchShareOut]:
    """Share of the budget per research category, in the GBER order, as percentages."""
    mix = shares(((line.research_category, line.amount) for line in lines), ResearchCategory.values)
    return [
        ResearchShareOut(
            research_category=s.key, amount=decimal_str(s.amount), share=decimal_str(s.percent)
        )
        for s in mix
    ]


# --- workflow ----------------------------------------------------------------------------------

# A refusal's HTTP status: not yours to do (403); not now (409); the request itself is wrong (422).
REFUSAL_STATUS = {
    "role": 403,
    "wrong_state": 409,
    "guard": 409,
    "idempotency_key_reused": 409,
    "unknown_version": 409,
    "reason": 422,
    "unknown_transition": 422,
}


def _transition_out(row: Any, *, replayed: bool = False) -> TransitionOut:
    out = TransitionOut.from_orm(row)
    out.replayed = replayed
    return out


def _visible_project(request: HttpRequest, id: int) -> Project:
    if not 1 <= id <= MAX_ID:
        raise not_found(_("project"), id)
    try:
        return project_get(scope=scope_for(request.user), pk=id)
    except Project.DoesNotExist:
        raise not_found(_("project"), id) from None


@router.post(
    "/projects/{id}/transitions",
    auth=django_auth,
    response={
        200: TransitionOut,
        201: TransitionOut,
        401: NotFoundOut,
        403: RefusalOut,
        404: NotFoundOut,
        409: RefusalOut,
        422: RefusalOut | ValidationErrorOut,
    },
    summary="Change a project's status by firing a workflow transition",
    description=(
        "The only way to change a project's status. 201: done. 200: the idempotency key was "
        "already used for this project with the same transition; nothing changed. 401: not "
        "logged in. 403: your role on this project may not fire it. 404: no such project, or "
        "you may not see it. 409: not possible from the current status, a condition is not "
        "met, or the key was used for another transition. 422: unknown transition, missing "
        "reason, or a malformed body (a `status` field is refused)."
    ),
)
def fire_transition(request: HttpRequest, id: Path[int], body: TransitionIn) -> Any:
    project = _visible_project(request, id)
    try:
        outcome = project_transition(
            actor=request.user,
            project=project,
            transition=body.transition,
            reason=body.reason,
            idempotency_key=body.idempotency_key,
        )
    except TransitionRefused as refusal:
        return Status(
            REFUSAL_STATUS.get(refusal.refusal, 409),
            RefusalOut(
                detail=refusal.message,
                refusal=refusal.refusal,
                transition=refusal.transition,
                guard=refusal.guard,
            ),
        )
    status = 200 if outcome.replayed else 201
    return Status(status, _transition_out(outcome.row, replayed=outcome.replayed))


@router.get(
    "/projects/{id}/transitions",
    response={200: list[TransitionOut], 404: NotFoundOut, 422: ValidationErrorOut},
    summary="A project's status history (empty unless you are inside the project)",
)
def list_transitions(request: HttpRequest, id: Path[int]) -> list[TransitionOut]:
    project = _visible_project(request, id)
    history = project_transition_history(scope=scope_for(request.user), project=project)
    return [_transition_out(row) for row in history]
