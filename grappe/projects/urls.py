"""Public project pages."""

from __future__ import annotations

from django.urls import path

from grappe.projects import views

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path(
        "projects/<int:pk>/transitions/",
        views.project_transition_view,
        name="project_transition",
    ),
    path("projects/<int:pk>/submit/", views.project_submit_view, name="project_submit"),
    path(
        "projects/<int:pk>/submissions/<int:submission_pk>/withdraw/",
        views.submission_withdraw_view,
        name="submission_withdraw",
    ),
]
