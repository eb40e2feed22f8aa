"""Public registry pages: home, clusters, organisations, search."""

from __future__ import annotations

from django.urls import path

from grappe.registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clusters/<slug:slug>/", views.cluster_detail, name="cluster_detail"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("search/", views.search, name="search"),
]
