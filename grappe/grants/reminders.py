"""Reminders of the grants (`grappe notifications remind`): a report due within
`REMINDER_REPORT_DAYS_BEFORE` days, and a report overdue, told to the partner's members and the
funder's programme officers, each once (`dedupe_key`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from grappe.grants import notices, selectors
from grappe.grants.models import GrantAgreement
from grappe.notifications.domain import kinds
from grappe.notifications.reminders import reminder
from grappe.notifications.services import notify

PARIS = ZoneInfo("Europe/Paris")


@reminder("grants.reports_due")
def reports_due(now: dt.datetime) -> int:
    """Each report of an accepted or active agreement not submitted yet: from
    `REMINDER_REPORT_DAYS_BEFORE` days before its due date (Paris dates) a reminder, and from
    the day after it an overdue notice; each once per report and recipient."""
    today = now.astimezone(PARIS).date()
    soon = today + dt.timedelta(days=settings.REMINDER_REPORT_DAYS_BEFORE)
    agreements = (
        GrantAgreement.objects.filter(status__in=("accepted", "active"))
        .select_related("participation__organisation")
        .prefetch_related("reports")
        .order_by("pk")
    )
    written = 0
    for agreement in agreements:
        version = selectors.version_in_force(agreement)
        recipients: list[int] | None = None
        for deadline in selectors.report_deadlines(agreement, version, today):
            if deadline.submitted or deadline.due_on > soon:
                continue
            if recipients is None:
                recipients = sorted(
                    set(notices.partner_members(agreement)) | set(notices.officers(agreement))
                )
            kind = kinds.GRANT_REPORT_OVERDUE if deadline.overdue else kinds.GRANT_REPORT_DUE
            tag = "overdue" if deadline.overdue else "due"
            written += len(
                notify(
                    actor=None,
                    recipients=recipients,
                    kind=kind,
                    params={
                        "organisation": agreement.participation.organisation.name,
                        "reference": agreement.reference,
                        "report": notices.REPORT_NAMES[deadline.kind],
                        "year": deadline.year,
                        "date": deadline.due_on.isoformat(),
                    },
                    url=notices.url_of(agreement),
                    dedupe_key=(
                        f"grant-report-{tag}:agreement-{agreement.pk}:{deadline.kind}-"
                        f"{deadline.year}:due-{deadline.due_on.isoformat()}"
                    ),
                )
            )
    return written
