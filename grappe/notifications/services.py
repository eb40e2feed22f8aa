"""Notification writers: `notify` (the inbox rows, then the e-mails once committed), reading
them, and each user's e-mail preferences (audited).

Every app calls `notify` from its own services, inside its transaction: when the caller's
transaction rolls back, no row stays and no e-mail leaves. Recipients are user ids (or users);
the actor is never told of their own act.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor
from grappe.core.services import audit_record
from grappe.notifications.domain.kinds import KINDS, check
from grappe.notifications.models import Notification, NotificationPreference
from grappe.notifications.tasks import send_notification_emails


def _ids(recipients: Iterable[Any]) -> list[int]:
    ids = {r if isinstance(r, int) else r.pk for r in recipients}
    return sorted(i for i in ids if i)


def _check_url(url: str) -> None:
    # A path of this site: never a host (an e-mail link is built from SITE_URL).
    if url and (not url.startswith("/") or url.startswith("//")):
        raise ValueError(f"a notification's url is a site path, not {url!r}")


def notify(
    *,
    actor: Actor,
    recipients: Iterable[Any],
    kind: str,
    params: Mapping[str, Any],
    url: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Write one inbox row per active recipient (never the actor) in the caller's transaction,
    and once it commits enqueue the task that e-mails those whose preference allows it.

    With a `dedupe_key`, a recipient who already has a notification with that key gets no
    second one (reminders run every hour). Returns the rows written. An unknown kind or
    parameters that do not fit the kind raise `UnknownKind` (a programming error).
    """
    check(kind, params)
    _check_url(url)
    actor_id = getattr(actor, "pk", None)
    wanted = [i for i in _ids(recipients) if i != actor_id]
    if not wanted:
        return []
    with transaction.atomic():
        users = get_user_model().objects.filter(pk__in=wanted, is_active=True)
        ids = list(users.order_by("pk").values_list("pk", flat=True))
        if dedupe_key:
            told = set(
                Notification.objects.filter(
                    recipient_id__in=ids, dedupe_key=dedupe_key
                ).values_list("recipient_id", flat=True)
            )
            ids = [i for i in ids if i not in told]
        if not ids:
            return []
        now = timezone.now()
        rows = [
            Notification(
                recipient_id=i,
                kind=kind,
                params=dict(params),
                url=url,
                created_at=now,
                dedupe_key=dedupe_key,
            )
            for i in ids
        ]
        try:
            with transaction.atomic():
                created = Notification.objects.bulk_create(rows)
        except IntegrityError:
            if not dedupe_key:
                raise
            # Another run wrote some of them meanwhile: write the others one by one.
            created = []
            for row in rows:
                try:
                    with transaction.atomic():
                        row.save()
                except IntegrityError:
                    continue
                created.append(row)
        pks = [row.pk for row in created]
        transaction.on_commit(lambda: _send_later(pks))
    return created


def _send_later(pks: Sequence[int]) -> None:
    if pks:
        send_notification_emails.enqueue(list(pks))


def _require_recipient(actor: Actor, notification: Notification) -> None:
    if getattr(actor, "pk", None) != notification.recipient_id:
        raise PermissionDenied(_("Only its recipient may mark a notification as read."))


@transaction.atomic
def mark_read(*, actor: Actor, notification: Notification) -> Notification:
    """The recipient marks one notification as read (again: nothing changes). Not audited."""
    _require_recipient(actor, notification)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


@transaction.atomic
def mark_all_read(*, actor: Actor) -> int:
    """The actor marks every unread notification of theirs as read; returns how many."""
    user_id = getattr(actor, "pk", None)
    if not user_id:
        raise PermissionDenied(_("Log in to read your notifications."))
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, actor: Actor, user: Any, kind: str, email: bool) -> NotificationPreference:
    """Whether `user` gets the e-mails of `kind` (only the user themself may choose). Audited
    when it changes; choosing the current value writes nothing."""
    if getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied(_("Only you may choose which e-mails you get."))
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError(
            {"kind": _("“%(kind)s” is not a kind of notification.") % {"kind": kind[:64]}},
            code="unknown",
        )
    row = (
        NotificationPreference.objects.select_for_update(of=("self",))
        .filter(user=user, kind=kind)
        .first()
    )
    before = spec.email_default if row is None else row.email
    if row is None:
        row = NotificationPreference(user=user, kind=kind, email=before)
    if before == bool(email):
        return row  # nothing changes (a default stays a default: no row written)
    row.email = bool(email)
    row.save()
    audit_record(
        actor=actor,
        action="notification.preference_set",
        obj=row,
        before={"kind": kind, "email": before},
        after={"kind": kind, "email": row.email},
    )
    return row


@transaction.atomic
def preferences_set(*, actor: Actor, user: Any, email: Mapping[str, bool]) -> int:
    """Several kinds at once (the preferences page, the API); returns how many changed. An
    unknown kind refuses the whole change."""
    unknown = [k for k in email if k not in KINDS]
    if unknown:
        raise ValidationError(
            {"kind": _("“%(kind)s” is not a kind of notification.") % {"kind": unknown[0][:64]}},
            code="unknown",
        )
    changed = 0
    for kind, value in email.items():
        before = NotificationPreference.objects.filter(user=user, kind=kind).first()
        current = KINDS[kind].email_default if before is None else before.email
        preference_set(actor=actor, user=user, kind=kind, email=value)
        changed += current != bool(value)
    return changed
