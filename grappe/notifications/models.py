"""In-app notifications and each user's e-mail preferences.

Written only by `notifications.services`. A notification holds its kind's code and parameters,
not text: it is rendered in the reader's language when shown (`notifications/domain/kinds.py`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.notifications.domain.kinds import KINDS


def kind_choices() -> list[tuple[str, Any]]:
    return [(kind.id, _(kind.label)) for kind in KINDS.values()]


class Notification(models.Model):
    """One message to one user: in their inbox, and e-mailed when their preference allows."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=64, choices=kind_choices())
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # A path of the site (no host), e.g. /en/projects/12/; shown in the reader's language.
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Set by reminders: a second reminder with the same key to the same user is not written.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_dedupe_once",
            )
        ]
        indexes = [
            # The inbox (newest first) and the header's unread count.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    """Whether a user gets a kind's e-mails; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=64, choices=kind_choices())
    email = models.BooleanField(_("by e-mail"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'on' if self.email else 'off'}"
