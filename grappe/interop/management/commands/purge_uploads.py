"""`grappe purge_uploads [--days N] [--enqueue]`: delete uploaded files of failed, refused and
abandoned import runs older than the retention period (IMPORT_UPLOAD_RETENTION_DAYS)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grappe.interop.services import import_uploads_purge
from grappe.interop.tasks import import_uploads_purge_task


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of import runs that failed, were refused or were abandoned, "
        "once older than IMPORT_UPLOAD_RETENTION_DAYS. Run it daily (cron or a systemd timer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, help="retention in days (default: IMPORT_UPLOAD_RETENTION_DAYS)"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="hand the purge to the task workers (TASKS_BACKEND) instead of running it here",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        if options["enqueue"]:
            if days is not None:
                raise CommandError("--days cannot be combined with --enqueue")
            result = import_uploads_purge_task.enqueue()
            self.stdout.write(f"enqueued task {result.id} ({result.status})")
            return
        purged = import_uploads_purge(retention_days=days)
        self.stdout.write(
            f"uploaded files deleted: {purged['finished']} of failed or refused runs, "
            f"{purged['expired']} of abandoned runs (now expired)"
        )
