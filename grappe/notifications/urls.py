"""Notification pages, under My area."""

from __future__ import annotations

from django.urls import path

from grappe.notifications import views

app_name = "notifications"

urlpatterns = [
    path("me/notifications/", views.inbox, name="inbox"),
    path("me/notifications/settings/", views.preferences, name="preferences"),
    path("me/notifications/read-all/", views.notification_read_all, name="read_all"),
    path("me/notifications/<int:pk>/read/", views.notification_read, name="read"),
]
