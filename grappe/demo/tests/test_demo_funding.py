"""The demo's funding loop: every stage is there, written through the services, valid, and
each stage's key pages answer its demo user. Who may see what is tested by each app (owner,
insider, outsider); here only that the demo's own users reach their pages."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Sum
from django.test import Client
from django.utils import timezone

from grappe.core.models import AuditEvent, RoleAssignment, Transition
from grappe.decisions.models import Decision, Envelope, LedgerEntry
from grappe.demo.funding import DECIDED_CALL, OPEN_CALL, UPCOMING_CALL
from grappe.demo.loader import demo_load
from grappe.evaluation import conflicts
from grappe.evaluation.models import (
    Assignment,
    CallPanel,
    ConsensusReport,
    Declaration,
    Expert,
    IndividualReport,
)
from grappe.funding.domain.receipt import snapshot_sha256
from grappe.funding.models import Application, Call, ScreeningVerdict
from grappe.grants.models import (
    AgreementVersion,
    GrantAgreement,
    ImpactReport,
    Installment,
    PaymentPlan,
)
from grappe.labelling.models import CommitteeSession, CriteriaSet
from grappe.notifications.models import Notification
from grappe.projects.models import ClusterSubmission, FundingLine

pytestmark = pytest.mark.django_db

MODELS: list[type[Model]] = [
    Call,
    Application,
    ScreeningVerdict,
    Expert,
    Assignment,
    Declaration,
    IndividualReport,
    ConsensusReport,
    CallPanel,
    Envelope,
    LedgerEntry,
    Decision,
    PaymentPlan,
    GrantAgreement,
    AgreementVersion,
    Installment,
    ImpactReport,
    Notification,
    CriteriaSet,
    CommitteeSession,
    ClusterSubmission,
]


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS} | {
        "users": get_user_model().objects.count(),
        "funding lines": FundingLine.objects.count(),
        "audit": AuditEvent.objects.filter(action__startswith="application.").count(),
    }


def _user(name: str) -> Any:
    return get_user_model().objects.get(username=name)


def _decided() -> Call:
    return Call.objects.get(slug=DECIDED_CALL)


def test_the_decided_call_walked_every_stage(demo_site: Any) -> None:
    call = _decided()
    today = timezone.localdate()
    assert call.closes_on < today and call.status_on(today) == "closed"
    apps = list(call.applications.select_related("project"))
    assert Counter(a.status for a in apps) == {"funded": 2, "not_funded": 3, "ineligible": 1}
    # Receipts: every application was submitted before the closing instant, its snapshot's
    # SHA-256 stored.
    for app in apps:
        assert app.submitted_at is not None and call.is_open_at(app.submitted_at)
        assert app.receipt_sha256 == snapshot_sha256(app.snapshot)
    # Screening: one failed rule overridden with a justification, one declared ineligible
    # with its reason.
    overridden = ScreeningVerdict.objects.filter(application__call=call).exclude(
        override_justification=""
    )
    assert overridden.count() >= 1 and all(v.overridden_by is not None for v in overridden)
    assert {v.application.status for v in overridden} == {"funded"}
    ineligible = next(a for a in apps if a.status == "ineligible")
    screened = Transition.objects.get(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=ineligible.pk,
        transition="screen_ineligible",
    )
    assert screened.reason and screened.actor == _user("officer")


def test_experts_declared_reported_and_the_panel_ranked(demo_site: Any) -> None:
    call = _decided()
    evaluated = call.applications.exclude(status="ineligible")
    assert Expert.objects.filter(funder=call.funder).count() == 6
    evaluator = _user("evaluator")
    assert Expert.objects.filter(user=evaluator, funder=call.funder).exists()
    assignments = Assignment.objects.filter(application__call=call)
    assert Counter(a.application_id for a in assignments) == dict.fromkeys(
        evaluated.values_list("pk", flat=True), 3
    )
    assert assignments.filter(expert__user=evaluator).exists()
    # Every assigned expert declared (no conflict) and reported; one consensus per application,
    # one of them with a minority view.
    assert Declaration.objects.filter(application__call=call, has_conflict=False).count() == 15
    assert IndividualReport.objects.filter(assignment__application__call=call).count() == 15
    reports = ConsensusReport.objects.filter(application__call=call)
    assert reports.count() == 5 and reports.exclude(minority_view="").count() == 1
    # A conflict was detected (an expert works for a partner) and that pair is not assigned.
    found = conflicts.detect(Expert.objects.filter(funder=call.funder), list(evaluated))
    blocked = conflicts.blocking(found)
    assert blocked
    assert not any(assignments.filter(expert_id=e, application_id=a).exists() for e, a in blocked)
    lists = Counter(evaluated.values_list("panel_list", flat=True))
    assert lists == {"main": 2, "reserve": 2, "rejected": 1}
    assert CallPanel.objects.get(call=call).ranked_at is not None


def test_the_ledger_never_exceeds_the_envelope_and_declines_have_reasons(demo_site: Any) -> None:
    call = _decided()
    envelopes = list(Envelope.objects.filter(call=call))
    assert {e.kind for e in envelopes} == {"envelope", "pledge"}
    for env in envelopes:
        posted = LedgerEntry.objects.filter(envelope=env).aggregate(s=Sum("amount"))["s"]
        assert posted == env.approved and Decimal(0) < posted <= env.amount
    decisions = Decision.objects.filter(application__call=call)
    assert Counter(decisions.values_list("outcome", flat=True)) == {"funded": 2, "declined": 3}
    assert all(d.reason for d in decisions.filter(outcome="declined"))
    for app in call.applications.filter(status="funded"):
        total = LedgerEntry.objects.filter(application=app).aggregate(s=Sum("amount"))["s"]
        granted = FundingLine.objects.filter(
            participation__project=app.project, decision_reference__startswith="2026 DAE"
        ).aggregate(s=Sum("granted"))["s"]
        assert total == granted > 0


def test_grants_have_a_plan_a_paid_advance_and_a_report(demo_site: Any) -> None:
    call = _decided()
    agreements = GrantAgreement.objects.filter(call=call)
    assert agreements.count() == 2 and set(agreements.values_list("status", flat=True)) == {
        "active"
    }
    assert PaymentPlan.objects.filter(call=call).exists()
    paid = Installment.objects.filter(agreement__call=call, status="paid")
    assert paid.count() == 1 and paid[0].payment_reference
    assert paid[0].agreement.paid_total == paid[0].amount <= paid[0].agreement.amount
    assert ImpactReport.objects.filter(agreement__call=call, status="submitted").count() == 1
    applicant = _user("applicant")
    orgs = RoleAssignment.objects.filter(user=applicant, role="member").values("organisation")
    mine = agreements.get(participation__organisation__in=orgs)
    assert mine.installments.filter(status="paid").exists()


def test_an_open_call_with_a_draft_and_an_upcoming_call(demo_site: Any) -> None:
    now = timezone.now()
    open_call = Call.objects.get(slug=OPEN_CALL)
    assert open_call.is_open_at(now) and open_call.closes_at > now
    draft = open_call.applications.get()
    assert draft.status == "draft" and draft.statement and draft.requested.exists()
    upcoming = Call.objects.get(slug=UPCOMING_CALL)
    assert upcoming.opens_at > now and upcoming.ruleset_id is not None


def test_the_labelling_demo_is_loaded(demo_site: Any) -> None:
    session = CommitteeSession.objects.get(cluster__slug="cap-digital")
    assert session.reviews.count() == 2  # type: ignore[attr-defined]
    assert session.meets_on > timezone.localdate()


def test_each_demo_user_has_notifications_of_the_loop(demo_site: Any) -> None:
    kinds = {
        name: set(
            Notification.objects.filter(recipient__username=name).values_list("kind", flat=True)
        )
        for name in ("officer", "applicant")
    }
    assert {"application.submitted", "grant.accepted"} <= kinds["officer"]
    assert {"application.status_changed", "grant.offered"} <= kinds["applicant"]


def test_every_row_of_the_loop_passes_full_clean(demo_site: Any) -> None:
    for model in MODELS:
        rows = list(model.objects.all())
        assert rows, model.__name__
        for row in rows:
            row.full_clean()


def test_loading_again_changes_nothing(demo_site: Any) -> None:
    before = _counts()
    result = demo_load()
    assert not result.loaded_ecosystem
    assert _counts() == before


# --------------------------------------------------------------------------- pages


def _client(name: str) -> Client:
    client = Client()
    client.force_login(_user(name))
    return client


def test_the_key_pages_answer_their_demo_user(demo_site: Any) -> None:
    call = _decided()
    funded = call.applications.filter(status="funded").order_by("panel_rank")
    top = funded[0]
    evaluator = _user("evaluator")
    evaluated = Assignment.objects.filter(expert__user=evaluator).first()
    assert evaluated is not None
    mine = GrantAgreement.objects.get(participation__project=top.project)
    draft = Application.objects.get(call__slug=OPEN_CALL)
    session = CommitteeSession.objects.get(cluster__slug="cap-digital")
    pages = {
        "officer": [
            f"/en/calls/{call.slug}/",
            f"/en/calls/{call.slug}/applications/",
            f"/en/applications/{top.pk}/",
            f"/en/funders/{call.funder.slug}/experts/",
            f"/en/calls/{call.slug}/assignments/",
            f"/en/calls/{call.slug}/panel/",
            f"/en/calls/{call.slug}/funding/",
            f"/en/calls/{call.slug}/allocation/",
            f"/en/decisions/applications/{top.pk}/",
            "/en/grants/manage/",
            f"/en/calls/{call.slug}/payments/",
            f"/en/grants/{mine.pk}/",
            "/en/me/notifications/",
        ],
        "evaluator": [
            "/en/evaluation/",
            f"/en/evaluation/applications/{evaluated.application_id}/",
            "/en/me/notifications/",
        ],
        "applicant": [
            "/en/me/",
            f"/en/applications/{top.pk}/",
            f"/en/applications/{draft.pk}/",
            f"/en/decisions/applications/{top.pk}/",
            f"/en/grants/{mine.pk}/",
            f"/en/calls/{UPCOMING_CALL}/",
            "/en/me/notifications/",
        ],
        "manager": [f"/en/labelling/sessions/{session.pk}/"],
    }
    for name, urls in pages.items():
        client = _client(name)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
