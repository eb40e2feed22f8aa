"""Grant pages."""

from __future__ import annotations

from django.urls import path

from grappe.grants import views

app_name = "grants"

urlpatterns = [
    path("grants/manage/", views.manage, name="manage"),
    path("grants/<int:pk>/", views.agreement_detail, name="detail"),
    path("grants/<int:pk>/agreement.pdf", views.agreement_pdf_view, name="pdf"),
    path("grants/<int:pk>/documents/<int:document_pk>/", views.document_download, name="document"),
]
