"""A notification in a language: its subject, body and link (the message is stored as a kind's
code and parameters, `domain/kinds.py`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext

from grappe.notifications.domain.kinds import Message, render
from grappe.notifications.models import Notification


def _date(value: str) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return str(formats.date_format(day, "DATE_FORMAT"))


def message(notification: Notification, language: str | None = None) -> Message:
    """Subject and body in `language` (the active one when None)."""
    with translation.override(language or translation.get_language()):
        return render(
            notification.kind, notification.params or {}, translate=gettext, format_date=_date
        )


def link(notification: Notification, language: str | None = None) -> str:
    """The notification's page under the language's prefix ("" when it has none)."""
    path = notification.url
    target = language or translation.get_language() or settings.LANGUAGE_CODE
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if path.startswith(prefix):
            return f"/{target}/" + path.removeprefix(prefix)
    return path


@dataclass(frozen=True)
class Shown:
    """A notification as a page or the API shows it, in the reader's language."""

    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


def shown(notification: Notification) -> Shown:
    text = message(notification)
    return Shown(
        id=notification.pk,
        kind=notification.kind,
        subject=text.subject,
        body=text.body,
        url=link(notification),
        created_at=notification.created_at,
        read_at=notification.read_at,
    )
