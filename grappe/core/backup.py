"""Backups that restore: one archive per backup, checked before anything is replaced.

An archive is a gzip'd tar holding

- `database.sqlite3` (SQLite's online backup API: a consistent copy of a live database) or
  `database.pgdump` (`pg_dump --format=custom`, taken in an exported snapshot);
- `manifest.json`: format, database vendor, Grappe version, time, applied migrations, every
  table with its row count (counted in the same snapshot as the copy) and the audit chain's head;
- `SHA256SUMS`: the SHA-256 of both, in `sha256sum -c` format.

`backup_verify` checks the sums, the manifest and the copy itself (SQLite: integrity check and
row counts; PostgreSQL: `pg_restore --list`). `backup_restore` verifies first, refuses an archive
of another vendor or of a newer Grappe, restores, then counts every table against the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
PAYLOAD = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup, verification or restore that cannot go on; the message is translated."""


@dataclass
class Manifest:
    format: int
    vendor: str
    app_version: str
    created_at: str
    payload: str
    tables: dict[str, int]
    migrations: list[list[str]]
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    tables: dict[str, int]
    pending_migrations: list[str]


def app_version() -> str:
    try:
        return version("grappe")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that was not installed
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_archive_name(vendor: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"grappe-backup-{vendor}-{stamp}.tar.gz"


# --------------------------------------------------------------------------- SQLite


def _sqlite_connect(settings_dict: dict[str, Any]) -> sqlite3.Connection:
    name = str(settings_dict["NAME"])
    return sqlite3.connect(name, uri=name.startswith("file:"), isolation_level=None)


def _sqlite_tables(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    # Table names come from the database's own catalogue, quoted as identifiers.
    count = 'SELECT COUNT(*) FROM "{}"'
    return {n: db.execute(count.format(n.replace('"', '""'))).fetchone()[0] for n in names}


def _sqlite_facts(db: sqlite3.Connection) -> tuple[dict[str, int], list[list[str]], dict[str, Any]]:
    tables = _sqlite_tables(db)
    migrations: list[list[str]] = []
    audit: dict[str, Any] = {}
    if "django_migrations" in tables:
        migrations = [
            [app, name]
            for app, name in db.execute("SELECT app, name FROM django_migrations ORDER BY id")
        ]
    if "core_auditevent" in tables:
        head = db.execute("SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1").fetchone()
        audit = {"count": tables["core_auditevent"], "head": head[0] if head else ""}
    return tables, migrations, audit


def _sqlite_backup(settings_dict: dict[str, Any], target: Path) -> Manifest:
    source = _sqlite_connect(settings_dict)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        tables, migrations, audit = _sqlite_facts(copy)
    finally:
        copy.close()
        source.close()
    return _manifest("sqlite", tables, migrations, audit)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def _pg_connect(settings_dict: dict[str, Any]) -> Any:
    import psycopg

    return psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
    )


def _pg_facts(db: Any) -> tuple[dict[str, int], list[list[str]], dict[str, Any]]:
    from psycopg import sql as psycopg_sql

    with db.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        )
        names = cursor.fetchall()
        tables: dict[str, int] = {}
        for schema, name in names:
            cursor.execute(
                psycopg_sql.SQL("SELECT COUNT(*) FROM {}.{}").format(
                    psycopg_sql.Identifier(schema), psycopg_sql.Identifier(name)
                )
            )
            tables[name if schema == "public" else f"{schema}.{name}"] = cursor.fetchone()[0]
        migrations: list[list[str]] = []
        audit: dict[str, Any] = {}
        if "django_migrations" in tables:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            migrations = [[app, name] for app, name in cursor.fetchall()]
        if "core_auditevent" in tables:
            cursor.execute("SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1")
            head = cursor.fetchone()
            audit = {"count": tables["core_auditevent"], "head": head[0] if head else ""}
    return tables, migrations, audit


def _run(command: list[str], env: dict[str, str], failure: str) -> str:
    try:
        # A fixed program (pg_dump / pg_restore) and arguments, no shell.
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(
            _("%(program)s is not installed: install the PostgreSQL client tools.")
            % {"program": command[0]}
        ) from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise BackupError(failure % {"detail": lines[-1] if lines else done.returncode})
    return done.stdout


def _pg_backup(settings_dict: dict[str, Any], target: Path) -> Manifest:
    db = _pg_connect(settings_dict)
    try:
        # One snapshot for the counts and the dump: the manifest describes exactly the copy.
        db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = db.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables, migrations, audit = _pg_facts(db)
        _run(
            ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            _pg_env(settings_dict),
            _("pg_dump failed: %(detail)s"),
        )
    finally:
        db.close()
    return _manifest("postgresql", tables, migrations, audit)


# --------------------------------------------------------------------------- archives


def _manifest(
    vendor: str, tables: dict[str, int], migrations: list[list[str]], audit: dict[str, Any]
) -> Manifest:
    return Manifest(
        format=ARCHIVE_FORMAT,
        vendor=vendor,
        app_version=app_version(),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        payload=PAYLOAD[vendor],
        tables=tables,
        migrations=migrations,
        audit=audit,
    )


def _vendor(settings_dict: dict[str, Any]) -> str:
    engine = str(settings_dict["ENGINE"])
    if "sqlite" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(_("Backups support SQLite and PostgreSQL only."))


def backup_create(
    *, output: Path | None = None, using: str = DEFAULT_DB_ALIAS
) -> tuple[Path, Manifest]:
    """Copy the database into a new archive at `output` (a dated name in the current folder)."""
    settings_dict = connections[using].settings_dict
    vendor = _vendor(settings_dict)
    output = output or Path(default_archive_name(vendor))
    if output.exists():
        raise BackupError(_("%(name)s already exists: choose another --output.") % {"name": output})
    if not output.parent.is_dir():
        raise BackupError(_("The folder of %(name)s does not exist.") % {"name": output})
    with tempfile.TemporaryDirectory(prefix="grappe-backup-") as work:
        payload = Path(work) / PAYLOAD[vendor]
        if vendor == "sqlite":
            manifest = _sqlite_backup(settings_dict, payload)
        else:
            manifest = _pg_backup(settings_dict, payload)
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")
        sums = "".join(f"{_sha256(p)}  {p.name}\n" for p in (manifest_path, payload))
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(manifest_path, arcname=MANIFEST)
            archive.add(payload, arcname=payload.name)
            data = sums.encode()
            info = tarfile.TarInfo(SUMS)
            info.size = len(data)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            archive.addfile(info, io.BytesIO(data))
        partial.replace(output)
    return output, manifest


@contextmanager
def _unpacked(archive: Path) -> Iterator[tuple[Manifest, Path]]:
    """Extract and check an archive into a temporary folder: its manifest and its payload."""
    if not archive.is_file():
        raise BackupError(_("%(name)s: no such file.") % {"name": archive})
    damaged = _(
        "%(name)s is not a complete Grappe backup: the archive is truncated or is not a "
        "backup archive."
    ) % {"name": archive.name}
    with tempfile.TemporaryDirectory(prefix="grappe-restore-") as work:
        folder = Path(work)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                members = {m.name: m for m in tar.getmembers() if m.isfile()}
                for name in (MANIFEST, SUMS, *PAYLOAD.values()):
                    if name in members:
                        source = tar.extractfile(members[name])
                        assert source is not None  # a regular file
                        with (folder / name).open("wb") as target:
                            shutil.copyfileobj(source, target, _CHUNK)
        except (tarfile.TarError, EOFError, zlib.error, OSError):
            raise BackupError(damaged) from None
        for name in (MANIFEST, SUMS):
            if not (folder / name).is_file():
                raise BackupError(
                    _("%(name)s lacks %(member)s: it is not a Grappe backup archive.")
                    % {"name": archive.name, "member": name}
                )
        try:
            manifest = Manifest(**json.loads((folder / MANIFEST).read_text()))
        except (ValueError, TypeError):
            raise BackupError(damaged) from None
        if manifest.format != ARCHIVE_FORMAT or manifest.payload not in PAYLOAD.values():
            raise BackupError(
                _("%(name)s has an archive format this version of Grappe does not read.")
                % {"name": archive.name}
            )
        payload = folder / manifest.payload
        sums: dict[str, str] = {}
        for line in (folder / SUMS).read_text().splitlines():
            digest, _sep, name = line.partition("  ")
            sums[name] = digest
        for member in (MANIFEST, manifest.payload):
            if not (folder / member).is_file():
                raise BackupError(
                    _("%(name)s lacks %(member)s: it is not a Grappe backup archive.")
                    % {"name": archive.name, "member": member}
                )
            if sums.get(member) != _sha256(folder / member):
                raise BackupError(
                    _(
                        "The checksum of %(member)s in %(name)s does not match: the archive is damaged."
                    )
                    % {"member": member, "name": archive.name}
                )
        yield manifest, payload


def _check_payload(manifest: Manifest, payload: Path) -> None:
    if manifest.vendor == "sqlite":
        db = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
            tables = _sqlite_tables(db)
        except sqlite3.DatabaseError:
            problems, tables = ["not a database"], {}
        finally:
            db.close()
        if problems != ["ok"] or tables != manifest.tables:
            raise BackupError(_("The database copy in the archive does not match its manifest."))
    else:
        _run(
            ["pg_restore", "--list", str(payload)],
            dict(os.environ),
            _("pg_restore cannot read the database copy in the archive: %(detail)s"),
        )


def backup_verify(archive: Path) -> Manifest:
    """Check an archive without restoring it; raises BackupError naming what is wrong."""
    with _unpacked(archive) as (manifest, payload):
        _check_payload(manifest, payload)
        return manifest


def _target_tables(vendor: str, settings_dict: dict[str, Any]) -> dict[str, int]:
    if vendor == "sqlite":
        db = _sqlite_connect(settings_dict)
        try:
            return _sqlite_tables(db)
        finally:
            db.close()
    db = _pg_connect(settings_dict)
    try:
        return _pg_facts(db)[0]
    finally:
        db.close()


def backup_restore(
    archive: Path,
    *,
    replace: bool = False,
    settings_dict: dict[str, Any] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> RestoreResult:
    """Replace a database by an archive's copy, then check every table's row count.

    `settings_dict` names another target than the configured database (tests restore into a
    database of their own). An existing, non-empty target is replaced only with `replace`.
    """
    target = settings_dict or connections[using].settings_dict
    vendor = _vendor(target)
    with _unpacked(archive) as (manifest, payload):
        if manifest.vendor != vendor:
            raise BackupError(
                _("%(name)s holds a %(archive)s database; the target database is %(target)s.")
                % {
                    "name": archive.name,
                    "archive": VENDOR_NAMES[manifest.vendor],
                    "target": VENDOR_NAMES[vendor],
                }
            )
        _check_payload(manifest, payload)
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        unknown = [f"{a}.{n}" for a, n in manifest.migrations if (a, n) not in known]
        if unknown:
            raise BackupError(
                _(
                    "%(name)s was made by a newer version of Grappe (migrations unknown here: "
                    "%(migrations)s); restore it with that version."
                )
                % {"name": archive.name, "migrations": ", ".join(unknown[:5])}
            )
        if not replace and any(_target_tables(vendor, target).values()):
            raise BackupError(
                _("The target database is not empty: pass --replace to overwrite it.")
            )
        if settings_dict is None:
            connections[using].close()
        if vendor == "sqlite":
            source = sqlite3.connect(payload)
            destination = _sqlite_connect(target)
            try:
                source.backup(destination)
            finally:
                destination.close()
                source.close()
        else:
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--single-transaction",
                    "--clean",
                    "--if-exists",
                    f"--dbname={target['NAME']}",
                    str(payload),
                ],
                _pg_env(target),
                _("pg_restore failed: %(detail)s"),
            )
    tables = _target_tables(vendor, target)
    different = sorted(
        name
        for name in set(tables) | set(manifest.tables)
        if name in manifest.tables and tables.get(name) != manifest.tables[name]
    )
    if different:
        raise BackupError(
            _("After the restore these tables do not hold the rows of the manifest: %(tables)s.")
            % {"tables": ", ".join(different)}
        )
    applied = {(a, n) for a, n in manifest.migrations}
    pending = sorted(f"{a}.{n}" for a, n in known - applied)
    return RestoreResult(manifest=manifest, tables=tables, pending_migrations=pending)
