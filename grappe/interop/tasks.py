"""Background imports (django-tasks: immediate in dev and tests, database worker in production)."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from grappe.interop.models import ImportRun
from grappe.interop.services import import_run_execute, import_uploads_purge


@task()
def import_file_task(run_id: int, path: str = "", force: bool = False) -> str:
    """Execute a queued import run; progress is written on the run as rows are processed."""
    run = ImportRun.objects.get(pk=run_id)
    run = import_run_execute(run, path=Path(path) if path else None, force=force)
    return run.status


@task()
def import_uploads_purge_task() -> dict[str, int]:
    """Delete uploaded files of failed, refused and abandoned runs past the retention period.

    Scheduled daily by `grappe purge_uploads --enqueue` from cron or a systemd timer
    (docs/imports.md); django-tasks itself has no periodic scheduler.
    """
    return import_uploads_purge()
