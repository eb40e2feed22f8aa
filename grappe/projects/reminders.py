"""Reminder of the proposals (`grappe notifications remind`): an invitation still unanswered
`REMINDER_INVITATION_PENDING_DAYS` days after it was sent is recalled, once, to the members of
the invited organisation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse

from grappe.notifications.domain import kinds
from grappe.notifications.reminders import reminder
from grappe.notifications.selectors import organisation_members
from grappe.notifications.services import notify
from grappe.projects.models import InvitationStatus, PartnerInvitation


@reminder("projects.invitations_pending")
def invitations_pending(now: dt.datetime) -> int:
    since = now - dt.timedelta(days=settings.REMINDER_INVITATION_PENDING_DAYS)
    pending = PartnerInvitation.objects.filter(
        status=InvitationStatus.PENDING, created_at__lte=since
    ).select_related("project", "organisation")
    written = 0
    for invitation in pending.order_by("pk"):
        written += len(
            notify(
                actor=None,
                recipients=organisation_members([invitation.organisation_id]),
                kind=kinds.INVITATION_PENDING,
                params={
                    "organisation": invitation.organisation.name,
                    "acronym": invitation.project.acronym,
                    "title": invitation.project.title,
                },
                url=reverse("my_area"),
                dedupe_key=f"invitation-pending:{invitation.pk}",
            )
        )
    return written
