"""Decision pages: a call's envelopes and pledges, its allocation, an application's decision."""

from __future__ import annotations

from django.urls import path

from grappe.decisions import views

app_name = "decisions"

urlpatterns = [
    path("calls/<slug:slug>/funding/", views.call_funding, name="funding"),
    path("calls/<slug:slug>/allocation/", views.call_allocation, name="allocation"),
    path("decisions/applications/<int:pk>/", views.application_decision, name="application"),
]
