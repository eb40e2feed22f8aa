"""Reminders (`grappe notifications remind`): due ones only, each person once, time passed in."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from grappe.core.models import Role
from grappe.core.tests.factories import OrganisationFactory, user_with_role
from grappe.labelling.services import member_declare, member_score
from grappe.labelling.tests.helpers import GOOD_SCORES, committee
from grappe.notifications.models import Notification
from grappe.notifications.reminders import run_reminders
from grappe.notifications.tasks import send_reminders
from grappe.projects.models import PartnerInvitation
from grappe.projects.services import invitation_create
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
SCORE = "committee.score_reminder"
PENDING = "invitation.pending_reminder"


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, tzinfo=PARIS)


def _told(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_members_who_have_not_scored_are_reminded_from_three_days_before_the_meeting() -> None:
    c = committee()  # the session meets on 15 December 2026
    member_declare(actor=c.member, review=c.review, declares_interest=False)
    member_score(actor=c.member, review=c.review, scores=GOOD_SCORES, vote="accredited")
    member_declare(actor=c.conflicted, review=c.review, declares_interest=False)  # conflict found
    assert run_reminders(at(11, 23))["labelling.scores_missing"] == 0  # four days before
    assert run_reminders(at(12, 0))["labelling.scores_missing"] == 1
    assert _told(SCORE) == [c.manager.pk]  # neither the one who scored nor the conflicted one
    row = Notification.objects.get(kind=SCORE)
    assert row.params == {
        "acronym": "WORKFLOW1",
        "session": "Committee of December",
        "date": "2026-12-15",
    }
    assert row.url.endswith(f"/labelling/reviews/{c.review.pk}/")
    # Hourly runs tell nobody twice; after the meeting, nobody.
    assert run_reminders(at(13))["labelling.scores_missing"] == 0
    assert run_reminders(at(15, 8))["labelling.scores_missing"] == 0
    Notification.objects.filter(kind=SCORE).delete()
    assert run_reminders(at(16))["labelling.scores_missing"] == 0


def test_the_days_before_come_from_the_settings(settings) -> None:
    settings.REMINDER_SCORE_DAYS_BEFORE = 5
    committee()
    assert run_reminders(at(10))["labelling.scores_missing"] == 3
    assert run_reminders(at(9))["labelling.scores_missing"] == 0


def test_an_invitation_unanswered_for_seven_days_is_recalled_once(
    django_capture_on_commit_callbacks,
) -> None:
    p = proposal()
    invited = OrganisationFactory(name="Slow lab")
    member = user_with_role(Role.MEMBER, organisation=invited)
    invitation = invitation_create(actor=p.owner, project=p.project, organisation_id=invited.pk)
    now = timezone.now()
    assert run_reminders(now + dt.timedelta(days=6, hours=23))["projects.invitations_pending"] == 0
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        due = run_reminders(now + dt.timedelta(days=7, minutes=1))
    assert due["projects.invitations_pending"] == 1
    assert _told(PENDING) == [member.pk]
    assert [m.subject for m in mail.outbox] == [
        "[Grappe] Reminder: Slow lab is invited to join WORKFLOW1"
    ]
    assert run_reminders(now + dt.timedelta(days=8))["projects.invitations_pending"] == 0
    # An answered invitation is not recalled.
    PartnerInvitation.objects.filter(pk=invitation.pk).update(status="declined")
    Notification.objects.filter(kind=PENDING).delete()
    assert run_reminders(now + dt.timedelta(days=9))["projects.invitations_pending"] == 0


def test_the_command_and_the_task_run_every_reminder() -> None:
    committee()
    out = io.StringIO()
    call_command("notifications", "remind", "--now", at(13).isoformat(), stdout=out)
    assert "labelling.scores_missing: 3 notification(s)" in out.getvalue()
    assert "projects.invitations_pending: 0 notification(s)" in out.getvalue()
    assert "total: 3" in out.getvalue()
    out = io.StringIO()
    call_command("notifications", "remind", "--now", at(13, 10).isoformat(), stdout=out)
    assert "total: 0" in out.getvalue()
    assert send_reminders.call(at(14).isoformat()) == 0
    with pytest.raises(CommandError, match="offset"):
        call_command("notifications", "remind", "--now", "2026-12-13T09:00")
    with pytest.raises(CommandError, match="not an ISO 8601 time"):
        call_command("notifications", "remind", "--now", "tomorrow")
