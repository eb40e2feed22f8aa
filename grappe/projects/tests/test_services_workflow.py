"""project_transition: the only writer of a project's status after creation.

The engine's path is exercised through `_project_transition` (`fire` here), which the public
`project_transition` guards: `submit` has its own service, `project_submit` (the clusters, a
statement each), and the public entry refuses it (the last tests)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import translation

from grappe.core.models import AuditEvent, Role, Transition
from grappe.core.tests.factories import AccreditationFactory, user_with_role
from grappe.projects.models import Project, ProjectStatus
from grappe.projects.services import (
    TransitionRefused,
    _project_transition,
    project_offered_transitions,
    project_transition,
)
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db

fire = _project_transition


def transitions_of(project: Project) -> list[Transition]:
    return list(
        Transition.objects.filter(
            content_type=ContentType.objects.get_for_model(Project), object_id=project.pk
        )
    )


def test_the_coordinator_submits_and_everything_is_written_together(
    django_capture_on_commit_callbacks,
) -> None:
    p = proposal()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = fire(actor=p.owner, project=p.project, transition="submit", idempotency_key="k1")
    assert not outcome.replayed
    assert p.project.status == ProjectStatus.SUBMITTED
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED
    [row] = transitions_of(p.project)
    assert (row.transition, row.from_state, row.to_state) == ("submit", "draft", "submitted")
    assert (row.actor, row.acting_role, row.workflow, row.workflow_version) == (
        p.owner,
        "coordinator",
        "project",
        1,
    )
    event = AuditEvent.objects.get(action="project.transition", object_id=str(p.project.pk))
    assert event.before == {"status": "draft"} and event.after["status"] == "submitted"
    assert event.actor == p.owner
    assert len(callbacks) == 1
    # The partner's member is told; the actor is not.
    assert [m.to for m in mail.outbox] == [[p.insider.email]]


def test_replaying_the_same_key_changes_nothing() -> None:
    p = proposal()
    first = fire(actor=p.owner, project=p.project, transition="submit", idempotency_key="same")
    again = fire(actor=p.owner, project=p.project, transition="submit", idempotency_key="same")
    assert again.replayed and again.row.pk == first.row.pk
    assert len(transitions_of(p.project)) == 1
    assert AuditEvent.objects.filter(action="project.transition").count() == 1
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED


def test_a_key_reused_for_another_transition_is_refused() -> None:
    p = proposal()
    fire(actor=p.owner, project=p.project, transition="submit", idempotency_key="k")
    with pytest.raises(TransitionRefused) as caught:
        fire(
            actor=p.owner, project=p.project, transition="withdraw", reason="x", idempotency_key="k"
        )
    assert caught.value.refusal == "idempotency_key_reused"
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED


@pytest.mark.parametrize("who", ["insider", "outsider", "manager"])
def test_only_the_coordinator_or_staff_may_submit(who: str) -> None:
    p = proposal()
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=getattr(p, who), project=p.project, transition="submit")
    assert caught.value.refusal == "role"
    assert "Submit for accreditation" in caught.value.message
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert transitions_of(p.project) == []
    assert not AuditEvent.objects.filter(action="project.transition").exists()


def test_staff_may_submit_as_staff() -> None:
    p = proposal()
    outcome = fire(actor=p.staff, project=p.project, transition="submit")
    assert outcome.row.acting_role == "staff"


def test_a_failed_guard_is_named_in_the_message_in_french_too() -> None:
    p = proposal()
    p.project.participations.filter(organisation=p.partner).delete()
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=p.owner, project=p.project, transition="submit")
    assert caught.value.refusal == "guard" and caught.value.guard == "has_partner"
    assert "member of the coordinating organisation" in caught.value.message
    assert "the consortium has at least two organisations" in caught.value.message
    with translation.override("fr"), pytest.raises(TransitionRefused) as in_french:
        fire(actor=p.owner, project=p.project, transition="submit")
    assert "Soumettre" in in_french.value.message, in_french.value.message
    assert "au moins deux organisations" in in_french.value.message


def test_a_required_reason_must_be_given() -> None:
    p = proposal()
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=p.owner, project=p.project, transition="withdraw", reason="  ")
    assert caught.value.refusal == "reason"
    fire(actor=p.owner, project=p.project, transition="withdraw", reason="Merged.")
    assert transitions_of(p.project)[0].reason == "Merged."


def test_a_cluster_manager_accredits_a_project_their_cluster_labelled() -> None:
    p = proposal(status=ProjectStatus.SUBMITTED)
    accreditation = AccreditationFactory(project=p.project)
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=accreditation.cluster)
    with pytest.raises(TransitionRefused):  # a manager of another cluster
        fire(actor=p.manager, project=p.project, transition="accredit")
    outcome = fire(actor=manager, project=p.project, transition="accredit")
    assert outcome.row.acting_role == "cluster_manager"
    assert p.project.status == ProjectStatus.ACCREDITED


def test_a_transition_from_the_wrong_state_is_refused() -> None:
    p = proposal(status=ProjectStatus.COMPLETED)
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=p.staff, project=p.project, transition="submit")
    assert caught.value.refusal == "wrong_state"
    assert "Completed" in caught.value.message


def test_an_unknown_transition_is_refused_not_a_crash() -> None:
    p = proposal()
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=p.staff, project=p.project, transition="publish")
    assert caught.value.refusal == "unknown_transition"


def test_a_stale_copy_of_the_project_is_not_trusted() -> None:
    """The service reads the locked row, not the caller's copy."""
    p = proposal()
    stale = Project.objects.get(pk=p.project.pk)
    fire(actor=p.owner, project=p.project, transition="submit")
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=p.owner, project=stale, transition="submit")
    assert caught.value.refusal == "wrong_state"
    assert len(transitions_of(p.project)) == 1


def test_a_system_process_acts_as_staff() -> None:
    p = proposal(status=ProjectStatus.FUNDED)
    outcome = fire(actor=None, project=p.project, transition="complete")
    assert outcome.row.actor is None and outcome.row.acting_role == "staff"


def test_a_project_keeps_the_version_it_started_under() -> None:
    p = proposal()
    Project.objects.filter(pk=p.project.pk).update(workflow_version=99)
    with pytest.raises(TransitionRefused) as caught:
        fire(actor=p.staff, project=p.project, transition="submit")
    assert caught.value.refusal == "unknown_version"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_fire_once() -> None:
    """PostgreSQL locks the row: of two concurrent identical submissions, one fires and the
    other finds the first one's row (same key) or is refused (another key, wrong state)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole transactions)")
    p = proposal()
    results: list[object] = []
    barrier = threading.Barrier(2)

    def submit(key: str) -> None:
        try:
            barrier.wait()
            results.append(
                fire(
                    actor=p.owner,
                    project=Project(pk=p.project.pk),
                    transition="submit",
                    idempotency_key=key,
                )
            )
        except TransitionRefused as refusal:
            results.append(refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(key,)) for key in ("same", "same")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(transitions_of(p.project)) == 1
    assert sorted(getattr(r, "replayed", None) for r in results) == [False, True]


@pytest.mark.parametrize("who", ["owner", "staff"])
def test_the_public_entry_refuses_a_submission_without_clusters(who: str) -> None:
    """The old project-level "Submit" (no cluster chosen) is gone: a submission goes through
    `project_submit`, which records the clusters; nothing is written here."""
    p = proposal()
    with pytest.raises(TransitionRefused) as caught:
        project_transition(actor=getattr(p, who), project=p.project, transition="submit")
    assert caught.value.refusal == "own_service" and caught.value.transition == "submit"
    assert "/api/v1/projects/{id}/submissions" in caught.value.message
    with translation.override("fr"), pytest.raises(TransitionRefused) as in_french:
        project_transition(actor=p.owner, project=p.project, transition="submit")
    assert "page de soumission" in in_french.value.message
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert transitions_of(p.project) == []
    assert not AuditEvent.objects.filter(action="project.transition").exists()


def test_the_project_page_offers_submission_as_a_link_to_its_page() -> None:
    p = proposal()
    offered = {t.id: t for t in project_offered_transitions(actor=p.owner, project=p.project)}
    assert offered["submit"].page_url == f"/en/projects/{p.project.pk}/submit/"
    assert offered["withdraw"].page_url == ""


def test_a_manager_is_pointed_to_the_labelling_page_to_accredit_or_refuse() -> None:
    p = proposal(status=ProjectStatus.SUBMITTED)
    offered = {t.id: t for t in project_offered_transitions(actor=p.staff, project=p.project)}
    assert offered["refuse_accreditation"].page_url == "/en/labelling/"
    assert "labelling page" in offered["refuse_accreditation"].page_help
    with translation.override("fr"), pytest.raises(TransitionRefused) as in_french:
        project_transition(
            actor=p.staff, project=p.project, transition="refuse_accreditation", reason="Non."
        )
    assert in_french.value.refusal == "own_service"
    assert "labellisation" in in_french.value.message
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED
