"""The inbox list, declared once (grappe.core.lists): its filter and order, for the page and
the API."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grappe.core.lists import ListFilterSet, SortFilter, flag_filter
from grappe.notifications.models import Notification


class NotificationFilterSet(ListFilterSet):
    unread = flag_filter(_("Unread only"), lambda _value: Q(read_at__isnull=True))
    sort = SortFilter(
        orders={
            "-created": (_("Newest first"), ("-created_at", "-id")),
            "created": (_("Oldest first"), ("created_at", "id")),
        },
        default="-created",
    )

    api_descriptions = {"unread": "Only the notifications not read yet."}

    class Meta:
        model = Notification
        fields: list[str] = []
