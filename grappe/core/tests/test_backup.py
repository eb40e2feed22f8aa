"""`grappe backup`, `grappe backup --verify` and `grappe restore`, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from grappe.core.backup import (
    MANIFEST,
    SUMS,
    BackupError,
    backup_create,
    backup_restore,
    backup_verify,
)
from grappe.core.models import AuditEvent, Role
from grappe.core.services import audit_record, role_assign, user_delete
from grappe.core.tests import factories as f
from grappe.registry.models import Cluster


def _some_data() -> None:
    """Rows in many tables, an audit chain, a deleted user (a NULL actor), JSON and decimals."""
    admin, leaving = f.UserFactory(), f.UserFactory()
    part = f.ParticipationFactory(role="coordinator")
    f.BudgetLineFactory(participation=part)
    f.FiguresFactory(organisation=part.organisation)
    cluster = f.ClusterFactory()
    role_assign(actor=admin, user=leaving, role=Role.CLUSTER_MANAGER, cluster=cluster)
    audit_record(actor=leaving, action="test.edit", obj=cluster, after={"é": "ü"})
    user_delete(actor=admin, user=leaving)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An empty database of the same vendor as the test database, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "target.sqlite3")}
        return
    import psycopg

    source = connection.settings_dict
    name = f"{source['NAME']}_restore_target"
    params = {
        "user": source.get("USER") or None,
        "password": source.get("PASSWORD") or None,
        "host": source.get("HOST") or None,
        "port": source.get("PORT") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _open(settings_dict: dict[str, Any]) -> Any:
    if connection.vendor == "sqlite":
        name = str(settings_dict["NAME"])
        return sqlite3.connect(name, uri=name.startswith("file:"))
    import psycopg

    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        password=settings_dict.get("PASSWORD") or None,
    )


def _rows(cursor: Any, table: str) -> list[str]:
    cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - a name from the catalogue
    return sorted(repr(row) for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_table_for_table(
    tmp_path: Path, target: dict[str, Any]
) -> None:
    _some_data()
    archive, manifest = backup_create(output=tmp_path / "backup.tar.gz")
    assert manifest.tables["core_auditevent"] == AuditEvent.objects.count() == 4
    assert manifest.tables["registry_cluster"] == Cluster.objects.count()
    assert any(
        app == "core" and name.endswith("_audit_chain_and_triggers")
        for app, name in manifest.migrations
    )

    result = backup_restore(archive, settings_dict=target)
    assert result.tables == manifest.tables
    assert result.pending_migrations == []

    tables = connection.introspection.table_names()
    assert set(tables) <= set(result.tables)
    # Both sides read through the driver alone, so values compare as stored.
    source, restored = _open(connection.settings_dict), _open(target)
    try:
        source_cursor, target_cursor = source.cursor(), restored.cursor()
        for table in tables:
            source_rows = _rows(source_cursor, table)
            assert _rows(target_cursor, table) == source_rows, table
            assert len(source_rows) == manifest.tables[table]
    finally:
        source.close()
        restored.close()
    assert sum(manifest.tables.values()) > 20


@pytest.mark.django_db(transaction=True)
def test_restore_replaces_the_configured_database_and_keeps_the_audit_chain(
    tmp_path: Path,
) -> None:
    _some_data()
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive, stdout=StringIO())
    f.ClusterFactory(name="Made after the backup")
    with pytest.raises(CommandError, match="not empty: pass --replace"):
        call_command("restore", str(archive), stdout=StringIO())
    out = StringIO()
    call_command("restore", str(archive), replace=True, stdout=out)
    assert "their row counts equal to the manifest's" in out.getvalue()
    assert not Cluster.objects.filter(name="Made after the backup").exists()
    verify = StringIO()
    call_command("audit", "verify", stdout=verify)
    assert "Audit log intact: 4 events" in verify.getvalue()


@pytest.fixture
def archive(tmp_path: Path, transactional_db: Any) -> Path:
    _some_data()
    return backup_create(output=tmp_path / "backup.tar.gz")[0]


def _rewrite(archive: Path, change: dict[str, bytes]) -> Path:
    """A copy of the archive with some members replaced (the SHA256SUMS left as it was)."""
    copy = archive.with_name("tampered.tar.gz")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for member in source.getmembers():
            data = change.get(member.name)
            if data is None:
                extracted = source.extractfile(member)
                assert extracted is not None
                data = extracted.read()
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def test_verify_accepts_a_sound_archive(archive: Path) -> None:
    out = StringIO()
    call_command("backup", verify=archive, stdout=out)
    assert out.getvalue().startswith("backup.tar.gz is a sound backup.")


def test_verify_refuses_a_bad_checksum(archive: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        payload = next(m.name for m in tar.getmembers() if m.name.startswith("database."))
        extracted = tar.extractfile(payload)
        assert extracted is not None
        data = bytearray(extracted.read())
    data[len(data) // 2] ^= 0xFF
    tampered = _rewrite(archive, {payload: bytes(data)})
    with pytest.raises(
        BackupError, match=rf"The checksum of {payload} in tampered\.tar\.gz does not"
    ):
        backup_verify(tampered)


def test_verify_refuses_an_edited_manifest(archive: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        extracted = tar.extractfile(MANIFEST)
        assert extracted is not None
        manifest = json.loads(extracted.read())
    manifest["tables"]["registry_cluster"] += 1
    tampered = _rewrite(archive, {MANIFEST: json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match=r"The checksum of manifest\.json"):
        backup_verify(tampered)


def test_verify_refuses_a_truncated_archive_in_french(archive: Path) -> None:
    truncated = archive.with_name("truncated.tar.gz")
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError) as caught:
        call_command("backup", verify=truncated, lang="fr", stdout=StringIO())
    assert str(caught.value) == (
        "truncated.tar.gz n'est pas une sauvegarde Grappe complète : l'archive est tronquée ou "
        "n'est pas une archive de sauvegarde."
    )


def test_verify_refuses_an_archive_without_checksums(archive: Path) -> None:
    stripped = archive.with_name("stripped.tar.gz")
    with tarfile.open(archive, "r:gz") as source, tarfile.open(stripped, "w:gz") as target:
        for member in source.getmembers():
            if member.name != SUMS:
                target.addfile(member, source.extractfile(member))
    with pytest.raises(BackupError, match=r"stripped\.tar\.gz lacks SHA256SUMS"):
        backup_verify(stripped)


def test_restore_refuses_an_archive_of_the_other_database(archive: Path, tmp_path: Path) -> None:
    other = (
        {"ENGINE": "django.db.backends.postgresql", "NAME": "unused"}
        if connection.vendor == "sqlite"
        else {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.sqlite3")}
    )
    with pytest.raises(BackupError, match="the target database is"):
        backup_restore(archive, settings_dict=other)


def test_restore_refuses_an_archive_of_a_newer_grappe(archive: Path, tmp_path: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        extracted = tar.extractfile(MANIFEST)
        assert extracted is not None
        manifest = json.loads(extracted.read())
    manifest["migrations"].append(["core", "9999_from_the_future"])
    data = json.dumps(manifest).encode()
    import hashlib

    with tarfile.open(archive, "r:gz") as tar:
        extracted = tar.extractfile(SUMS)
        assert extracted is not None
        sums = extracted.read().decode()
    line = next(x for x in sums.splitlines() if x.endswith(MANIFEST))
    sums = sums.replace(line, f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}")
    newer = _rewrite(archive, {MANIFEST: data, SUMS: sums.encode()})
    with pytest.raises(BackupError, match=r"newer version of Grappe .*core\.9999_from_the_future"):
        backup_restore(newer, settings_dict={**connection.settings_dict, "NAME": "not-reached"})


def test_backup_refuses_to_overwrite_an_archive(archive: Path) -> None:
    with pytest.raises(CommandError, match="already exists: choose another --output"):
        call_command("backup", output=archive, stdout=StringIO())
