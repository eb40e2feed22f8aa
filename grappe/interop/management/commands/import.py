"""`grappe import cordis PATH`, `grappe import anr PATH`, `grappe import members --cluster SLUG PATH`."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grappe.interop.models import ImportRun, RunStatus
from grappe.interop.services import import_run_create, import_run_execute


class Command(BaseCommand):
    help = "Import CORDIS or ANR open data, or a cluster's member spreadsheet, as a recorded run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", choices=["cordis", "anr", "members"])
        parser.add_argument("path", type=Path, help="a file, a zip or a folder")
        parser.add_argument("--cluster", help="members: the slug of the cluster they join")
        parser.add_argument(
            "--force", action="store_true", help="read the file even if it was already imported"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="members: validate and preview, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder")
        if source == "members":
            self._members(path, options)
            return
        started = time.monotonic()
        run = import_run_create(source=source, path=path)
        interactive = sys.stderr.isatty()

        def progress(count: int) -> None:
            rate = count / max(time.monotonic() - started, 1e-6)
            line = f"\r{source}: {count:,} rows processed ({rate:,.0f} rows/s)"
            self.stderr.write(line, ending="" if interactive else "\n")

        run = import_run_execute(run, path=path, progress=progress, force=options["force"])
        if interactive:
            self.stderr.write("")
        self._summary(run, time.monotonic() - started)
        if run.status == RunStatus.FAILED:
            raise CommandError(run.error)

    def _summary(self, run: ImportRun, seconds: float) -> None:
        out = self.stdout
        out.write(f"Run #{run.pk} {run.source} {run.file_name}: {run.status} in {seconds:.1f} s")
        out.write(f"sha256 {run.checksum}")
        if run.short_circuited:
            out.write("Unchanged file: already imported by the latest successful run.")
        kinds: tuple[str, ...] = ("created", "updated", "unchanged", "rejected")
        if any("deleted" in c for c in (run.counts or {}).values()):
            kinds = (*kinds, "deleted")
        out.write(f"{'entity':<16}" + "".join(f"{k:>12}" for k in kinds))
        for entity, counts in sorted((run.counts or {}).items()):
            out.write(f"{entity:<16}" + "".join(f"{counts.get(k, 0):>12,}" for k in kinds))
        if run.rejected_total:
            out.write(
                f"{run.rejected_total:,} rejected rows: see the run page or "
                f"/en/imports/{run.pk}/rejected.csv"
            )

    def _members(self, path: Path, options: dict[str, Any]) -> None:
        from grappe.interop.members import members_commit, members_preview
        from grappe.registry.models import Cluster

        slug = options.get("cluster")
        if not slug:
            raise CommandError("--cluster SLUG is required for a member import")
        cluster = Cluster.objects.filter(slug=slug).first()
        if cluster is None:
            raise CommandError(f"--cluster: no cluster with the slug {slug!r}")
        started = time.monotonic()
        run = import_run_create(
            source="members", payload=path.read_bytes(), file_name=path.name, cluster=cluster
        )
        preview = members_preview(run)
        if preview.problem:
            raise CommandError(preview.problem)
        for line in preview.lines:
            self.stdout.write(f"line {line.line}: {line.action} {line.name} {line.detail}")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return
        run = members_commit(run, user=None)
        self._summary(run, time.monotonic() - started)
        if run.status == RunStatus.FAILED:
            raise CommandError(run.error)
