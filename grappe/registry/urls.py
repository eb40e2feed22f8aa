"""Public registry pages: home, clusters, organisations, search."""

from __future__ import annotations

from django.urls import path

from grappe.registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clusters/<slug:slug>/", views.cluster_detail, name="cluster_detail"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/to-review/", views.review_list, name="review_list"),
    path("organisations/<int:pk>/review/", views.organisation_review, name="organisation_review"),
    path(
        "organisations/<int:pk>/review/memberships/<int:membership_pk>/confirm/",
        views.membership_confirm,
        name="membership_confirm",
    ),
    path(
        "organisations/<int:pk>/review/changes/<int:proposal_pk>/",
        views.change_proposal_decide,
        name="change_proposal_decide",
    ),
    path("search/", views.search, name="search"),
]
