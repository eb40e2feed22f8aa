"""Funding pages: a project's aid simulation, a funder's programme, the calls."""

from __future__ import annotations

from django.urls import path

from grappe.funding import views, views_applications, views_calls

urlpatterns = [
    path(
        "projects/<int:pk>/aid-simulation/",
        views.project_aid_simulation,
        name="project_aid_simulation",
    ),
    path(
        "projects/<int:pk>/target-call/",
        views.proposal_target_call,
        name="proposal_target_call",
    ),
    path("funders/<slug:slug>/", views.funder_detail, name="funder_detail"),
    # The calls (`views_calls.py`): the fixed addresses before the call's own.
    path("calls/", views_calls.call_list_page, name="call_list"),
    path("calls/manage/", views_calls.call_manage_list, name="call_manage_list"),
    path("calls/new/", views_calls.call_new, name="call_new"),
    path("calls/<slug:slug>/", views_calls.call_detail, name="call_detail"),
    path("calls/<slug:slug>/edit/", views_calls.call_edit, name="call_edit"),
    path("calls/<slug:slug>/rules/", views_calls.call_rules_edit, name="call_rules_edit"),
    path("calls/<slug:slug>/apply/", views_applications.call_apply, name="call_apply"),
    path(
        "calls/<slug:slug>/applications/",
        views_applications.call_applications_page,
        name="call_applications",
    ),
    # Applications (`views_applications.py`): never public.
    path(
        "applications/<int:pk>/",
        views_applications.application_detail,
        name="application_detail",
    ),
    path(
        "applications/<int:pk>/submit/",
        views_applications.application_submit_view,
        name="application_submit",
    ),
    path(
        "applications/<int:pk>/transition/",
        views_applications.application_transition_view,
        name="application_transition",
    ),
    path(
        "applications/<int:pk>/override/",
        views_applications.application_override_view,
        name="application_override",
    ),
    path(
        "applications/<int:pk>/receipt.pdf",
        views_applications.application_receipt,
        name="application_receipt",
    ),
    path(
        "calls/<slug:slug>/evaluation/",
        views_calls.call_evaluation_edit,
        name="call_evaluation_edit",
    ),
]
