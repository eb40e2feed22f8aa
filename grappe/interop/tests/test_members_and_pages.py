"""Member spreadsheets (preview then commit), import pages, permissions, merges."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grappe.core.models import Role
from grappe.core.tests.factories import (
    ClusterFactory,
    OrganisationFactory,
    ParticipationFactory,
    make_siren,
    user_with_role,
)
from grappe.interop.members import members_commit, members_preview, template_csv
from grappe.interop.models import ImportRun, MergeProposal, OrganisationAlias, RunStatus
from grappe.interop.services import import_run_create, merge_confirm, merge_undo
from grappe.registry.models import ClusterMembership, Organisation
from grappe.registry.services import MergeRefused

pytestmark = pytest.mark.django_db

SIREN_A = make_siren(55_000_001)
SIREN_B = make_siren(55_000_002)


def sheet(
    *rows: str, header: str = "name,type,siren,city,country,member_since,member_until"
) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def members_run(cluster, data: bytes, file_name: str = "members.csv") -> ImportRun:
    return import_run_create(source="members", payload=data, file_name=file_name, cluster=cluster)


def test_the_template_has_every_column_and_an_example() -> None:
    lines = template_csv().splitlines()
    assert lines[0].startswith("name,short_name,type,siren")
    assert "Exemple Robotique" in lines[1]


def test_preview_validates_every_row_and_writes_nothing() -> None:
    cluster = ClusterFactory()
    existing = OrganisationFactory(name="Acme", siren=SIREN_A, city="Paris")
    data = sheet(
        f"Acme SAS,sme,{SIREN_A},Paris,FR,2024-01-01,",
        "Nouvelle Startup,start_up,,Paris,FR,2024-02-01,",
        "Bad Siren,sme,123456789,Paris,FR,2024-01-01,",
        "Bad Type,unicorn,,Paris,FR,2024-01-01,",
        "Bad Dates,sme,,Paris,FR,2024-01-01,2023-01-01",
        "No Date,sme,,Paris,FR,,",
        "Nouvelle Startup,start_up,,Paris,FR,2024-02-01,",
    )
    run = members_run(cluster, data)
    preview = members_preview(run)
    actions = {(p.line, p.action) for p in preview.lines}
    assert (2, "match") in actions
    assert (3, "create") in actions
    details = {p.line: p.detail for p in preview.lines}
    assert "siren: '123456789' is invalid" in details[4]
    assert "type: 'unicorn' is not one of" in details[5]
    assert "member_until: 2023-01-01 is before member_since 2024-01-01" in details[6]
    assert "member_since: empty" in details[7]
    assert "duplicate of line 3" in details[8]
    assert Organisation.objects.count() == 1
    assert ClusterMembership.objects.count() == 0
    run = members_commit(run, user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert ClusterMembership.objects.filter(cluster=cluster).count() == 2
    assert ClusterMembership.objects.filter(cluster=cluster, organisation=existing).exists()
    assert run.counts["membership"]["created"] == 2
    assert run.counts["organisation"]["rejected"] == 5
    assert run.rejected_rows.count() == 5
    # a sheet adds no alias to an organisation it did not create (aliases steer later imports)
    assert not OrganisationAlias.objects.filter(organisation=existing).exists()
    assert OrganisationAlias.objects.filter(source="members", name="Nouvelle Startup").exists()


def test_two_organisations_with_different_sirens_never_merge() -> None:
    cluster = ClusterFactory()
    data = sheet(
        f"Durand Industrie,sme,{SIREN_A},Paris,FR,2024-01-01,",
        f"DURAND INDUSTRIE SAS,sme,{SIREN_B},Paris,FR,2024-01-01,",
    )
    run = members_commit(members_run(cluster, data), user=None)
    assert run.status == RunStatus.SUCCEEDED
    assert Organisation.objects.filter(siren__in=[SIREN_A, SIREN_B]).count() == 2


def test_an_xlsx_member_sheet_is_read() -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["name", "type", "city", "member_since"])
    ws.append(["Tableur SARL", "SME", "Paris", "2024-03-01"])
    out = io.BytesIO()
    book.save(out)
    cluster = ClusterFactory()
    run = members_commit(members_run(cluster, out.getvalue(), "m.xlsx"), user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Organisation.objects.get(name="Tableur SARL").kind == "sme"


def test_a_sheet_without_required_columns_is_refused_whole() -> None:
    run = members_run(ClusterFactory(), b"nom,ville\nX,Paris\n")
    preview = members_preview(run)
    assert "required column(s) missing from the header: name, type, member_since" in preview.problem


def test_reimporting_a_member_sheet_changes_nothing() -> None:
    cluster = ClusterFactory()
    data = sheet(f"Acme,sme,{SIREN_A},Paris,FR,2024-01-01,")
    members_commit(members_run(cluster, data), user=None)
    run = members_run(cluster, data)
    preview = members_preview(run)
    assert [p.action for p in preview.lines] == ["unchanged"]
    run = members_commit(run, user=None)
    assert run.counts["membership"] == {"created": 0, "updated": 0, "unchanged": 1, "rejected": 0}
    assert Organisation.objects.count() == 1


# --- pages and permissions -------------------------------------------------------------------


@pytest.fixture
def cluster():
    return ClusterFactory(slug="cap-test")


def test_member_import_pages_triad(client, cluster) -> None:
    upload_url = reverse("interop:member_upload", kwargs={"slug": cluster.slug})
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    other = user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory())
    # anonymous → login
    response = client.get(upload_url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # manager of another cluster → 404, and cannot post either
    client.force_login(other)
    assert client.get(upload_url).status_code == 404
    data = SimpleUploadedFile("m.csv", sheet("X,sme,,Paris,FR,2024-01-01,"))
    assert client.post(upload_url, {"file": data}).status_code == 404
    assert ImportRun.objects.count() == 0
    # manager of this cluster → preview then commit
    client.force_login(manager)
    assert client.get(upload_url).status_code == 200
    data = SimpleUploadedFile("m.csv", sheet("Société X,sme,,Paris,FR,2024-01-01,"))
    response = client.post(upload_url, {"file": data})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == RunStatus.PREVIEWED
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Société X" in page.content.decode() and "create" in page.content.decode()
    assert Organisation.objects.count() == 0
    # the other manager cannot see or commit this preview
    client.force_login(other)
    preview_url = reverse("interop:member_preview", kwargs={"slug": cluster.slug, "pk": run.pk})
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404
    assert client.get(reverse("interop:run_detail", kwargs={"pk": run.pk})).status_code == 404
    client.force_login(manager)
    response = client.post(preview_url)
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert ClusterMembership.objects.filter(
        cluster=cluster, organisation__name="Société X"
    ).exists()
    # committing twice does not import twice
    client.post(preview_url)
    assert ClusterMembership.objects.count() == 1
    assert client.get(reverse("interop:run_detail", kwargs={"pk": run.pk})).status_code == 200


def test_a_manager_cannot_preview_another_clusters_run_through_their_own_cluster(
    client, cluster
) -> None:
    other_cluster = ClusterFactory()
    other_run = members_run(other_cluster, sheet("X,sme,,Paris,FR,2024-01-01,"))
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    client.force_login(manager)
    url = reverse("interop:member_preview", kwargs={"slug": cluster.slug, "pk": other_run.pk})
    assert client.get(url).status_code == 404


def test_open_data_uploads_and_merges_are_for_administrators_only(client, cluster) -> None:
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    client.force_login(manager)
    response = client.post(reverse("interop:run_upload"), {"source": "anr"})
    assert response.status_code == 403
    assert client.get(reverse("interop:merge_list")).status_code == 403
    admin = user_with_role(Role.ADMINISTRATOR)
    client.force_login(admin)
    assert client.get(reverse("interop:merge_list")).status_code == 200
    assert client.get(reverse("interop:run_list")).status_code == 200


def test_an_uploaded_anr_file_runs_as_a_task_and_reports_progress(client) -> None:
    from grappe.interop.tests.conftest import ANR_HEADER, anr_row

    admin = user_with_role(Role.ADMINISTRATOR)
    client.force_login(admin)
    body = "\n".join([ANR_HEADER, anr_row(), anr_row(code="ANR-2020-X")]) + "\n"
    upload = SimpleUploadedFile("anr.csv", body.encode())
    response = client.post(reverse("interop:run_upload"), {"source": "anr", "file": upload})
    run = ImportRun.objects.get()
    assert response["Location"].endswith(reverse("interop:run_detail", kwargs={"pk": run.pk}))
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.user == admin and run.rows_processed == 2 and run.payload is None
    page = client.get(response["Location"]).content.decode()
    assert "Rejected rows" in page and "is not an ANR decision code" in page
    csv_response = client.get(reverse("interop:run_rejected_csv", kwargs={"pk": run.pk}))
    text = b"".join(
        csv_response.streaming_content if csv_response.streaming else [csv_response.content]
    ).decode()
    assert text.splitlines()[0] == "file,line,reason,raw"
    assert "anr.csv,3," in text and "is not an ANR decision code" in text
    client.logout()
    assert client.get(reverse("interop:run_rejected_csv", kwargs={"pk": run.pk})).status_code == 302


def test_the_member_template_downloads(client, cluster) -> None:
    response = client.get(reverse("interop:member_template", kwargs={"slug": cluster.slug}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


# --- merges ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # foreign keys are checked at commit: commit
def test_a_confirmed_merge_moves_everything_and_can_be_undone() -> None:
    keep = OrganisationFactory(name="Institut Exemple", city="Marseille", siren="")
    dup = OrganisationFactory(name="INSTITUT EXEMPLE", city="Montpellier", siren=SIREN_B)
    shared_project = ParticipationFactory(organisation=keep).project
    moved = ParticipationFactory(organisation=dup)
    dropped = ParticipationFactory(organisation=dup, project=shared_project)
    membership = ClusterMembership.objects.create(
        cluster=ClusterFactory(), organisation=dup, start_date="2024-01-01"
    )
    alias = OrganisationAlias.objects.create(
        organisation=dup, name="INSTITUT EXEMPLE", normalised="institut exemple", source="anr"
    )
    proposal = MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="same name"
    )
    admin = user_with_role(Role.ADMINISTRATOR)
    merge_confirm(proposal=proposal, user=admin)
    assert not Organisation.objects.filter(pk=dup.pk).exists()
    keep.refresh_from_db()
    assert keep.siren == SIREN_B  # blank filled from the duplicate
    assert set(keep.participations.values_list("pk", flat=True)) >= {moved.pk}
    assert keep.memberships.filter(pk=membership.pk).exists()
    assert keep.aliases.filter(pk=alias.pk).exists()
    proposal.refresh_from_db()
    assert proposal.status == "merged"
    merge_undo(proposal=proposal, user=admin)
    restored = Organisation.objects.get(pk=dup.pk)
    assert restored.siren == SIREN_B and restored.city == "Montpellier"
    keep.refresh_from_db()
    assert keep.siren == ""
    assert set(restored.participations.values_list("pk", flat=True)) == {moved.pk, dropped.pk}
    assert restored.memberships.filter(pk=membership.pk).exists()
    assert restored.aliases.filter(pk=alias.pk).exists()
    proposal.refresh_from_db()
    assert proposal.status == "undone"


@pytest.mark.django_db(transaction=True)
def test_a_merge_of_organisations_with_different_identifiers_is_refused() -> None:
    keep = OrganisationFactory(siren=SIREN_A)
    dup = OrganisationFactory(siren=SIREN_B)
    proposal = MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="x"
    )
    with pytest.raises(MergeRefused, match="different SIREN numbers"):
        merge_confirm(proposal=proposal, user=None)
    assert Organisation.objects.filter(pk=dup.pk).exists()


def test_the_command_imports_a_member_sheet_for_a_cluster(tmp_path, capsys) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    cluster = ClusterFactory(slug="cmd-cluster")
    path = tmp_path / "members.csv"
    path.write_bytes(
        sheet(f"Acme,sme,{SIREN_A},Paris,FR,2024-01-01,", "Bad,unicorn,,Paris,FR,2024-01-01,")
    )
    call_command("import", "members", str(path), "--cluster", "cmd-cluster", "--dry-run")
    assert "line 2: create Acme" in capsys.readouterr().out
    assert ClusterMembership.objects.count() == 0
    call_command("import", "members", str(path), "--cluster", "cmd-cluster")
    out = capsys.readouterr().out
    assert "membership" in out and "succeeded" in out
    assert ClusterMembership.objects.filter(cluster=cluster).count() == 1
    with pytest.raises(CommandError, match="--cluster SLUG is required"):
        call_command("import", "members", str(path))
    with pytest.raises(CommandError, match="no cluster with the slug 'nope'"):
        call_command("import", "members", str(path), "--cluster", "nope")


@pytest.mark.django_db(transaction=True)
def test_an_administrator_merges_and_undoes_from_the_page(client) -> None:
    keep = OrganisationFactory(name="Institut Exemple", city="Marseille")
    dup = OrganisationFactory(name="INSTITUT EXEMPLE", city="Montpellier", siren="")
    proposal = MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="x"
    )
    url = reverse("interop:merge_decide", kwargs={"pk": proposal.pk})
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory())
    client.force_login(manager)
    assert client.post(url, {"action": "merge"}).status_code == 404
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    page = client.get(reverse("interop:merge_list")).content.decode()
    assert "INSTITUT EXEMPLE" in page
    client.post(url, {"action": "merge"})
    assert not Organisation.objects.filter(pk=dup.pk).exists()
    client.post(url, {"action": "undo"})
    assert Organisation.objects.filter(pk=dup.pk).exists()
    proposal.refresh_from_db()
    assert proposal.status == "undone"


@pytest.mark.django_db(transaction=True)
def test_staff_without_the_administrator_role_cannot_decide_a_merge(client) -> None:
    from django.contrib.auth import get_user_model

    keep = OrganisationFactory(name="Institut Exemple", city="Marseille")
    dup = OrganisationFactory(name="INSTITUT EXEMPLE", city="Montpellier", siren="")
    proposal = MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="x"
    )
    clerk = get_user_model().objects.create(username="clerk", is_staff=True)
    client.force_login(clerk)
    url = reverse("interop:merge_decide", kwargs={"pk": proposal.pk})
    # the staff flag grants nothing: the proposal is not within the clerk's reach
    assert client.post(url, {"action": "merge"}).status_code == 404
    assert Organisation.objects.filter(pk=dup.pk).exists()
    proposal.refresh_from_db()
    assert proposal.status == "pending"


@pytest.mark.django_db(transaction=True)
def test_a_refused_merge_is_explained_in_french(client) -> None:
    keep = OrganisationFactory(siren=SIREN_A)
    dup = OrganisationFactory(siren=SIREN_B)
    proposal = MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="x"
    )
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    url = reverse("interop:merge_decide", kwargs={"pk": proposal.pk}).replace("/en/", "/fr/")
    page = client.post(url, {"action": "merge"}, follow=True).content.decode()
    assert "ont des numéros SIREN différents" in page
    assert Organisation.objects.filter(pk=dup.pk).exists()


def test_the_rejected_rows_csv_neutralises_formulas_from_the_uploaded_file(client) -> None:
    import csv

    admin = user_with_role(Role.ADMINISTRATOR)
    run = ImportRun.objects.create(source="anr", file_name="anr.csv", checksum="0" * 64, user=admin)
    run.rejected_rows.create(
        file_name="anr.csv", line=2, reason="bad code", raw="=cmd|' /C calc'!A0;@SUM(1)"
    )
    run.rejected_rows.create(file_name="=evil.csv", line=3, reason="-1 is not a year", raw="\tx")
    client.force_login(admin)
    response = client.get(reverse("interop:run_rejected_csv", kwargs={"pk": run.pk}))
    assert response["Content-Disposition"] == f'attachment; filename="import-{run.pk}-rejected.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["file", "line", "reason", "raw"],
        ["'=evil.csv", "3", "'-1 is not a year", "'\tx"],  # sorted by file name
        ["anr.csv", "2", "bad code", "'=cmd|' /C calc'!A0;@SUM(1)"],
    ]


# --- the merge review queue ------------------------------------------------------------------


def _pair(name: str = "Exemplis", **extra) -> MergeProposal:
    keep = OrganisationFactory(name=name, city="Marseille", siren="")
    dup = OrganisationFactory(name=name.upper(), city="Montpellier", siren="")
    return MergeProposal.objects.create(
        keep=keep, duplicate=dup, duplicate_pk=dup.pk, reason="same name", **extra
    )


def test_the_review_queue_is_for_administrators_only(client) -> None:
    proposal = _pair()
    url = reverse("interop:merge_decide", kwargs={"pk": proposal.pk})
    bulk = reverse("interop:merge_bulk")
    assert client.get(reverse("interop:merge_list")).status_code == 302  # outsider: log in
    assert client.post(url, {"action": "reject", "reason": "x"}).status_code == 302
    client.force_login(user_with_role(Role.CLUSTER_MANAGER, cluster=ClusterFactory()))  # insider
    assert client.get(reverse("interop:merge_list")).status_code == 403
    assert client.post(url, {"action": "reject", "reason": "x"}).status_code == 404
    assert client.post(bulk, {"action": "reject", "proposal": [proposal.pk]}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    client.force_login(user_with_role(Role.ADMINISTRATOR))  # owner
    assert client.get(reverse("interop:merge_list")).status_code == 200


def test_an_administrator_rejects_a_proposal_with_a_reason(client) -> None:
    from grappe.core.models import AuditEvent

    proposal = _pair()
    admin = user_with_role(Role.ADMINISTRATOR)
    client.force_login(admin)
    url = reverse("interop:merge_decide", kwargs={"pk": proposal.pk})
    page = client.post(url, {"action": "reject", "reason": " "}, follow=True).content.decode()
    assert "Give a reason for rejecting the proposal." in page
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    page = client.post(
        url, {"action": "reject", "reason": "two shops", "next": "?status=rejected"}, follow=True
    ).content.decode()
    assert "will not be proposed again" in page and "two shops" in page
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason, proposal.decided_by) == (
        "rejected",
        "two shops",
        admin,
    )
    event = AuditEvent.objects.get(action="merge_proposal.reject")
    assert event.object_id == str(proposal.pk)
    page = client.post(url, {"action": "reject", "reason": "again"}, follow=True).content.decode()
    assert "Only a pending proposal can be rejected." in page


def test_the_review_queue_filters_sorts_and_pages(client, settings) -> None:
    settings.PAGE_SIZE = 2
    for name in ("Alpha", "Bravo", "Charlie"):
        _pair(name)
    _pair("Delta").__class__.objects.filter(keep__name="Delta").update(status="rejected")
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    url = reverse("interop:merge_list")
    page = client.get(url, {"status": "pending", "sort": "created"})
    assert page.context["listing"].total == 3
    assert [p.keep.name for p in page.context["listing"].items] == ["Alpha", "Bravo"]
    cursor = page.context["listing"].next_cursor
    second = client.get(url, {"status": "pending", "sort": "created", "cursor": cursor})
    assert [p.keep.name for p in second.context["listing"].items] == ["Charlie"]
    found = client.get(url, {"q": "char"}).context["listing"]
    assert [p.keep.name for p in found.items] == ["Charlie"]
    bad = client.get(url, {"status": "nope"}).content.decode()
    assert "Some filters were not applied" in bad
    export = client.get(url, {"export": "csv", "status": "rejected"})
    body = b"".join(export.streaming_content).decode()
    assert "DELTA" in body and "ALPHA" not in body


@pytest.mark.django_db(transaction=True)
def test_an_administrator_rejects_and_merges_in_bulk(client) -> None:
    first, second, third = _pair("Alpha"), _pair("Bravo"), _pair("Charlie")
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    bulk = reverse("interop:merge_bulk")
    page = client.post(bulk, {"action": "reject", "proposal": [first.pk, second.pk]}, follow=True)
    assert "Give a reason for rejecting the proposal." in page.content.decode()
    page = client.post(
        bulk,
        {"action": "reject", "reason": "different", "proposal": [first.pk, second.pk]},
        follow=True,
    )
    assert "2 proposals were decided." in page.content.decode()
    client.post(bulk, {"action": "merge", "proposal": [third.pk, first.pk]})
    statuses = dict(MergeProposal.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "rejected", second.pk: "rejected", third.pk: "merged"}
    nothing = client.post(bulk, {"action": "merge"}, follow=True).content.decode()
    assert "Tick at least one proposal" in nothing


def test_a_member_row_with_a_control_character_is_rejected_with_the_reason() -> None:
    cluster = ClusterFactory()
    data = sheet("Acme\x00 SAS,sme,,Paris,FR,2024-01-01,", "Bell\x07 SA,sme,,Lyon,FR,2024-01-01,")
    run = members_run(cluster, data)
    preview = members_preview(run)
    details = {p.line: (p.name, p.detail) for p in preview.lines}
    assert details[2] == ("Acme\ufffd SAS", "name: contains a control character (U+0000).")
    assert details[3][1] == "name: contains a control character (U+0007)."
    run = members_commit(run, user=None)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert sorted(run.rejected_rows.values_list("raw", flat=True)) == [
        "Acme\ufffd SAS",
        "Bell\ufffd SA",
    ]
    assert Organisation.objects.count() == 0
