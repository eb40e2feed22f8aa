"""Submission for accreditation: to clusters, lead first, with statements; withdrawal; the
clusters' managers see the proposal; the decision recorded by the labelling committee."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from grappe.core.models import AuditEvent, Role
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import ClusterFactory, user_with_role
from grappe.projects import selectors
from grappe.projects.models import Accreditation, ClusterSubmission, Project, ProjectStatus
from grappe.projects.services import (
    SubmissionRequest,
    TransitionRefused,
    project_submit,
    submission_decide,
    submission_withdraw,
)
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def _two_clusters() -> tuple[object, object]:
    return ClusterFactory(name="Lead cluster"), ClusterFactory(name="Second cluster")


def _submit(p, lead, second):  # type: ignore[no-untyped-def]
    return project_submit(
        actor=p.owner,
        project=p.project,
        clusters=[
            SubmissionRequest(lead.pk, "Fits our digital health theme."),
            SubmissionRequest(second.pk, "Uses our imaging platform."),
        ],
    )


def test_coordinator_submits_to_two_clusters_lead_first() -> None:
    p = proposal()
    lead, second = _two_clusters()
    rows = _submit(p, lead, second)
    p.project.refresh_from_db()
    assert p.project.status == ProjectStatus.SUBMITTED
    assert [(r.cluster_id, r.is_lead) for r in rows] == [(lead.pk, True), (second.pk, False)]
    assert rows[0].submitted_by == p.owner
    assert AuditEvent.objects.filter(action="project.submit", object_id=str(p.project.pk)).exists()
    assert AuditEvent.objects.filter(action="project.transition").count() == 1


def test_submitted_clusters_managers_see_the_proposal_others_do_not() -> None:
    p = proposal()
    lead, second = _two_clusters()
    lead_manager = user_with_role(Role.CLUSTER_MANAGER, cluster=lead)
    assert not selectors.project_visible(scope=scope_for(lead_manager)).filter(pk=p.project.pk)
    _submit(p, lead, second)
    assert selectors.project_visible(scope=scope_for(lead_manager)).filter(pk=p.project.pk)
    assert selectors.project_is_insider(scope=scope_for(lead_manager), project=p.project)
    assert not selectors.project_visible(scope=scope_for(p.manager)).filter(pk=p.project.pk)
    assert not selectors.project_visible(scope=scope_for(p.outsider)).filter(pk=p.project.pk)
    assert lead.pk in selectors.project_relations(p.project).cluster_ids


@pytest.mark.parametrize("who", ["insider", "outsider", "manager"])
def test_only_the_coordinator_may_submit(who: str) -> None:
    p = proposal()
    lead, _second = _two_clusters()
    with pytest.raises(PermissionDenied):
        project_submit(
            actor=getattr(p, who),
            project=p.project,
            clusters=[SubmissionRequest(lead.pk, "Fit.")],
        )
    assert not ClusterSubmission.objects.exists()
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


@pytest.mark.parametrize(
    ("requests", "field", "message"),
    [
        ([], "clusters", "Choose at least one cluster"),
        ([("lead", "")], "statements", "Say how the project fits"),
        ([("lead", "a"), ("lead", "b")], "clusters", "only once"),
        ([(999999, "a")], "clusters", "no cluster with the id 999999"),
    ],
)
def test_bad_submission_is_refused_naming_the_field(
    requests: list[tuple[object, str]], field: str, message: str
) -> None:
    p = proposal()
    lead, _ = _two_clusters()
    given = [SubmissionRequest(lead.pk if c == "lead" else c, s) for c, s in requests]  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as error:
        project_submit(actor=p.owner, project=p.project, clusters=given)
    assert field in error.value.message_dict
    assert message in " ".join(error.value.message_dict[field])
    assert not ClusterSubmission.objects.exists()
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


def test_the_workflow_refuses_a_submission_without_partner() -> None:
    p = proposal()
    p.project.participations.exclude(organisation=p.coordinator).delete()
    lead, _ = _two_clusters()
    with pytest.raises(TransitionRefused) as refusal:
        project_submit(
            actor=p.owner, project=p.project, clusters=[SubmissionRequest(lead.pk, "Fit.")]
        )
    assert "at least one partner" in refusal.value.message
    assert not ClusterSubmission.objects.exists()


def test_a_submitted_project_cannot_be_submitted_again() -> None:
    p = proposal()
    lead, second = _two_clusters()
    _submit(p, lead, second)
    with pytest.raises(TransitionRefused) as refusal:
        _submit(p, lead, second)
    assert "not possible from the state" in refusal.value.message
    assert ClusterSubmission.objects.count() == 2


def test_one_live_submission_per_cluster_and_one_live_lead() -> None:
    p = proposal()
    lead, second = _two_clusters()
    _submit(p, lead, second)
    with pytest.raises(IntegrityError):
        ClusterSubmission.objects.create(
            project=p.project, cluster=second, statement="x", submitted_at=timezone.now()
        )


@pytest.mark.django_db(transaction=True)
def test_withdraw_one_then_the_lead_returns_to_draft() -> None:
    p = proposal()
    lead, second = _two_clusters()
    rows = _submit(p, lead, second)
    submission_withdraw(actor=p.owner, submission=rows[1], reason="Out of scope")
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED
    with pytest.raises(ValidationError, match="already withdrawn"):
        submission_withdraw(actor=p.owner, submission=rows[1])
    submission_withdraw(actor=p.owner, submission=rows[0], reason="Not ready")
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT
    assert not ClusterSubmission.objects.filter(withdrawn_at__isnull=True).exists()
    # …and it may be submitted again, to the same clusters.
    p.project.refresh_from_db()
    _submit(p, lead, second)
    assert ClusterSubmission.objects.filter(withdrawn_at__isnull=True).count() == 2


@pytest.mark.django_db(transaction=True)
def test_withdrawing_the_lead_withdraws_every_undecided_submission() -> None:
    p = proposal()
    lead, second = _two_clusters()
    rows = _submit(p, lead, second)
    withdrawn = submission_withdraw(actor=p.owner, submission=rows[0])
    assert {s.pk for s in withdrawn} == {rows[0].pk, rows[1].pk}
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.DRAFT


def test_no_withdrawal_after_the_decision_nor_by_a_partner() -> None:
    p = proposal()
    lead, second = _two_clusters()
    rows = _submit(p, lead, second)
    with pytest.raises(PermissionDenied):
        submission_withdraw(actor=p.insider, submission=rows[0])
    submission_decide(actor=None, submission=rows[0], accredited=True, decided_on=dt.date.today())
    with pytest.raises(ValidationError, match="already decided"):
        submission_withdraw(actor=p.owner, submission=rows[0])


def test_accredited_decision_records_the_accreditation_and_moves_the_project() -> None:
    p = proposal()
    lead, second = _two_clusters()
    rows = _submit(p, lead, second)
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=lead)
    with pytest.raises(PermissionDenied):
        submission_decide(
            actor=p.manager, submission=rows[0], accredited=True, decided_on=dt.date.today()
        )
    accreditation = submission_decide(
        actor=manager, submission=rows[0], accredited=True, decided_on=dt.date(2026, 12, 1)
    )
    assert accreditation is not None and accreditation.is_lead
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.ACCREDITED
    # The second cluster refuses: the project stays accredited by the first.
    submission_decide(actor=None, submission=rows[1], accredited=False, decided_on=dt.date.today())
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.ACCREDITED
    assert Accreditation.objects.filter(project=p.project).count() == 1


def test_refused_by_every_cluster_is_not_accredited() -> None:
    p = proposal()
    lead, second = _two_clusters()
    rows = _submit(p, lead, second)
    submission_decide(
        actor=None, submission=rows[0], accredited=False, decided_on=None, reason="Weak"
    )
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.SUBMITTED
    submission_decide(
        actor=None, submission=rows[1], accredited=False, decided_on=None, reason="Weak"
    )
    assert Project.objects.get(pk=p.project.pk).status == ProjectStatus.NOT_ACCREDITED


def test_submit_page_owner_insider_outsider() -> None:
    p = proposal()
    lead, second = _two_clusters()
    url = f"/en/projects/{p.project.pk}/submit/"
    clients = {}
    for who in ("owner", "insider", "outsider", "manager"):
        clients[who] = Client()
        clients[who].force_login(getattr(p, who))
    assert Client().get(url).status_code == 302
    assert clients["outsider"].get(url).status_code == 404
    assert clients["manager"].get(url).status_code == 404
    assert clients["insider"].get(url).status_code == 403
    assert clients["owner"].get(url).status_code == 200
    bad = clients["owner"].post(url, {"cluster_0": lead.pk, "statement_0": ""})
    assert bad.status_code == 422
    assert b"Say how the project fits" in bad.content
    assert not ClusterSubmission.objects.exists()
    ok = clients["owner"].post(
        url,
        {
            "cluster_0": lead.pk,
            "statement_0": "Lead fit",
            "cluster_1": second.pk,
            "statement_1": "Second fit",
        },
    )
    assert ok.status_code == 302
    assert ClusterSubmission.objects.filter(project=p.project, is_lead=True).get().cluster == lead
    page = clients["owner"].get(f"/en/projects/{p.project.pk}/")
    assert b"Lead cluster" in page.content and b"Awaiting the cluster" in page.content
    second_submission = ClusterSubmission.objects.get(cluster=second)
    withdraw = f"/en/projects/{p.project.pk}/submissions/{second_submission.pk}/withdraw/"
    assert clients["insider"].post(withdraw).status_code == 403
    assert clients["owner"].post(withdraw, {"reason": "No confirmation"}).status_code == 422
    second_submission.refresh_from_db()
    assert second_submission.withdrawn_at is None
    done = clients["owner"].post(withdraw, {"reason": "Changed our mind", "confirm": "on"})
    assert done.status_code == 302
    second_submission.refresh_from_db()
    assert second_submission.withdrawn_at is not None
