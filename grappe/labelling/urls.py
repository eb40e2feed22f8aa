"""Labelling pages."""

from __future__ import annotations

from django.urls import path

from grappe.labelling import views

app_name = "labelling"

urlpatterns = [
    path("labelling/", views.labelling_home, name="home"),
    path("clusters/<slug:slug>/labelling/", views.cluster_labelling, name="cluster"),
    path("labelling/sessions/<int:pk>/", views.session_detail, name="session"),
    path("labelling/reviews/<int:pk>/", views.review_detail, name="review"),
    path("labelling/reviews/<int:pk>/letter/", views.review_letter, name="letter"),
]
