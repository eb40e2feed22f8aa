"""API: submissions for accreditation (on a project) and the labelling committees.

Outsiders get 404 for a review or a project they may not know of; the rules are the services'.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Status
from ninja.security import django_auth

from grappe.core.apikit import BODY_ERRORS, ERROR_SCHEMAS, ValidationErrorOut, not_found, responses
from grappe.core.refusals import SERVICE_REFUSALS, RefusalOut, refused
from grappe.core.scopes import scope_for
from grappe.labelling import selectors
from grappe.labelling.models import MemberReview, Review
from grappe.labelling.schemas import (
    DeclarationIn,
    MemberReviewOut,
    ReviewOut,
    ReviewTransitionIn,
    ScoresIn,
    SessionOut,
    SubmissionOut,
    SubmitIn,
    WithdrawIn,
)
from grappe.labelling.services import (
    member_declare,
    member_score,
    review_transition,
    why_may_not_score,
)
from grappe.projects.models import ClusterSubmission, Project
from grappe.projects.selectors import project_get
from grappe.projects.services import (
    SubmissionRequest,
    project_submit,
    submission_withdraw,
)

router = Router(tags=["labelling"])

REFUSALS = {
    403: RefusalOut | ERROR_SCHEMAS[403],
    409: RefusalOut,
    422: RefusalOut | ValidationErrorOut,
}


def _mine_out(m: MemberReview | None) -> MemberReviewOut | None:
    if m is None:
        return None
    return MemberReviewOut(
        declared=True,
        declares_interest=m.declares_interest,
        has_conflict=m.has_conflict,
        scores=m.scores,
        vote=m.vote,
        comment=m.comment,
        scored_at=m.scored_at,
    )


def _review(request: HttpRequest, id: int) -> Review:
    try:
        return selectors.review_get(scope=scope_for(request.user), pk=id)
    except Review.DoesNotExist:
        raise not_found(_("review"), id) from None


def _review_out(request: HttpRequest, review: Review) -> ReviewOut:
    scope = scope_for(request.user)
    manages = selectors.may_manage(scope, review.session.cluster_id)
    shown = manages or review.status == "published"
    mine = selectors.member_review(review, scope.user_id)
    member = selectors.is_member(review.session, scope.user_id)
    why = why_may_not_score(review, scope.user_id, mine) if member and scope.user_id else ""
    return ReviewOut(
        id=review.pk,
        session=review.session_id,
        project=review.submission.project_id,
        cluster=review.session.cluster.slug,
        is_lead=review.submission.is_lead,
        status=review.status,
        outcome=review.outcome if shown else "",
        reasons=review.reasons if shown else "",
        conditions=review.conditions if shown else "",
        may_score=member and not why and mine is not None,
        why_not=why,
        mine=_mine_out(mine),
    )


@router.get(
    "/labelling/sessions",
    response=responses(list[SessionOut]),
    summary="Committee sessions you run (as cluster manager) or sit on, newest first",
    description="Empty for anyone who neither runs nor sits on a committee (and anonymously).",
)
def list_sessions(request: HttpRequest) -> list[SessionOut]:
    sessions = selectors.session_list(scope=scope_for(request.user)).select_related("criteria_set")
    return [
        SessionOut(
            id=s.pk,
            title=s.title,
            meets_on=s.meets_on,
            cluster=s.cluster.slug,
            criteria_version=s.criteria_set.version,
            reviews=list(s.reviews.order_by("id").values_list("pk", flat=True)),
        )
        for s in sessions
    ]


@router.get(
    "/labelling/reviews/{id}",
    response=responses(ReviewOut, 404, 422),
    summary="One submission before a committee: its status, your declaration and scores",
)
def get_review(request: HttpRequest, id: Path[int]) -> ReviewOut:
    return _review_out(request, _review(request, id))


@router.post(
    "/labelling/reviews/{id}/declaration",
    auth=django_auth,
    response=responses(ReviewOut, 401, 404, BODY_ERRORS),
    summary="Declare whether you have an interest in the project (committee members)",
)
def post_declaration(request: HttpRequest, id: Path[int], body: DeclarationIn) -> Any:
    review = _review(request, id)
    try:
        member_declare(
            actor=request.user,
            review=review,
            declares_interest=body.declares_interest,
            note=body.note,
        )
    except SERVICE_REFUSALS as refusal:
        return refused(refusal)
    return _review_out(request, review)


@router.post(
    "/labelling/reviews/{id}/scores",
    auth=django_auth,
    response=responses(ReviewOut, 401, 404, BODY_ERRORS),
    summary="Score each criterion, vote and comment (committee members without a conflict)",
    description="403 says why a member with a conflict of interest may not score or vote.",
)
def post_scores(request: HttpRequest, id: Path[int], body: ScoresIn) -> Any:
    review = _review(request, id)
    try:
        member_score(
            actor=request.user,
            review=review,
            scores=body.scores,
            vote=body.vote,
            comment=body.comment,
        )
    except SERVICE_REFUSALS as refusal:
        return refused(refusal)
    return _review_out(request, review)


@router.post(
    "/labelling/reviews/{id}/transitions",
    auth=django_auth,
    response=responses(ReviewOut, 401, 404, BODY_ERRORS, schemas=REFUSALS),
    summary="Decide, reopen or publish (the cluster's managers)",
    description=(
        "decide needs an outcome and reasons (and conditions for an accreditation with "
        "conditions); publish records the accreditation on the project. 409: a condition is not "
        "met or the step is not possible now; 422: missing reasons or a malformed body."
    ),
)
def post_review_transition(request: HttpRequest, id: Path[int], body: ReviewTransitionIn) -> Any:
    review = _review(request, id)
    try:
        review_transition(
            actor=request.user,
            review=review,
            transition=body.transition,
            reason=body.reason,
            outcome=body.outcome,
            conditions=body.conditions,
        )
    except SERVICE_REFUSALS as refusal:
        return refused(refusal)
    return _review_out(request, review)


# --- submissions, on the project ----------------------------------------------------------------


def _project(request: HttpRequest, id: int) -> Project:
    try:
        return project_get(scope=scope_for(request.user), pk=id)
    except Project.DoesNotExist:
        raise not_found(_("project"), id) from None


def _submission_out(s: ClusterSubmission) -> SubmissionOut:
    return SubmissionOut(
        id=s.pk,
        cluster=s.cluster.slug,
        is_lead=s.is_lead,
        statement=s.statement,
        submitted_at=s.submitted_at,
        withdrawn_at=s.withdrawn_at,
        decided_at=s.decided_at,
    )


@router.post(
    "/projects/{id}/submissions",
    auth=django_auth,
    response=responses({201: list[SubmissionOut]}, 401, 404, BODY_ERRORS, schemas=REFUSALS),
    summary="Submit a draft for accreditation to clusters, lead first (its coordinator)",
)
def post_submissions(request: HttpRequest, id: Path[int], body: SubmitIn) -> Any:
    project = _project(request, id)
    try:
        rows = project_submit(
            actor=request.user,
            project=project,
            clusters=[SubmissionRequest(c.cluster_id, c.statement) for c in body.clusters],
        )
    except SERVICE_REFUSALS as refusal:
        return refused(refusal)
    return Status(201, [_submission_out(s) for s in rows])


@router.post(
    "/projects/{id}/submissions/withdraw",
    auth=django_auth,
    response=responses(list[SubmissionOut], 401, 404, BODY_ERRORS, schemas=REFUSALS),
    summary="Withdraw a submission before the cluster's decision (its coordinator)",
)
def post_withdraw(request: HttpRequest, id: Path[int], body: WithdrawIn) -> Any:
    project = _project(request, id)
    try:
        submission = ClusterSubmission.objects.select_related("project", "cluster").get(
            pk=body.submission_id, project=project
        )
    except ClusterSubmission.DoesNotExist:
        raise not_found(_("submission"), body.submission_id) from None
    try:
        rows = submission_withdraw(actor=request.user, submission=submission, reason=body.reason)
    except SERVICE_REFUSALS as refusal:
        return refused(refusal)
    return [_submission_out(s) for s in rows]
