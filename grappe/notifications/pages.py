"""The "Notifications" block of My area (`core.my_area`): the latest few and the unread count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from grappe.core.domain.scope import Scope
from grappe.core.pages import page_section
from grappe.notifications import selectors
from grappe.notifications.rendering import shown

LATEST = 5


@page_section("core.my_area")
def my_notifications_block(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    if not scope.user_id:
        return {}
    latest = selectors.notifications_for(scope=scope)[:LATEST]
    return {
        "my_area_notifications": {
            "template": "notifications/includes/my_area_notifications.html",
            "latest": [shown(n) for n in latest],
            "unread": selectors.unread_count(scope=scope),
        }
    }
