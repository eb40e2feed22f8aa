"""Funding pages: a project's aid simulation, a funder's programme, the calls."""

from __future__ import annotations

from django.urls import path

from grappe.funding import views, views_calls

urlpatterns = [
    path(
        "projects/<int:pk>/aid-simulation/",
        views.project_aid_simulation,
        name="project_aid_simulation",
    ),
    path("funders/<slug:slug>/", views.funder_detail, name="funder_detail"),
    # The calls (`views_calls.py`): the fixed addresses before the call's own.
    path("calls/", views_calls.call_list_page, name="call_list"),
    path("calls/manage/", views_calls.call_manage_list, name="call_manage_list"),
    path("calls/new/", views_calls.call_new, name="call_new"),
    path("calls/<slug:slug>/", views_calls.call_detail, name="call_detail"),
    path("calls/<slug:slug>/edit/", views_calls.call_edit, name="call_edit"),
    path("calls/<slug:slug>/rules/", views_calls.call_rules_edit, name="call_rules_edit"),
    path(
        "calls/<slug:slug>/evaluation/",
        views_calls.call_evaluation_edit,
        name="call_evaluation_edit",
    ),
]
