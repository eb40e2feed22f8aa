"""Labelling writers: criteria sets, sessions, reviews, members' declarations and scores, and
the one transition service of a review (`review_transition`). Every write is audited.

`actor=None` is the system (the demo loader); any other actor is checked against the role
table (`labelling.manage` on the cluster) or the session's member list.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.attestations.services import attestation_issue
from grappe.core.actors import Actor, recorded_user
from grappe.core.domain.workflow import Decision, ObjectRole
from grappe.core.models import Transition
from grappe.core.refusals import TransitionRefused, workflow_refusal_text
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record, require
from grappe.labelling import selectors
from grappe.labelling.domain.conflicts import DECLARED, Conflict
from grappe.labelling.domain.criteria import Problem, definition_problems, score_problems
from grappe.labelling.domain.workflow import (
    LABELLING_WORKFLOWS,
    OUTCOME_LABELS,
    Outcome,
    ReviewFacts,
)
from grappe.labelling.models import (
    CommitteeMember,
    CommitteeSession,
    CriteriaSet,
    MemberReview,
    Review,
)
from grappe.notifications.domain import kinds
from grappe.notifications.services import notify
from grappe.projects.models import Accreditation, ClusterSubmission
from grappe.projects.services import consortium_members, submission_decide
from grappe.registry.models import Cluster, Organisation

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")


def _may_manage(actor: Actor, cluster_id: int) -> bool:
    return actor is None or selectors.may_manage(scope_for(actor), cluster_id)


def _problems_error(problems: list[Problem], field: str) -> ValidationError:
    messages = [f"{path}: {_(msgid) % params}" for path, msgid, params in problems]
    return ValidationError({field: messages}, code="invalid")


# --- criteria and sessions ------------------------------------------------------------------


@transaction.atomic
def criteria_set_create(
    *, actor: Actor, cluster: Cluster, definition: Mapping[str, Any], reason: str = ""
) -> CriteriaSet:
    """A new version of the cluster's criteria (the previous versions stay, with their
    sessions). Raises `ValidationError` under `definition`, each problem with its path."""
    require(_may_manage(actor, cluster.pk), _("You may not run this cluster's labelling."))
    problems = definition_problems(definition)
    if problems:
        raise _problems_error(problems, "definition")
    Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
    version = (
        CriteriaSet.objects.filter(cluster=cluster).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    row = CriteriaSet.objects.create(
        cluster=cluster,
        version=version,
        definition=dict(definition),
        created_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="labelling.criteria_create",
        obj=row,
        after={"cluster": cluster.pk, "version": version, "definition": dict(definition)},
        reason=reason,
    )
    return row


@transaction.atomic
def session_create(
    *,
    actor: Actor,
    cluster: Cluster,
    title: str,
    meets_on: dt.date | None,
    member_ids: Iterable[int],
    reason: str = "",
) -> CommitteeSession:
    """A committee session under the cluster's latest criteria, with its members (people who
    may sit on the cluster's committee)."""
    require(_may_manage(actor, cluster.pk), _("You may not run this cluster's labelling."))
    errors: dict[str, list[str]] = {}
    criteria = selectors.latest_criteria(cluster)
    if criteria is None:
        errors["criteria_set"] = [_("Define the cluster's criteria before creating a session.")]
    if not (title or "").strip():
        errors["title"] = [_("Give the session a title.")]
    if not isinstance(meets_on, dt.date):
        errors["meets_on"] = [_("Give the meeting date.")]
    wanted = set(member_ids)
    eligible = set(selectors.eligible_members(cluster).values_list("pk", flat=True))
    if not wanted:
        errors["members"] = [_("Name at least one committee member.")]
    elif wanted - eligible:
        errors["members"] = [_("Only people with a role on this cluster may sit on its committee.")]
    if errors:
        raise ValidationError(errors, code="invalid")
    assert criteria is not None and isinstance(meets_on, dt.date)
    session = CommitteeSession.objects.create(
        cluster=cluster,
        criteria_set=criteria,
        title=title.strip(),
        meets_on=meets_on,
        created_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
    )
    CommitteeMember.objects.bulk_create(
        CommitteeMember(session=session, user_id=uid) for uid in sorted(wanted)
    )
    notify(
        actor=actor,
        recipients=sorted(wanted),
        kind=kinds.COMMITTEE_MEMBER_ADDED,
        params={"cluster": cluster.name, "session": session.title, "date": meets_on.isoformat()},
        url=reverse("labelling:session", args=[session.pk]),
    )
    audit_record(
        actor=actor,
        action="labelling.session_create",
        obj=session,
        after={
            "cluster": cluster.pk,
            "criteria_version": criteria.version,
            "title": session.title,
            "meets_on": meets_on,
            "members": sorted(wanted),
        },
        reason=reason,
    )
    return session


@transaction.atomic
def review_attach(
    *, actor: Actor, session: CommitteeSession, submission: ClusterSubmission
) -> Review:
    """Put a live, undecided submission to the session's cluster before the session."""
    require(_may_manage(actor, session.cluster_id), _("You may not run this cluster's labelling."))
    locked = ClusterSubmission.objects.select_for_update().get(pk=submission.pk)
    problem = ""
    if locked.cluster_id != session.cluster_id:
        problem = _("This submission was made to another cluster.")
    elif locked.withdrawn_at is not None:
        problem = _("The consortium withdrew this submission.")
    elif locked.decided_at is not None:
        problem = _("This submission has already been decided.")
    elif Review.objects.filter(submission=locked).exists():
        problem = _("This submission is already before a committee session.")
    if problem:
        raise ValidationError({"submission": [problem]}, code="invalid")
    review = Review.objects.create(session=session, submission=locked)
    notify(
        actor=actor,
        recipients=CommitteeMember.objects.filter(session=session).values_list(
            "user_id", flat=True
        ),
        kind=kinds.COMMITTEE_REVIEW_ADDED,
        params={
            "acronym": locked.project.acronym,
            "session": session.title,
            "date": session.meets_on.isoformat(),
        },
        url=reverse("labelling:review", args=[review.pk]),
    )
    audit_record(
        actor=actor,
        action="labelling.review_attach",
        obj=review,
        after={"session": session.pk, "submission": locked.pk, "project": locked.project_id},
    )
    return review


@transaction.atomic
def review_checklist_set(
    *, actor: Actor, review: Review, ticked: Iterable[str], reason: str = ""
) -> Review:
    """Tick the checklist items the submission meets (the others are unticked)."""
    require(
        _may_manage(actor, review.session.cluster_id),
        _("You may not run this cluster's labelling."),
    )
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.status != "under_review":
        raise ValidationError(
            {"checklist": [_("The decision is recorded: reopen the review to change it.")]}
        )
    known = [item.id for item in review.session.criteria_set.rules.checklist]
    wanted = list(dict.fromkeys(ticked))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise ValidationError(
            {
                "checklist": [
                    _("“%(id)s” is not an item of this session's checklist.") % {"id": unknown[0]}
                ]
            }
        )
    before = list(locked.checklist)
    locked.checklist = [k for k in known if k in wanted]
    locked.save(update_fields=["checklist"])
    audit_record(
        actor=actor,
        action="labelling.checklist_set",
        obj=locked,
        before={"checklist": before},
        after={"checklist": locked.checklist},
        reason=reason,
    )
    return locked


# --- committee members: declaration, scores and vote ---------------------------------------


def _organisation_names(ids: Iterable[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def conflict_text(conflict: Conflict) -> str:
    names = _organisation_names([conflict.own, conflict.partner])
    return _(conflict.reason) % {
        "own": names.get(conflict.own, conflict.own),
        "partner": names.get(conflict.partner, conflict.partner),
        "links": conflict.links,
    }


def why_may_not_score(review: Review, user_id: int, mine: MemberReview | None) -> str:
    """The translated reason a member may not score or vote on the review, or ""."""
    found = selectors.member_conflicts(user_id, review.submission.project)
    if found:
        return conflict_text(found[0])
    if mine is not None and mine.declares_interest:
        return _(DECLARED)
    return ""


def _require_member(actor: Actor, review: Review) -> int:
    user_id = getattr(actor, "pk", None)
    if not selectors.is_member(review.session, user_id):
        raise PermissionDenied(_("Only the session's committee members may do this."))
    assert isinstance(user_id, int)
    return user_id


def _require_under_review(review: Review, field: str) -> None:
    if review.status != "under_review":
        raise ValidationError(
            {field: [_("The committee's decision is already recorded on this submission.")]}
        )


@transaction.atomic
def member_declare(
    *, actor: Actor, review: Review, declares_interest: bool, note: str = ""
) -> MemberReview:
    """A committee member's declaration of interest on one submission. The conflict found from
    the ownership links is recorded with it: such a member may not score or vote."""
    user_id = _require_member(actor, review)
    locked = Review.objects.select_for_update().get(pk=review.pk)
    _require_under_review(locked, "declaration")
    has_conflict = bool(selectors.member_conflicts(user_id, review.submission.project))
    mine, _created = MemberReview.objects.update_or_create(
        review=locked,
        member_id=user_id,
        defaults={
            "declared_at": timezone.now(),
            "declares_interest": bool(declares_interest),
            "interest_note": (note or "").strip(),
            "has_conflict": has_conflict,
        },
    )
    if has_conflict or declares_interest:
        MemberReview.objects.filter(pk=mine.pk).update(scores={}, vote="", scored_at=None)
        mine.refresh_from_db()
    audit_record(
        actor=actor,
        action="labelling.declare",
        obj=mine,
        after={
            "review": locked.pk,
            "declares_interest": mine.declares_interest,
            "has_conflict": has_conflict,
        },
    )
    return mine


@transaction.atomic
def member_score(
    *,
    actor: Actor,
    review: Review,
    scores: Mapping[str, Any],
    vote: str = "",
    comment: str = "",
) -> MemberReview:
    """A committee member's scores (each criterion, in its range), vote and comment. Refused
    with the reason to a member with a conflict of interest or a declared interest, and before
    the member's declaration."""
    user_id = _require_member(actor, review)
    locked = Review.objects.select_for_update().get(pk=review.pk)
    _require_under_review(locked, "scores")
    mine = MemberReview.objects.filter(review=locked, member_id=user_id).first()
    if mine is None:
        raise ValidationError(
            {"declaration": [_("Declare whether you have an interest in this project first.")]}
        )
    why = why_may_not_score(review, user_id, mine)
    if why:
        if not mine.has_conflict and not mine.declares_interest:
            MemberReview.objects.filter(pk=mine.pk).update(has_conflict=True)
        raise PermissionDenied(why)
    problems = score_problems(review.session.criteria_set.rules, scores)
    errors: dict[str, list[str]] = {}
    if problems:
        errors["scores"] = [f"{path}: {_(msgid) % params}" for path, msgid, params in problems]
    if vote and vote not in set(Outcome):
        errors["vote"] = [_("Vote accredited, accredited with conditions or refused.")]
    if errors:
        raise ValidationError(errors, code="invalid")
    before = {"scores": mine.scores, "vote": mine.vote}
    mine.scores = {k: int(v) for k, v in scores.items()}
    mine.vote = vote
    mine.comment = (comment or "").strip()
    mine.scored_at = timezone.now()
    mine.save(update_fields=["scores", "vote", "comment", "scored_at"])
    audit_record(
        actor=actor,
        action="labelling.score",
        obj=mine,
        before=before,
        after={"scores": mine.scores, "vote": mine.vote},
    )
    return mine


# --- the labelling workflow: the only writer of Review.status ------------------------------


class ReviewTransitionRefused(TransitionRefused):
    """The labelling workflow said no; `message` is translated and names the failed condition."""


def review_roles(actor: Actor, review: Review) -> frozenset[ObjectRole]:
    if actor is None:
        return frozenset({ObjectRole.STAFF})
    scope = scope_for(actor)
    roles: set[ObjectRole] = set()
    if scope.is_staff_wide:
        roles.add(ObjectRole.STAFF)
    if selectors.may_manage(scope, review.session.cluster_id) and not scope.is_staff_wide:
        roles.add(ObjectRole.CLUSTER_MANAGER)
    return frozenset(roles)


def review_facts(review: Review, *, outcome: str, conditions: str) -> ReviewFacts:
    checklist = [item.id for item in review.session.criteria_set.rules.checklist]
    return ReviewFacts(
        submission_live=review.submission.withdrawn_at is None,
        outcome=outcome,
        conditions_given=bool((conditions or "").strip()),
        scored_by=MemberReview.objects.filter(
            review=review, scored_at__isnull=False, has_conflict=False, declares_interest=False
        ).count(),
        checklist_complete=all(item in review.checklist for item in checklist),
    )


def refusal_text(decision: Decision, review: Review) -> str:
    return workflow_refusal_text(
        LABELLING_WORKFLOWS.get(review.workflow_version), decision, state=review.status
    )


@dataclass(frozen=True)
class OfferedReviewTransition:
    id: str
    label: str
    reason_required: bool
    allowed: bool
    why_not: str


def review_offered_transitions(*, actor: Actor, review: Review) -> list[OfferedReviewTransition]:
    workflow = LABELLING_WORKFLOWS.get(review.workflow_version)
    facts = review_facts(review, outcome=review.outcome or Outcome.ACCREDITED, conditions="x")
    return [
        OfferedReviewTransition(
            id=t.id,
            label=_(t.label),
            reason_required=t.reason_required,
            allowed=d.allowed,
            why_not="" if d.allowed else refusal_text(d, review),
        )
        for t, d in workflow.offered(
            state=review.status, roles=review_roles(actor, review), facts=facts
        )
    ]


def attestation_hook(accreditation_id: int, actor_id: int | None, conditions: str = "") -> None:
    """Issue the label attestation of a new accreditation, once the decision is committed.

    After the commit, so that a signing problem (no key configured: `ATTESTATION_SIGNING_KEY_FILE`)
    never undoes a committee's decision: it is logged, and the cluster's manager can issue the
    attestation later from the project page.
    """
    accreditation = Accreditation.objects.filter(pk=accreditation_id).first()
    if accreditation is None:
        return
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        attestation_issue(
            accreditation=accreditation,
            actor=actor,
            conditions=[line for line in conditions.splitlines() if line.strip()],
        )
    except (ImproperlyConfigured, PermissionDenied, ValidationError):
        logger.exception("attestation of accreditation %s not issued", accreditation_id)


def review_transition(
    *,
    actor: Actor,
    review: Review,
    transition: str,
    reason: str = "",
    outcome: str = "",
    conditions: str = "",
) -> Transition:
    """Fire `transition` on `review` for `actor` — the only writer of `Review.status`.

    `decide` records the outcome with its reasons (required) and the conditions (required for
    an accreditation with conditions); `reopen` clears it; `publish` makes it known to the
    consortium and records it on the project (`projects.services.submission_decide`: an
    accreditation and the project's status). Raises `ReviewTransitionRefused`; nothing written.
    """
    reason = (reason or "").strip()
    conditions = (conditions or "").strip()
    with transaction.atomic():
        locked = (
            Review.objects.select_for_update()
            .select_related("session__criteria_set", "submission__project")
            .get(pk=review.pk)
        )
        workflow = LABELLING_WORKFLOWS.get(locked.workflow_version)
        proposed = outcome if transition == "decide" else locked.outcome
        facts = review_facts(locked, outcome=proposed, conditions=conditions or locked.conditions)
        decision = workflow.decide(
            transition,
            state=locked.status,
            roles=review_roles(actor, locked),
            facts=facts,
            reason=reason,
        )
        if not decision.allowed:
            assert decision.refusal is not None
            raise ReviewTransitionRefused(
                refusal_text(decision, locked),
                refusal=decision.refusal.value,
                transition=transition,
                guard=decision.guard.id if decision.guard else "",
            )
        assert decision.target is not None and decision.acting_role is not None
        before = {"status": locked.status, "outcome": locked.outcome}
        now = timezone.now()
        if transition == "decide":
            locked.outcome = outcome
            locked.reasons = reason
            locked.conditions = conditions if outcome == Outcome.ACCREDITED_WITH_CONDITIONS else ""
            locked.decided_at = now
        elif transition == "reopen":
            locked.outcome, locked.reasons, locked.conditions = "", "", ""
            locked.decided_at = None
        accreditation = None
        if transition == "publish":
            locked.published_at = now
            accreditation = submission_decide(
                actor=actor,
                submission=locked.submission,
                accredited=Outcome(locked.outcome).accredits,
                decided_on=now.astimezone(PARIS).date(),
                reason=locked.reasons,
            )
        locked.status = decision.target
        locked.save()
        row = Transition.objects.create(
            content_type=ContentType.objects.get_for_model(Review),
            object_id=locked.pk,
            workflow=workflow.id,
            workflow_version=workflow.version,
            transition=transition,
            from_state=before["status"],
            to_state=locked.status,
            actor=recorded_user(actor) if getattr(actor, "pk", None) else None,
            acting_role=decision.acting_role.value,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action="labelling.transition",
            obj=locked,
            before=before,
            after={
                "status": locked.status,
                "outcome": locked.outcome,
                "transition": transition,
                "conditions": locked.conditions,
                "accreditation": accreditation.pk if accreditation else None,
            },
            reason=reason,
        )
        if transition == "publish":
            project = locked.submission.project
            notify(
                actor=actor,
                recipients=consortium_members(project.pk),
                kind=kinds.DECISION_PUBLISHED,
                params={
                    "acronym": project.acronym,
                    "cluster": locked.session.cluster.name,
                    "outcome": OUTCOME_LABELS[Outcome(locked.outcome)],
                },
                url=reverse("project_detail", kwargs={"pk": project.pk}),
            )
        if accreditation is not None:
            # The label attestation is issued once the accreditation is committed.
            accreditation_id, actor_id = accreditation.pk, getattr(actor, "pk", None)
            conditions = locked.conditions
            transaction.on_commit(lambda: attestation_hook(accreditation_id, actor_id, conditions))
    review.status, review.outcome = locked.status, locked.outcome
    review.reasons, review.conditions = locked.reasons, locked.conditions
    review.published_at = locked.published_at
    return row
