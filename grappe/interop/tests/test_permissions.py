"""Imports and merges are administrators' powers (role table), not Django staff's.

A programme officer, even with Django's staff flag, reaches no import page, no merge, no import
model in the back office, and no API route; their upload creates nothing.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grappe.api import api
from grappe.core.models import Role
from grappe.core.tests.factories import ClusterFactory, FunderFactory, user_with_role
from grappe.interop.models import ImportRun, MergeProposal
from grappe.interop.services import import_run_create
from grappe.projects.models import Project

pytestmark = pytest.mark.django_db


def _officer(staff: bool = True):  # type: ignore[no-untyped-def]
    user = user_with_role(Role.PROGRAMME_OFFICER, funder=FunderFactory())
    user.is_staff = staff
    user.save()
    return user


def _run(cluster=None) -> ImportRun:  # type: ignore[no-untyped-def]
    return ImportRun.objects.create(
        source="cordis" if cluster is None else "members", cluster=cluster
    )


def test_an_officer_reaches_no_import_or_merge_page(client) -> None:  # type: ignore[no-untyped-def]
    run = _run()
    client.force_login(_officer())
    # The run list shows an officer their own funder's funding-line imports only.
    listing = client.get(reverse("interop:run_list"))
    assert listing.status_code == 200
    assert reverse("interop:run_detail", args=[run.pk]) not in listing.content.decode()
    assert client.get(reverse("interop:merge_list")).status_code == 403
    assert client.get(reverse("interop:run_detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("interop:run_rejected_csv", args=[run.pk])).status_code == 404
    cluster = ClusterFactory()
    assert client.get(reverse("interop:member_upload", args=[cluster.slug])).status_code == 404


def test_an_officers_upload_creates_nothing(client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(_officer())
    projects = Project.objects.count()
    upload = SimpleUploadedFile("anr.csv", b"code;titre\nX;Y\n")
    response = client.post(reverse("interop:run_upload"), {"source": "anr", "file": upload})
    assert response.status_code == 403
    assert not ImportRun.objects.exists()
    assert Project.objects.count() == projects


def test_the_import_service_refuses_an_officer_and_nothing_is_written() -> None:
    with pytest.raises(PermissionDenied):
        import_run_create(source="anr", payload=b"x", user=_officer())
    with pytest.raises(PermissionDenied):
        import_run_create(source="members", payload=b"x", user=_officer(), cluster=ClusterFactory())
    assert not ImportRun.objects.exists()


def test_an_officer_cannot_decide_a_merge(client) -> None:  # type: ignore[no-untyped-def]
    from grappe.core.tests.factories import OrganisationFactory

    keep, dup = OrganisationFactory(), OrganisationFactory()
    proposal = MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="same SIREN"
    )
    client.force_login(_officer())
    response = client.post(reverse("interop:merge_decide", args=[proposal.pk]), {"action": "merge"})
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == MergeProposal._meta.get_field("status").default


@pytest.mark.parametrize(
    "model", ["importrun", "rejectedrow", "mergeproposal", "organisationalias"]
)
def test_the_back_office_hides_import_models_from_an_officer(client, model: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(_officer(staff=False))
    assert client.get(f"/en/admin/interop/{model}/").status_code == 403
    index = client.get("/en/admin/").content.decode()
    assert "/admin/interop/" not in index
    assert "/admin/funding/call/" in index  # their calls stay reachable


def test_owner_insider_outsider_for_import_runs(client) -> None:  # type: ignore[no-untyped-def]
    cluster = ClusterFactory()
    own, other, open_data = _run(cluster), _run(ClusterFactory()), _run()
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=cluster))  # owner
    assert client.get(reverse("interop:run_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("interop:run_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("interop:run_detail", args=[open_data.pk])).status_code == 404
    client.force_login(user_with_role(Role.ADMINISTRATOR))  # insider
    for run in (own, other, open_data):
        assert client.get(reverse("interop:run_detail", args=[run.pk])).status_code == 200
    client.force_login(_officer())
    assert client.get(reverse("interop:run_detail", args=[own.pk])).status_code == 404  # outsider


def test_no_api_operation_reaches_imports_or_merges() -> None:
    paths = api.get_openapi_schema()["paths"]
    assert paths  # the document is there
    assert not [p for p in paths if "import" in p or "merge" in p]
