"""The calls pages: the public list and one page per call with its rules in plain words, and
the programme officers' set-up pages (their calls, a new call, its dates and envelope, its rule
set in a structured editor). Thin: selectors read, `funding.services` writes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.core.concurrency import EditConflict
from grappe.core.lists import html_export, html_filterset, html_list
from grappe.core.pages import page_sections
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.funding import selectors, services
from grappe.funding.domain.evaluation import EvaluationError, stored_or_default
from grappe.funding.domain.rulesets import READY_MADE, RuleSetError
from grappe.funding.explain import call_rule_lines, call_rule_sections, evaluation_display
from grappe.funding.filters import CALL_EXPORT, CallFilterSet
from grappe.funding.forms_calls import CallEditForm, CallNewForm, EvaluationForm, RuleSetForm
from grappe.funding.models import Call
from grappe.funding.services import RuleSetInvalid


def _with_rules(calls: list[Call]) -> list[dict[str, Any]]:
    """Each listed call with its eligibility lines (who may apply)."""
    rows = []
    for call in calls:
        try:
            lines = call_rule_lines(selectors.call_ruleset(call))
        except (Call.DoesNotExist, RuleSetError):
            lines = []
        rows.append({"call": call, "who": [x for x in lines if x["section"] == "eligibility"]})
    return rows


def _call_list(
    request: HttpRequest, queryset: QuerySet[Call], *, template: str, filename: str, **ctx: Any
) -> HttpResponse | StreamingHttpResponse:
    filterset = html_filterset(CallFilterSet, request, queryset)
    export = html_export(filterset, request, filename=filename, columns=CALL_EXPORT)
    if export is not None:
        return export
    listing = html_list(filterset, request)
    return render(
        request,
        template,
        {"form": listing.form, "listing": listing, "rows": _with_rules(listing.items), **ctx},
    )


@rate_limited("search", when=has_query)
def call_list_page(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Open and upcoming calls by default; filters, sort, CSV/XLSX export."""
    scope = scope_for(request.user)
    return _call_list(
        request,
        selectors.call_list(scope=scope),
        template="funding/call_list.html",
        filename="calls",
        can_manage=selectors.may_manage_calls(scope=scope),
    )


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A call: funder, dates, envelope, and its rules in plain words with unconfirmed marks."""
    scope = scope_for(request.user)
    try:
        call = selectors.call_get(scope=scope, slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404(_("No call with this address.")) from exc
    sections: list[dict[str, Any]] = []
    rules_error = ""
    try:
        sections = call_rule_sections(selectors.call_ruleset(call))
    except Call.DoesNotExist:
        rules_error = _("This call has no rule set yet.")
    except RuleSetError as exc:
        rules_error = str(RuleSetInvalid(exc).messages[0])
    unconfirmed = any(line["unconfirmed"] for s in sections for line in s["lines"])
    # The apps above add the links to their pages for this call (experts, panel, allocation,
    # payment plan), each after its own permission check: `call_links_<n>_<app>` lists.
    extra = page_sections("funding.call_detail", request, scope, call=call)
    call_links = [
        link for key in sorted(extra) if key.startswith("call_links") for link in extra[key]
    ]
    return render(
        request,
        "funding/call_detail.html",
        {
            "call": call,
            "sections": sections,
            "rules_error": rules_error,
            "has_unconfirmed": unconfirmed,
            "can_manage": selectors.call_can_manage(scope=scope, call=call),
            "pinned": services.call_is_pinned(call),
            "evaluation": evaluation_for_page(call),
            # "Apply" for a member of an accredited project's coordinator, while it is open;
            # the call's screening officers get the link to its applications.
            "can_apply": call.is_open_at(timezone.now())
            and call.ruleset_id is not None
            and selectors.coordinated_projects(scope=scope).exists(),
            "can_screen_call": selectors.call_for_screening_exists(scope=scope, call=call),
            "call_links": call_links,
        },
    )


# --- set-up by a programme officer ------------------------------------------------------------


def _managed(request: HttpRequest, slug: str) -> Call:
    try:
        return selectors.call_for_manage(scope=scope_for(request.user), slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404(_("No call with this address.")) from exc


def _require_manager(request: HttpRequest) -> None:
    if not selectors.may_manage_calls(scope=scope_for(request.user)):
        raise PermissionDenied(_("Only the programme officers of a funder set up its calls."))


def _form_errors(form: Any, error: ValidationError) -> None:
    """A service's refusal shown on the form: on the field it names, else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        form.add_error(None, error)


@login_required
def call_manage_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The calls the user may set up (same filters as the public list)."""
    _require_manager(request)
    return _call_list(
        request,
        selectors.calls_managed(scope=scope_for(request.user)),
        template="funding/call_manage_list.html",
        filename="my-calls",
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_new(request: HttpRequest) -> HttpResponse:
    """A new call of one of the user's funders, from a ready-made rule set."""
    _require_manager(request)
    funders = selectors.funders_managed(scope=scope_for(request.user))
    form = CallNewForm(request.POST or None, funders=funders)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = services.call_create(
                actor=request.user,
                funder=data["funder"],
                slug=data["slug"],
                title_en=data["title_en"],
                title_fr=data["title_fr"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                envelope=data["envelope"],
                source_code=data["source_code"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The call was created."))
            return redirect("call_detail", slug=call.slug)
    return render(
        request,
        "funding/call_form.html",
        {"form": form, "call": None, "ready_made": sorted(READY_MADE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """A call's titles, dates and envelope; a form opened before the call changed is refused."""
    call = _managed(request, slug)
    funders = selectors.funders_managed(scope=scope_for(request.user))
    form = CallEditForm(request.POST or None, funders=funders, call=call)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        token, reason = data.pop("edit_token"), data.pop("reason")
        funder = data.pop("funder")
        changes = {k: v for k, v in data.items() if getattr(call, k) != v}
        if funder.pk != call.funder_id:
            changes["funder_id"] = funder.pk
        try:
            updated = services.call_update(
                actor=request.user, call=call, reason=reason, expected_token=token, **changes
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The call was saved."))
            return redirect("call_detail", slug=updated.slug)
    return render(request, "funding/call_form.html", {"form": form, "call": call})


@login_required
@require_http_methods(["GET", "POST"])
def call_rules_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The call's rule set in a structured editor; saved as a new version with a reason.
    Once the call has opened the rule set is pinned: the page says so and refuses to save."""
    call = _managed(request, slug)
    current = call.ruleset
    base = dict(current.data) if current is not None else {}
    form = RuleSetForm(
        request.POST or None,
        base=base,
        version=current.version if current is not None else None,
    )
    pinned = services.call_is_pinned(call)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_ruleset_update(
                actor=request.user,
                call=call,
                data=form.ruleset_data(),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except RuleSetInvalid as exc:
            form.add_ruleset_error(exc)
        except EditConflict as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The rule set was saved as a new version."))
            return redirect("call_detail", slug=call.slug)
    return render(
        request,
        "funding/call_rules_form.html",
        {"form": form, "call": call, "pinned": pinned, "sections": form.sections()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_evaluation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The call's evaluation criteria, thresholds, evaluators and tie-breaks (defaults from
    Horizon Europe until set); pinned once the call has opened, like its rule set."""
    call = _managed(request, slug)
    try:
        setup = stored_or_default(call.evaluation)
    except EvaluationError:  # stored before a rule changed: start again from the defaults
        setup = stored_or_default(None)
    form = EvaluationForm(request.POST or None, setup=setup)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_evaluation_update(
                actor=request.user,
                call=call,
                data=form.evaluation_data(),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except services.EvaluationInvalid as exc:
            form.add_evaluation_error(exc)
        except EditConflict as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The evaluation criteria were saved."))
            return redirect("call_detail", slug=call.slug)
    return render(
        request,
        "funding/call_evaluation_form.html",
        {"form": form, "call": call, "pinned": services.call_is_pinned(call)},
    )


def evaluation_for_page(call: Call) -> dict[str, Any] | None:
    try:
        return evaluation_display(stored_or_default(call.evaluation))
    except EvaluationError:
        return None
