"""Grant pages (thin: parse → selector / service → template).

`grants/<pk>/` one agreement: its terms, payment plan ([U] values marked), installments with
their explanation, expense statements, reports and deadlines, history, and the forms of who
may act (the partner: accept, statements, reports, payment requests; the funder's officer:
offer, review, approve, pay). `grants/<pk>/agreement.pdf` the agreement in FR or EN;
`grants/<pk>/documents/<document_pk>/` a supporting PDF; `grants/manage/` the officer's
granted funding lines to draw agreements from. Outsiders get 404.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grappe.core.domain.roles import Action
from grappe.core.lists import html_export, html_filterset, html_list
from grappe.core.models import Transition
from grappe.core.scopes import scope_for
from grappe.grants import selectors, services
from grappe.grants.domain import workflow as wf
from grappe.grants.domain.payments import PLAN_DATA, READY_MADE, trigger_met
from grappe.grants.explain import explanation, percent, plan_rows
from grappe.grants.filters import (
    GRANT_EXPORT,
    LINE_EXPORT,
    LINES_PREFIX,
    DraftableLineFilterSet,
    GrantFilterSet,
    lines_related,
    status_counts,
    with_related,
)
from grappe.grants.forms import (
    AmendForm,
    DocumentForm,
    DraftForm,
    InstallmentForm,
    LineForm,
    ReportForm,
    ReportTransitionForm,
    RequestForm,
    StatementForm,
    StatementReviewForm,
    TransitionForm,
)
from grappe.grants.letter import agreement_pdf
from grappe.grants.models import (
    ExpenseLine,
    ExpenseStatement,
    GrantAgreement,
    ImpactReport,
    Installment,
    StatementDocument,
)
from grappe.projects.models import BudgetLine

NOT_FOUND = "No grant with this address, or you may not see it."


def _offered(workflow: Any, obj: Any, roles: frozenset[Any], facts: wf.GrantFacts) -> list[Any]:
    return [
        {"id": t.id, "label": _(t.label), "reason": t.reason_required, "allowed": d.allowed}
        for t, d in workflow.offered(state=obj.status, roles=roles, facts=facts)
        if t.id != "amend"  # offered with its new terms (`agreement_amend`), not as a button
    ]


def _post(
    request: HttpRequest, agreement: GrantAgreement, which: str, categories: list[str]
) -> str:
    """Run one form's service; the success message, or raise the service's refusal."""
    data, user = request.POST, request.user
    if which == "transition":
        form: Any = TransitionForm(data)
        if form.is_valid():
            services.agreement_transition(actor=user, agreement=agreement,
                                          transition=form.cleaned_data["transition"],
                                          reason=form.cleaned_data["reason"])  # fmt: skip
            return _("Done.")
    elif which == "amend":
        form = AmendForm(data)
        if form.is_valid():
            services.agreement_amend(actor=user, agreement=agreement,
                                     amount=form.cleaned_data["amount"],
                                     reason=form.cleaned_data["reason"])  # fmt: skip
            return _("Amendment offered to the partner.")
    elif which == "request":
        form = RequestForm(data)
        if form.is_valid():
            inst = services.installment_request(actor=user, agreement=agreement,
                                                tranche=form.cleaned_data["tranche"])  # fmt: skip
            return _("Payment of %(amount)s requested.") % {"amount": inst.amount}
    elif which == "installment":
        form = InstallmentForm(data)
        if form.is_valid():
            inst = get_object_or_404(Installment, pk=form.cleaned_data["installment"],
                                     agreement=agreement)  # fmt: skip
            services.installment_transition(
                actor=user, installment=inst, transition=form.cleaned_data["transition"],
                reason=form.cleaned_data["reason"],
                payment_reference=form.cleaned_data["payment_reference"],
            )  # fmt: skip
            return _("Done.")
    elif which == "statement":
        form = StatementForm(data, categories=categories)
        if form.is_valid():
            services.statement_submit(actor=user, agreement=agreement,
                                      period_start=form.cleaned_data["period_start"],
                                      period_end=form.cleaned_data["period_end"],
                                      lines=form.lines())  # fmt: skip
            return _("Expense statement submitted.")
    elif which == "document":
        form = DocumentForm(data, request.FILES)
        if form.is_valid():
            st = get_object_or_404(ExpenseStatement, pk=form.cleaned_data["statement"],
                                   agreement=agreement)  # fmt: skip
            upload = form.cleaned_data["file"]
            services.statement_document_add(actor=user, statement=st,
                                            title=form.cleaned_data["title"],
                                            file_name=upload.name or "",
                                            content=upload.read(services.DOCUMENT_MAX_BYTES + 1))  # fmt: skip
            return _("Document added.")
    elif which == "line":
        form = LineForm(data)
        if form.is_valid():
            line = get_object_or_404(ExpenseLine, pk=form.cleaned_data["line"],
                                     statement__agreement=agreement)  # fmt: skip
            services.statement_line_decide(actor=user, line=line,
                                           decision=form.cleaned_data["decision"],
                                           accepted=form.cleaned_data["accepted"],
                                           reason=form.cleaned_data["reason"])  # fmt: skip
            return _("Line decided.")
    elif which == "review":
        form = StatementReviewForm(data)
        if form.is_valid():
            st = get_object_or_404(ExpenseStatement, pk=form.cleaned_data["statement"],
                                   agreement=agreement)  # fmt: skip
            services.statement_transition(actor=user, statement=st, transition="review")
            return _("Review closed.")
    elif which == "report":
        form = ReportForm(data)
        if form.is_valid():
            c = form.cleaned_data
            services.report_submit(actor=user, agreement=agreement, kind=c["kind"],
                                   year=c["year"], figures=c)  # fmt: skip
            return _("Report submitted.")
    elif which == "report_transition":
        form = ReportTransitionForm(data)
        if form.is_valid():
            rp = get_object_or_404(ImpactReport, pk=form.cleaned_data["report"],
                                   agreement=agreement)  # fmt: skip
            services.report_transition(actor=user, report=rp,
                                       transition=form.cleaned_data["transition"],
                                       reason=form.cleaned_data["reason"])  # fmt: skip
            return _("Done.")
    else:
        raise ValidationError({"form": _("Unknown form.")})
    raise ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})


def _error_text(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    return "; ".join(
        "; ".join(errs) if field == "__all__" else f"{field}: {'; '.join(errs)}"
        for field, errs in error.message_dict.items()
    )


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        agreement = selectors.agreement_get(scope, pk)
    except Http404:
        raise Http404(_(NOT_FOUND)) from None
    version = selectors.current_version(agreement)
    costs = list(version.costs.all())
    categories = [c.category for c in costs]
    refused, status = "", 200
    if request.method == "POST":
        which = request.POST.get("form", "")
        try:
            done = _post(request, agreement, which, categories)
        except PermissionDenied as refusal:
            refused, status = str(refusal), 403
        except services.GrantTransitionRefused as refusal:
            refused, status = refusal.message, 409
        except ValidationError as error:
            refused, status = _error_text(error), 422
        else:
            messages.success(request, done)
            return redirect("grants:detail", pk=pk)
        agreement = selectors.agreement_get(scope, pk)
    is_partner = selectors.may_act_for_partner(scope, agreement)
    is_officer = selectors.may_manage(scope, agreement)
    roles = services.agreement_roles(request.user, agreement)
    plan = selectors.plan_of(selectors.version_in_force(agreement))
    installments = list(agreement.installments.order_by("created_at", "id"))
    statements = list(agreement.statements.prefetch_related("lines", "documents").order_by(
        "period_start", "id"))  # fmt: skip
    reports = list(agreement.reports.order_by("year", "kind"))
    tranches = []
    if agreement.status in ("accepted", "active") and (is_partner or is_officer):
        for t in plan.tranches:
            if not t.repeatable and any(
                i.tranche == t.id and i.status != "rejected" for i in installments
            ):
                tranches.append({"id": t.id, "done": True})
                continue
            ready = trigger_met(t, selectors.trigger_facts(agreement, t.id))
            due = services.installment_due(agreement, t.id) if ready else None
            tranches.append({"id": t.id, "ready": ready, "due": due.amount if due else None,
                             "lines": explanation(
                                 {"code": ln.code, "params": ln.params} for ln in due.lines
                             ) if due else []})  # fmt: skip
    ct = ContentType.objects.get_for_model(GrantAgreement)
    context = {
        "agreement": agreement,
        "project": agreement.participation.project,
        "organisation": agreement.participation.organisation,
        "version": version,
        "versions": list(agreement.versions.select_related("accepted_by").order_by("number")),
        "costs": costs,
        "costs_total": sum((c.amount for c in costs), Decimal("0")),
        "intensity": percent(version.intensity),
        "plan": plan_rows(plan),
        "state": _(wf.AGREEMENT.state(agreement.status).staff_label),
        "is_partner": is_partner,
        "is_officer": is_officer,
        "transitions": _offered(
            wf.AGREEMENT, agreement, roles, services.agreement_facts(agreement)
        ),
        "installments": [
            {
                "i": i,
                "state": _(wf.INSTALLMENT.state(i.status).staff_label),
                "lines": explanation(i.explanation),
            }
            for i in installments
        ],
        "tranches": tranches,
        "statements": statements,
        "accepted_costs": selectors.accepted_costs(agreement),
        "reports": reports,
        "deadlines": selectors.report_deadlines(agreement, version, timezone.localdate()),
        "history": list(
            Transition.objects.filter(content_type=ct, object_id=agreement.pk)
            .select_related("actor")
            .order_by("created_at", "id")
        ),
        "statement_form": StatementForm(categories=categories),
        "report_form": ReportForm(),
        "amend_form": AmendForm(initial={"amount": version.amount})
        if is_officer and agreement.status in ("accepted", "active")
        else None,
        "line_form": LineForm(),
        "refused": refused,
        "language": get_language(),
    }
    return render(request, "grants/agreement.html", context, status=status)


def agreement_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        agreement = selectors.agreement_get(scope, pk)
    except Http404:
        raise Http404(_(NOT_FOUND)) from None
    language = request.GET.get("lang", get_language() or "en")
    if language not in ("fr", "en"):
        language = "en"
    response = HttpResponse(agreement_pdf(agreement, language), content_type="application/pdf")
    name = f"agreement-{agreement.pk}-{language}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    try:
        agreement = selectors.agreement_get(scope, pk)
    except Http404:
        raise Http404(_(NOT_FOUND)) from None
    doc = get_object_or_404(StatementDocument, pk=document_pk, statement__agreement=agreement)
    response = HttpResponse(bytes(doc.content), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="document.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def manage(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Two lists of the officer's funders: the granted funding lines without an agreement (to
    draw one up; parameters prefixed `lines-`) and the agreements (counts by status); each with
    filters, sort, keyset pages and its CSV/XLSX export."""
    scope = scope_for(request.user)
    if not scope.can(Action.GRANT_MANAGE):
        raise PermissionDenied(_("Only programme officers run grants."))
    filterset = html_filterset(GrantFilterSet, request, selectors.agreements_managed(scope))
    line_filterset = html_filterset(
        DraftableLineFilterSet, request, selectors.lines_to_draft(scope), prefix=LINES_PREFIX
    )
    export = html_export(
        filterset, request, filename="grants", columns=GRANT_EXPORT, prepare=with_related
    ) or html_export(
        line_filterset,
        request,
        filename="granted-lines",
        columns=LINE_EXPORT,
        prepare=lines_related,
    )
    if export is not None:
        return export
    lines = selectors.granted_lines(scope)
    plans = [(k, _(v["label"])) for k, v in PLAN_DATA.items()]
    refused, status = "", 200
    if request.method == "POST":
        form = DraftForm(request.POST, plans=plans)
        if form.is_valid():
            line = get_object_or_404(lines, pk=form.cleaned_data["funding_line"])
            costs: dict[str, Decimal] = defaultdict(Decimal)
            for b in BudgetLine.objects.filter(participation_id=line.participation_id).values(
                "cost_category").annotate(s=Sum("amount")):  # fmt: skip
                costs[b["cost_category"]] += b["s"]
            key = form.cleaned_data["plan"]
            try:
                agreement = services.agreement_create(
                    actor=request.user, funding_line=line, costs=costs,
                    intensity=form.cleaned_data["intensity"],
                    plan=PLAN_DATA[key] if key in READY_MADE else None,
                )  # fmt: skip
            except PermissionDenied as refusal:
                refused, status = str(refusal), 403
            except ValidationError as error:
                refused, status = _error_text(error), 422
            else:
                return redirect("grants:detail", pk=agreement.pk)
        else:
            refused, status = "; ".join(str(e) for e in form.errors.values()), 422
    listing = html_list(filterset, request, prepare=with_related)
    context = {
        "lines": html_list(line_filterset, request, prepare=lines_related),
        "listing": listing,
        "list_form": listing.form,
        "counts": status_counts(filterset.qs),
        "form": DraftForm(plans=plans),
        "refused": refused,
    }
    return render(request, "grants/manage.html", context, status=status)
