"""Background work for notifications (django-tasks: immediate in dev and tests, the database
worker in production): the e-mails of new notifications, and the reminders."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django_tasks import task

from grappe.notifications.models import Notification
from grappe.notifications.reminders import run_reminders
from grappe.notifications.rendering import link, message
from grappe.notifications.selectors import email_preferences


def email_language() -> str:
    """Users have no language preference in Grappe (core keeps Django's user): e-mails go out in
    the site's language, `settings.LANGUAGE_CODE`."""
    return str(settings.LANGUAGE_CODE)


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the notifications not e-mailed yet, to recipients with an address whose
    preference allows the kind; returns the number of messages sent. Enqueued by `notify`
    after commit; running it twice sends nothing more."""
    rows = list(
        Notification.objects.filter(
            pk__in=notification_ids, emailed_at__isnull=True, recipient__is_active=True
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("pk")
    )
    preferences: dict[int, dict[str, bool]] = {}
    language = email_language()
    site = settings.SITE_URL.rstrip("/")
    messages: list[EmailMessage] = []
    sent: list[int] = []
    for row in rows:
        wants = preferences.setdefault(
            row.recipient_id, email_preferences(user_id=row.recipient_id)
        )
        if not wants.get(row.kind, False):
            continue
        text = message(row, language)
        body = text.body
        path = link(row, language)
        if path:
            body += "\n\n" + site + path
        messages.append(
            EmailMessage(
                subject="[Grappe] " + text.subject,
                body=body + "\n",
                to=[row.recipient.email],
            )
        )
        sent.append(row.pk)
    if not messages:
        return 0
    count = get_connection(fail_silently=False).send_messages(messages) or 0
    Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return int(count)


@task()
def send_reminders(now: str = "") -> int:
    """Every registered reminder (`grappe notifications remind`, hourly); returns how many
    notifications they wrote. `now` (ISO) stands for the current time in tests."""
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    return sum(run_reminders(moment).values())
