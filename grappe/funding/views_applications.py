"""The application pages: apply to a call, the application (draft form, submission, receipt,
verdicts, overrides, screening, withdrawal), a call's applications for its screening officers.
Thin: selectors read, `funding.services` writes. Applications are never public: whoever may
not see one gets a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.concurrency import EditConflict, edit_token
from grappe.core.domain.workflow import ObjectRole
from grappe.core.lists import html_export, html_filterset, html_list
from grappe.core.models import Transition
from grappe.core.scopes import scope_for
from grappe.funding import selectors, services
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS
from grappe.funding.explain import format_eur, legal_ref
from grappe.funding.filters import APPLICATION_EXPORT, ApplicationFilterSet
from grappe.funding.forms_applications import (
    ApplicationDraftForm,
    ApplyForm,
    OverrideForm,
    TransitionForm,
)
from grappe.funding.models import Application, Call
from grappe.funding.receipt import receipt_pdf
from grappe.projects.selectors import project_list
from grappe.projects.services import TransitionRefused


def _application(request: HttpRequest, pk: int) -> Application:
    try:
        return selectors.application_get(scope=scope_for(request.user), pk=pk)
    except Application.DoesNotExist as exc:
        raise Http404(_("No application with this address, or you may not see it.")) from exc


def _status_label(application: Application) -> str:
    workflow = APPLICATION_WORKFLOWS.get(application.workflow_version)
    return _(workflow.state(application.status).staff_label)


def _history(application: Application) -> list[dict[str, Any]]:
    workflow = APPLICATION_WORKFLOWS.get(application.workflow_version)
    rows = Transition.objects.filter(
        content_type=ContentType.objects.get_for_model(Application), object_id=application.pk
    ).select_related("actor")
    return [
        {
            "at": t.created_at,
            "label": _(workflow.transitions[t.transition].label)
            if t.transition in workflow.transitions
            else t.transition,
            "actor": t.actor.get_full_name() or t.actor.username if t.actor else "",
            "reason": t.reason,
        }
        for t in rows.order_by("created_at", "id")
    ]


def _draft_form(application: Application, data: Any = None) -> tuple[ApplicationDraftForm, str]:
    """The draft form with each partner's maximum aid as its help (the engine's), and the
    engine's error when it cannot run (no rule set)."""
    participations = list(services.application_participations(application).values())
    maxima: dict[int, str] = {}
    engine_error = ""
    try:
        run = services.application_engine_run(application)
    except ValidationError as exc:
        engine_error = "; ".join(str(m) for m in exc.messages)
    else:
        for part in participations:
            cap = run.max_aid(part.organisation_id)
            if cap is not None:
                maxima[part.pk] = _("At most %(max)s EUR under the call's rules.") % {
                    "max": format_eur(cap)
                }
    requested = {r.participation_id: r.amount for r in application.requested.all()}
    initial = {"statement": application.statement, "edit_token": edit_token(application)}
    for part in participations:
        if part.pk in requested:
            initial[services.requested_field(part.pk)] = f"{requested[part.pk]:f}"
    form = ApplicationDraftForm(data, initial=initial, participations=participations, maxima=maxima)
    return form, engine_error


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
def application_detail(
    request: HttpRequest, pk: int, *, refused: str = "", status: int = 200
) -> HttpResponse:
    """The application: what it asks for, its verdicts, its history and what this user may do
    (the coordinator edits a draft; POST saves it)."""
    application = _application(request, pk)
    roles = services.application_roles(request.user, application)
    is_coordinator = bool(roles & {ObjectRole.COORDINATOR, ObjectRole.STAFF})
    scope = scope_for(request.user)
    can_screen = selectors.application_can_screen(scope=scope, application=application)
    form = None
    engine_error = ""
    editable = application.status == "draft" and is_coordinator
    if editable:
        posted = request.method == "POST" and status == 200
        form, engine_error = _draft_form(application, request.POST if posted else None)
        if posted and form.is_valid():
            try:
                services.application_update(
                    actor=request.user,
                    application=application,
                    statement=form.cleaned_data["statement"],
                    requested=form.requested(),
                    expected_token=form.cleaned_data.get("edit_token") or "",
                )
            except (EditConflict, ValidationError) as exc:
                _form_errors(form, exc)
                status = 422
            else:
                messages.success(request, _("The draft was saved."))
                return redirect("application_detail", pk=pk)
        elif posted:
            status = 422
    elif request.method == "POST" and status == 200:
        raise PermissionDenied(_("Only the project's coordinator may change a draft."))
    offered = [
        t
        for t in services.application_offered_transitions(
            actor=request.user, application=application
        )
        if t.id != "screen_eligible" or can_screen
    ]
    verdicts = list(application.verdicts.select_related("overridden_by"))
    for v in verdicts:
        v.legal_ref_text = legal_ref(v.legal_ref)  # type: ignore[attr-defined]
    requested = list(application.requested.select_related("participation__organisation"))
    return render(
        request,
        "funding/application_detail.html",
        {
            "application": application,
            "call": application.call,
            "project": application.project,
            "status_label": _status_label(application),
            "form": form,
            "engine_error": engine_error,
            "is_coordinator": is_coordinator,
            "can_screen": can_screen,
            "offered": offered,
            "verdicts": verdicts,
            "failed": [v for v in verdicts if not v.passes],
            "requested": requested,
            "history": _history(application),
            "refused": refused,
            "closes_at": application.call.closes_at,
            # The call's officer may not see a draft project's page: no link to a 404.
            "project_visible": project_list(scope=scope).filter(pk=application.project_id).exists(),
        },
        status=status,
    )


@login_required
@require_POST
def application_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit the draft (before the call's closing instant); a refusal is shown (409)."""
    application = _application(request, pk)
    try:
        services.application_submit(actor=request.user, application=application)
    except TransitionRefused as refusal:
        return application_detail(request, pk, refused=refusal.message, status=409)
    except ValidationError as exc:
        return application_detail(request, pk, refused=" ".join(exc.messages), status=409)
    messages.success(
        request,
        _(
            "The application was submitted. Download the receipt: it carries the fingerprint of what was submitted."
        ),
    )
    return redirect("application_detail", pk=pk)


@login_required
@require_POST
def application_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw, declare eligible or ineligible (with the reason); a refusal is shown."""
    application = _application(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return application_detail(request, pk, refused=errors, status=422)
    transition = form.cleaned_data["transition"]
    if transition.startswith("screen_") and not selectors.application_can_screen(
        scope=scope_for(request.user), application=application
    ):
        raise PermissionDenied(_("Only the programme officers of the call's funder screen it."))
    try:
        services.application_transition(
            actor=request.user,
            application=application,
            transition=transition,
            reason=form.cleaned_data["reason"],
        )
    except TransitionRefused as refusal:
        return application_detail(request, pk, refused=refusal.message, status=409)
    messages.success(
        request,
        _("Done: the application is now “%(state)s”.") % {"state": _status_label(application)},
    )
    return redirect("application_detail", pk=pk)


@login_required
@require_POST
def application_override_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Override a failed verdict with a written justification (the officer)."""
    application = _application(request, pk)
    if not selectors.application_can_screen(scope=scope_for(request.user), application=application):
        raise PermissionDenied(_("Only the programme officers of the call's funder screen it."))
    form = OverrideForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return application_detail(request, pk, refused=errors, status=422)
    try:
        services.screening_override(
            actor=request.user,
            application=application,
            rule=form.cleaned_data["rule"],
            justification=form.cleaned_data["justification"],
        )
    except ValidationError as exc:
        text = "; ".join(
            f"{_('Justification') if k == 'justification' else _('Rule')}: {' '.join(v)}"
            for k, v in exc.message_dict.items()
        )
        return application_detail(request, pk, refused=text, status=422)
    messages.success(request, _("The override and its justification were recorded."))
    return redirect("application_detail", pk=pk)


def application_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The submission receipt (PDF) in `?lang=fr|en`, else the page's language."""
    application = _application(request, pk)
    if application.submitted_at is None or not application.receipt_sha256:
        raise Http404(_("This application has not been submitted: it has no receipt yet."))
    lang = request.GET.get("lang", "")
    if lang not in ("en", "fr"):
        lang = (translation.get_language() or "en")[:2]
    pdf = receipt_pdf(application, lang)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"receipt-{application.project.acronym}-{application.pk}-{lang}.pdf"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def call_apply(request: HttpRequest, slug: str) -> HttpResponse:
    """Apply to a call: the accredited projects the user's organisations coordinate, each with
    its application if it has one, else an "Apply" button (POST project= creates the draft)."""
    scope = scope_for(request.user)
    try:
        call = selectors.call_get(scope=scope, slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404(_("No call with this address.")) from exc
    projects = list(selectors.coordinated_projects(scope=scope))
    error = ""
    status = 200
    if request.method == "POST":
        form = ApplyForm(request.POST)
        chosen = (
            next((p for p in projects if p.pk == form.cleaned_data["project"]), None)
            if form.is_valid()
            else None
        )
        if chosen is None:
            error = _("Choose one of the accredited projects your organisation coordinates.")
            status = 422
        else:
            try:
                application = services.application_create(
                    actor=request.user, call=call, project=chosen
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
                status = 422
            except PermissionDenied as exc:
                error = str(exc)
                status = 403
            else:
                messages.success(request, _("The draft application was created."))
                return redirect("application_detail", pk=application.pk)
    existing = {
        a.project_id: a
        for a in Application.objects.filter(call=call, project__in=[p.pk for p in projects])
    }
    rows = [{"project": p, "application": existing.get(p.pk)} for p in projects]
    return render(
        request,
        "funding/call_apply.html",
        {
            "call": call,
            "rows": rows,
            "error": error,
            "is_open": call.is_open_at(timezone.now()),
            "closes_at": call.closes_at,
        },
        status=status,
    )


@login_required
def call_applications_page(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """A call's applications for its screening officers: filters, sort, counts, CSV/XLSX."""
    scope = scope_for(request.user)
    try:
        call = selectors.call_for_screening(scope=scope, slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404(_("No call with this address.")) from exc
    queryset = selectors.call_applications(scope=scope, call=call)
    filterset = html_filterset(ApplicationFilterSet, request, queryset)
    export = html_export(
        filterset, request, filename=f"applications-{call.slug}", columns=APPLICATION_EXPORT
    )
    if export is not None:
        return export
    listing = html_list(filterset, request)
    counts = {row["status"]: row["n"] for row in _status_counts(call)}
    workflow = APPLICATION_WORKFLOWS.get(call.application_workflow_version)
    return render(
        request,
        "funding/call_applications.html",
        {
            "call": call,
            "form": listing.form,
            "listing": listing,
            "counts": [
                {"status": s, "label": _(workflow.state(s).staff_label), "count": n}
                for s, n in sorted(counts.items())
            ],
            "labels": {s.id: _(s.staff_label) for s in workflow.states.values()},
        },
    )


def _status_counts(call: Call) -> Any:
    """How many of the call's applications (drafts apart) are in each state."""
    return (
        Application.objects.filter(call=call)
        .exclude(status="draft")
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
