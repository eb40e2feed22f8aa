"""API: your notifications and your e-mail preferences. Only the recipient sees a notification
(anyone else's is a 404)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.security import django_auth

from grappe.core.apikit import BODY_ERRORS, MAX_ID, not_found, responses
from grappe.core.lists import api_filterset, api_page
from grappe.core.pagination import CursorPage, Page
from grappe.core.scopes import scope_for
from grappe.notifications import selectors
from grappe.notifications.domain.kinds import KINDS
from grappe.notifications.filters import NotificationFilterSet
from grappe.notifications.models import Notification
from grappe.notifications.rendering import shown
from grappe.notifications.schemas import (
    NotificationListQuery,
    NotificationOut,
    PreferenceOut,
    PreferencesIn,
)
from grappe.notifications.services import mark_read, preferences_set

router = Router(tags=["notifications"])


def _out(notification: Notification) -> dict[str, Any]:
    row = shown(notification)
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "body": row.body,
        "url": row.url,
        "created_at": row.created_at,
        "read_at": row.read_at,
        "unread": row.unread,
    }


@router.get(
    "/notifications",
    auth=django_auth,
    response=responses(CursorPage[NotificationOut], 401, 422),
    summary="Your notifications, newest first (`unread=true`: only the unread ones)",
)
def list_notifications(request: HttpRequest, params: Query[NotificationListQuery]) -> Page[Any]:
    mine = selectors.notifications_for(scope=scope_for(request.user))
    filterset = api_filterset(NotificationFilterSet, params, mine, request)
    page = api_page(filterset, params)
    return Page(items=[_out(n) for n in page.items], next_cursor=page.next_cursor)


@router.post(
    "/notifications/{id}/read",
    auth=django_auth,
    response=responses(NotificationOut, 401, 404, BODY_ERRORS),
    summary="Mark one of your notifications as read",
    description="Marking it again changes nothing. 404: no such notification, or not yours.",
)
def read_notification(request: HttpRequest, id: Path[int]) -> dict[str, Any]:
    if not 1 <= id <= MAX_ID:
        raise not_found(_("notification"), id)
    try:
        notification = selectors.notification_get(scope=scope_for(request.user), pk=id)
    except Notification.DoesNotExist:
        raise not_found(_("notification"), id) from None
    return _out(mark_read(actor=request.user, notification=notification))


def _preferences(user_id: int) -> list[dict[str, Any]]:
    chosen = selectors.email_preferences(user_id=user_id)
    return [
        {
            "kind": kind.id,
            "label": _(kind.label),
            "email": chosen[kind.id],
            "default": kind.email_default,
        }
        for kind in KINDS.values()
    ]


@router.get(
    "/notifications/preferences",
    auth=django_auth,
    response=responses(list[PreferenceOut], 401),
    summary="Which kinds of notification you also get by e-mail",
)
def get_preferences(request: HttpRequest) -> list[dict[str, Any]]:
    assert request.user.pk is not None
    return _preferences(request.user.pk)


@router.post(
    "/notifications/preferences",
    auth=django_auth,
    response=responses(list[PreferenceOut], 401, BODY_ERRORS),
    summary="Choose which kinds of notification you also get by e-mail",
    description="`email` maps kinds to true or false; the kinds left out keep their setting. "
    "422: an unknown kind or a value that is not a boolean; nothing is written.",
)
def set_preferences(request: HttpRequest, body: PreferencesIn) -> list[dict[str, Any]]:
    user = request.user
    assert user.pk is not None
    preferences_set(
        actor=user, user=user, email={str(k.value): bool(v) for k, v in body.email.items()}
    )
    return _preferences(user.pk)
