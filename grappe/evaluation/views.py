"""Evaluation pages (thin: parse → selector / service → template).

`evaluation/` what one runs (officers) and evaluates (experts); `funders/<slug>/experts/` a
funder's pool; `evaluation/experts/<pk>/` one expert; `calls/<slug>/assignments/` conflicts and
assignments of a call; `calls/<slug>/panel/` its panel; `evaluation/applications/<pk>/` one
application's evaluation (the expert's declaration, report and consensus; the officer's view;
the consortium's scores once decided). Anyone else gets 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.core.lists import html_export, html_filterset, html_list
from grappe.core.scopes import scope_for
from grappe.evaluation import conflicts, selectors, services
from grappe.evaluation.domain.consensus import disagreements, mean_scores
from grappe.evaluation.explain import french, tie_rule_label
from grappe.evaluation.filters import EXPERT_EXPORT, ExpertFilterSet
from grappe.evaluation.forms import (
    DeclarationForm,
    ExpertForm,
    NewExpertForm,
    PanelForm,
    ScoresForm,
    WaiverForm,
)
from grappe.evaluation.models import Assignment, Expert
from grappe.funding.domain.evaluation import stored_or_default
from grappe.funding.models import Application, Call, Funder
from grappe.projects.services import TransitionRefused

NOT_FOUND = "No evaluation page with this address, or you may not see it."


def _errors(form: Any, error: ValidationError, prefix: str = "") -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.message_dict.items():
            name = f"{prefix}{field}" if f"{prefix}{field}" in form.fields else field
            for e in errs:
                form.add_error(name if name in form.fields else None, e)
    else:
        for e in error.messages:
            form.add_error(None, e)


def _french() -> bool:
    return french()


@login_required
def evaluation_home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context = {
        "funders": list(selectors.funders_managed(scope=scope)),
        "calls": list(selectors.calls_managed(scope=scope)[:50]),
        "assignments": selectors.my_assignments(scope=scope, user=request.user),
    }
    return render(request, "evaluation/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def expert_pool(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    scope = scope_for(request.user)
    try:
        funder = selectors.funder_managed(scope=scope, slug=slug)
    except Funder.DoesNotExist:
        raise Http404(_(NOT_FOUND)) from None
    form = NewExpertForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                expert = services.expert_create(
                    actor=request.user,
                    funder=funder,
                    user=form.cleaned_data["person"],
                    **form.values(),
                )
            except ValidationError as error:
                _errors(form, error)
            else:
                messages.success(request, _("%(name)s joined the pool.") % {"name": expert.name})
                return redirect("evaluation:pool", slug=slug)
        status = 422
    pool = selectors.expert_pool(scope=scope, funder=funder)
    filterset = html_filterset(ExpertFilterSet, request, pool)
    export = html_export(filterset, request, filename=f"experts-{slug}", columns=EXPERT_EXPORT)
    if export is not None:
        return export
    listing = html_list(filterset, request)
    context = {
        "funder": funder,
        "listing": listing,
        "form": listing.form,
        "new_form": form,
        "counts": selectors.pool_counts(Expert.objects.filter(funder=funder)),
    }
    return render(request, "evaluation/pool.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        expert = selectors.expert_get(scope=scope_for(request.user), pk=pk)
    except Expert.DoesNotExist:
        raise Http404(_(NOT_FOUND)) from None
    form = ExpertForm(request.POST or None, instance=Expert.objects.get(pk=pk))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.expert_update(actor=request.user, expert=expert, **form.values())
            except ValidationError as error:
                _errors(form, error)
            else:
                messages.success(request, _("The expert is saved."))
                return redirect("evaluation:pool", slug=expert.funder.slug)
        status = 422
    return render(
        request, "evaluation/expert.html", {"expert": expert, "form": form}, status=status
    )


def _call_or_404(request: HttpRequest, slug: str) -> Call:
    try:
        return selectors.call_managed(scope=scope_for(request.user), slug=slug)
    except Call.DoesNotExist:
        raise Http404(_(NOT_FOUND)) from None


def _assignments_post(request: HttpRequest, call: Call, apps: list[Application]) -> str | None:
    """One action of the assignments page; returns an error to show, or None when done."""
    action = request.POST.get("action", "")
    by_pk = {a.pk: a for a in apps}

    def app() -> Application:
        try:
            return by_pk[int(request.POST.get("application", ""))]
        except (KeyError, ValueError):
            raise ValidationError(_("Choose an application of this call.")) from None

    def expert() -> Expert:
        try:
            return Expert.objects.get(
                pk=int(request.POST.get("expert", "")), funder_id=call.funder_id
            )
        except (Expert.DoesNotExist, ValueError):
            raise ValidationError(_("Choose an expert of the funder's pool.")) from None

    def assignment() -> Assignment:
        try:
            return Assignment.objects.select_related("application__call").get(
                pk=int(request.POST.get("assignment", "")), application__in=apps
            )
        except (Assignment.DoesNotExist, ValueError):
            raise ValidationError(_("Choose an assignment of this call.")) from None

    try:
        if action == "propose":
            result = services.assignment_propose(actor=request.user, call=call)
            messages.success(
                request,
                _("%(count)s assignments proposed; %(short)s application(s) lack experts.")
                % {"count": result["assigned"], "short": len(result["shortfall"])},
            )
        elif action == "add":
            services.assignment_add(actor=request.user, application=app(), expert=expert())
        elif action == "remove":
            services.assignment_remove(actor=request.user, assignment=assignment())
        elif action == "rapporteur":
            services.rapporteur_set(actor=request.user, assignment=assignment())
        elif action == "waive":
            form = WaiverForm(request.POST)
            if not form.is_valid():
                return _("Write why this conflict may be waived.")
            services.conflict_waive(
                actor=request.user,
                expert=expert(),
                application=app(),
                kind=form.cleaned_data["kind"],
                justification=form.cleaned_data["justification"],
            )
        elif action == "start":
            services.evaluation_start(actor=request.user, application=app())
        else:
            return _("Unknown action.")
    except ValidationError as error:
        return " ".join(error.messages)
    except (PermissionDenied, TransitionRefused) as refusal:
        return str(getattr(refusal, "message", refusal))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def call_assignments(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(request, slug)
    apps = selectors.call_applications(call, selectors.ASSIGNABLE)
    error = None
    if request.method == "POST":
        error = _assignments_post(request, call, apps)
        if error is None:
            return redirect("evaluation:assignments", slug=slug)
        apps = selectors.call_applications(call, selectors.ASSIGNABLE)
    experts = selectors.call_experts(call)
    found = conflicts.detect(experts, apps)
    by_app: dict[int, list[Assignment]] = {}
    for a in selectors.assignments_of(apps):
        by_app.setdefault(a.application_id, []).append(a)
    setup = stored_or_default(call.evaluation)
    rows = []
    for app in apps:
        assigned = by_app.get(app.pk, [])
        rows.append(
            {
                "application": app,
                "assigned": [
                    {"a": a, "conflicts": found.get((a.expert_id, app.pk), [])} for a in assigned
                ],
                "conflicts": [
                    {"expert": e, "found": found[e.pk, app.pk]}
                    for e in experts
                    if (e.pk, app.pk) in found
                ],
                "free": [
                    e
                    for e in experts
                    if (e.pk, app.pk) not in conflicts.blocking(found)
                    and e.pk not in {a.expert_id for a in assigned}
                ],
                "short": max(0, setup.evaluators_per_application - len(assigned)),
            }
        )
    context = {"call": call, "rows": rows, "error": error, "setup": setup, "experts": experts}
    return render(request, "evaluation/assignments.html", context, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def call_panel(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(request, slug)
    panel = selectors.call_panel(call)
    form = PanelForm(
        request.POST if request.POST.get("action") == "settings" else None,
        initial={
            "disagreement_gap": panel.disagreement_gap,
            "main_list_size": panel.main_list_size,
        },
    )
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "settings":
                if form.is_valid():
                    services.panel_settings_update(
                        actor=request.user, call=call, **form.cleaned_data
                    )
                    return redirect("evaluation:panel", slug=slug)
                error = _("Nothing was saved: correct the fields below.")
            elif action == "rank":
                services.panel_rank(actor=request.user, call=call)
                messages.success(request, _("The panel's ranking is recorded."))
                return redirect("evaluation:panel", slug=slug)
            else:
                error = _("Unknown action.")
        except ValidationError as e:
            error = " ".join(e.messages)
        except (PermissionDenied, TransitionRefused) as refusal:
            error = str(getattr(refusal, "message", refusal))
    setup = stored_or_default(call.evaluation)
    ranked = [
        {"application": a, "tie": tie_rule_label(a.panel_tie_rule, setup)}
        for a in Application.objects.filter(call=call)
        .exclude(panel_list="")
        .select_related("project")
        .order_by("panel_rank", "-panel_score", "id")
    ]
    waiting = [
        a
        for a in selectors.call_applications(call, ("under_evaluation",))
        if not hasattr(a, "consensus_report")
    ]
    context = {
        "call": call,
        "panel": panel,
        "form": form,
        "error": error,
        "ranked": ranked,
        "waiting": waiting,
        "tie_breaks": [tie_rule_label(r, setup) for r in setup.tie_breaks],
    }
    return render(request, "evaluation/panel.html", context, status=422 if error else 200)


def _criteria(setup: Any) -> list[dict[str, Any]]:
    return [
        {"code": c.code, "name": c.name_fr if _french() else c.name_en, "threshold": c.threshold}
        for c in setup.criteria
    ]


@login_required
@require_http_methods(["GET", "POST"])
def application_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        visit = selectors.application_visit(scope=scope, user=request.user, pk=pk)
    except Application.DoesNotExist:
        raise Http404(_(NOT_FOUND)) from None
    app = visit.application
    setup = stored_or_default(app.call.evaluation)
    assignments = selectors.reports_of(app) if (visit.manages or visit.file_open) else []
    individual = [
        {k: Decimal(v) for k, v in a.report.scores.items()}
        for a in assignments
        if hasattr(a, "report")
    ]
    gap = selectors.call_panel(app.call).disagreement_gap
    spread = disagreements(individual, [c.code for c in setup.criteria], gap)
    declaration_form = DeclarationForm(
        request.POST if request.POST.get("action") == "declare" else None
    )
    mine = getattr(visit.assignment, "report", None) if visit.assignment else None
    report_form = ScoresForm(
        request.POST if request.POST.get("action") == "report" else None,
        setup=setup,
        french=_french(),
        initial={
            **{f"score_{k}": v for k, v in (mine.scores if mine else {}).items()},
            **{f"comment_{k}": v for k, v in (mine.comments if mine else {}).items()},
        },
    )
    consensus = getattr(app, "consensus_report", None)
    consensus_form = ScoresForm(
        request.POST if request.POST.get("action") == "consensus" else None,
        setup=setup,
        french=_french(),
        minority=True,
        initial={
            f"score_{k}": v
            for k, v in mean_scores(individual, [c.code for c in setup.criteria]).items()
        },
    )
    status = 200
    if request.method == "POST" and not (visit.manages or visit.applicant):
        action = request.POST.get("action")
        try:
            if action == "declare" and declaration_form.is_valid():
                services.expert_declare(
                    actor=request.user,
                    application=app,
                    has_conflict=declaration_form.cleaned_data["has_conflict"],
                    statement=declaration_form.cleaned_data["statement"],
                )
                if declaration_form.cleaned_data["has_conflict"]:
                    messages.success(request, _("Your declaration is recorded."))
                    return redirect("evaluation:home")
                return redirect("evaluation:application", pk=pk)
            if action == "report" and report_form.is_valid():
                services.report_submit(
                    actor=request.user,
                    application=app,
                    scores=report_form.scores(),
                    comments=report_form.comments(),
                )
                messages.success(request, _("Your report is saved."))
                return redirect("evaluation:application", pk=pk)
            if action == "consensus" and consensus_form.is_valid():
                services.consensus_record(
                    actor=request.user,
                    application=app,
                    scores=consensus_form.scores(),
                    comments=consensus_form.comments(),
                    minority_view=consensus_form.cleaned_data.get("minority_view", ""),
                )
                messages.success(request, _("The consensus report is recorded."))
                return redirect("evaluation:application", pk=pk)
        except ValidationError as error:
            target = {"declare": declaration_form, "report": report_form}.get(
                action or "", consensus_form
            )
            _errors(target, error, prefix="score_")
        except PermissionDenied as refusal:
            messages.error(request, str(refusal))
        status = 422
    elif request.method == "POST":
        status = 422
    context = {
        "visit": visit,
        "application": app,
        "project": app.project,
        "criteria": _criteria(setup),
        "assignments": assignments,
        "spread": spread,
        "consensus": consensus,
        "declaration_form": declaration_form,
        "report_form": report_form,
        "consensus_form": consensus_form,
        "mine": mine,
    }
    return render(request, "evaluation/application.html", context, status=status)
