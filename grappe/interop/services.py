"""Import runs: create, execute (atomically), and organisation merges (confirm, undo)."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.utils import timezone

from grappe.core.domain.roles import Action, Target
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record
from grappe.interop.domain.readers import FileProblem
from grappe.interop.importers import Engine, build_importer
from grappe.interop.models import ImportRun, ImportSource, RunStatus

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


def _may_import(user: Any, source: str, cluster: Any | None) -> bool:
    scope = scope_for(user)
    if source == ImportSource.MEMBERS:
        target = Target.of(own_cluster=[getattr(cluster, "pk", None)])
        return scope.can(Action.CLUSTER_IMPORT_MEMBERS, target)
    return scope.can(Action.OPEN_DATA_IMPORT)


def import_run_create(
    *,
    source: str,
    path: Path | None = None,
    payload: bytes | None = None,
    file_name: str = "",
    user: Any | None = None,
    cluster: Any | None = None,
) -> ImportRun:
    """Record a queued import of a file on disk (`path`) or of uploaded bytes (`payload`).

    A file that cannot be opened still gets a run, marked failed with the reason. A logged-in
    `user` must be allowed by the role table (`open_data.import`, or `cluster.import_members`
    on `cluster` for a member sheet), else `PermissionDenied` and nothing is written; without
    a user the import is the operator's, from the command line.
    """
    if getattr(user, "is_authenticated", False) and not _may_import(user, source, cluster):
        raise PermissionDenied("not allowed to import this file")
    run = ImportRun(
        source=source,
        file_name=file_name or (path.name if path else ""),
        user=user if getattr(user, "is_authenticated", False) else None,
        cluster=cluster,
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


def _jsonable(value: Any) -> Any:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


_MERGE_FILL = (
    "short_name",
    "address",
    "postcode",
    "city",
    "website",
    "nuts_code",
    "pic",
    "siren",
    "siret",
    "rnsr",
    "ror",
    "vat",
)


@transaction.atomic
def merge_confirm(*, proposal: Any, user: Any | None) -> Any:
    """Merge `duplicate` into `keep`: move participations, memberships and aliases, fill blanks.

    Everything moved, and the deleted row, is stored on the proposal so that `merge_undo` can
    put it back.
    """
    from django.forms.models import model_to_dict

    from grappe.interop.models import MergeProposal, OrganisationAlias, ProposalStatus
    from grappe.projects.models import Participation
    from grappe.registry.models import ClusterMembership, Organisation

    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING or proposal.duplicate_id is None:
        raise ValueError("only a pending proposal can be merged")
    keep = Organisation.objects.select_for_update().get(pk=proposal.keep_id)
    dup = Organisation.objects.select_for_update().get(pk=proposal.duplicate_id)
    for kind in ("pic", "siren", "siret", "rnsr", "ror", "vat"):
        a, b = getattr(keep, kind), getattr(dup, kind)
        if a and b and a != b:
            raise ValueError(f"the two organisations have different {kind.upper()}s: {a} / {b}")
    snapshot = model_to_dict(dup)
    snapshot["created_at"] = dup.created_at.isoformat()
    keep_projects = set(keep.participations.values_list("project_id", flat=True))
    moved_parts, dropped_parts = [], []
    for part in Participation.objects.filter(organisation=dup):
        if part.project_id in keep_projects:
            dropped_parts.append(model_to_dict(part))
        else:
            moved_parts.append(part.pk)
    Participation.objects.filter(pk__in=[p["id"] for p in dropped_parts]).delete()
    Participation.objects.filter(pk__in=moved_parts).update(organisation=keep)
    keep_clusters = set(keep.memberships.values_list("cluster_id", "start_date"))
    moved_members, dropped_members = [], []
    for membership in ClusterMembership.objects.filter(organisation=dup):
        if (membership.cluster_id, membership.start_date) in keep_clusters:
            dropped_members.append(model_to_dict(membership))
        else:
            moved_members.append(membership.pk)
    ClusterMembership.objects.filter(pk__in=[m["id"] for m in dropped_members]).delete()
    ClusterMembership.objects.filter(pk__in=moved_members).update(organisation=keep)
    moved_aliases = list(
        OrganisationAlias.objects.filter(organisation=dup).values_list("pk", flat=True)
    )
    OrganisationAlias.objects.filter(pk__in=moved_aliases).update(organisation=keep)
    filled = {}
    for name in _MERGE_FILL:
        if not getattr(keep, name) and getattr(dup, name):
            filled[name] = getattr(dup, name)
    for name in filled:
        setattr(dup, name, "")
    if filled:
        dup.save(update_fields=list(filled))  # free unique identifiers before keep takes them
        for name, value in filled.items():
            setattr(keep, name, value)
        keep.save(update_fields=[*filled, "updated_at"])
    proposal.moved = _jsonable(
        {
            "duplicate": snapshot,
            "participations": moved_parts,
            "dropped_participations": dropped_parts,
            "memberships": moved_members,
            "dropped_memberships": dropped_members,
            "aliases": moved_aliases,
            "filled": list(filled),
        }
    )
    dup.delete()
    proposal.status = ProposalStatus.MERGED
    proposal.decided_by = user if getattr(user, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    proposal.save()
    audit_record(actor=user, action="organisation.merge", obj=keep, after=proposal.moved)
    return proposal


@transaction.atomic
def merge_undo(*, proposal: Any, user: Any | None) -> Any:
    """Put a merged organisation back, with what moved and the blanks it filled."""
    import datetime as dt

    from grappe.interop.models import MergeProposal, OrganisationAlias, ProposalStatus
    from grappe.projects.models import Participation
    from grappe.registry.models import ClusterMembership, Organisation

    proposal = MergeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.MERGED:
        raise ValueError("only a merged proposal can be undone")
    moved = proposal.moved
    keep = Organisation.objects.select_for_update().get(pk=proposal.keep_id)
    for name in moved["filled"]:
        setattr(keep, name, "")
    if moved["filled"]:
        keep.save(update_fields=moved["filled"])
    data = dict(moved["duplicate"])
    pk = data.pop("id")
    created_at = data.pop("created_at", None)
    dup = Organisation(pk=pk, **data)
    dup.save(force_insert=True)
    if created_at:
        Organisation.objects.filter(pk=pk).update(created_at=dt.datetime.fromisoformat(created_at))
    Participation.objects.filter(pk__in=moved["participations"]).update(organisation=dup)
    for part in moved["dropped_participations"]:
        part = dict(part)
        part_pk = part.pop("id")
        part["project_id"] = part.pop("project")
        part["organisation_id"] = part.pop("organisation")
        Participation.objects.create(pk=part_pk, **part)
    ClusterMembership.objects.filter(pk__in=moved["memberships"]).update(organisation=dup)
    for member in moved["dropped_memberships"]:
        member = dict(member)
        member_pk = member.pop("id")
        member["cluster_id"] = member.pop("cluster")
        member["organisation_id"] = member.pop("organisation")
        ClusterMembership.objects.create(pk=member_pk, **member)
    OrganisationAlias.objects.filter(pk__in=moved["aliases"]).update(organisation=dup)
    proposal.status = ProposalStatus.UNDONE
    proposal.duplicate = dup
    proposal.decided_by = user if getattr(user, "is_authenticated", False) else None
    proposal.decided_at = timezone.now()
    proposal.save()
    audit_record(actor=user, action="organisation.merge_undo", obj=dup, before=moved)
    return proposal
