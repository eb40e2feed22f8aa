from django.urls import path

from grappe.attestations import views

app_name = "attestations"

urlpatterns = [
    path("attestations/verify/", views.attestation_verify, name="verify"),
    path("attestations/<uuid:pk>/", views.attestation_detail, name="detail"),
    path("attestations/<uuid:pk>/letter.pdf", views.attestation_letter, name="letter"),
    path("attestations/<uuid:pk>/attestation.jws", views.attestation_file, name="file"),
    path("attestations/<uuid:pk>/revoke/", views.attestation_revoke, name="revoke"),
    path("attestations/issue/<int:accreditation_pk>/", views.attestation_issue, name="issue"),
]
