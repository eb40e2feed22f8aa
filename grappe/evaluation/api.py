"""API of the expert evaluation: a funder's pool, a call's conflicts, assignments and panel,
and one application's evaluation. Invisible objects are 404; the rules are the services'."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.security import django_auth

from grappe.core.apikit import (
    BODY_ERRORS,
    MAX_ID,
    RATE_LIMIT_ERRORS,
    SLUG,
    decimal_str,
    not_found,
    responses,
)
from grappe.core.lists import api_filterset, api_page
from grappe.core.pagination import CursorPage, Page
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.evaluation import conflicts, selectors, services
from grappe.evaluation.explain import tie_rule_label
from grappe.evaluation.filters import ExpertFilterSet
from grappe.evaluation.models import Assignment, Expert
from grappe.evaluation.schemas import (
    ApplicationAssignmentsOut,
    ApplicationEvaluationOut,
    AssignedOut,
    AssignmentActionIn,
    CallAssignmentsOut,
    ConflictOut,
    ConsensusIn,
    ConsensusOut,
    ExpertConflictsOut,
    ExpertDeclarationIn,
    ExpertIn,
    ExpertListQuery,
    ExpertOut,
    PanelIn,
    PanelOut,
    PlaceOut,
    ReportIn,
    ReportOut,
)
from grappe.funding.domain.evaluation import stored_or_default
from grappe.funding.models import Application, Call, Funder
from grappe.projects.services import TransitionRefused
from grappe.registry.models import Organisation

router = Router(tags=["evaluation"])


def _invalid(error: ValidationError, prefix: str = "body") -> Status[Any]:
    if hasattr(error, "error_dict"):
        detail = [
            {"loc": [prefix, field], "msg": m, "type": "value_error"}
            for field, messages in error.message_dict.items()
            for m in messages
        ]
    else:
        detail = [{"loc": [prefix], "msg": m, "type": "value_error"} for m in error.messages]
    return Status(422, {"detail": detail})


def _refused(refusal: Exception) -> Status[Any]:
    if isinstance(refusal, TransitionRefused):
        return Status(409, {"detail": refusal.message})
    return Status(403, {"detail": str(refusal)})


def _funder(request: HttpRequest, slug: str) -> Funder:
    if not SLUG.fullmatch(slug):
        raise not_found(_("funder"), slug)
    try:
        return selectors.funder_managed(scope=scope_for(request.user), slug=slug)
    except Funder.DoesNotExist:
        raise not_found(_("funder"), slug) from None


def _call(request: HttpRequest, slug: str) -> Call:
    if not SLUG.fullmatch(slug):
        raise not_found(_("call"), slug)
    try:
        return selectors.call_managed(scope=scope_for(request.user), slug=slug)
    except Call.DoesNotExist:
        raise not_found(_("call"), slug) from None


def _expert_out(e: Expert) -> ExpertOut:
    return ExpertOut(
        id=e.pk,
        name=e.name,
        user=e.user.get_username(),
        organisation=e.organisation_id,
        keywords=e.keyword_list,
        expertise=e.expertise,
        languages=e.language_list,
        max_load=e.max_load,
        active=e.active,
    )


@router.get(
    "/funders/{slug}/experts",
    response=responses(CursorPage[ExpertOut], 404, 422, RATE_LIMIT_ERRORS),
    summary="A funder's expert pool (its programme officers)",
)
@decorate_view(rate_limited("search", when=has_query))
def list_experts(
    request: HttpRequest, slug: Path[str], params: Query[ExpertListQuery]
) -> Page[Any]:
    funder = _funder(request, slug)
    pool = selectors.expert_pool(scope=scope_for(request.user), funder=funder)
    page = api_page(api_filterset(ExpertFilterSet, params, pool, request), params)
    return Page(items=[_expert_out(e) for e in page.items], next_cursor=page.next_cursor)


@router.post(
    "/funders/{slug}/experts",
    auth=django_auth,
    response=responses(ExpertOut, 401, 404, BODY_ERRORS),
    summary="Add a person to a funder's expert pool (they get the evaluator role)",
)
def post_expert(request: HttpRequest, slug: Path[str], body: ExpertIn) -> Any:
    funder = _funder(request, slug)
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=body.user) | Q(email__iexact=body.user))
        .order_by("id")
        .first()
    )
    if user is None:
        return _invalid(ValidationError({"user": _("No user has this name or e-mail.")}))
    organisation = None
    if body.organisation is not None:
        organisation = Organisation.objects.filter(pk=body.organisation).first()
        if organisation is None:
            return _invalid(
                ValidationError({"organisation": _("No organisation has this number.")})
            )
    try:
        expert = services.expert_create(
            actor=request.user,
            funder=funder,
            user=user,
            name=body.name,
            organisation=organisation,
            keywords=body.keywords,
            expertise=body.expertise,
            languages=body.languages,
            max_load=body.max_load,
        )
    except PermissionDenied as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _invalid(error)
    return _expert_out(expert)


def _conflicts_out(rows: list[conflicts.Found]) -> list[ConflictOut]:
    return [
        ConflictOut(
            kind=r.kind,
            hard=r.hard,
            waived=r.waived,
            blocks=r.blocks,
            evidence=r.text,
            justification=r.waiver_justification,
        )
        for r in rows
    ]


def _assignments_out(call: Call) -> CallAssignmentsOut:
    apps = selectors.call_applications(call, selectors.ASSIGNABLE)
    experts = selectors.call_experts(call)
    found = conflicts.detect(experts, apps)
    by_app: dict[int, list[Assignment]] = {}
    for a in selectors.assignments_of(apps):
        by_app.setdefault(a.application_id, []).append(a)
    return CallAssignmentsOut(
        call=call.slug,
        evaluators_per_application=stored_or_default(call.evaluation).evaluators_per_application,
        applications=[
            ApplicationAssignmentsOut(
                id=app.pk,
                project=app.project_id,
                acronym=app.project.acronym,
                status=app.status,
                assigned=[
                    AssignedOut(
                        id=a.pk,
                        expert=a.expert_id,
                        expert_name=a.expert.name,
                        fit=decimal_str(a.fit),
                        why=list(a.why),
                        proposed=a.proposed,
                        is_rapporteur=a.is_rapporteur,
                        reported=hasattr(a, "report"),
                    )
                    for a in by_app.get(app.pk, [])
                ],
                conflicts=[
                    ExpertConflictsOut(expert=e.pk, conflicts=_conflicts_out(found[e.pk, app.pk]))
                    for e in experts
                    if (e.pk, app.pk) in found
                ],
            )
            for app in apps
        ],
    )


@router.get(
    "/calls/{slug}/assignments",
    response=responses(CallAssignmentsOut, 404),
    summary="A call's eligible applications and those under evaluation: assigned experts (with "
    "why) and every expert's conflicts with their evidence (the funder's officers)",
)
def get_assignments(request: HttpRequest, slug: Path[str]) -> CallAssignmentsOut:
    return _assignments_out(_call(request, slug))


@router.post(
    "/calls/{slug}/assignments",
    auth=django_auth,
    response=responses(CallAssignmentsOut, 401, 404, 409, BODY_ERRORS),
    summary="Propose the assignment, add or remove an expert, choose the rapporteur, waive a "
    "conflict or send an application to its experts",
    description="`add` of a conflicted pair is refused (422) with the conflict's evidence; "
    "`start` fires start_evaluation (409 when the experts are not assigned).",
)
def post_assignments(request: HttpRequest, slug: Path[str], body: AssignmentActionIn) -> Any:
    call = _call(request, slug)
    apps = {a.pk: a for a in selectors.call_applications(call, selectors.ASSIGNABLE)}

    def need(name: str, value: int | None, found: Any) -> Any:
        if value is None or found is None:
            raise ValidationError({name: _("Choose one of this call's %(what)s.") % {"what": name}})
        return found

    try:
        if body.action == "propose":
            services.assignment_propose(actor=request.user, call=call)
            return _assignments_out(call)
        if body.action in ("remove", "rapporteur"):
            assignment = need(
                "assignment",
                body.assignment,
                Assignment.objects.select_related("application__call")
                .filter(pk=body.assignment or 0, application_id__in=list(apps))
                .first(),
            )
            if body.action == "remove":
                services.assignment_remove(actor=request.user, assignment=assignment)
            else:
                services.rapporteur_set(actor=request.user, assignment=assignment)
            return _assignments_out(call)
        app = need("application", body.application, apps.get(body.application or 0))
        if body.action == "start":
            services.evaluation_start(actor=request.user, application=app)
            return _assignments_out(call)
        expert = need(
            "expert",
            body.expert,
            Expert.objects.filter(pk=body.expert or 0, funder_id=call.funder_id).first(),
        )
        if body.action == "add":
            services.assignment_add(actor=request.user, application=app, expert=expert)
        else:
            services.conflict_waive(
                actor=request.user,
                expert=expert,
                application=app,
                kind=body.kind or "",
                justification=body.justification,
            )
    except (PermissionDenied, TransitionRefused) as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _invalid(error)
    return _assignments_out(call)


def _panel_out(call: Call) -> PanelOut:
    panel = selectors.call_panel(call)
    setup = stored_or_default(call.evaluation)
    places = (
        Application.objects.filter(call=call)
        .exclude(panel_list="")
        .select_related("project")
        .order_by("panel_rank", "-panel_score", "id")
    )
    return PanelOut(
        call=call.slug,
        disagreement_gap=decimal_str(panel.disagreement_gap),
        main_list_size=panel.main_list_size,
        ranked_at=panel.ranked_at,
        tie_breaks=list(setup.tie_breaks),
        places=[
            PlaceOut(
                application=a.pk,
                acronym=a.project.acronym,
                list=a.panel_list,
                rank=a.panel_rank,
                score=None if a.panel_score is None else decimal_str(a.panel_score),
                tie_rule=a.panel_tie_rule,
                tie_rule_label=tie_rule_label(a.panel_tie_rule, setup),
            )
            for a in places
        ],
    )


@router.get(
    "/calls/{slug}/panel",
    response=responses(PanelOut, 404),
    summary="A call's panel: settings and the ranking, with the tie-break rule used on each tie",
)
def get_panel(request: HttpRequest, slug: Path[str]) -> PanelOut:
    return _panel_out(_call(request, slug))


@router.post(
    "/calls/{slug}/panel",
    auth=django_auth,
    response=responses(PanelOut, 401, 404, 409, BODY_ERRORS),
    summary="Save the panel's settings or rank the applications that have their consensus",
)
def post_panel(request: HttpRequest, slug: Path[str], body: PanelIn) -> Any:
    call = _call(request, slug)
    try:
        if body.action == "settings":
            try:
                gap = Decimal(body.disagreement_gap.strip())
            except InvalidOperation:
                gap = Decimal("NaN")
            if not gap.is_finite() or not Decimal(0) <= gap <= Decimal(5):
                raise ValidationError({"disagreement_gap": _("Give a number from 0 to 5.")})
            services.panel_settings_update(
                actor=request.user,
                call=call,
                disagreement_gap=gap,
                main_list_size=body.main_list_size,
            )
        else:
            services.panel_rank(actor=request.user, call=call)
    except (PermissionDenied, TransitionRefused) as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _invalid(error)
    return _panel_out(call)


def _visit(request: HttpRequest, id: int) -> selectors.Visit:
    if not 1 <= id <= MAX_ID:
        raise not_found(_("application"), id)
    try:
        return selectors.application_visit(scope=scope_for(request.user), user=request.user, pk=id)
    except Application.DoesNotExist:
        raise not_found(_("application"), id) from None


def _report_out(a: Assignment) -> ReportOut:
    report = getattr(a, "report", None)
    return ReportOut(
        expert=a.expert_id,
        expert_name=a.expert.name,
        scores=report.scores if report else {},
        comments=report.comments if report else {},
        submitted_at=report.submitted_at if report else None,
    )


def _evaluation_out(request: HttpRequest, id: int) -> ApplicationEvaluationOut:
    visit = _visit(request, id)
    app = visit.application
    role = "officer" if visit.manages else "expert" if visit.assignment else "applicant"
    reports: list[ReportOut] = []
    if visit.manages or (visit.file_open and visit.is_rapporteur):
        reports = [_report_out(a) for a in selectors.reports_of(app)]
    elif visit.file_open and visit.assignment is not None:
        reports = [_report_out(visit.assignment)]
    consensus = getattr(app, "consensus_report", None)
    shown = consensus is not None and (visit.manages or visit.file_open or visit.applicant)
    return ApplicationEvaluationOut(
        id=app.pk,
        call=app.call.slug,
        status=app.status,
        role=role,
        declared=visit.declaration is not None,
        is_rapporteur=visit.is_rapporteur,
        file_open=visit.file_open,
        title=app.project.title if (visit.file_open or visit.applicant) else "",
        reports=reports,
        consensus=ConsensusOut(
            scores=consensus.scores,
            comments=consensus.comments,
            minority_view=consensus.minority_view,
            overall=decimal_str(consensus.overall),
        )
        if shown and consensus is not None
        else None,
        panel_list=app.panel_list if (visit.manages or visit.applicant) else "",
        panel_rank=app.panel_rank if (visit.manages or visit.applicant) else None,
    )


@router.get(
    "/evaluation/applications/{id}",
    response=responses(ApplicationEvaluationOut, 404, 422),
    summary="One application's evaluation: the officer's, an assigned expert's, or the "
    "consortium's once decided",
    description="An expert not assigned, or kept off by a conflict, gets 404; the consortium "
    "gets 404 until the application is funded or not funded.",
)
def get_application_evaluation(request: HttpRequest, id: Path[int]) -> ApplicationEvaluationOut:
    return _evaluation_out(request, id)


def _application(request: HttpRequest, id: int) -> Application:
    return _visit(request, id).application


@router.post(
    "/evaluation/applications/{id}/declaration",
    auth=django_auth,
    response=responses(ApplicationEvaluationOut, 401, 403, 404, BODY_ERRORS),
    summary="Declare, before seeing the file, whether you have a conflict (assigned experts)",
)
def post_declaration(request: HttpRequest, id: Path[int], body: ExpertDeclarationIn) -> Any:
    app = _application(request, id)
    try:
        services.expert_declare(
            actor=request.user,
            application=app,
            has_conflict=body.has_conflict,
            statement=body.statement,
        )
    except PermissionDenied as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _invalid(error)
    if body.has_conflict:
        raise not_found(_("application"), id)
    return _evaluation_out(request, id)


@router.post(
    "/evaluation/applications/{id}/report",
    auth=django_auth,
    response=responses(ApplicationEvaluationOut, 401, 403, 404, BODY_ERRORS),
    summary="Your individual report: a score per criterion (0 to 5 in half points) and comments",
    description="A score off the grid is refused (422) naming the criterion.",
)
def post_report(request: HttpRequest, id: Path[int], body: ReportIn) -> Any:
    app = _application(request, id)
    try:
        services.report_submit(
            actor=request.user, application=app, scores=body.scores, comments=body.comments
        )
    except PermissionDenied as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _invalid(error, "body")
    return _evaluation_out(request, id)


@router.post(
    "/evaluation/applications/{id}/consensus",
    auth=django_auth,
    response=responses(ApplicationEvaluationOut, 401, 403, 404, BODY_ERRORS),
    summary="The consensus report (the rapporteur), with the minority view where the experts "
    "disagree by more than the call's gap",
)
def post_consensus(request: HttpRequest, id: Path[int], body: ConsensusIn) -> Any:
    app = _application(request, id)
    try:
        services.consensus_record(
            actor=request.user,
            application=app,
            scores=body.scores,
            comments=body.comments,
            minority_view=body.minority_view,
        )
    except PermissionDenied as refusal:
        return _refused(refusal)
    except ValidationError as error:
        return _invalid(error)
    return _evaluation_out(request, id)
