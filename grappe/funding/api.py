"""API: aid simulation, calls, and funders' programmes (figures and funded projects).

`POST /aid/simulate` answers in the request's language (`?lang=fr`, else `Accept-Language`).
Bad input is a 422 naming the field and the rule; an unknown call or a project the caller may
not simulate is a 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.decorators import decorate_view
from ninja.errors import ValidationError

from grappe.core.apikit import (
    BODY_ERRORS,
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
from grappe.funding.domain.evaluation import EvaluationError, stored_or_default
from grappe.funding.domain.rulesets import RuleSetError
from grappe.funding.explain import call_rule_lines, evaluation_display
from grappe.funding.filters import CallFilterSet, FunderProjectFilterSet
from grappe.funding.models import Call, Funder
from grappe.funding.pages import millions
from grappe.funding.schemas import (
    CallDetailOut,
    CallListQuery,
    CallOut,
    FunderFiguresOut,
    FunderProjectListQuery,
    FunderProjectOut,
    SimulateIn,
    SimulationOut,
)
from grappe.funding.selectors import (
    FigureRow,
    call_get,
    call_list,
    call_ruleset,
    funder_figures,
    funder_get,
    funder_projects,
    project_aid_input,
    project_for_simulation,
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

router = Router(tags=["funding"])

LANGS = {code for code, _name in settings.LANGUAGES}


def request_language(request: HttpRequest) -> str:
    lang = request.GET.get("lang", "")
    if lang in LANGS:
        return lang
    return translation.get_language_from_request(request)


def _invalid(exc: SimulationInputError) -> ValidationError:
    return ValidationError([{"loc": ["body", *exc.loc], "msg": exc.message, "type": exc.rule}])


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
