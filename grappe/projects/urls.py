"""Public project pages."""

from __future__ import annotations

from django.urls import path

from grappe.projects import views

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.proposal_new, name="proposal_new"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("projects/<int:pk>/invitations/", views.proposal_invite, name="proposal_invite"),
    path("projects/<int:pk>/budget/", views.partner_budget, name="partner_budget"),
    path("projects/<int:pk>/documents/", views.document_upload, name="proposal_document_upload"),
    path(
        "projects/<int:pk>/documents/<int:document_pk>/",
        views.document_download,
        name="proposal_document",
    ),
    path("projects/<int:pk>/discussion/", views.message_post_view, name="proposal_message_post"),
    path("invitations/<int:pk>/answer/", views.invitation_answer, name="invitation_answer"),
    path("me/", views.my_area, name="my_area"),
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
