"""Uploaded files of failed, refused and abandoned runs are deleted after the retention period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from grappe.core.models import AuditEvent
from grappe.core.tests.factories import ClusterFactory
from grappe.interop.members import members_commit
from grappe.interop.models import ImportRun, RunStatus
from grappe.interop.services import import_run_create, import_uploads_purge
from grappe.interop.tasks import import_uploads_purge_task

pytestmark = pytest.mark.django_db


def aged(run: ImportRun, days: int) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    return run


def members_run(status: str, *, days: int, payload: bytes = b"name,type\nX,sme\n") -> ImportRun:
    run = import_run_create(
        source="members", payload=payload, file_name="m.csv", cluster=ClusterFactory()
    )
    ImportRun.objects.filter(pk=run.pk).update(status=status)
    return aged(run, days)


def test_old_uploads_of_unfinished_runs_expire_and_failed_ones_lose_their_file(settings) -> None:
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 7
    abandoned = members_run(RunStatus.PREVIEWED, days=8)
    stuck = members_run(RunStatus.QUEUED, days=30)
    refused = members_commit(
        members_run(RunStatus.PREVIEWED, days=0, payload=b"nom\nX\n"), user=None
    )
    assert refused.status == RunStatus.FAILED and refused.payload is not None
    aged(refused, 9)
    recent = members_run(RunStatus.PREVIEWED, days=6)

    assert import_uploads_purge() == {"finished": 1, "expired": 2}

    def reload(run: ImportRun) -> ImportRun:
        return ImportRun.objects.get(pk=run.pk)

    for run in (abandoned, stuck):
        run = reload(run)
        assert run.payload is None and run.status == RunStatus.EXPIRED
        assert "deleted after 7 days" in run.error and run.finished_at is not None
    refused = reload(refused)
    assert refused.payload is None and refused.status == RunStatus.FAILED
    assert "required column(s) missing" in refused.error  # the reason is kept
    assert reload(recent).payload is not None and reload(recent).status == RunStatus.PREVIEWED
    assert AuditEvent.objects.filter(action="import.upload_purge").count() == 3
    assert import_uploads_purge() == {"finished": 0, "expired": 0}  # nothing left to do


def test_the_task_and_the_command_run_the_purge(settings, capsys) -> None:
    settings.IMPORT_UPLOAD_RETENTION_DAYS = 7
    first = members_run(RunStatus.PREVIEWED, days=10)
    second = members_run(RunStatus.PREVIEWED, days=3)
    result = import_uploads_purge_task.enqueue()  # the immediate backend runs it now
    assert result.return_value == {"finished": 0, "expired": 1}
    assert ImportRun.objects.get(pk=first.pk).status == RunStatus.EXPIRED
    call_command("purge_uploads", "--days", "2")
    assert "1 of abandoned runs" in capsys.readouterr().out
    assert ImportRun.objects.get(pk=second.pk).payload is None
    call_command("purge_uploads", "--enqueue")
    assert "enqueued task" in capsys.readouterr().out
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_uploads", "--days", "0")
