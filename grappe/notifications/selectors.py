"""Reads of notifications: a user sees only their own (any other is 404)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from grappe.core.domain.scope import Scope
from grappe.core.models import Role, RoleAssignment
from grappe.notifications.domain.kinds import KINDS
from grappe.notifications.models import Notification, NotificationPreference


def notifications_for(*, scope: Scope) -> QuerySet[Notification]:
    """The user's notifications, newest first (none for an anonymous visitor)."""
    if not scope.user_id:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=scope.user_id).order_by("-created_at", "-id")


def notification_get(*, scope: Scope, pk: int) -> Notification:
    """One of the user's notifications; `Notification.DoesNotExist` for anyone else's."""
    return notifications_for(scope=scope).get(pk=pk)


def unread_count(*, scope: Scope) -> int:
    """The header badge: one COUNT on the partial index of unread rows."""
    if not scope.user_id:
        return 0
    return Notification.objects.filter(recipient_id=scope.user_id, read_at__isnull=True).count()


def email_preferences(*, user_id: int) -> dict[str, bool]:
    """Kind id -> whether the user gets its e-mails (the kind's default when not chosen)."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id=user_id).values_list("kind", "email")
    )
    return {kind.id: chosen.get(kind.id, kind.email_default) for kind in KINDS.values()}


# --- recipients: who a notification goes to, from the role assignments (core) ----------------


def organisation_members(organisation_ids: Iterable[int]) -> list[int]:
    """The users holding a member role on any of the organisations."""
    return sorted(
        set(
            RoleAssignment.objects.filter(
                role=Role.MEMBER, organisation_id__in=list(organisation_ids)
            ).values_list("user_id", flat=True)
        )
    )


def cluster_managers(cluster_ids: Iterable[int]) -> list[int]:
    """The users holding a cluster manager role on any of the clusters."""
    return sorted(
        set(
            RoleAssignment.objects.filter(
                role=Role.CLUSTER_MANAGER, cluster_id__in=list(cluster_ids)
            ).values_list("user_id", flat=True)
        )
    )


def programme_officers(funder_ids: Iterable[int]) -> list[int]:
    """The users holding a programme officer role on any of the funders."""
    return sorted(
        set(
            RoleAssignment.objects.filter(
                role=Role.PROGRAMME_OFFICER, funder_id__in=list(funder_ids)
            ).values_list("user_id", flat=True)
        )
    )
