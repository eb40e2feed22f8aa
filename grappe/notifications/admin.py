"""Notifications in the back office: read only (written by `notifications.services`)."""

from __future__ import annotations

from django.contrib import admin

from grappe.core.backoffice import ReadOnlyScopedAdmin
from grappe.notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedAdmin):
    list_display = ("recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "kind", "dedupe_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyScopedAdmin):
    list_display = ("user", "kind", "email")
    list_filter = ("kind", "email")
    search_fields = ("user__username", "kind")
    list_select_related = ("user",)
