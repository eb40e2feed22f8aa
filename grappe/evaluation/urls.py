"""Evaluation pages."""

from __future__ import annotations

from django.urls import path

from grappe.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("evaluation/", views.evaluation_home, name="home"),
    path("funders/<slug:slug>/experts/", views.expert_pool, name="pool"),
    path("evaluation/experts/<int:pk>/", views.expert_edit, name="expert"),
    path("calls/<slug:slug>/assignments/", views.call_assignments, name="assignments"),
    path("calls/<slug:slug>/panel/", views.call_panel, name="panel"),
    path("evaluation/applications/<int:pk>/", views.application_evaluation, name="application"),
]
