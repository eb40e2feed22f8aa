"""API: projects (read-only). Proposals, requested aid and budgets only reach insiders."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.security import django_auth

from grappe.core.apikit import (
    BODY_ERRORS,
    ERROR_SCHEMAS,
    MAX_ID,
    RATE_LIMIT_ERRORS,
    attribution,
    not_found,
    provenance_out,
    responses,
)
from grappe.core.concurrency import EditConflict, edit_token
from grappe.core.lists import api_filterset, api_page
from grappe.core.pages import page_sections
from grappe.core.pagination import CursorPage, Page
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.refusals import refused
from grappe.core.scopes import scope_for
from grappe.projects.domain.budget import shares
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import ParticipantRole, PartnerInvitation, Project, ResearchCategory
from grappe.projects.schemas import (
    InvitationAnswerIn,
    InvitationIn,
    InvitationOut,
    OwnBudgetLineOut,
    PartnerBudgetIn,
    ProjectDetailOut,
    ProjectListQuery,
    ProjectOut,
    ProposalDescriptionIn,
    ProposalDescriptionOut,
    ProposalIn,
    ProposalOut,
    RefusalOut,
    TransitionIn,
    TransitionOut,
)
from grappe.projects.selectors import (
    invitation_get,
    invitations_pending_for,
    my_participations,
    project_accreditation_rows,
    project_budget_lines,
    project_cluster_rows,
    project_consortium_rows,
    project_coordinator_rows,
    project_detail,
    project_funding_line_rows,
    project_get,
    project_is_insider,
    project_list,
    project_transition_history,
    proposal_invitations,
)
from grappe.projects.services import (
    PROPOSAL_DESCRIPTION,
    TransitionRefused,
    invitation_create,
    invitation_create_by_siren,
    invitation_transition,
    partner_budget_set,
    project_transition,
    proposal_create,
    proposal_edit_refusal,
    proposal_update,
)
from grappe.registry.schemas import keyword_list

router = Router(tags=["projects"])


# Lists and details read only the columns they answer, as dicts (no model objects), and the
# schemas validate those dicts once (`docs/decisions/api-rows.md`).
LIST_COLUMNS = ("id", "acronym", "title", "status", "start_date", "duration_months", "keywords")
DETAIL_COLUMNS = (
    *LIST_COLUMNS,
    "summary",
    "summary_fr",
    "trl_start",
    "trl_target",
    "is_demo",
    "end_date",
    "total_cost",
    "eu_contribution",
    "programme",
    "legal_basis",
    "call",
    "funding_scheme",
)
# Read for the answer, shaped before it is given.
SOURCE_COLUMNS = ("topics", "external_id", "source", "source_run", "funder")
CONSORTIUM_COLUMNS = (
    "organisation_id",
    "organisation__name",
    "organisation__kind",
    "organisation__city",
    "role",
    "eu_contribution",
    "net_eu_contribution",
    "total_cost",
)
ACCREDITATION_COLUMNS = ("cluster__slug", "cluster__name", "is_lead", "accredited_on")
AID_COLUMNS = (
    "funder__slug",
    "funder__name_en",
    "funder__name_fr",
    "participation__organisation_id",
    "participation__organisation__name",
    "requested",
    "granted",
    "decided_on",
)


def _list_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of project rows with their coordinator and clusters (one query each)."""
    ids = [row["id"] for row in rows]
    coordinators = project_coordinator_rows(ids)
    clusters = project_cluster_rows(ids)
    for row in rows:
        row["keywords"] = keyword_list(row["keywords"])
        row["coordinator"] = coordinators.get(row["id"])
        row["clusters"] = clusters.get(row["id"], [])
    return rows


@router.get(
    "/projects",
    response=responses(CursorPage[ProjectOut], 422, RATE_LIMIT_ERRORS),
    summary="List projects",
)
@decorate_view(rate_limited("search", when=has_query))
def list_projects(request: HttpRequest, params: Query[ProjectListQuery]) -> Page[Any]:
    scope = scope_for(request.user)
    filterset = api_filterset(ProjectFilterSet, params, lambda: project_list(scope=scope), request)
    return api_page(filterset, params, columns=LIST_COLUMNS, shape=_list_rows, cache=scope)


@router.get(
    "/projects/{id}",
    response=responses(ProjectDetailOut, 404, 422),
    summary="One project; requested aid and budget lines only for insiders",
)
def get_project(request: HttpRequest, id: Path[int]) -> dict[str, Any]:
    scope = scope_for(request.user)
    if not 1 <= id <= MAX_ID:
        raise not_found(_("project"), id)
    try:
        project = project_detail(scope=scope, pk=id, fields=(*DETAIL_COLUMNS, *SOURCE_COLUMNS))
    except Project.DoesNotExist:
        # Proposals the user may not see are "not found" too: their existence is confidential.
        raise not_found(_("project"), id) from None
    insider = project_is_insider(scope=scope, project=project)
    consortium = [
        {
            "organisation": {"id": r["organisation_id"], "name": r["organisation__name"]},
            "kind": r["organisation__kind"],
            "city": r["organisation__city"],
            "role": r["role"],
            "is_coordinator": r["role"] == ParticipantRole.COORDINATOR,
            "eu_contribution": r["eu_contribution"],
            "net_eu_contribution": r["net_eu_contribution"],
            "total_cost": r["total_cost"],
        }
        for r in project_consortium_rows(scope=scope, project=project, columns=CONSORTIUM_COLUMNS)
    ]
    accreditations = [
        {
            "cluster": {"slug": r["cluster__slug"], "name": r["cluster__name"]},
            "is_lead": r["is_lead"],
            "accredited_on": r["accredited_on"],
        }
        for r in project_accreditation_rows(
            scope=scope, project=project, columns=ACCREDITATION_COLUMNS
        )
    ]
    aid = _aid_lines(scope, project, show_requested=insider)
    # provenance: `interop/pages.py`; the target call of a proposal: `funding/pages.py`.
    sections = page_sections("api.project_detail", request, scope, project=project)
    out: dict[str, Any] = {name: getattr(project, name) for name in DETAIL_COLUMNS}
    out |= {
        "keywords": keyword_list(project.keywords),
        "coordinator": consortium[0]["organisation"]
        if consortium and consortium[0]["is_coordinator"]
        else None,
        "clusters": [a["cluster"] for a in accreditations],
        "consortium": consortium,
        "accreditations": accreditations,
        "aid": aid,
        "aid_granted_by_funder": _aid_by_funder(aid),
        "budget_lines": None,
        "budget_total": None,
        "research_category_mix": None,
        "funder": {"slug": project.funder.slug, "name": project.funder.name}
        if project.funder is not None
        else None,
        "topics": [t.strip() for t in project.topics.split(";") if t.strip()],
        "grant_number": project.external_id,
        "source": project.source,
        "attribution": attribution(project.source),
        "provenance": provenance_out(sections.get("provenance", [])),
        "target_call": sections.get("target_call"),
    }
    if insider:
        budget: list[dict[str, Any]] = [
            {
                "organisation": {
                    "id": r["participation__organisation_id"],
                    "name": r["participation__organisation__name"],
                },
                "cost_category": r["cost_category"],
                "research_category": r["research_category"],
                "amount": r["amount"],
            }
            for r in project_budget_lines(scope=scope, project=project).values(
                "participation__organisation_id",
                "participation__organisation__name",
                "cost_category",
                "research_category",
                "amount",
            )
        ]
        out["budget_lines"] = budget
        out["budget_total"] = sum((Decimal(b["amount"]) for b in budget), Decimal("0"))
        out["research_category_mix"] = _research_mix(budget)
    return out


def _aid_lines(scope: Any, project: Project, *, show_requested: bool) -> list[dict[str, Any]]:
    """Aid per partner and funder, ordered by funder; `requested` only for insiders."""
    fr = (get_language() or "en").startswith("fr")
    rows = project_funding_line_rows(scope=scope, project=project, columns=AID_COLUMNS)
    return [
        {
            "funder": {
                "slug": r["funder__slug"],
                "name": r["funder__name_fr"] if fr else r["funder__name_en"],
            },
            "organisation": {
                "id": r["participation__organisation_id"],
                "name": r["participation__organisation__name"],
            },
            "requested": r["requested"] if show_requested else None,
            "granted": r["granted"],
            "decided_on": r["decided_on"],
        }
        for r in rows
    ]


def _aid_by_funder(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, tuple[dict[str, Any], Decimal]] = {}
    for line in lines:
        if line["granted"] is None:
            continue
        funder = line["funder"]
        _funder, total = totals.get(funder["slug"], (funder, Decimal("0.00")))
        totals[funder["slug"]] = (funder, total + line["granted"])
    return [
        {"funder": funder, "granted": total}
        for funder, total in sorted(totals.values(), key=lambda t: t[0]["name"])
    ]


def _research_mix(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Share of the budget per research category, in the GBER order, as percentages."""
    mix = shares(
        ((line["research_category"], line["amount"]) for line in lines), ResearchCategory.values
    )
    return [{"research_category": s.key, "amount": s.amount, "share": s.percent} for s in mix]


# --- workflow ----------------------------------------------------------------------------------


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
    response=responses(
        {200: TransitionOut, 201: TransitionOut},
        401,
        404,
        BODY_ERRORS,
        schemas={
            403: RefusalOut | ERROR_SCHEMAS[403],
            409: RefusalOut,
            422: RefusalOut | ERROR_SCHEMAS[422],
        },
    ),
    summary="Change a project's status by firing a workflow transition",
    description=(
        "The only way to change a project's status. 201: done. 200: the idempotency key was "
        "already used for this project with the same transition; nothing changed. 401: not "
        "logged in. 403: your role on this project may not fire it (or a session call without its CSRF token). 404: no such project, or "
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
        return refused(refusal)
    status = 200 if outcome.replayed else 201
    return Status(status, _transition_out(outcome.row, replayed=outcome.replayed))


@router.get(
    "/projects/{id}/transitions",
    response=responses(list[TransitionOut], 404, 422),
    summary="A project's status history (empty unless you are inside the project)",
)
def list_transitions(request: HttpRequest, id: Path[int]) -> list[TransitionOut]:
    project = _visible_project(request, id)
    history = project_transition_history(scope=scope_for(request.user), project=project)
    return [_transition_out(row) for row in history]


# --- proposals built by their partners: the same services as the pages --------------------------


def _invitation_out(invitation: PartnerInvitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "project_id": invitation.project_id,
        "organisation": {"id": invitation.organisation_id, "name": invitation.organisation.name},
        "status": invitation.status,
        "created_at": invitation.created_at,
        "answered_at": invitation.answered_at,
    }


PROPOSAL_ERRORS = {403: ERROR_SCHEMAS[403], 422: ERROR_SCHEMAS[422]}


@router.post(
    "/projects",
    auth=django_auth,
    response=responses({201: ProposalOut}, 401, BODY_ERRORS),
    summary="Start a proposal (a draft) coordinated by an organisation you act for",
    description="201: created. 401: not logged in. 422: a field is invalid or the organisation "
    "is not one you act for (the message names the field); nothing is written.",
)
def create_proposal(request: HttpRequest, body: ProposalIn) -> Any:
    fields = body.model_dump()
    organisation_id = fields.pop("organisation_id")
    try:
        project = proposal_create(actor=request.user, organisation_id=organisation_id, **fields)
    except (ValidationError, PermissionDenied) as exc:
        return refused(exc)
    return Status(
        201,
        {
            "id": project.pk,
            "acronym": project.acronym,
            "title": project.title,
            "status": project.status,
        },
    )


def _description_out(request: HttpRequest, project: Project) -> dict[str, Any]:
    may_edit = not proposal_edit_refusal(actor=request.user, project=project)
    return {
        "id": project.pk,
        "status": project.status,
        **{name: getattr(project, name) for name in PROPOSAL_DESCRIPTION},
        "may_edit": may_edit,
        "edit_token": edit_token(project) if may_edit else None,
    }


@router.get(
    "/projects/{id}/proposal",
    response=responses(ProposalDescriptionOut, 404, 422),
    summary="A proposal's common description, and its edit token if you may change it",
)
def get_proposal(request: HttpRequest, id: Path[int]) -> dict[str, Any]:
    return _description_out(request, _visible_project(request, id))


@router.post(
    "/projects/{id}/proposal",
    auth=django_auth,
    response=responses(ProposalDescriptionOut, 401, 404, 409, BODY_ERRORS),
    summary="Change a draft proposal's common description (its coordinator; staff)",
    description="Only the fields given change. 403: you are not the coordinator, or the "
    "proposal is no longer a draft. 409: it changed since `edit_token` (read it again). 422: "
    "a field is invalid (the message names it); nothing is written.",
)
def update_proposal(request: HttpRequest, id: Path[int], body: ProposalDescriptionIn) -> Any:
    project = _visible_project(request, id)
    changes = body.model_dump(exclude_unset=True)
    token = changes.pop("edit_token")
    try:
        project = proposal_update(
            actor=request.user, project=project, expected_token=token, **changes
        )
    except EditConflict as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    except (ValidationError, PermissionDenied) as exc:
        return refused(exc)
    return _description_out(request, project)


@router.get(
    "/projects/{id}/invitations",
    response=responses(list[InvitationOut], 404, 422),
    summary="A proposal's invitations (empty unless you are inside the project)",
)
def list_invitations(request: HttpRequest, id: Path[int]) -> list[dict[str, Any]]:
    project = _visible_project(request, id)
    rows = proposal_invitations(scope=scope_for(request.user), project=project)
    return [_invitation_out(i) for i in rows]


@router.post(
    "/projects/{id}/invitations",
    auth=django_auth,
    response=responses({201: InvitationOut}, 401, 404, BODY_ERRORS),
    summary="Invite an organisation to a draft's consortium (its coordinator)",
    description="By `organisation_id`, or by `siren` (a new registry record needs `name` and "
    "`kind`). 403: you are not the coordinator. 404: no such project, or you may not see it. "
    "422: unknown organisation, already a partner, your own organisation, already invited, "
    "an invalid SIREN, or the project is no longer a draft; nothing is written.",
)
def invite_partner(request: HttpRequest, id: Path[int], body: InvitationIn) -> Any:
    project = _visible_project(request, id)
    try:
        if body.organisation_id is not None:
            invitation = invitation_create(
                actor=request.user, project=project, organisation_id=body.organisation_id
            )
        elif body.siren:
            invitation = invitation_create_by_siren(
                actor=request.user,
                project=project,
                siren=body.siren,
                name=body.name,
                kind=body.kind,
            )
        else:
            raise ValidationError(
                {"organisation_id": _("Give an organisation id or a SIREN.")}, code="required"
            )
    except (ValidationError, PermissionDenied) as exc:
        return refused(exc)
    return Status(201, _invitation_out(invitation))


@router.get(
    "/invitations",
    auth=django_auth,
    response=responses(list[InvitationOut], 401),
    summary="Pending invitations to the organisations you act for",
)
def my_invitations(request: HttpRequest) -> list[dict[str, Any]]:
    return [_invitation_out(i) for i in invitations_pending_for(scope=scope_for(request.user))]


@router.post(
    "/invitations/{id}/answer",
    auth=django_auth,
    response=responses({200: InvitationOut}, 401, 404, BODY_ERRORS),
    summary="Accept or decline an invitation (the invited organisation), or cancel it "
    "(the coordinator)",
    description="Accepting adds your organisation to the consortium. 404: no such invitation, "
    "or you may not know of it. 422: not your organisation's, already answered, unknown "
    "answer, or the project is no longer a draft; nothing is written.",
)
def answer_invitation(request: HttpRequest, id: Path[int], body: InvitationAnswerIn) -> Any:
    if not 1 <= id <= MAX_ID:
        raise not_found(_("invitation"), id)
    try:
        invitation = invitation_get(scope=scope_for(request.user), pk=id)
    except PartnerInvitation.DoesNotExist:
        raise not_found(_("invitation"), id) from None
    try:
        done = invitation_transition(
            actor=request.user, invitation=invitation, transition=body.transition
        )
    except (ValidationError, PermissionDenied) as exc:
        return refused(exc)
    return Status(200, _invitation_out(done))


@router.post(
    "/projects/{id}/budget",
    auth=django_auth,
    response=responses({200: list[OwnBudgetLineOut]}, 401, 404, BODY_ERRORS),
    summary="Set your organisation's whole budget in a draft (lines not given are removed)",
    description="Only your own organisation's lines. 403: you are not a partner. 404: no such "
    "project, or you may not see it. 422: an unknown category, a negative amount, more than "
    "100,000,000 EUR on a line, or the project is no longer a draft; nothing is written.",
)
def set_budget(request: HttpRequest, id: Path[int], body: PartnerBudgetIn) -> Any:
    scope = scope_for(request.user)
    project = _visible_project(request, id)
    mine = my_participations(scope=scope, project=project)
    participation = next(
        (p for p in mine if body.organisation_id in (None, p.organisation_id)), None
    )
    if participation is None:
        return Status(403, {"detail": _("Only a partner of the proposal enters a budget here.")})
    lines = {
        (line.cost_category, line.research_category): Decimal(line.amount) for line in body.lines
    }
    try:
        saved = partner_budget_set(actor=request.user, participation=participation, lines=lines)
    except (ValidationError, PermissionDenied) as exc:
        return refused(exc)
    return Status(
        200,
        [
            {
                "cost_category": line.cost_category,
                "research_category": line.research_category,
                "amount": line.amount,
            }
            for line in saved
        ],
    )
