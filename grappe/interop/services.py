"""Import runs: create, execute (atomically), and organisation merges (confirm, undo)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.domain.roles import Action, Target
from grappe.core.scopes import scope_for
from grappe.core.search import deferred_updates
from grappe.core.services import audit_record
from grappe.interop.domain.readers import ENCODINGS, FileProblem
from grappe.interop.importers import Engine, build_importer
from grappe.interop.models import ImportRun, ImportSource, MergeProposal, ProposalStatus, RunStatus
from grappe.registry.services import MergeRefused, organisation_merge, organisation_merge_undo

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


def _may_import(user: Actor, source: str, cluster: Any | None, funder: Any | None = None) -> bool:
    scope = scope_for(user)
    if source == ImportSource.MEMBERS:
        target = Target.of(own_cluster=[getattr(cluster, "pk", None)])
        return scope.can(Action.CLUSTER_IMPORT_MEMBERS, target)
    if source == ImportSource.FUNDING_LINES:
        target = Target.of(own_funder=[getattr(funder, "pk", None)])
        return scope.can(Action.FUNDING_LINES_IMPORT, target)
    return scope.can(Action.OPEN_DATA_IMPORT)


def import_run_create(
    *,
    source: str,
    path: Path | None = None,
    payload: bytes | None = None,
    file_name: str = "",
    user: Actor = None,
    cluster: Any | None = None,
    funder: Any | None = None,
) -> ImportRun:
    """Record a queued import of a file on disk (`path`) or of uploaded bytes (`payload`).

    A file that cannot be opened still gets a run, marked failed with the reason. A logged-in
    `user` must be allowed by the role table (`open_data.import`, or `cluster.import_members`
    on `cluster` for a member sheet, `funding_lines.import` on `funder` for a funder's funding
    lines), else `PermissionDenied` and nothing is written; without
    a user the import is the operator's, from the command line.
    """
    if getattr(user, "is_authenticated", False) and not _may_import(user, source, cluster, funder):
        raise PermissionDenied("not allowed to import this file")
    run = ImportRun(
        source=source,
        file_name=file_name or (path.name if path else ""),
        user=recorded_user(user) if getattr(user, "is_authenticated", False) else None,
        cluster=cluster,
        funder=funder,
        payload=payload,
        status=RunStatus.QUEUED,
    )
    try:
        if payload is not None:
            run.checksum = hashlib.sha256(payload).hexdigest()
        elif path is not None:
            run.checksum = build_importer(source, path).checksum()
    except FileProblem as exc:
        run.status = RunStatus.FAILED
        run.error = str(exc)
        run.finished_at = timezone.now()
    run.save()
    return run


def import_run_read_as(*, run: ImportRun, encoding: str, user: Actor) -> ImportRun:
    """Read a previewed spreadsheet's CSV in `encoding` (one of `ENCODINGS`), as its manager
    chose on the preview; kept on the run, so the commit reads the file the same way."""
    if getattr(user, "is_authenticated", False) and not _may_import(
        user, run.source, run.cluster, run.funder
    ):
        raise PermissionDenied("not allowed to import this file")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}")
    if run.status != RunStatus.PREVIEWED:
        raise ValueError("only a previewed spreadsheet can be read again")
    before = run.encoding
    run.encoding = encoding
    with transaction.atomic():
        run.save(update_fields=["encoding"])
        audit_record(
            actor=user,
            action="import.encoding",
            obj=run,
            before={"encoding": before},
            after={"encoding": encoding},
        )
    return run


def _progress_writer(run: ImportRun) -> Callable[[int], None]:
    """Write rows processed outside the import's transaction so that others can see it.

    PostgreSQL: through a second connection. SQLite allows one writer at a time, so the count is
    kept on the run and written with the result.
    """
    if connections["default"].vendor != "postgresql":

        def keep(count: int) -> None:
            run.rows_processed = count

        return keep
    side = connections.create_connection("default")

    def write(count: int) -> None:
        run.rows_processed = count
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportRun._meta.db_table} SET rows_processed = %s WHERE id = %s",  # noqa: S608
                [count, run.pk],
            )
        side.commit() if not side.get_autocommit() else None

    write.close = side.close  # type: ignore[attr-defined]
    return write


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during an import.

    An import holds hundreds of thousands of small objects (the identity map) and creates
    millions more; the collector would rescan them over and over for cycles they do not form.
    Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _sqlite_page_cache(mebibytes: int = 64) -> Iterator[None]:
    """A larger SQLite page cache while an import inserts: index pages stay in memory.

    SQLite's default cache is 2 MB, so inserting hundreds of thousands of rows into tables with
    several indexes rereads the same index pages again and again. PostgreSQL: nothing to do.
    """
    if connections["default"].vendor != "sqlite":
        yield
        return
    with connections["default"].cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-1024 * int(mebibytes)}")
    try:
        yield
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _latest_success(run: ImportRun) -> ImportRun | None:
    return (
        ImportRun.objects.filter(source=run.source, status=RunStatus.SUCCEEDED)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-pk")
        .first()
    )


def import_run_execute(
    run: ImportRun,
    *,
    path: Path | None = None,
    progress: Progress | None = None,
    force: bool = False,
    batch_size: int = 2000,
) -> ImportRun:
    """Run a queued CORDIS or ANR import. A failure rolls back every data change.

    When the latest successful import of the same source had the same checksum, nothing is read
    again (unless `force`): the run reports every entity as unchanged.
    """
    if run.status == RunStatus.FAILED:
        return run
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    tmp: Path | None = None
    writer = _progress_writer(run)

    def report(count: int) -> None:
        writer(count)
        if progress is not None:
            progress(count)

    try:
        if path is None:
            if run.payload is None:
                raise FileProblem("the run has neither a file path nor an uploaded file")
            # keep the uploaded name: rejected rows cite it
            tmp = Path(tempfile.mkdtemp(prefix="grappe-import-"))
            path = tmp / (Path(run.file_name).name or "upload.csv")
            path.write_bytes(bytes(run.payload))
        importer = build_importer(run.source, path)
        importer.check()  # header problems stop the run before anything is written
        previous = _latest_success(run)
        if not force and previous is not None and previous.checksum == run.checksum:
            run.short_circuited = True
            run.counts = {
                entity: {
                    "created": 0,
                    "updated": 0,
                    "unchanged": c.get("created", 0) + c.get("updated", 0) + c.get("unchanged", 0),
                    "rejected": c.get("rejected", 0),
                }
                for entity, c in (previous.counts or {}).items()
            }
            run.rows_processed = previous.rows_processed
        else:
            with transaction.atomic(), _no_cyclic_gc(), _sqlite_page_cache():
                engine = Engine(source=run.source, run=run, progress=report, batch_size=batch_size)
                with deferred_updates():  # each row indexed once, at the end of the run
                    importer.run(engine)
                run.counts = engine.counts.as_dict()
                run.rows_processed = engine.rows_processed
                audit_record(
                    actor=run.user,
                    action=f"import.{run.source}",
                    obj=run,
                    after={"checksum": run.checksum, "counts": run.counts},
                )
        run.status = RunStatus.SUCCEEDED
    except FileProblem as exc:
        run.status = RunStatus.FAILED
        run.error = str(exc)
    except Exception as exc:  # record why, keep nothing
        logger.exception("import run %s failed", run.pk)
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.counts = {}
    finally:
        close = getattr(writer, "close", None)
        if close is not None:
            close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    run.finished_at = timezone.now()
    run.payload = None if run.source != "members" else run.payload
    run.save()
    return run


# --- merges ----------------------------------------------------------------------------------


@transaction.atomic
def merge_confirm(*, proposal: Any, user: Actor) -> Any:
    """Merge the proposal's `duplicate` into `keep` (the registry's `organisation_merge`).

    What the merge did is stored on the proposal (`moved`) so that `merge_undo` can put it back.
    Raises `MergeRefused` (translated; nothing changed) or `PermissionDenied`.
    """
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING or proposal.duplicate_id is None:
        raise MergeRefused(_("Only a pending proposal can be merged."), code="not_pending")
    record = organisation_merge(
        actor=user,
        keep=proposal.keep,
        duplicate=proposal.duplicate,
        reason=f"merge proposal #{proposal.pk}",
    )
    # The merge set `duplicate` to NULL on this row (the organisation is gone): write only the
    # decision, never the stale id.
    proposal.duplicate = None
    proposal.moved = record
    proposal.status = ProposalStatus.MERGED
    proposal.decided_by = user if getattr(user, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["moved", "status", "decided_by", "decided_at"])
    return proposal


@transaction.atomic
def merge_undo(*, proposal: Any, user: Actor) -> Any:
    """Put a merged organisation back, with what moved and the blanks it filled."""
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.MERGED:
        raise MergeRefused(_("Only a merged proposal can be undone."), code="not_merged")
    organisation_merge_undo(
        actor=user, record=proposal.moved, reason=f"merge proposal #{proposal.pk}"
    )
    proposal.refresh_from_db(fields=["duplicate"])  # the undo put the link back
    proposal.status = ProposalStatus.UNDONE
    proposal.decided_by = user if getattr(user, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal


# --- retention of uploaded files -------------------------------------------------------------


def import_uploads_purge(
    *, now: dt.datetime | None = None, retention_days: int | None = None
) -> dict[str, int]:
    """Delete the uploaded files that runs still hold once they are older than the retention
    period (`IMPORT_UPLOAD_RETENTION_DAYS`): runs that failed or were refused keep their status;
    runs never finished (previewed and never imported, or queued or running with no worker left)
    become `expired`. Returns how many runs of each kind lost their file; one audit event each."""
    days = settings.IMPORT_UPLOAD_RETENTION_DAYS if retention_days is None else retention_days
    moment = now or timezone.now()
    cutoff = moment - dt.timedelta(days=days)
    unfinished = {RunStatus.PREVIEWED, RunStatus.QUEUED, RunStatus.RUNNING}
    purged = {"finished": 0, "expired": 0}
    with transaction.atomic():
        stale = (
            ImportRun.objects.select_for_update()
            .filter(payload__isnull=False, created_at__lt=cutoff)
            .defer("payload")
            .order_by("pk")
        )
        for run in stale:
            before = {"status": run.status}
            run.payload = None
            fields = ["payload"]
            if run.status in unfinished:
                run.status = RunStatus.EXPIRED
                run.error = (
                    f"The uploaded file was deleted after {days} days without being imported."
                )
                run.finished_at = moment
                fields += ["status", "error", "finished_at"]
                purged["expired"] += 1
            else:
                purged["finished"] += 1
            run.save(update_fields=fields)
            audit_record(
                actor=None,
                action="import.upload_purge",
                obj=run,
                before=before,
                after={"status": run.status, "payload": None},
                reason=f"retention of {days} days",
            )
    return purged


@transaction.atomic
def merge_reject(*, proposal: Any, user: Actor, reason: str) -> Any:
    """Decide that the pair is two organisations: the proposal is closed and, as imports never
    propose a pair they already proposed, the pair is not proposed again.

    Raises `MergeRefused` (translated; nothing changed) when the proposal is not pending or no
    reason is given.
    """
    reason = (reason or "").strip()
    if not reason:
        raise MergeRefused(_("Give a reason for rejecting the proposal."), code="no_reason")
    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise MergeRefused(_("Only a pending proposal can be rejected."), code="not_pending")
    proposal.status = ProposalStatus.REJECTED
    proposal.decision_reason = reason[:2000]
    proposal.decided_by = user if getattr(user, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(
        actor=user,
        action="merge_proposal.reject",
        obj=proposal,
        before={"status": ProposalStatus.PENDING},
        after={"status": ProposalStatus.REJECTED},
        reason=proposal.decision_reason,
    )
    return proposal
