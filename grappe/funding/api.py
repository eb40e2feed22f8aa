"""API: aid simulation, calls, and funders' programmes (figures and funded projects).

`POST /aid/simulate` answers in the request's language (`?lang=fr`, else `Accept-Language`).
Bad input is a 422 naming the field and the rule; an unknown call or a project the caller may
not simulate is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from grappe.core.apikit import (
    BODY_ERRORS,
    ERROR_SCHEMAS,
    MAX_ID,
    RATE_LIMIT_ERRORS,
    SLUG,
    decimal_str,
    not_found,
    responses,
)
from grappe.core.concurrency import EditConflict, edit_token
from grappe.core.domain.workflow import ObjectRole
from grappe.core.lists import api_filterset, api_page
from grappe.core.pagination import CursorPage, Page
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.refusals import (
    SERVICE_REFUSALS,
    RefusalOut,
    TransitionRefused,
    refused,
    transition_refused,
)
from grappe.core.scopes import scope_for
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS
from grappe.funding.domain.evaluation import EvaluationError, stored_or_default
from grappe.funding.domain.rulesets import RuleSetError
from grappe.funding.explain import call_rule_lines, evaluation_display, legal_ref
from grappe.funding.filters import ApplicationFilterSet, CallFilterSet, FunderProjectFilterSet
from grappe.funding.models import Application, Call, Funder
from grappe.funding.pages import millions
from grappe.funding.schemas import (
    ApplicationCreateIn,
    ApplicationListQuery,
    ApplicationOut,
    ApplicationRowOut,
    ApplicationUpdateIn,
    CallDetailOut,
    CallListQuery,
    CallOut,
    FunderFiguresOut,
    FunderProjectListQuery,
    FunderProjectOut,
    OverrideIn,
    ReasonIn,
    ScreenIn,
    SimulateIn,
    SimulationOut,
    TargetCallIn,
    TargetCallSetOut,
)
from grappe.funding.selectors import (
    FigureRow,
    application_can_screen,
    application_get,
    call_applications,
    call_for_screening,
    call_get,
    call_list,
    call_ruleset,
    funder_figures,
    funder_get,
    funder_projects,
    project_aid_input,
    project_for_simulation,
)
from grappe.funding.services import (
    application_create,
    application_roles,
    application_screen,
    application_submit,
    application_transition,
    application_update,
    proposal_target_set,
    screening_override,
    screening_passed,
)
from grappe.funding.simulation import (
    UNCONFIRMED_NOTICE,
    SimulationInputError,
    check_project_size,
    inline_aid_input,
    resolve_ruleset,
    run_simulation,
    simulation_to_dict,
)
from grappe.projects.models import Project
from grappe.projects.selectors import project_get

router = Router(tags=["funding"])

LANGS = {code for code, _name in settings.LANGUAGES}


def request_language(request: HttpRequest) -> str:
    lang = request.GET.get("lang", "")
    if lang in LANGS:
        return lang
    return translation.get_language_from_request(request)


def _invalid(exc: SimulationInputError) -> NinjaValidationError:
    return NinjaValidationError([{"loc": ["body", *exc.loc], "msg": exc.message, "type": exc.rule}])


@router.post(
    "/aid/simulate",
    response=responses(SimulationOut, 404, BODY_ERRORS, RATE_LIMIT_ERRORS),
    summary="Simulate the maximum aid of a project's partners under a rule set or call",
)
@decorate_view(rate_limited("aid_simulation"))
def simulate_aid(request: HttpRequest, payload: SimulateIn) -> dict[str, Any]:
    scope = scope_for(request.user)
    with translation.override(request_language(request)):
        try:
            if payload.call is not None and not SLUG.fullmatch(payload.call):
                raise not_found(_("call"), payload.call)
            try:
                ruleset, call = resolve_ruleset(
                    scope=scope,
                    ruleset=payload.ruleset,
                    ruleset_code=payload.ruleset_code,
                    call=payload.call,
                )
            except Call.DoesNotExist:
                raise not_found(_("call"), payload.call) from None
            if payload.project_id is not None:
                try:
                    project = project_for_simulation(scope=scope, pk=payload.project_id)
                except Project.DoesNotExist:
                    raise not_found(_("project"), payload.project_id) from None
                aid_input = project_aid_input(
                    scope=scope,
                    project=project,
                    funder_id=call.funder_id if call is not None else None,
                )
                check_project_size(aid_input.project)
            else:
                assert payload.project is not None
                aid_input = inline_aid_input(payload.project)
        except SimulationInputError as exc:
            raise _invalid(exc) from None
        result = run_simulation(aid_input, ruleset)
        return simulation_to_dict(result, aid_input, ruleset, call)


def _rules(call: Call) -> list[dict[str, Any]]:
    try:
        return call_rule_lines(call_ruleset(call))
    except (Call.DoesNotExist, RuleSetError):
        return []  # no rule set, or a stored one that no longer validates: nothing to explain


def _evaluation(call: Call) -> dict[str, Any] | None:
    try:
        return evaluation_display(stored_or_default(call.evaluation))
    except EvaluationError:
        return None


def _call_out(call: Call, detail: bool = False) -> dict[str, Any]:
    data = call.ruleset.data if call.ruleset is not None else None
    unconfirmed = list(data.get("unconfirmed") or []) if isinstance(data, dict) else []
    out: dict[str, Any] = {
        "slug": call.slug,
        "title": call.title,
        "title_en": call.title_en,
        "title_fr": call.title_fr,
        "funder": call.funder.name,
        "funder_slug": call.funder.slug,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "status": call.status.value,
        "envelope": None if call.envelope is None else decimal_str(call.envelope),
        "ruleset_version": call.ruleset.version if call.ruleset is not None else None,
        "ruleset_code": data.get("code") if isinstance(data, dict) else None,
        "unconfirmed": unconfirmed,
    }
    if detail:
        out["rules"] = _rules(call)
        out["evaluation"] = _evaluation(call)
        out["ruleset"] = data
        out["unconfirmed_notice"] = (
            _(UNCONFIRMED_NOTICE) % {"funder": call.funder.name} if unconfirmed else None
        )
    return out


@router.get(
    "/calls",
    response=responses(CursorPage[CallOut], 422, RATE_LIMIT_ERRORS),
    summary="Calls for projects (open and upcoming ones by default) with their rule set's "
    "unconfirmed flags",
)
@decorate_view(rate_limited("search", when=has_query))
def list_calls(request: HttpRequest, params: Query[CallListQuery]) -> Page[Any]:
    calls = call_list(scope=scope_for(request.user))
    filterset = api_filterset(CallFilterSet, params, calls, request)
    page = api_page(filterset, params)
    return Page(items=[_call_out(c) for c in page.items], next_cursor=page.next_cursor)


@router.get(
    "/calls/{slug}",
    response=responses(CallDetailOut, 404),
    summary="One call with its current rule set, and its rules in plain words",
)
def get_call(request: HttpRequest, slug: Path[str]) -> dict[str, Any]:
    if not SLUG.fullmatch(slug):
        raise not_found(_("call"), slug)
    try:
        call = call_get(scope=scope_for(request.user), slug=slug)
    except Call.DoesNotExist:
        raise not_found(_("call"), slug) from None
    with translation.override(request_language(request)):
        return _call_out(call, detail=True)


# --- funder programmes: the funder page's figures and funded projects ---------------------------


def _funder(request: HttpRequest, slug: str) -> Funder:
    if not SLUG.fullmatch(slug):
        raise not_found(_("funder"), slug)
    try:
        return funder_get(scope=scope_for(request.user), slug=slug)
    except Funder.DoesNotExist:
        raise not_found(_("funder"), slug) from None


def _figure_rows(rows: tuple[FigureRow, ...]) -> list[dict[str, Any]]:
    return [
        {"key": r.key, "label": r.label, "granted": r.granted, "projects": r.projects} for r in rows
    ]


@router.get(
    "/funders/{slug}",
    response=responses(FunderFiguresOut, 404),
    summary="A funder's programme: granted totals by year, cluster, organisation type and size",
)
def get_funder(request: HttpRequest, slug: Path[str]) -> dict[str, Any]:
    funder = _funder(request, slug)
    f = funder_figures(scope=scope_for(request.user), funder_id=funder.pk)
    return {
        "slug": funder.slug,
        "name": funder.name,
        "name_en": funder.name_en,
        "name_fr": funder.name_fr,
        "kind": funder.kind,
        "granted": f.granted,
        "granted_millions": millions(f.granted),
        "lines": f.lines,
        "projects": f.projects,
        "first_year": f.first_year,
        "last_year": f.last_year,
        "start_ups": f.start_ups,
        "start_ups_granted": f.start_ups_granted,
        "start_ups_share": None if f.start_ups_share is None else round(f.start_ups_share, 4),
        "paris_start_ups": f.paris_start_ups,
        "paris_start_ups_granted": f.paris_start_ups_granted,
        "paris_start_ups_share": None
        if f.paris_start_ups_share is None
        else round(f.paris_start_ups_share, 4),
        "by_year": _figure_rows(f.by_year),
        "by_cluster": _figure_rows(f.by_cluster),
        "by_kind": _figure_rows(f.by_kind),
        "by_size": _figure_rows(f.by_size),
    }


def _funded_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["granted"] = row.pop("funder_granted")
    return rows


@router.get(
    "/funders/{slug}/projects",
    response=responses(CursorPage[FunderProjectOut], 404, 422, RATE_LIMIT_ERRORS),
    summary="The public projects a funder granted aid to, with what it granted each",
)
@decorate_view(rate_limited("search", when=has_query))
def list_funder_projects(
    request: HttpRequest, slug: Path[str], params: Query[FunderProjectListQuery]
) -> Page[Any]:
    funder = _funder(request, slug)
    qs = funder_projects(scope=scope_for(request.user), funder_id=funder.pk)
    filterset = api_filterset(FunderProjectFilterSet, params, qs, request)
    return api_page(
        filterset,
        params,
        columns=("id", "acronym", "title", "status", "start_date", "funder_granted"),
        shape=_funded_rows,
    )


# --- applications to calls (never public: invisible ones are 404) -------------------------------

APPLICATION_ERRORS = {
    403: RefusalOut | ERROR_SCHEMAS[403],
    409: RefusalOut | ERROR_SCHEMAS[409],
    422: RefusalOut | ERROR_SCHEMAS[422],
}


def _visible_application(request: HttpRequest, pk: int) -> Application:
    if not 1 <= pk <= MAX_ID:
        raise not_found(_("application"), pk)
    try:
        return application_get(scope=scope_for(request.user), pk=pk)
    except Application.DoesNotExist:
        raise not_found(_("application"), pk) from None


def _screened_application(request: HttpRequest, pk: int) -> Application:
    """An application the user may see (else 404) and screen (else 403)."""
    application = _visible_application(request, pk)
    if not application_can_screen(scope=scope_for(request.user), application=application):
        raise HttpError(403, _("Only the programme officers of the call's funder screen it."))
    return application


def _application_out(request: HttpRequest, application: Application) -> dict[str, Any]:
    roles = application_roles(request.user, application)
    workflow = APPLICATION_WORKFLOWS.get(application.workflow_version)
    requested = list(application.requested.select_related("participation__organisation"))
    verdicts = list(application.verdicts.select_related("overridden_by"))
    coordinator = bool(roles & {ObjectRole.COORDINATOR, ObjectRole.STAFF})
    return {
        "id": application.pk,
        "call": application.call.slug,
        "call_title": application.call.title,
        "funder": application.call.funder.name,
        "project_id": application.project_id,
        "project_acronym": application.project.acronym,
        "status": application.status,
        "status_label": _(workflow.state(application.status).staff_label),
        "closes_at": application.call.closes_at,
        "statement": application.statement,
        "requested": [
            {
                "participation_id": r.participation_id,
                "organisation_id": r.participation.organisation_id,
                "name": r.participation.organisation.name,
                "amount": r.amount,
            }
            for r in requested
        ],
        "requested_total": sum((r.amount for r in requested), Decimal(0)),
        "submitted_at": application.submitted_at,
        "receipt_sha256": application.receipt_sha256,
        "snapshot": application.snapshot or None,
        "screening_passed": screening_passed(application),
        "verdicts": [
            {
                "rule": v.rule,
                "status": v.status,
                "code": v.code,
                "sentence": v.sentence,
                "legal_ref": legal_ref(v.legal_ref),
                "unconfirmed": v.unconfirmed,
                "override_justification": v.override_justification,
                "overridden_by": v.overridden_by.get_username() if v.overridden_by else None,
                "overridden_at": v.overridden_at,
            }
            for v in verdicts
        ],
        "edit_token": edit_token(application)
        if coordinator and application.status == "draft"
        else None,
    }


def _field_errors(exc: ValidationError, loc: Callable[[str], list[str | int]]) -> Any:
    errors = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
    return Status(
        422,
        {
            "detail": [
                {
                    "loc": ["body", *loc(field)],
                    "msg": " ".join(str(m) for m in error.messages),
                    "type": error.code or "refused",
                }
                for field, field_errors in errors.items()
                for error in field_errors
            ]
        },
    )


@router.post(
    "/projects/{id}/target-call",
    auth=django_auth,
    response=responses(TargetCallSetOut, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Choose the call a draft proposal targets, or none (its coordinator)",
    description="The proposal's live checks then use that call's consortium rules and rates. "
    "401: not logged in. 403: only the project's coordinator (and staff). 404: no project you "
    "may see. 422: not a draft, no such call, or the call is closed (the field is named).",
)
def set_target_call(request: HttpRequest, id: Path[int], body: TargetCallIn) -> Any:
    with translation.override(request_language(request)):
        if not 1 <= id <= MAX_ID:
            raise not_found(_("project"), id)
        try:
            project = project_get(scope=scope_for(request.user), pk=id)
        except Project.DoesNotExist:
            raise not_found(_("project"), id) from None
        try:
            target = proposal_target_set(actor=request.user, project=project, call_slug=body.call)
        except SERVICE_REFUSALS as exc:
            return refused(exc)
        return {"call": target.call.slug if target is not None else None}


@router.post(
    "/applications",
    auth=django_auth,
    response=responses({201: ApplicationOut}, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Start a draft application of an accredited project to an open call",
    description="201: the draft. 401: not logged in. 403: only the project's coordinator "
    "applies. 404: no such call or project you may see. 422: the call is not open or has no "
    "rule set, the project is not accredited, or it already applied to this call.",
)
def create_application(request: HttpRequest, body: ApplicationCreateIn) -> Any:
    scope = scope_for(request.user)
    with translation.override(request_language(request)):
        try:
            call = call_get(scope=scope, slug=body.call)
        except Call.DoesNotExist:
            raise not_found(_("call"), body.call) from None
        try:
            project = project_get(scope=scope, pk=body.project_id)
        except Project.DoesNotExist:
            raise not_found(_("project"), body.project_id) from None
        try:
            application = application_create(actor=request.user, call=call, project=project)
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc)})
        except ValidationError as exc:
            return _field_errors(exc, lambda field: ["project_id" if field == "project" else field])
        return Status(201, _application_out(request, application))


@router.get(
    "/applications/{id}",
    response=responses(ApplicationOut, 404, 422),
    summary="One application: the aid requested, the verdicts and overrides, the receipt hash",
)
def get_application(request: HttpRequest, id: Path[int]) -> dict[str, Any]:
    with translation.override(request_language(request)):
        return _application_out(request, _visible_application(request, id))


@router.post(
    "/applications/{id}/draft",
    auth=django_auth,
    response=responses(ApplicationOut, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Update a draft: the statement and the aid requested per partner",
    description="Each amount is checked against the rules engine's maximum for the partner "
    "under the call's rule set. 403: only the coordinator. 409: the draft changed since "
    "`edit_token`. 422: a bad amount (naming `requested[i].amount`) or the draft was "
    "submitted; nothing is written.",
)
def update_application(request: HttpRequest, id: Path[int], body: ApplicationUpdateIn) -> Any:
    with translation.override(request_language(request)):
        application = _visible_application(request, id)
        requested = {r.participation_id: r.amount for r in body.requested}
        index = {r.participation_id: i for i, r in enumerate(body.requested)}
        keep = {
            r.participation_id: r.amount
            for r in application.requested.all()
            if r.participation_id not in requested
        }

        def loc(field: str) -> list[str | int]:
            if field.startswith("requested_"):
                pid = int(field.removeprefix("requested_"))
                return ["requested", index.get(pid, 0), "amount"]
            return [field]

        try:
            application_update(
                actor=request.user,
                application=application,
                statement=body.statement,
                requested={**keep, **{k: ("" if v is None else v) for k, v in requested.items()}},
                expected_token=body.edit_token,
            )
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc)})
        except EditConflict as exc:
            return Status(409, {"detail": " ".join(exc.messages)})
        except ValidationError as exc:
            return _field_errors(exc, loc)
        return _application_out(request, application)


@router.post(
    "/applications/{id}/submit",
    auth=django_auth,
    response=responses(ApplicationOut, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Submit a draft before the call's closing instant; the receipt and screening",
    description="Freezes the snapshot (its SHA-256 is the receipt) and runs the eligibility "
    "screening. 403: only the coordinator. 409: too late (the message gives the closing time, "
    "Europe/Paris), not a draft, or the project is not accredited.",
)
def submit_application(request: HttpRequest, id: Path[int]) -> Any:
    with translation.override(request_language(request)):
        application = _visible_application(request, id)
        try:
            application_submit(actor=request.user, application=application)
        except TransitionRefused as refusal:
            return transition_refused(refusal)
        except ValidationError as exc:
            return _field_errors(exc, lambda field: [field])
        return _application_out(request, application)


@router.post(
    "/applications/{id}/withdraw",
    auth=django_auth,
    response=responses(ApplicationOut, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Withdraw an application (the consortium, with a reason, until the decision)",
)
def withdraw_application(request: HttpRequest, id: Path[int], body: ReasonIn) -> Any:
    with translation.override(request_language(request)):
        application = _visible_application(request, id)
        try:
            application_transition(
                actor=request.user,
                application=application,
                transition="withdraw",
                reason=body.reason,
            )
        except TransitionRefused as refusal:
            return transition_refused(refusal)
        return _application_out(request, application)


@router.post(
    "/applications/{id}/overrides",
    auth=django_auth,
    response=responses(ApplicationOut, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Override a failed eligibility verdict with a written justification (the officer)",
    description="403: only the programme officers of the call's funder. 422: no "
    "justification (naming `justification`), or a rule without a failed verdict (`rule`).",
)
def override_verdict(request: HttpRequest, id: Path[int], body: OverrideIn) -> Any:
    with translation.override(request_language(request)):
        application = _screened_application(request, id)
        try:
            screening_override(
                actor=request.user,
                application=application,
                rule=body.rule,
                justification=body.justification,
            )
        except PermissionDenied as exc:
            return Status(403, {"detail": str(exc)})
        except ValidationError as exc:
            return _field_errors(exc, lambda field: [field])
        return _application_out(request, application)


@router.post(
    "/applications/{id}/screening",
    auth=django_auth,
    response=responses(ApplicationOut, 401, 404, BODY_ERRORS, schemas=APPLICATION_ERRORS),
    summary="Declare a submitted application eligible or ineligible (the officer)",
    description="409: eligible while a failed rule is not overridden, or not submitted. "
    "422: ineligible without the reasons.",
)
def screen_application(request: HttpRequest, id: Path[int], body: ScreenIn) -> Any:
    with translation.override(request_language(request)):
        application = _screened_application(request, id)
        try:
            application_screen(
                actor=request.user,
                application=application,
                eligible=body.eligible,
                reason=body.reason,
            )
        except TransitionRefused as refusal:
            return transition_refused(refusal)
        return _application_out(request, application)


def _application_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["project_acronym"] = row.pop("project__acronym")
        row["requested_total"] = row.pop("requested_sum")
    return rows


@router.get(
    "/calls/{slug}/applications",
    auth=django_auth,
    response=responses(CursorPage[ApplicationRowOut], 401, 404, 422, RATE_LIMIT_ERRORS),
    summary="The applications to a call, for its screening officers (the page's list)",
)
@decorate_view(rate_limited("search", when=has_query))
def list_call_applications(
    request: HttpRequest, slug: Path[str], params: Query[ApplicationListQuery]
) -> Page[Any]:
    if not SLUG.fullmatch(slug):
        raise not_found(_("call"), slug)
    scope = scope_for(request.user)
    try:
        call = call_for_screening(scope=scope, slug=slug)
    except Call.DoesNotExist:
        raise not_found(_("call"), slug) from None
    qs = call_applications(scope=scope, call=call)
    filterset = api_filterset(ApplicationFilterSet, params, qs, request)
    return api_page(
        filterset,
        params,
        columns=(
            "id",
            "project_id",
            "project__acronym",
            "status",
            "submitted_at",
            "requested_sum",
            "failed_verdicts",
            "receipt_sha256",
        ),
        shape=_application_rows,
    )
