from django.urls import path

from grappe.matchmaking import views

urlpatterns = [
    path("partners/", views.partner_search, name="partner_search"),
    path(
        "projects/<int:pk>/partners/invite/",
        views.project_partner_invite,
        name="project_partner_invite",
    ),
]
