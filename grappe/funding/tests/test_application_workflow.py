"""The application workflow and its one transition service (roles, guards, history, audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from grappe.core.models import AuditEvent, Transition
from grappe.core.tests import factories as f
from grappe.funding import services
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS, CURRENT
from grappe.funding.models import Application, PanelList
from grappe.funding.services import (
    PanelPlace,
    application_offered_transitions,
    application_panel_record,
    application_transition,
    register_application_facts,
)
from grappe.funding.tests.helpers import consortium, open_call
from grappe.projects.services import TransitionRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    c = consortium()
    call = open_call()
    app = Application.objects.create(call=call, project=c.project)
    coordinator = f.user_with_role("member", organisation=c.coordinator)
    partner = f.user_with_role("member", organisation=c.large)
    officer = f.user_with_role("programme_officer", funder=call.funder)
    other_officer = f.user_with_role("programme_officer", funder=f.FunderFactory())
    return c, call, app, coordinator, partner, officer, other_officer


def test_definition_is_loaded_and_versioned():
    assert CURRENT.initial == "draft"
    assert APPLICATION_WORKFLOWS.versions() == [1]
    assert {"submit", "withdraw", "screen_eligible", "fund"} <= set(CURRENT.transitions)


def test_coordinator_submits_and_history_and_audit_are_written(setup):
    _, _, app, coordinator, *_ = setup
    row = application_transition(actor=coordinator, application=app, transition="submit")
    assert app.status == "submitted" == Application.objects.get(pk=app.pk).status
    assert row.acting_role == "coordinator" and row.from_state == "draft"
    assert Transition.objects.filter(object_id=app.pk, workflow="application").count() == 1
    assert AuditEvent.objects.filter(action="application.transition").count() == 1


def test_partner_and_officer_of_another_funder_may_not_submit(setup):
    _, _, app, _, partner, _, other_officer = setup
    for actor in (partner, other_officer):
        with pytest.raises(TransitionRefused) as exc:
            application_transition(actor=actor, application=app, transition="submit")
        assert exc.value.refusal == "role"
    assert Application.objects.get(pk=app.pk).status == "draft"
    assert not Transition.objects.filter(workflow="application").exists()


def test_late_submission_is_refused_with_the_guard(setup):
    _, _, app, coordinator, *_ = setup
    late = timezone.now() + dt.timedelta(days=60)
    with pytest.raises(TransitionRefused) as exc:
        application_transition(actor=coordinator, application=app, transition="submit", now=late)
    assert exc.value.guard == "before_deadline"
    assert Application.objects.get(pk=app.pk).status == "draft"


def test_unaccredited_project_may_not_submit(setup):
    c, _, app, coordinator, *_ = setup
    c.project.accreditations.all().delete()
    with pytest.raises(TransitionRefused) as exc:
        application_transition(actor=coordinator, application=app, transition="submit")
    assert exc.value.guard == "project_accredited"


def test_withdraw_needs_a_reason_and_officer_screens(setup, monkeypatch):
    _, _, app, coordinator, _, officer, _ = setup
    application_transition(actor=coordinator, application=app, transition="submit")
    with pytest.raises(TransitionRefused) as exc:
        application_transition(actor=coordinator, application=app, transition="withdraw")
    assert exc.value.refusal == "reason"
    monkeypatch.setattr(services, "_FACT_PROVIDERS", [])
    register_application_facts(_screened)
    offered = {t.id: t for t in application_offered_transitions(actor=officer, application=app)}
    assert set(offered) == {"screen_eligible", "screen_ineligible"}
    application_transition(actor=officer, application=app, transition="screen_eligible")
    assert app.status == "eligible"


def _screened(application: Application) -> dict[str, bool]:
    return {"screening_passed": True}


def test_panel_record_writes_places_and_refuses_foreign_applications(setup):
    c, call, app, *_ = setup
    application_panel_record(
        actor=None,
        call=call,
        places=[PanelPlace(app.pk, PanelList.MAIN, 1, Decimal("12.50"), "first_criterion")],
    )
    app.refresh_from_db()
    assert (app.panel_list, app.panel_rank, app.panel_score) == ("main", 1, Decimal("12.50"))
    other = Application.objects.create(call=open_call("other"), project=c.project)
    with pytest.raises(ValueError):
        application_panel_record(
            actor=None, call=call, places=[PanelPlace(other.pk, PanelList.MAIN, 2, None)]
        )


def test_officers_hear_of_a_submission_and_the_consortium_of_the_screening(setup, monkeypatch):
    from grappe.notifications.models import Notification

    _, _, app, coordinator, partner, officer, other_officer = setup
    application_transition(actor=coordinator, application=app, transition="submit")
    told = Notification.objects.filter(kind="application.submitted")
    assert set(told.values_list("recipient", flat=True)) == {officer.pk}
    assert not Notification.objects.filter(recipient=other_officer).exists()
    monkeypatch.setattr(services, "_FACT_PROVIDERS", [])
    register_application_facts(_screened)
    application_transition(actor=officer, application=app, transition="screen_eligible")
    changed = Notification.objects.filter(kind="application.status_changed")
    # The coordinator's and the partners' members; never the officer who acted.
    assert {coordinator.pk, partner.pk} <= set(changed.values_list("recipient", flat=True))
    assert officer.pk not in set(changed.values_list("recipient", flat=True))
    assert changed.first().params["to"] == "Eligible"
