"""Funding pages: a project's aid simulation, a funder's programme."""

from __future__ import annotations

from django.urls import path

from grappe.funding import views

urlpatterns = [
    path(
        "projects/<int:pk>/aid-simulation/",
        views.project_aid_simulation,
        name="project_aid_simulation",
    ),
    path("funders/<slug:slug>/", views.funder_detail, name="funder_detail"),
]
