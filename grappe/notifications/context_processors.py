"""The header's unread-notification badge: one COUNT, only when a page shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grappe.core.scopes import scope_for
from grappe.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    # A callable: the template calls it (once, in `{% with %}`) only for a logged-in user.
    return {"notifications_unread": lambda: unread_count(scope=scope_for(user))}
