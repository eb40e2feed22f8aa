"""Labelling pages (thin: parse → selector / service → template).

`labelling/` the sessions one manages or sits on; `clusters/<slug>/labelling/` a cluster's
criteria and sessions (its managers); `labelling/sessions/<pk>/` the committee page;
`labelling/reviews/<pk>/` the scoring page of one submission; `.../letter/` the decision letter.
Outsiders get 404: a proposal before a committee is not known to them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from grappe.core.scopes import scope_for
from grappe.labelling import selectors
from grappe.labelling.domain.criteria import mean, weighted_result
from grappe.labelling.domain.workflow import LABELLING_WORKFLOWS, OUTCOME_LABELS, Outcome
from grappe.labelling.forms import (
    AttachForm,
    ChecklistForm,
    CriteriaForm,
    DeclarationForm,
    ReviewTransitionForm,
    ScoreForm,
    SessionForm,
)
from grappe.labelling.models import CommitteeSession, MemberReview, Review
from grappe.labelling.services import (
    ReviewTransitionRefused,
    criteria_set_create,
    member_declare,
    member_score,
    review_attach,
    review_checklist_set,
    review_offered_transitions,
    review_transition,
    session_create,
    why_may_not_score,
)
from grappe.projects.models import ParticipantRole
from grappe.registry.models import Cluster

NOT_FOUND = "No labelling page with this address, or you may not see it."


def _errors(form: Any, error: ValidationError) -> None:
    for field, errs in error.message_dict.items():
        target = field if field in form.fields else None
        for e in errs:
            form.add_error(target, e)


@login_required
def labelling_home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    managed = Cluster.objects.filter(pk__in=scope.cluster_ids).order_by("name")
    if scope.is_staff_wide:
        managed = Cluster.objects.order_by("name")
    context = {
        "sessions": list(selectors.session_list(scope=scope)),
        "tasks": selectors.my_committee_tasks(request.user),
        "clusters": [c for c in managed if selectors.may_manage(scope, c.pk)],
    }
    return render(request, "labelling/home.html", context)


@login_required
def cluster_labelling(request: HttpRequest, slug: str) -> HttpResponse:
    scope = scope_for(request.user)
    cluster = get_object_or_404(Cluster, slug=slug)
    if not selectors.may_manage(scope, cluster.pk):
        raise Http404(_(NOT_FOUND))
    eligible = selectors.eligible_members(cluster)
    which = request.POST.get("form") if request.method == "POST" else None
    criteria_form = CriteriaForm(request.POST if which == "criteria" else None)
    session_form = SessionForm(request.POST if which == "session" else None, eligible=eligible)
    status = 200
    if which == "criteria":
        if criteria_form.is_valid():
            try:
                row = criteria_set_create(
                    actor=request.user, cluster=cluster, definition=criteria_form.definition()
                )
            except ValidationError as error:
                _errors(criteria_form, error)
            else:
                messages.success(request, _("Criteria version %(v)s saved.") % {"v": row.version})
                return redirect("labelling:cluster", slug=slug)
        status = 422
    elif which == "session":
        if session_form.is_valid():
            try:
                session = session_create(
                    actor=request.user,
                    cluster=cluster,
                    title=session_form.cleaned_data["title"],
                    meets_on=session_form.cleaned_data["meets_on"],
                    member_ids=[u.pk for u in session_form.cleaned_data["members"]],
                )
            except ValidationError as error:
                _errors(session_form, error)
            else:
                messages.success(request, _("Committee session created."))
                return redirect("labelling:session", pk=session.pk)
        status = 422
    elif which is not None:
        status = 422
    criteria = list(selectors.criteria_sets(scope=scope, cluster=cluster))
    context = {
        "cluster": cluster,
        "criteria_sets": criteria,
        "latest": criteria[0] if criteria else None,
        "sessions": list(selectors.cluster_sessions(scope=scope, cluster=cluster)),
        "pending": list(selectors.pending_submissions(scope=scope, cluster=cluster)),
        "criteria_form": criteria_form,
        "session_form": session_form,
    }
    return render(request, "labelling/cluster.html", context, status=status)


def _session(request: HttpRequest, pk: int) -> CommitteeSession:
    try:
        return selectors.session_get(scope=scope_for(request.user), pk=pk)
    except CommitteeSession.DoesNotExist as exc:
        raise Http404(_(NOT_FOUND)) from exc


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    session = _session(request, pk)
    manages = selectors.may_manage(scope, session.cluster_id)
    pending = selectors.pending_submissions(scope=scope, cluster=session.cluster)
    form = AttachForm(request.POST if request.method == "POST" else None, pending=pending)
    status = 200
    if request.method == "POST":
        if not manages:
            raise PermissionDenied(_("You may not run this cluster's labelling."))
        if form.is_valid():
            try:
                review_attach(
                    actor=request.user, session=session, submission=form.cleaned_data["submission"]
                )
            except ValidationError as error:
                _errors(form, error)
            else:
                messages.success(request, _("The submission is now before this session."))
                return redirect("labelling:session", pk=pk)
        status = 422
    reviews = list(
        session.reviews.select_related("submission__project", "submission__cluster").order_by("id")
    )
    declared = {
        (m.review_id, m.member_id): m for m in MemberReview.objects.filter(review__session=session)
    }
    members = list(session.memberships.select_related("user").order_by("user__username"))
    workflow = LABELLING_WORKFLOWS.current
    rows = [
        {
            "review": r,
            "state": _(workflow.states[r.status].staff_label),
            "cells": [declared.get((r.pk, m.user_id)) for m in members],
        }
        for r in reviews
    ]
    context = {
        "session": session,
        "manages": manages,
        "members": members,
        "rows": rows,
        "form": form,
        "has_pending": pending.exists(),
    }
    return render(request, "labelling/session.html", context, status=status)


def _review(request: HttpRequest, pk: int) -> Review:
    try:
        return selectors.review_get(scope=scope_for(request.user), pk=pk)
    except Review.DoesNotExist as exc:
        raise Http404(_(NOT_FOUND)) from exc


def _outcome_label(code: str) -> str:
    return _(OUTCOME_LABELS[Outcome(code)]) if code else ""


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    review = _review(request, pk)
    session = review.session
    rules = session.criteria_set.rules
    manages = selectors.may_manage(scope, session.cluster_id)
    is_member = selectors.is_member(session, scope.user_id)
    mine = selectors.member_review(review, scope.user_id)
    which = request.POST.get("form") if request.method == "POST" else None
    declaration_form = DeclarationForm(request.POST if which == "declare" else None)
    score_form = ScoreForm(
        request.POST if which == "score" else None,
        rules=rules,
        initial={
            "vote": mine.vote if mine else "",
            "comment": mine.comment if mine else "",
            **{f"score_{k}": v for k, v in (mine.scores if mine else {}).items()},
        },
    )
    checklist_form = ChecklistForm(
        request.POST if which == "checklist" else None,
        rules=rules,
        initial={"ticked": review.checklist},
    )
    transition_form = ReviewTransitionForm(request.POST if which == "transition" else None)
    refused, status = "", 200
    if which is not None:
        try:
            done = _review_post(
                request,
                review,
                which,
                {
                    "declare": declaration_form,
                    "score": score_form,
                    "checklist": checklist_form,
                    "transition": transition_form,
                },
            )
        except PermissionDenied as refusal:
            refused, status = str(refusal), 403
        except ReviewTransitionRefused as refusal:
            refused, status = refusal.message, 409
        except ValidationError as error:
            refused, status = "; ".join(error.messages), 422
        else:
            if done:
                messages.success(request, done)
                return redirect("labelling:review", pk=pk)
            status = 422
    project = review.submission.project
    why_not = why_may_not_score(review, scope.user_id, mine) if is_member and scope.user_id else ""
    member_rows: list[dict[str, Any]] = []
    results: list[Decimal] = []
    if manages:
        for m in MemberReview.objects.filter(review=review).select_related("member"):
            result = weighted_result(rules, m.scores) if m.scored_at else None
            if result is not None:
                results.append(result)
            member_rows.append({"m": m, "result": result, "vote": _outcome_label(m.vote)})
    workflow = LABELLING_WORKFLOWS.get(review.workflow_version)
    context = {
        "review": review,
        "session": session,
        "project": project,
        "partners": project.participations.select_related("organisation").order_by(
            "display_order", "id"
        ),
        "coordinator_role": ParticipantRole.COORDINATOR,
        "rules": rules,
        "manages": manages,
        "is_member": is_member,
        "mine": mine,
        "why_not": why_not,
        "declaration_form": declaration_form,
        "score_form": score_form,
        "checklist_form": checklist_form,
        "transition_form": transition_form,
        "offered": review_offered_transitions(actor=request.user, review=review) if manages else [],
        "member_rows": member_rows,
        "mean": mean(results),
        "state": _(workflow.states[review.status].staff_label),
        "outcome_label": _outcome_label(review.outcome),
        "refused": refused,
    }
    return render(request, "labelling/review.html", context, status=status)


def _review_post(request: HttpRequest, review: Review, which: str, forms: dict[str, Any]) -> str:
    """Run one of the scoring page's forms; the message to show, or "" when the form is invalid."""
    if which == "declare":
        form = forms["declare"]
        if not form.is_valid():
            return ""
        member_declare(
            actor=request.user,
            review=review,
            declares_interest=form.cleaned_data["declares_interest"],
            note=form.cleaned_data["note"],
        )
        return _("Your declaration is recorded.")
    if which == "score":
        form = forms["score"]
        if not form.is_valid():
            return ""
        member_score(
            actor=request.user,
            review=review,
            scores=form.scores(),
            vote=form.cleaned_data["vote"],
            comment=form.cleaned_data["comment"],
        )
        return _("Your scores are recorded.")
    if which == "checklist":
        form = forms["checklist"]
        if not form.is_valid():
            return ""
        review_checklist_set(actor=request.user, review=review, ticked=form.cleaned_data["ticked"])
        return _("The checklist is saved.")
    if which == "transition":
        form = forms["transition"]
        if not form.is_valid():
            return ""
        review_transition(
            actor=request.user,
            review=review,
            transition=form.cleaned_data["transition"],
            reason=form.cleaned_data["reason"],
            outcome=form.cleaned_data["outcome"],
            conditions=form.cleaned_data["conditions"],
        )
        return _("Done: the review is now “%(state)s”.") % {
            "state": _(LABELLING_WORKFLOWS.current.states[review.status].staff_label)
        }
    return ""


def review_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable decision letter of a published decision."""
    try:
        review = selectors.letter_review(scope=scope_for(request.user), pk=pk)
    except Review.DoesNotExist as exc:
        raise Http404(_(NOT_FOUND)) from exc
    project = review.submission.project
    context = {
        "review": review,
        "project": project,
        "cluster": review.session.cluster,
        "coordinator": project.participations.filter(role=ParticipantRole.COORDINATOR)
        .select_related("organisation")
        .first(),
        "partners": project.participations.select_related("organisation").order_by(
            "display_order", "id"
        ),
        "outcome_label": _outcome_label(review.outcome),
    }
    return render(request, "labelling/letter.html", context)
