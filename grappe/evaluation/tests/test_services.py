"""The evaluation services: pool, conflicts from the database, assignment, reports, consensus,
panel; refusals write nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grappe.core.models import AuditEvent, RoleAssignment
from grappe.core.scopes import scope_for
from grappe.core.tests import factories as f
from grappe.evaluation import conflicts
from grappe.evaluation.models import Assignment, ConsensusReport, Declaration, IndividualReport
from grappe.evaluation.selectors import application_visit
from grappe.evaluation.services import (
    assignment_add,
    assignment_propose,
    conflict_waive,
    consensus_record,
    evaluation_start,
    expert_declare,
    panel_rank,
    panel_settings_update,
    rapporteur_set,
    report_submit,
)
from grappe.evaluation.tests.helpers import world
from grappe.funding.models import Application
from grappe.labelling.models import CommitteeMember, CommitteeSession, CriteriaSet, Review
from grappe.projects.models import ClusterSubmission
from grappe.projects.services import TransitionRefused
from grappe.registry.models import Ownership

pytestmark = pytest.mark.django_db

GOOD = {"excellence": "4", "impact": "4", "implementation": "4"}


def test_creating_an_expert_grants_the_evaluator_role_and_is_audited(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=1)
    expert = w.experts[0]
    assert RoleAssignment.objects.filter(user=expert.user, role="evaluator").exists()
    assert AuditEvent.objects.filter(action="evaluation.expert_create").count() == 1
    from grappe.evaluation.services import expert_create

    with pytest.raises(PermissionDenied):
        expert_create(actor=w.other_officer, funder=w.call.funder, user=f.UserFactory())
    with pytest.raises(ValidationError) as exc:
        expert_create(
            actor=w.officer, funder=w.call.funder, user=f.UserFactory(), languages="french"
        )
    assert "languages" in exc.value.message_dict


def _expert_works_at(expert, org):
    expert.organisation = org
    expert.save(update_fields=["organisation"])


def test_conflicts_from_the_database_each_with_its_evidence(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=4)
    app, partner = w.apps[0], w.partners[0]
    same, group, copart, committee = w.experts
    _expert_works_at(same, partner)
    # a two-level ownership chain: holder → partner, holder → sister (the expert's organisation)
    holder = f.OrganisationFactory(name="Holding")
    Ownership.objects.create(holder=holder, held=partner, capital_share=60, voting_share=60)
    mid = f.OrganisationFactory(name="Mid")
    Ownership.objects.create(holder=holder, held=mid, capital_share=60, voting_share=60)
    Ownership.objects.create(holder=mid, held=group.organisation, capital_share=60, voting_share=60)
    # a co-participation in a project that ended two years ago
    old = f.ProjectFactory(
        acronym="SHARED", start_date=dt.date(2020, 1, 1), end_date=dt.date(2024, 6, 30)
    )
    f.ParticipationFactory(project=old, organisation=partner)
    f.ParticipationFactory(project=old, organisation=copart.organisation)
    # the committee that reviewed the project
    cluster = f.ClusterFactory(name="Cap Test")
    crit = CriteriaSet.objects.create(cluster=cluster, version=1, definition={"criteria": []})
    session = CommitteeSession.objects.create(
        cluster=cluster, criteria_set=crit, title="S", meets_on=dt.date(2025, 1, 1)
    )
    CommitteeMember.objects.create(session=session, user=committee.user)
    sub = ClusterSubmission.objects.create(
        project=app.project, cluster=cluster, statement="x", submitted_at=timezone.now()
    )
    Review.objects.create(session=session, submission=sub)

    found = conflicts.detect(w.experts, [app])
    kinds = {e.pk: {r.kind for r in found[e.pk, app.pk]} for e in w.experts}
    assert kinds[same.pk] == {"same_organisation"}
    assert kinds[group.pk] == {"same_group"}
    assert kinds[copart.pk] == {"co_participation"}
    assert kinds[committee.pk] == {"labelling_committee"}
    texts = {e.pk: found[e.pk, app.pk][0].text for e in w.experts}
    assert "Partner 0" in texts[group.pk] and "Expert org 1" in texts[group.pk]
    assert "SHARED" in texts[copart.pk] and "2024" in texts[copart.pk]
    assert "Cap Test" in texts[committee.pk]
    assert conflicts.blocking(found) == {(e.pk, app.pk) for e in w.experts}

    # the officer adding a conflicted expert is refused with the reason
    with pytest.raises(ValidationError) as exc:
        assignment_add(actor=w.officer, application=app, expert=group)
    assert "Partner 0" in exc.value.message_dict["expert"][0]
    # hard conflicts cannot be waived; a co-participation can, with a justification
    with pytest.raises(ValidationError):
        conflict_waive(
            actor=w.officer, expert=group, application=app, kind="same_group", justification="ok"
        )
    with pytest.raises(ValidationError) as exc:
        conflict_waive(
            actor=w.officer,
            expert=copart,
            application=app,
            kind="co_participation",
            justification=" ",
        )
    assert "justification" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        conflict_waive(
            actor=w.other_officer,
            expert=copart,
            application=app,
            kind="co_participation",
            justification="x",
        )
    conflict_waive(
        actor=w.officer,
        expert=copart,
        application=app,
        kind="co_participation",
        justification="A large consortium; the expert's team was not involved.",
    )
    assert (copart.pk, app.pk) not in conflicts.blocking(conflicts.detect([copart], [app]))
    assert assignment_add(actor=w.officer, application=app, expert=copart).fit >= 0
    ev = AuditEvent.objects.filter(action="evaluation.conflict_waive").get()
    assert "not involved" in ev.reason


def test_co_participation_beyond_five_years_is_not_a_conflict(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=1)
    old = f.ProjectFactory(start_date=dt.date(2010, 1, 1), end_date=dt.date(2015, 1, 1))
    f.ParticipationFactory(project=old, organisation=w.partners[0])
    f.ParticipationFactory(project=old, organisation=w.experts[0].organisation)
    assert conflicts.detect(w.experts, w.apps) == {}


def _evaluate(w, scores_by_expert):
    """Propose, start, everyone declares and reports; the first is rapporteur."""
    app = w.apps[0]
    result = assignment_propose(actor=w.officer, call=w.call)
    assert result["shortfall"] == {}
    assigned = list(Assignment.objects.filter(application=app).select_related("expert"))
    assert len(assigned) == 3 and any("batteries" in a.why for a in assigned)
    evaluation_start(actor=w.officer, application=app)
    rapporteur_set(actor=w.officer, assignment=assigned[0])
    for a, scores in zip(assigned, scores_by_expert, strict=True):
        expert_declare(actor=a.expert.user, application=app, has_conflict=False)
        report_submit(
            actor=a.expert.user, application=app, scores=scores, comments={"impact": "ok"}
        )
    return app, assigned


def test_the_whole_evaluation_down_to_the_panel(monkeypatch):
    w = world(monkeypatch, n_apps=2, n_experts=4)
    a0 = w.apps[0]
    # before the experts are assigned, start_evaluation is refused by its guard
    with pytest.raises(TransitionRefused) as exc:
        evaluation_start(actor=w.officer, application=a0)
    assert exc.value.guard == "experts_assigned"
    result = assignment_propose(actor=w.officer, call=w.call)
    assert result["assigned"] == 6 and result["shortfall"] == {}
    for app in w.apps:
        evaluation_start(actor=w.officer, application=app)
        assigned = list(Assignment.objects.filter(application=app).select_related("expert"))
        rapporteur_set(actor=w.officer, assignment=assigned[0])
        for a in assigned:
            # the file is hidden until the declaration
            visit = application_visit(scope=scope_for(a.expert.user), user=a.expert.user, pk=app.pk)
            assert not visit.file_open
            expert_declare(actor=a.expert.user, application=app, has_conflict=False)
            report_submit(actor=a.expert.user, application=app, scores=GOOD)
        consensus_record(actor=assigned[0].expert.user, application=app, scores=GOOD)
    # equal scores: the tie is broken by topic coverage (both add two new topics), then
    # excellence (equal), impact, SMEs (1 each) and finally the application order
    places = panel_rank(actor=w.officer, call=w.call)
    assert [p.application for p in places] == [w.apps[0].pk, w.apps[1].pk]
    assert places[0].tie_rule == "application_order"
    for app in w.apps:
        app.refresh_from_db()
        assert app.status == "ranked" and app.panel_list == "reserve"
        assert app.panel_tie_rule == "application_order"


def test_score_off_the_grid_is_refused_naming_the_criterion_and_nothing_is_written(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=3)
    app = w.apps[0]
    assignment_propose(actor=w.officer, call=w.call)
    evaluation_start(actor=w.officer, application=app)
    a = Assignment.objects.filter(application=app).select_related("expert").first()
    user = a.expert.user
    with pytest.raises(PermissionDenied):  # not declared yet
        report_submit(actor=user, application=app, scores=GOOD)
    expert_declare(actor=user, application=app, has_conflict=False)
    for bad, field in (
        ({**GOOD, "impact": "4.3"}, "impact"),
        ({**GOOD, "excellence": "6"}, "excellence"),
        ({**GOOD, "impact": "-1"}, "impact"),
    ):
        with pytest.raises(ValidationError) as exc:
            report_submit(actor=user, application=app, scores=bad)
        assert (
            field in exc.value.message_dict[field][0] and "0.5" in exc.value.message_dict[field][0]
        )
    with pytest.raises(ValidationError) as exc:
        report_submit(actor=user, application=app, scores={**GOOD, "beauty": "3"})
    assert "beauty" in exc.value.message_dict
    assert not IndividualReport.objects.exists()


def test_minority_view_required_when_scores_disagree_beyond_the_gap(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=3)
    panel_settings_update(
        actor=w.officer, call=w.call, disagreement_gap=Decimal("1.5"), main_list_size=1
    )
    app, assigned = _evaluate(w, [GOOD, {**GOOD, "excellence": "5"}, {**GOOD, "excellence": "3"}])
    with pytest.raises(PermissionDenied):  # not the rapporteur
        consensus_record(actor=assigned[1].expert.user, application=app, scores=GOOD)
    with pytest.raises(ValidationError) as exc:
        consensus_record(actor=assigned[0].expert.user, application=app, scores=GOOD)
    assert "excellence" in exc.value.message_dict["minority_view"][0]
    assert not ConsensusReport.objects.exists()
    consensus_record(
        actor=assigned[0].expert.user,
        application=app,
        scores=GOOD,
        minority_view="One expert found it weaker.",
    )
    assert ConsensusReport.objects.get().overall == Decimal("12")
    places = panel_rank(actor=w.officer, call=w.call)
    assert places[0].list == "main" and places[0].rank == 1


def test_visibility_assigned_conflicted_other_officer_and_applicant(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=4)
    app, assigned = _evaluate(w, [GOOD, GOOD, GOOD])
    unassigned = next(e for e in w.experts if e.pk not in {a.expert_id for a in assigned})
    for user in (unassigned.user, w.other_officer, w.coordinators[0]):
        with pytest.raises(Application.DoesNotExist):
            application_visit(scope=scope_for(user), user=user, pk=app.pk)
    assert application_visit(scope=scope_for(w.officer), user=w.officer, pk=app.pk).manages
    visit = application_visit(
        scope=scope_for(assigned[1].expert.user), user=assigned[1].expert.user, pk=app.pk
    )
    assert visit.file_open
    # an assigned expert whose organisation turns out to be a partner's: 404 from now on
    _expert_works_at(assigned[2].expert, w.partners[0])
    with pytest.raises(Application.DoesNotExist):
        user = assigned[2].expert.user
        application_visit(scope=scope_for(user), user=user, pk=app.pk)
    # the applicant sees the consensus only once decided
    Application.objects.filter(pk=app.pk).update(status="funded")  # the decision is not ours
    visit = application_visit(scope=scope_for(w.coordinators[0]), user=w.coordinators[0], pk=app.pk)
    assert visit.applicant


def test_a_declared_conflict_keeps_the_expert_off(monkeypatch):
    w = world(monkeypatch, n_apps=1, n_experts=3)
    app = w.apps[0]
    assignment_propose(actor=w.officer, call=w.call)
    evaluation_start(actor=w.officer, application=app)
    a = Assignment.objects.filter(application=app).select_related("expert").first()
    with pytest.raises(ValidationError):
        expert_declare(actor=a.expert.user, application=app, has_conflict=True)
    expert_declare(actor=a.expert.user, application=app, has_conflict=True, statement="My brother.")
    assert Declaration.objects.get().has_conflict
    with pytest.raises(Application.DoesNotExist):
        application_visit(scope=scope_for(a.expert.user), user=a.expert.user, pk=app.pk)
