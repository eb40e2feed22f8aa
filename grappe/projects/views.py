"""Public project pages (thin: parse → selector → template)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grappe.core.concurrency import EDIT_TOKEN_FIELD, edit_token
from grappe.core.domain.workflow import ObjectRole
from grappe.core.limits import upload_limit
from grappe.core.lists import list_response
from grappe.core.pages import page_sections
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.projects import selectors
from grappe.projects.domain.budget import shares
from grappe.projects.domain.workflow import PROJECT_WORKFLOWS
from grappe.projects.filters import PROJECT_EXPORT, ProjectFilterSet
from grappe.projects.forms import (
    InvitationAnswerForm,
    InviteForm,
    PartnerBudgetForm,
    ProjectSubmitForm,
    ProjectTransitionForm,
    ProposalForm,
    ProposalStartForm,
    SubmissionWithdrawForm,
    budget_field_name,
)
from grappe.projects.models import (
    BudgetLine,
    ClusterSubmission,
    CostCategory,
    FundingLine,
    Participation,
    PartnerInvitation,
    Project,
    ProposalDocument,
    ResearchCategory,
)
from grappe.projects.services import (
    SubmissionRequest,
    TransitionRefused,
    actor_project_roles,
    document_add,
    document_max_bytes,
    invitation_create,
    invitation_create_by_siren,
    invitation_transition,
    may_edit_proposal,
    message_post,
    partner_budget_set,
    project_offered_transitions,
    project_submit,
    project_transition,
    proposal_create,
    proposal_edit_refusal,
    proposal_update,
    submission_withdraw,
)
from grappe.registry.models import Cluster
from grappe.registry.selectors import organisation_figures
from grappe.registry.services import figures_set

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


# --- proposals built by their partners -------------------------------------------------------


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(errs).messages]
            for field, errs in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form, on the field it names (else on the form)."""
    for field, messages_ in _field_errors(exc).items():
        form.add_error(field if field in form.fields else None, messages_)


def _visible_or_404(request: HttpRequest, pk: int) -> Project:
    try:
        return selectors.project_get(scope=scope_for(request.user), pk=pk)
    except Project.DoesNotExist as exc:
        raise Http404(_("No project with this address, or you may not see it.")) from exc


@login_required
def proposal_new(request: HttpRequest) -> HttpResponse:
    """Start a proposal for one of the organisations the user acts for (it coordinates)."""
    scope = scope_for(request.user)
    organisations = selectors.organisations_acted_for(scope=scope)
    posted = request.POST if request.method == "POST" and organisations else None
    form = ProposalStartForm(posted, organisations=organisations)
    if request.method == "POST" and organisations and form.is_valid():
        data = dict(form.cleaned_data)
        organisation_id = data.pop("organisation")
        try:
            project = proposal_create(actor=request.user, organisation_id=organisation_id, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error("organisation", str(exc))
        else:
            messages.success(request, _("Your proposal is started: invite your partners."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/proposal_form.html",
        {"form": form, "organisations": organisations, "project": None},
        status=422 if form.errors else 200,
    )


@login_required
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator edits the common description (refused if changed since it was opened)."""
    project = _visible_or_404(request, pk)
    refusal = proposal_edit_refusal(actor=request.user, project=project)
    if refusal:
        raise PermissionDenied(refusal)
    form = ProposalForm(request.POST or None, instance=project)
    token = request.POST.get(EDIT_TOKEN_FIELD) if request.method == "POST" else edit_token(project)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in ProposalForm.Meta.fields}
        try:
            proposal_update(
                actor=request.user, project=project, expected_token=token or "", **changes
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The proposal is saved."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/proposal_form.html",
        {"form": form, "project": project, "edit_token": token, "token_name": EDIT_TOKEN_FIELD},
        status=422 if form.errors else 200,
    )


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


@login_required
@require_POST
def proposal_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator invites an organisation (found by the search, or by its SIREN)."""
    project = _visible_or_404(request, pk)
    if not may_edit_proposal(actor=request.user, project=project):
        raise PermissionDenied(_("Only the coordinator may invite partners."))
    form = InviteForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data.get("organisation"):
                invitation = invitation_create(
                    actor=request.user, project=project, organisation_id=data["organisation"]
                )
            else:
                invitation = invitation_create_by_siren(
                    actor=request.user,
                    project=project,
                    siren=data["siren"],
                    name=data.get("name", ""),
                    kind=data.get("kind", ""),
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(organisation)s is invited.") % {"organisation": invitation.organisation.name},
            )
            return redirect(reverse("project_detail", kwargs={"pk": pk}) + "#invitations")
    errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    messages.error(request, _("Nobody was invited: %(errors)s") % {"errors": errors})
    return redirect(reverse("project_detail", kwargs={"pk": pk}) + "#invitations")


@login_required
@require_POST
def invitation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept or decline (the invited organisation), cancel (the coordinator)."""
    scope = scope_for(request.user)
    try:
        invitation = selectors.invitation_get(scope=scope, pk=pk)
    except PartnerInvitation.DoesNotExist as exc:
        raise Http404(_("No invitation with this address, or you may not see it.")) from exc
    form = InvitationAnswerForm(request.POST)
    back = request.POST.get("next") == "me"
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
    else:
        try:
            invitation_transition(
                actor=request.user,
                invitation=invitation,
                transition=form.cleaned_data["transition"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in _field_errors(exc).values() for m in ms))
        else:
            done = {
                "accept": _("You joined %(project)s: enter your budget."),
                "decline": _("You declined the invitation to %(project)s."),
                "cancel": _("The invitation to %(project)s is cancelled."),
            }[form.cleaned_data["transition"]]
            messages.success(request, done % {"project": invitation.project.acronym})
            if form.cleaned_data["transition"] == "accept":
                return redirect("partner_budget", pk=invitation.project_id)
            if form.cleaned_data["transition"] == "decline":
                return redirect("my_area")
    if back:
        return redirect("my_area")
    return redirect(
        reverse("project_detail", kwargs={"pk": invitation.project_id}) + "#invitations"
    )


@login_required
def partner_budget(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner enters its own budget lines and yearly figures (only its own)."""
    scope = scope_for(request.user)
    project = _visible_or_404(request, pk)
    mine = selectors.my_participations(scope=scope, project=project)
    if not mine:
        raise PermissionDenied(_("Only a partner of the proposal enters a budget here."))
    wanted = request.GET.get("organisation") or request.POST.get("organisation_id")
    participation = next((p for p in mine if str(p.organisation_id) == wanted), mine[0])
    current = {
        budget_field_name(line.cost_category, line.research_category): line.amount
        for line in participation.budget_lines.all()
    }
    figures = organisation_figures(scope=scope, organisation=participation.organisation).first()
    initial: dict[str, Any] = dict(current)
    if figures is not None:
        initial |= {
            f: getattr(figures, f) for f in ("year", "staff_awu", "turnover", "balance_sheet")
        }
    form = PartnerBudgetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                partner_budget_set(
                    actor=request.user, participation=participation, lines=form.lines()
                )
                if data.get("year") is not None:
                    figures_set(
                        actor=request.user,
                        organisation_id=participation.organisation_id,
                        year=data["year"],
                        staff_awu=data["staff_awu"],
                        turnover=data["turnover"],
                        balance_sheet=data["balance_sheet"],
                    )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your budget is saved."))
            return redirect(reverse("project_detail", kwargs={"pk": pk}) + "#budget")
    return render(
        request,
        "projects/partner_budget.html",
        {
            "project": project,
            "participation": participation,
            "mine": mine,
            "form": form,
            "research_labels": [label for _v, label in ResearchCategory.choices],
            "is_draft": project.status == "draft",
        },
        status=422 if form.errors else 200,
    )


@login_required
def my_area(request: HttpRequest) -> HttpResponse:
    """The user's proposals by status and the pending invitations to their organisations; higher
    apps add blocks through the page section `core.my_area`."""
    scope = scope_for(request.user)
    groups: OrderedDict[str, dict[str, Any]] = OrderedDict()
    for project in selectors.my_proposals(scope=scope):
        group = groups.setdefault(
            project.status, {"label": project.get_status_display(), "projects": []}
        )
        group["projects"].append(project)
    context: dict[str, Any] = {
        "groups": list(groups.values()),
        "proposal_count": sum(len(g["projects"]) for g in groups.values()),
        "invitations": list(selectors.invitations_pending_for(scope=scope)),
        "can_start": bool(scope.organisation_ids),
    }
    # Each higher app's section returns {"my_area_<name>": {"template": ..., ...}}: one block.
    sections = page_sections("core.my_area", request, scope)
    context["my_area_blocks"] = [
        block for key, block in sorted(sections.items()) if key.startswith("my_area_")
    ]
    return render(request, "projects/my_area.html", context)


def _document_upload_limit() -> int:
    return document_max_bytes() + 256 * 1024  # the file and the form around it


@login_required
@require_POST
@upload_limit(_document_upload_limit)
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a PDF to the proposal (its consortium)."""
    project = _visible_or_404(request, pk)
    upload = request.FILES.get("file")
    try:
        document_add(
            actor=request.user,
            project=project,
            title=request.POST.get("title", "")[:200],
            file_name=getattr(upload, "name", "") or "",
            content=upload.read(document_max_bytes() + 1) if upload is not None else b"",
        )
    except ValidationError as exc:
        text = " ".join(m for ms in _field_errors(exc).values() for m in ms)
        messages.error(request, _("The document was not added: %(errors)s") % {"errors": text})
    else:
        messages.success(request, _("The document is added."))
    return redirect(reverse("project_detail", kwargs={"pk": pk}) + "#documents")


def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """A proposal's PDF, for its insiders only (404 for anyone else)."""
    project = _visible_or_404(request, pk)
    try:
        document = selectors.proposal_document_get(
            scope=scope_for(request.user), project=project, pk=document_pk
        )
    except ProposalDocument.DoesNotExist as exc:
        raise Http404(_("No document with this address, or you may not see it.")) from exc
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    safe = "".join(ch for ch in document.file_name if ch.isalnum() or ch in "._- ") or "document"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def message_post_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Write in the proposal's discussion thread (its consortium)."""
    project = _visible_or_404(request, pk)
    try:
        message_post(actor=request.user, project=project, body=request.POST.get("body", ""))
    except ValidationError as exc:
        text = " ".join(m for ms in _field_errors(exc).values() for m in ms)
        messages.error(request, _("The message was not posted: %(errors)s") % {"errors": text})
    return redirect(reverse("project_detail", kwargs={"pk": pk}) + "#discussion")
