"""Committees: criteria versions, sessions, declarations and conflicts, scores, the decision
through the labelling workflow, publication onto the project."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grappe.core.models import AuditEvent, Transition
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import UserFactory
from grappe.labelling import selectors
from grappe.labelling.models import CriteriaSet, MemberReview, Review
from grappe.labelling.services import (
    ReviewTransitionRefused,
    criteria_set_create,
    member_declare,
    member_score,
    review_attach,
    review_checklist_set,
    review_transition,
    session_create,
)
from grappe.labelling.tests.helpers import DEFINITION, GOOD_SCORES, Committee, committee
from grappe.projects.models import Accreditation, Project, ProjectStatus
from grappe.projects.services import submission_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def c() -> Committee:
    return committee()


def _scored(c: Committee) -> None:
    member_declare(actor=c.member, review=c.review, declares_interest=False)
    member_score(actor=c.member, review=c.review, scores=GOOD_SCORES, vote="accredited")


def test_criteria_are_versioned_and_checked(c: Committee) -> None:
    second = criteria_set_create(actor=c.manager, cluster=c.cluster, definition=DEFINITION)
    assert second.version == 2
    assert c.session.criteria_set.version == 1  # the session keeps its version
    with pytest.raises(ValidationError) as error:
        criteria_set_create(
            actor=c.manager,
            cluster=c.cluster,
            definition={"criteria": [{"id": "x", "label": "X", "weight": 0, "max_score": 5}]},
        )
    assert "criteria[0].weight" in error.value.message_dict["definition"][0]
    with pytest.raises(PermissionDenied):
        criteria_set_create(actor=c.other_manager, cluster=c.cluster, definition=DEFINITION)
    assert CriteriaSet.objects.filter(cluster=c.cluster).count() == 2


def test_session_members_must_have_a_role_on_the_cluster(c: Committee) -> None:
    with pytest.raises(ValidationError) as error:
        session_create(
            actor=c.manager,
            cluster=c.cluster,
            title="Bad",
            meets_on=dt.date(2027, 1, 1),
            member_ids=[c.other_manager.pk, c.p.owner.pk],
        )
    assert "members" in error.value.message_dict
    with pytest.raises(ValidationError) as missing:
        session_create(actor=c.manager, cluster=c.cluster, title="", meets_on=None, member_ids=[])
    assert set(missing.value.message_dict) == {"title", "meets_on", "members"}
    with pytest.raises(PermissionDenied):
        session_create(
            actor=c.other_manager,
            cluster=c.cluster,
            title="x",
            meets_on=dt.date(2027, 1, 1),
            member_ids=[c.member.pk],
        )


def test_attach_only_live_submissions_to_the_cluster(c: Committee) -> None:
    with pytest.raises(ValidationError, match="already before a committee"):
        review_attach(actor=c.manager, session=c.session, submission=c.submission)


def test_a_conflicted_member_may_not_score_and_is_told_why(c: Committee) -> None:
    mine = member_declare(actor=c.conflicted, review=c.review, declares_interest=False)
    assert mine.has_conflict
    with pytest.raises(PermissionDenied) as refusal:
        member_score(actor=c.conflicted, review=c.review, scores=GOOD_SCORES, vote="accredited")
    message = str(refusal.value)
    assert "Big Group SA" in message and "Coordinating SME" in message
    assert "2 ownership link(s)" in message
    assert MemberReview.objects.get(member=c.conflicted).scored_at is None


def test_a_member_who_declares_an_interest_may_not_score(c: Committee) -> None:
    member_declare(actor=c.member, review=c.review, declares_interest=True, note="My cousin")
    with pytest.raises(PermissionDenied, match="declared an interest"):
        member_score(actor=c.member, review=c.review, scores=GOOD_SCORES)


def test_scores_need_a_declaration_and_a_valid_range(c: Committee) -> None:
    with pytest.raises(ValidationError) as error:
        member_score(actor=c.member, review=c.review, scores=GOOD_SCORES)
    assert "declaration" in error.value.message_dict
    member_declare(actor=c.member, review=c.review, declares_interest=False)
    with pytest.raises(ValidationError) as out_of_range:
        member_score(actor=c.member, review=c.review, scores={"innovation": 6, "fit": 11})
    messages = out_of_range.value.message_dict["scores"]
    assert any("scores.innovation" in m and "from 0 to 5" in m for m in messages)
    assert any("scores.fit" in m and "from 0 to 10" in m for m in messages)
    with pytest.raises(ValidationError) as bad_vote:
        member_score(actor=c.member, review=c.review, scores=GOOD_SCORES, vote="maybe")
    assert "vote" in bad_vote.value.message_dict
    assert MemberReview.objects.get(member=c.member).scored_at is None
    mine = member_score(actor=c.member, review=c.review, scores=GOOD_SCORES, vote="accredited")
    assert mine.scores == GOOD_SCORES


@pytest.mark.parametrize("who", ["other_manager", "evaluator"])
def test_outsiders_may_neither_declare_nor_score(c: Committee, who: str) -> None:
    with pytest.raises(PermissionDenied):
        member_declare(actor=getattr(c, who), review=c.review, declares_interest=False)
    partner = c.p.insider
    with pytest.raises(PermissionDenied):
        member_score(actor=partner, review=c.review, scores=GOOD_SCORES)


def test_decision_without_reasons_is_refused(c: Committee) -> None:
    _scored(c)
    review_checklist_set(actor=c.manager, review=c.review, ticked=["consortium", "budget"])
    with pytest.raises(ReviewTransitionRefused) as refusal:
        review_transition(
            actor=c.manager, review=c.review, transition="decide", outcome="accredited", reason=""
        )
    assert refusal.value.refusal == "reason"
    assert "needs a reason" in refusal.value.message
    assert Review.objects.get(pk=c.review.pk).status == "under_review"


def test_the_workflow_refusals_with_their_messages(c: Committee) -> None:
    def refused(**kwargs: Any) -> ReviewTransitionRefused:
        with pytest.raises(ReviewTransitionRefused) as error:
            review_transition(actor=c.manager, review=c.review, **kwargs)
        return error.value

    no_scores = refused(transition="decide", outcome="refused", reason="Weak")
    assert no_scores.guard == "has_scores" and "free of conflict" in no_scores.message
    _scored(c)
    no_outcome = refused(transition="decide", outcome="", reason="x")
    assert no_outcome.guard == "outcome_chosen"
    no_checklist = refused(transition="decide", outcome="accredited", reason="Strong")
    assert no_checklist.guard == "checklist_complete" and "Tick every item" in no_checklist.message
    review_checklist_set(actor=c.manager, review=c.review, ticked=["consortium", "budget"])
    no_conditions = refused(transition="decide", outcome="accredited_with_conditions", reason="x")
    assert no_conditions.guard == "conditions_given"
    early = refused(transition="publish")
    assert early.refusal == "wrong_state" and "not possible from the state" in early.message
    with pytest.raises(ReviewTransitionRefused) as role:
        review_transition(
            actor=c.other_manager,
            review=c.review,
            transition="decide",
            outcome="accredited",
            reason="x",
        )
    assert role.value.refusal == "role"
    with pytest.raises(ReviewTransitionRefused) as coordinator:
        review_transition(
            actor=c.p.owner, review=c.review, transition="decide", outcome="accredited", reason="x"
        )
    assert coordinator.value.refusal == "role"
    assert "reserved to" in coordinator.value.message
    assert Review.objects.get(pk=c.review.pk).status == "under_review"


@pytest.mark.django_db(transaction=True)
def test_accredit_with_conditions_then_publish_records_the_accreditation() -> None:
    c = committee()
    _scored(c)
    review_checklist_set(actor=c.manager, review=c.review, ticked=["consortium", "budget"])
    # Nothing is visible to the consortium before publication.
    assert selectors.published_outcomes(scope=scope_for(c.p.owner), project=c.p.project) == {}
    review_transition(
        actor=c.manager,
        review=c.review,
        transition="decide",
        outcome="accredited_with_conditions",
        reason="Strong consortium, clear market.",
        conditions="Add an industrial partner by June.",
    )
    assert selectors.published_outcomes(scope=scope_for(c.p.owner), project=c.p.project) == {}
    assert Project.objects.get(pk=c.p.project.pk).status == ProjectStatus.SUBMITTED
    review_transition(actor=c.manager, review=c.review, transition="publish")
    review = Review.objects.get(pk=c.review.pk)
    assert review.status == "published" and review.conditions.startswith("Add an industrial")
    project = Project.objects.get(pk=c.p.project.pk)
    assert project.status == ProjectStatus.ACCREDITED
    accreditation = Accreditation.objects.get(project=project)
    assert accreditation.cluster == c.cluster and accreditation.is_lead
    outcomes = selectors.published_outcomes(scope=scope_for(c.p.insider), project=project)
    assert outcomes[c.submission.pk].reasons == "Strong consortium, clear market."
    # The history: the review's three steps and the project's submit and accredit.
    steps = list(
        Transition.objects.filter(workflow="labelling").values_list("transition", flat=True)
    )
    assert steps == ["decide", "publish"]
    assert list(
        Transition.objects.filter(workflow="project").values_list("transition", flat=True)
    ) == ["submit", "accredit"]
    assert AuditEvent.objects.filter(action="labelling.transition").count() == 2
    # No withdrawal after the decision.
    with pytest.raises(ValidationError, match="already decided"):
        submission_withdraw(actor=c.p.owner, submission=c.submission)


def test_refusal_published_moves_the_project_to_not_accredited(c: Committee) -> None:
    _scored(c)
    review_transition(
        actor=c.manager, review=c.review, transition="decide", outcome="refused", reason="Off topic"
    )
    review_transition(actor=c.manager, review=c.review, transition="reopen", reason="New facts")
    assert Review.objects.get(pk=c.review.pk).outcome == ""
    review_transition(
        actor=c.manager, review=c.review, transition="decide", outcome="refused", reason="Off topic"
    )
    review_transition(actor=c.manager, review=c.review, transition="publish")
    assert Project.objects.get(pk=c.p.project.pk).status == ProjectStatus.NOT_ACCREDITED
    assert not Accreditation.objects.exists()


def test_withdrawn_submission_cannot_be_decided(c: Committee) -> None:
    _scored(c)
    submission_withdraw(actor=c.p.owner, submission=c.submission, reason="Not ready")
    with pytest.raises(ReviewTransitionRefused) as refusal:
        review_transition(
            actor=c.manager, review=c.review, transition="decide", outcome="refused", reason="x"
        )
    assert refusal.value.guard == "submission_live"


def test_scoped_reads_owner_insider_outsider(c: Committee) -> None:
    for user in (c.manager, c.member, c.conflicted):
        assert selectors.review_get(scope=scope_for(user), pk=c.review.pk) == c.review
    for user in (c.other_manager, c.p.owner, c.p.insider, c.evaluator, UserFactory(), None):
        with pytest.raises(Review.DoesNotExist):
            selectors.review_get(scope=scope_for(user), pk=c.review.pk)
        assert not selectors.session_list(scope=scope_for(user)).exists()


def test_my_committee_tasks(c: Committee) -> None:
    tasks = selectors.my_committee_tasks(c.member)
    assert [(t.kind, t.review_id) for t in tasks] == [("declare", c.review.pk)]
    member_declare(actor=c.member, review=c.review, declares_interest=False)
    assert [t.kind for t in selectors.my_committee_tasks(c.member)] == ["score"]
    member_score(actor=c.member, review=c.review, scores=GOOD_SCORES)
    assert selectors.my_committee_tasks(c.member) == []
    member_declare(actor=c.conflicted, review=c.review, declares_interest=False)
    assert selectors.my_committee_tasks(c.conflicted) == []  # nothing to score: a conflict
    assert selectors.my_committee_tasks(c.other_manager) == []
    assert selectors.my_committee_tasks(None) == []


def test_an_administrator_sees_every_session_and_review(c: Committee) -> None:
    staff = scope_for(c.p.staff)
    assert selectors.review_get(scope=staff, pk=c.review.pk) == c.review
    assert list(selectors.session_list(scope=staff)) == [c.session]


def _accredit(c: Committee) -> None:
    _scored(c)
    review_checklist_set(actor=c.manager, review=c.review, ticked=["consortium", "budget"])
    review_transition(
        actor=c.manager,
        review=c.review,
        transition="decide",
        outcome="accredited_with_conditions",
        reason="Strong consortium.",
        conditions="Add an industrial partner by June.\nPublish the results.",
    )
    review_transition(actor=c.manager, review=c.review, transition="publish")


def test_a_published_accreditation_gets_its_signed_attestation(
    c: Committee, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from grappe.attestations.models import Attestation
    from grappe.attestations.selectors import attestation_check

    settings.ATTESTATION_SIGNING_KEY_FILE = tmp_path / "attestation-key.pem"
    settings.ATTESTATION_SIGNING_KEY_AUTOCREATE = True
    with django_capture_on_commit_callbacks(execute=True):
        _accredit(c)
    attestation = Attestation.objects.get(accreditation__project=c.p.project)
    assert attestation.record["decision"]["conditions"] == [
        "Add an industrial partner by June.",
        "Publish the results.",
    ]
    assert attestation.record["decision"]["outcome"] == "accredited_with_conditions"
    assert attestation_check(attestation).status == "valid"


def test_without_a_signing_key_the_decision_stands_and_the_attestation_waits(
    c: Committee, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from grappe.attestations.models import Attestation

    settings.ATTESTATION_SIGNING_KEY_FILE = tmp_path / "missing.pem"
    settings.ATTESTATION_SIGNING_KEY_AUTOCREATE = False
    with django_capture_on_commit_callbacks(execute=True):
        _accredit(c)
    assert Accreditation.objects.filter(project=c.p.project).exists()
    assert not Attestation.objects.filter(accreditation__project=c.p.project).exists()
