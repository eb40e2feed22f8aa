"""Grant notifications: who is told of each change, and the report reminders (time passed in)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from grappe.core.domain.roles import Role
from grappe.core.tests.factories import user_with_role
from grappe.grants import services
from grappe.grants.tests.helpers import make_agreement, make_world, pay, review_all, statement
from grappe.notifications.models import Notification
from grappe.notifications.reminders import run_reminders
from grappe.notifications.rendering import message

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def w():
    return make_world()


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_offer_and_acceptance_tell_the_other_side_only(w):
    a = make_agreement(w, status="offered")
    assert told("grant.offered") == {w.partner.pk}  # not the other partner, not the officer
    row = Notification.objects.get(kind="grant.offered")
    assert row.params["reference"] == "2024 DAE 12" and row.params["version"] == 1
    assert row.url == f"/en/grants/{a.pk}/"
    services.agreement_transition(actor=w.partner, agreement=a, transition="accept")
    assert told("grant.accepted") == {w.officer.pk}  # not the other funder's officer
    services.agreement_transition(actor=w.officer, agreement=a, transition="activate")
    services.agreement_amend(actor=w.officer, agreement=a, reason="longer", amount="90000.00")
    assert Notification.objects.filter(kind="grant.offered").count() == 2
    assert Notification.objects.filter(kind="grant.offered").latest("pk").params["version"] == 2


def test_statement_payment_and_report_notices(w):
    a = make_agreement(w)
    second_officer = user_with_role(Role.PROGRAMME_OFFICER, funder=w.funder)
    st = statement(w, a, ("personnel", "1000.00"), ("instruments_equipment", "500.50"))
    assert told("grant.statement_submitted") == {w.officer.pk, second_officer.pk}
    assert (
        Notification.objects.filter(kind="grant.statement_submitted").first().params["claimed"]
        == "1500.50"
    )
    review_all(w, st, [("accepted", None, ""), ("rejected", None, "no invoice")])
    reviewed = Notification.objects.get(kind="grant.statement_reviewed")
    assert reviewed.recipient_id == w.partner.pk
    assert (reviewed.params["accepted"], reviewed.params["claimed"]) == ("1000.00", "1500.50")
    inst = pay(w, a, "advance", "VIR-7")
    paid = Notification.objects.get(kind="grant.installment_paid")
    assert paid.recipient_id == w.partner.pk and paid.params["payment_reference"] == "VIR-7"
    assert paid.params["amount"] == f"{inst.amount:.2f}"
    rep = services.report_submit(actor=w.partner, agreement=a, kind="yearly", year=2024,
                                 figures={"jobs_fte": "1"})  # fmt: skip
    assert told("grant.report_submitted") == {w.officer.pk, second_officer.pk}
    services.report_transition(actor=w.officer, report=rep, transition="return", reason="Typo")
    returned = Notification.objects.get(kind="grant.report_returned")
    assert returned.recipient_id == w.partner.pk and returned.params["reason"] == "Typo"
    with translation.override("fr"):
        text = message(returned, "fr")
    assert "renvoyé" in text.subject and text.body.endswith("Typo")
    services.report_transition(actor=w.partner, report=rep, transition="resubmit")
    assert Notification.objects.filter(kind="grant.report_submitted").count() == 4
    services.report_transition(actor=second_officer, report=rep, transition="approve")
    assert told("grant.report_approved") == {w.partner.pk}


def test_a_refused_change_tells_nobody(w):
    a = make_agreement(w)
    before = Notification.objects.count()
    with pytest.raises(ValidationError):
        services.statement_submit(actor=w.partner, agreement=a, period_start=dt.date(2024, 1, 1),
                                  period_end=dt.date(2024, 12, 31), lines=[])  # fmt: skip
    assert Notification.objects.count() == before


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def test_report_reminders_once_before_and_once_overdue(w, settings):
    settings.REMINDER_REPORT_DAYS_BEFORE = 14
    make_agreement(w)  # the 2024 yearly report is due on 2025-03-28
    due = dt.date(2025, 3, 28)
    assert run_reminders(at(due - dt.timedelta(days=15)))["grants.reports_due"] == 0
    assert run_reminders(at(due - dt.timedelta(days=14)))["grants.reports_due"] == 2
    assert told("grant.report_due_reminder") == {w.partner.pk, w.officer.pk}
    assert run_reminders(at(due))["grants.reports_due"] == 0  # once
    assert run_reminders(at(due + dt.timedelta(days=1)))["grants.reports_due"] == 2
    assert told("grant.report_overdue") == {w.partner.pk, w.officer.pk}
    assert run_reminders(at(due + dt.timedelta(days=30)))["grants.reports_due"] == 0
    row = Notification.objects.filter(kind="grant.report_overdue").first()
    assert (row.params["year"], row.params["date"]) == (2024, "2025-03-28")


def test_a_submitted_report_is_not_recalled_and_a_draft_agreement_neither(w, settings):
    settings.REMINDER_REPORT_DAYS_BEFORE = 3
    a = make_agreement(w)
    services.report_submit(actor=w.partner, agreement=a, kind="yearly", year=2024,
                           figures={"jobs_fte": "1"})  # fmt: skip
    assert run_reminders(at(dt.date(2025, 3, 26)))["grants.reports_due"] == 0
    assert run_reminders(at(dt.date(2025, 4, 2)))["grants.reports_due"] == 0
    # the 2025 report: 3 days before its due date, a reminder
    assert run_reminders(at(dt.date(2026, 3, 25)))["grants.reports_due"] == 2
    a.status = "draft"
    a.save(update_fields=["status"])
    assert run_reminders(at(dt.date(2026, 3, 29)))["grants.reports_due"] == 0
