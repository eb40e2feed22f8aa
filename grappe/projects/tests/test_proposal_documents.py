"""A proposal's PDFs and discussion thread: the consortium adds and reads, nobody else."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grappe.core.models import AuditEvent
from grappe.projects.models import ProjectStatus, ProposalDocument, ProposalMessage
from grappe.projects.services import document_add, message_post
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_partner_adds_a_pdf_the_consortium_downloads_and_outsiders_never_see() -> None:
    p = proposal()
    doc = document_add(
        actor=p.insider, project=p.project, title="Annex", file_name="annex.pdf", content=PDF
    )
    assert AuditEvent.objects.filter(action="proposal_document.add").exists()
    url = f"/en/projects/{p.project.pk}/documents/{doc.pk}/"
    for user in (p.owner, p.insider, p.staff):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response.content == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
    for user in (p.outsider, p.manager, None):
        assert client_for(user).get(url).status_code == 404
    # Even once the project is public, its documents stay with its insiders.
    p.project.status = ProjectStatus.FUNDED
    p.project.save()
    assert client_for(p.outsider).get(url).status_code == 404
    assert (
        "Annex" not in client_for(p.outsider).get(f"/en/projects/{p.project.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("content", "title", "field"),
    [
        (b"GIF89a not a pdf", "Image", "file"),
        (b"", "Empty", "file"),
        (PDF + b"x" * (10 * 1024 * 1024), "Huge", "file"),
    ],
)
def test_a_non_pdf_or_too_large_file_is_refused(content: bytes, title: str, field: str) -> None:
    p = proposal()
    with pytest.raises(ValidationError) as exc:
        document_add(
            actor=p.owner, project=p.project, title=title, file_name="x.pdf", content=content
        )
    assert field in exc.value.message_dict
    assert not ProposalDocument.objects.exists()


def test_outsiders_may_not_add_documents_or_messages() -> None:
    p = proposal()
    with pytest.raises(PermissionDenied):
        document_add(actor=p.outsider, project=p.project, title="x", file_name="x.pdf", content=PDF)
    with pytest.raises(PermissionDenied):
        message_post(actor=p.manager, project=p.project, body="hello")
    assert not ProposalDocument.objects.exists() and not ProposalMessage.objects.exists()


def test_upload_and_thread_through_the_page() -> None:
    p = proposal()
    base = f"/en/projects/{p.project.pk}"
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    response = client_for(p.owner).post(f"{base}/documents/", {"title": "Plan", "file": upload})
    assert response.status_code == 302 and ProposalDocument.objects.get().title == "Plan"
    fake = SimpleUploadedFile("fake.pdf", b"MZ\x90\x00", content_type="application/pdf")
    refused = client_for(p.owner).post(f"{base}/documents/", {"file": fake}, follow=True)
    assert "not a PDF" in refused.content.decode() and ProposalDocument.objects.count() == 1
    assert client_for(p.outsider).post(f"{base}/documents/", {"file": upload}).status_code == 404
    client_for(p.insider).post(f"{base}/discussion/", {"body": "Shall we add a lab?"})
    empty = client_for(p.insider).post(f"{base}/discussion/", {"body": "  "}, follow=True)
    assert "Write a message first" in empty.content.decode()
    assert client_for(p.outsider).post(f"{base}/discussion/", {"body": "hi"}).status_code == 404
    html = client_for(p.owner).get(f"{base}/").content.decode()
    assert "Shall we add a lab?" in html and "Plan" in html
    assert ProposalMessage.objects.count() == 1
