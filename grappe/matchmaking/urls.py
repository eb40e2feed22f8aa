from django.urls import path

from grappe.matchmaking import views

urlpatterns = [
    path("partners/", views.partner_search, name="partner_search"),
]
