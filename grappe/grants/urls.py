"""Grant pages."""

from __future__ import annotations

from django.urls import path

from grappe.grants import views, views_payments

app_name = "grants"

urlpatterns = [
    path("grants/manage/", views.manage, name="manage"),
    path("calls/<slug:slug>/payments/", views_payments.call_payments, name="call_payments"),
    path("grants/<int:pk>/", views.agreement_detail, name="detail"),
    path("grants/<int:pk>/agreement.pdf", views.agreement_pdf_view, name="pdf"),
    path("grants/<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
]
