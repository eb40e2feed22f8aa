"""CORDIS and ANR importers: stream rows, validate, resolve organisations, write in batches.

An importer is built on one input (`open_input`), checks every file's header up front
(`check()`, raising `FileProblem` before anything is written), then `run()` streams the rows.
Values are compared with what the database holds and only differences are written, so that
importing the same file twice changes nothing.

Project status: an imported project is *created* in the state its source publishes (`funded`
or `completed`), one of the project workflow's entry states. A later change of the published
status goes through `projects.services.project_transition` as a system process (a Transition
row and an audit event per project); a change the workflow has no step for is counted as
`project_status: refused` and the status is left as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import operator
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db.models import F

from grappe.core.actors import Actor
from grappe.core.domain.i18n import gettext_noop
from grappe.funding.models import Funder, FunderKind
from grappe.interop.domain import names
from grappe.interop.domain.countries import is_country_code
from grappe.interop.domain.readers import (
    FileProblem,
    Row,
    RowProblem,
    check_length,
    parse_bool,
    parse_date,
    parse_money,
    read_rows,
    text_stream,
)
from grappe.interop.models import ImportRun, RejectedRow
from grappe.interop.resolver import Conflict, OrgState, Resolver
from grappe.projects import services as project_services
from grappe.projects.domain.workflow import CURRENT, entry_state_problem, transition_between
from grappe.projects.models import FundingLine, Participation, Project
from grappe.projects.services import TransitionRefused, project_transition
from grappe.registry.domain import identifiers as idf

Progress = Callable[[int], None]


class Counts:
    """Per-entity counters: created / updated / unchanged / rejected."""

    KINDS = ("created", "updated", "unchanged", "rejected")

    def __init__(self) -> None:
        self.data: dict[str, dict[str, int]] = {}

    def add(self, entity: str, kind: str, n: int = 1) -> None:
        bucket = self.data.setdefault(entity, dict.fromkeys(self.KINDS, 0))
        bucket[kind] = bucket.get(kind, 0) + n

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {k: dict(v) for k, v in sorted(self.data.items())}


# --- inputs ----------------------------------------------------------------------------------


class Input:
    """A folder, a zip or a single file, opened by base name; checksum over the files used."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise FileProblem(f"{path}: no such file or folder.")
        self._zip: zipfile.ZipFile | None = None
        if path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)

    def names(self) -> dict[str, str]:
        if self._zip is not None:
            return {Path(n).name: n for n in self._zip.namelist() if not n.endswith("/")}
        if self.path.is_dir():
            return {p.name: str(p) for p in self.path.iterdir() if p.is_file()}
        return {self.path.name: str(self.path)}

    def has(self, name: str) -> bool:
        return name in self.names()

    def open(self, name: str) -> IO[str]:
        where = self.names().get(name)
        if where is None:
            raise FileProblem(f"{self.path}: {name} is missing.")
        binary: IO[bytes]
        binary = self._zip.open(where) if self._zip is not None else open(where, "rb")  # noqa: SIM115
        return text_stream(binary, name)

    def checksum(self, wanted: list[str]) -> str:
        digest = hashlib.sha256()
        if self._zip is None and self.path.is_file():
            wanted = [self.path.name]
        elif self._zip is not None:
            with open(self.path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            return digest.hexdigest()
        found = self.names()
        for name in wanted:
            if name not in found:
                continue
            digest.update(name.encode())
            with open(found[name], "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
        return digest.hexdigest()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def ensure_funder(slug: str) -> Funder:
    """The EU and ANR funders, created on first import (same slugs as the demo loader)."""
    defaults = {
        "european-union": {
            "name_en": "European Union",
            "name_fr": "Union européenne",
            "kind": FunderKind.EU,
            "website": "https://cordis.europa.eu/",
        },
        "anr": {
            "name_en": "ANR",
            "name_fr": "Agence nationale de la recherche",
            "kind": FunderKind.AGENCY,
            "website": "https://anr.fr/",
        },
    }[slug]
    funder, _ = Funder.objects.get_or_create(slug=slug, defaults=defaults)
    return funder


# --- the shared engine ---------------------------------------------------------------------

PROJECT_FIELDS = (
    "acronym",
    "title",
    "objective",
    "status",
    "start_date",
    "end_date",
    "duration_months",
    "total_cost",
    "eu_contribution",
    "programme",
    "legal_basis",
    "call",
    "funding_scheme",
    "topics",
    "funder_id",
)
STATUS_AT = PROJECT_FIELDS.index("status")
PARTICIPATION_FIELDS = (
    "role",
    "display_order",
    "eu_contribution",
    "net_eu_contribution",
    "total_cost",
)


@dataclass
class PendingParticipation:
    line: int
    project: str  # external id; the pk is known once the project is written
    org: OrgState
    values: dict[str, Any]


@dataclass
class Engine:
    """Batches project, organisation and participation writes for one run."""

    source: str
    run: ImportRun | None
    progress: Progress | None = None
    batch_size: int = 2000
    counts: Counts = field(default_factory=Counts)
    rows_processed: int = 0

    def __post_init__(self) -> None:
        self.resolver = Resolver(source=self.source, run=self.run, counts=self.counts)
        # Provenance: rows this run creates or changes record it (`source_run`); rows imported
        # before runs were recorded per row get it too when a run reads them again.
        self.run_id: int | None = self.run.pk if self.run is not None else None
        self._unstamped_projects: set[int] = set()
        self._unstamped_participations: set[int] = set()
        # external id → (pk, values in PROJECT_FIELDS order); pk is None until written
        self.projects: dict[str, tuple[int | None, tuple[Any, ...]]] = {}
        for row in (
            Project.objects.filter(source=self.source)
            .exclude(external_id="")
            .values_list("pk", "external_id", "source_run", *PROJECT_FIELDS)
            .iterator(chunk_size=5000)
        ):
            self.projects[row[1]] = (row[0], tuple(row[3:]))
            if row[2] is None:
                self._unstamped_projects.add(row[0])
        self.participations: dict[tuple[int, int], tuple[int, tuple[Any, ...]]] = {}
        for row in (
            Participation.objects.filter(project__source=self.source)
            .exclude(project__external_id="")
            .values_list("pk", "project_id", "organisation_id", "source_run", *PARTICIPATION_FIELDS)
            .iterator(chunk_size=5000)
        ):
            self.participations[(row[1], row[2])] = (row[0], tuple(row[4:]))
            if row[3] is None:
                self._unstamped_participations.add(row[0])
        # The funding lines this source publishes (participation pk → line), once an importer
        # asks for them (`manage_funding_lines`): the EU contribution of CORDIS participants.
        self.funding_lines: dict[int, tuple[int, tuple[Any, ...]]] | None = None
        self.coordinators: dict[int, int] = {
            pid: pk
            for pk, pid in Participation.objects.filter(
                project__source=self.source, role="coordinator"
            ).values_list("pk", "project_id")
        }
        self._new_projects: list[tuple[str, tuple[Any, ...]]] = []
        self._changed_projects: list[tuple[int, dict[str, Any]]] = []
        self._changed_project_fields: set[str] = set()
        # pk, external id, published status before and now
        self._status_changes: list[tuple[int, str, str, str]] = []
        self._pending: list[PendingParticipation] = []
        self._new_orgs: list[OrgState] = []
        self._rejected: list[RejectedRow] = []
        self._seen_projects: set[str] = set()
        self._seen_pairs: dict[tuple[str, int], int] = {}  # (project, id(org state)) → line
        self._coordinator_in_run: dict[str, int] = {}
        self._org_cache: dict[tuple[str, ...], OrgState] = {}
        self._seen_keys: set[tuple[int, int]] = set()
        self._projects_with_rejects: set[str] = set()
        self._no_deletions = False
        self.rejected_total = 0

    def manage_funding_lines(self) -> None:
        """This source publishes each participant's funding (`values["funding"]`, a tuple
        `(funder_id, amount, decided_on)` or None): keep one funding line per participation of
        the project's funder in step with the file (created, updated, removed)."""
        self.funding_lines = {}
        for pk, participation_id, *line in (
            FundingLine.objects.filter(
                participation__project__source=self.source,
                funder_id=F("participation__project__funder_id"),
            )
            .values_list("pk", "participation_id", "requested", "granted", "decided_on")
            .iterator(chunk_size=5000)
        ):
            self.funding_lines[participation_id] = (pk, tuple(line))

    # --- rejects and progress ---
    def reject(
        self,
        entity: str,
        label: str,
        row: Row,
        problem: RowProblem | Conflict,
        project: str | None = "",
    ) -> None:
        """Record a rejected row with its reason, kept translatable (English text, and the
        message and its values for the reader's language). `project`: the project a rejected
        participation row named (None when unknown); its other participations are then not
        deleted as stale."""
        if entity in {"participation", "organisation"}:
            if project is None:
                self._no_deletions = True
            else:
                self._projects_with_rejects.add(project)
        self.counts.add(entity, "rejected")
        self.rejected_total += 1
        self._rejected.append(
            RejectedRow(
                run=self.run,
                file_name=label,
                line=row.line,
                reason=str(problem),
                reason_message=problem.message,
                reason_params=problem.params,
                raw=row.raw,
            )
        )
        if len(self._rejected) >= self.batch_size:
            self._flush_rejects()

    def _flush_rejects(self) -> None:
        if self.run is not None and self._rejected:
            RejectedRow.objects.bulk_create(self._rejected, batch_size=self.batch_size)
        self._rejected = []

    def tick(self) -> None:
        self.rows_processed += 1
        if self.rows_processed % self.batch_size == 0 and self.progress is not None:
            self.progress(self.rows_processed)

    # --- projects ---
    def project_seen(self, external_id: str) -> bool:
        return external_id in self._seen_projects

    def upsert_project(self, external_id: str, values: dict[str, Any]) -> None:
        self._seen_projects.add(external_id)
        new = tuple(values[f] for f in PROJECT_FIELDS)
        known = self.projects.get(external_id)
        if known is None:
            # Creation: the published status must be an entry state of the project workflow.
            assert entry_state_problem(CURRENT, values["status"]) is None, values["status"]
            self._new_projects.append((external_id, new))
            self.projects[external_id] = (None, new)
            self.counts.add("project", "created")
        else:
            pk, old = known
            changed = {f for f, a, b in zip(PROJECT_FIELDS, old, new, strict=True) if a != b}
            if "status" in changed and pk is not None:
                # Never written here: the workflow's service moves it after the batch
                # (`_apply_status_changes`); until then we hold the status we had.
                changed.discard("status")
                self._status_changes.append((pk, external_id, old[STATUS_AT], new[STATUS_AT]))
                new = (*new[:STATUS_AT], old[STATUS_AT], *new[STATUS_AT + 1 :])
                values = {**values, "status": old[STATUS_AT]}
            stamp = pk in self._unstamped_projects and self.run_id is not None
            if (not changed and not stamp) or pk is None:
                self.counts.add("project", "unchanged")
                return
            self._changed_projects.append((pk, {**values, "source_run": self.run_id}))
            self._changed_project_fields |= changed
            if self.run_id is not None:
                self._changed_project_fields.add("source_run")
                self._unstamped_projects.discard(pk)
            self.projects[external_id] = (pk, new)
            self.counts.add("project", "updated" if changed else "unchanged")
        if len(self._new_projects) + len(self._changed_projects) >= self.batch_size:
            self.flush_projects()

    def flush_projects(self) -> None:
        actor = self.run.user if self.run is not None else None
        if self._new_projects:
            ids = project_services.project_bulk_insert(
                actor=actor,
                fields=["source", "external_id", *PROJECT_FIELDS, "source_run"],
                rows=[
                    (self.source, external_id, *new, self.run_id)
                    for external_id, new in self._new_projects
                ],
                on_behalf_of=self.run,
            )
            for (external_id, new), pk in zip(self._new_projects, ids, strict=True):
                self.projects[external_id] = (pk, new)
            self._new_projects = []
        if self._changed_projects:
            fields = sorted(self._changed_project_fields)
            project_services.project_bulk_update(
                actor=actor,
                fields=fields,
                rows=[(pk, *(values[f] for f in fields)) for pk, values in self._changed_projects],
                on_behalf_of=self.run,
                batch_size=self.batch_size,
            )
            self._changed_projects = []
            self._changed_project_fields = set()
        self._apply_status_changes()

    def _apply_status_changes(self) -> None:
        """Move projects whose published status changed through the workflow's service."""
        changes, self._status_changes = self._status_changes, []
        for pk, external_id, before, after in changes:
            step = transition_between(CURRENT, before, after)
            if step is None:
                self.counts.add("project_status", "refused")
                continue
            try:
                project_transition(
                    actor=None,
                    project=Project(pk=pk),
                    transition=step,
                    reason=f"{self.source}: published status is now {after}",
                )
            except TransitionRefused:
                self.counts.add("project_status", "refused")
                continue
            self.counts.add("project_status", "updated")
            values = self.projects[external_id][1]
            self.projects[external_id] = (
                pk,
                (*values[:STATUS_AT], after, *values[STATUS_AT + 1 :]),
            )

    def project_pk(self, external_id: str) -> int:
        pk = self.projects[external_id][0]
        assert pk is not None, "flush_projects() first"
        return pk

    # --- participations ---
    def add_participation(
        self,
        label: str,
        row: Row,
        project: str,
        candidate: Callable[[], dict[str, Any]],
        values: dict[str, Any],
        org_key: tuple[str, ...] | None = None,
    ) -> None:
        """Resolve the organisation and queue the participation (or reject the row).

        `candidate()` parses the row's organisation fields (raising `RowProblem`). Rows repeat
        the same organisation with the same fields; `org_key` (those raw fields) lets a repeat
        skip parsing and resolving: it would reach the same organisation and change nothing.
        """
        org = self._org_cache.get(org_key) if org_key is not None else None
        if org is None:
            try:
                org = self.resolver.resolve(candidate())
            except RowProblem as exc:
                self.reject("participation", label, row, exc, project)
                return
            except Conflict as exc:
                self.reject("organisation", label, row, exc, project)
                return
            if org_key is not None:
                self._org_cache[org_key] = org
        if org.pk is None and org.is_new and org not in self._new_orgs:
            self._new_orgs.append(org)
        pair = (project, id(org))
        first_line = self._seen_pairs.get(pair)
        if first_line is not None:
            if values["role"] == "coordinator":
                for pending in self._pending:
                    if pending.project == project and pending.org is org:
                        pending.values["role"] = "coordinator"
                message = gettext_noop(
                    "the same organisation (%(name)r) is already in this project at line "
                    "%(line)s; a project lists each organisation once (its coordinator role "
                    "was kept)"
                )
            else:
                message = gettext_noop(
                    "the same organisation (%(name)r) is already in this project at line "
                    "%(line)s; a project lists each organisation once"
                )
            problem = RowProblem(message, name=org.values["name"], line=first_line)
            self.reject("participation", label, row, problem, project)
            return
        if values["role"] == "coordinator":
            other = self._coordinator_in_run.get(project)
            if other is not None:
                self.reject(
                    "participation",
                    label,
                    row,
                    RowProblem(
                        gettext_noop(
                            "role: the project already has a coordinator at line %(line)s"
                        ),
                        line=other,
                    ),
                    project,
                )
                return
            self._coordinator_in_run[project] = row.line
        self._seen_pairs[pair] = row.line
        self._pending.append(PendingParticipation(row.line, project, org, values))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        self.flush_projects()
        self.resolver.flush(self._new_orgs, batch_size=self.batch_size)
        self._new_orgs = []
        creates: list[tuple[int, int, tuple[Any, ...]]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        changed_fields: set[str] = set()
        demote: list[int] = []
        coordinators: list[tuple[int, int]] = []
        unchanged = stamp_only = 0
        funding: list[tuple[tuple[int, int], Any]] = []
        projects, participations = self.projects, self.participations
        for p in self._pending:
            org_pk = p.org.pk
            assert org_pk is not None
            project_pk = projects[p.project][0]
            assert project_pk is not None
            key = (project_pk, org_pk)
            self._seen_keys.add(key)
            current = participations.get(key)
            values = p.values
            funding.append((key, values.get("funding")))
            values["source_run"] = self.run_id
            new_tuple = (
                values["role"],
                values["display_order"],
                values["eu_contribution"],
                values["net_eu_contribution"],
                values["total_cost"],
            )
            if new_tuple[0] == "coordinator":
                # A coordinator that changed hands: demote the old one first (one per project).
                old = self.coordinators.get(project_pk)
                if old is not None and (current is None or old != current[0]):
                    demote.append(old)
                coordinators.append(key)
            stamp = (
                current is not None
                and current[0] in self._unstamped_participations
                and self.run_id is not None
            )
            if current is None:
                creates.append((project_pk, org_pk, new_tuple))
            elif current[1] != new_tuple:
                updates.append((current[0], values))
                changed_fields |= {
                    f
                    for f, old_value, new_value in zip(
                        PARTICIPATION_FIELDS, current[1], new_tuple, strict=True
                    )
                    if old_value != new_value
                }
                participations[key] = (current[0], new_tuple)
            else:
                unchanged += 1
                if stamp:  # provenance only: the values are the file's already
                    updates.append((current[0], values))
                    stamp_only += 1
            if self.run_id is not None and current is not None:
                if stamp or current[1] != new_tuple:
                    changed_fields.add("source_run")
                self._unstamped_participations.discard(current[0])
        self.counts.add("participation", "created", len(creates))
        self.counts.add("participation", "updated", len(updates) - stamp_only)
        self.counts.add("participation", "unchanged", unchanged)
        actor = self.run.user if self.run is not None else None
        if demote:
            project_services.partner_bulk_demote(actor=actor, pks=demote, on_behalf_of=self.run)
            self.counts.add("participation", "updated", len(demote))
        if updates:
            fields = sorted(changed_fields)
            project_services.partner_bulk_update(
                actor=actor,
                fields=fields,
                rows=[(pk, *(values[f] for f in fields)) for pk, values in updates],
                on_behalf_of=self.run,
                batch_size=self.batch_size,
            )
        if creates:
            ids = project_services.partner_bulk_insert(
                actor=actor,
                fields=["project_id", "organisation_id", *PARTICIPATION_FIELDS, "source_run"],
                rows=[
                    (project_pk, org_pk, *created, self.run_id)
                    for project_pk, org_pk, created in creates
                ],
                on_behalf_of=self.run,
            )
            for (project_pk, org_pk, created), pk in zip(creates, ids, strict=True):
                participations[(project_pk, org_pk)] = (pk, created)
        for key in coordinators:
            self.coordinators[key[0]] = participations[key][0]
        if self.funding_lines is not None:
            self._flush_funding_lines(
                [(participations[key][0], line) for key, line in funding], actor
            )
        self._pending = []
        self._flush_rejects()

    def _flush_funding_lines(
        self, published: list[tuple[int, tuple[int, Any, Any] | None]], actor: Actor
    ) -> None:
        """One funding line per participation the file gives money to (requested = granted =
        the published amount, decided on the given date); a line the file no longer backs goes."""
        assert self.funding_lines is not None
        creates: list[tuple[int, int, Any, Any, Any]] = []
        updates: list[tuple[int, Any, Any, Any]] = []
        removes: list[int] = []
        for participation_pk, line in published:
            known = self.funding_lines.get(participation_pk)
            if line is None:
                if known is not None:
                    removes.append(known[0])
                    del self.funding_lines[participation_pk]
                continue
            funder_id, amount, decided_on = line
            values = (amount, amount, decided_on)
            if known is None:
                creates.append((participation_pk, funder_id, *values))
            elif known[1] != values:
                updates.append((known[0], *values))
                self.funding_lines[participation_pk] = (known[0], values)
            else:
                self.counts.add("funding_line", "unchanged")
        if updates:
            project_services.funding_line_bulk_update(
                actor=actor, rows=updates, on_behalf_of=self.run, batch_size=self.batch_size
            )
            self.counts.add("funding_line", "updated", len(updates))
        if removes:
            project_services.funding_line_bulk_remove(
                actor=actor, pks=removes, on_behalf_of=self.run, batch_size=self.batch_size
            )
            self.counts.add("funding_line", "deleted", len(removes))
        if creates:
            ids = project_services.funding_line_bulk_insert(
                actor=actor, rows=creates, on_behalf_of=self.run
            )
            for row, pk in zip(creates, ids, strict=True):
                self.funding_lines[row[0]] = (pk, row[2:])
            self.counts.add("funding_line", "created", len(creates))

    def delete_stale_participations(self) -> None:
        """A newer file no longer lists an organisation in a project: remove that participation.

        Only for projects of this file, and never for a project with a rejected participation
        row (the row may be the one that would have kept it), nor after a row whose project is
        unknown.
        """
        if self._no_deletions:
            return
        in_file = {
            self.projects[e][0] for e in self._seen_projects if e not in self._projects_with_rejects
        }
        stale = [
            pk
            for key, (pk, _values) in self.participations.items()
            if key[0] in in_file and key not in self._seen_keys
        ]
        project_services.partner_bulk_remove(
            actor=self.run.user if self.run is not None else None,
            pks=stale,
            on_behalf_of=self.run,
            batch_size=self.batch_size,
        )
        if stale:
            self.counts.add("participation", "deleted", len(stale))
            gone = set(stale)
            for key in [k for k, v in self.participations.items() if v[0] in gone]:
                del self.participations[key]

    def finish(self) -> None:
        self.flush()
        self.delete_stale_participations()
        self.resolver.finish()
        if self.progress is not None:
            self.progress(self.rows_processed)


def _months_between(start: dt.date | None, end: dt.date | None) -> int | None:
    if start is None or end is None:
        return None
    return max(1, min(32767, round(((end - start).days + 1) / 30.4375)))


def _identifier(value: str, check: Callable[[str], str], column: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        return check(value)
    except idf.InvalidIdentifier as exc:
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is invalid — %(rule)s"),
            column=column,
            value=value,
            rule=str(exc),
        ) from exc


def _country(code: str, column: str) -> str:
    """An ISO 3166-1 alpha-2 code (or XK) from a CORDIS code (`EL` → `GR`, `UK` → `GB`)."""
    code = names.cordis_country(code)
    if code and not is_country_code(code):
        raise RowProblem(
            gettext_noop("%(column)s: %(value)r is not an ISO 3166-1 country code"),
            column=column,
            value=code,
        )
    return code


def _website(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if not re.match(r"^https?://", value, re.IGNORECASE):
        value = "http://" + value
    return value[:200]


# --- CORDIS --------------------------------------------------------------------------------

CORDIS_PROJECT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "acronym": ("acronym",),
    "status": ("status",),
    "title": ("title",),
    "startDate": ("startDate",),
    "endDate": ("endDate",),
    "totalCost": ("totalCost",),
    "ecMaxContribution": ("ecMaxContribution",),
    "legalBasis": ("legalBasis", "programme"),
    "topics": ("topics",),
    "ecSignatureDate": ("ecSignatureDate",),
    "frameworkProgramme": ("frameworkProgramme",),
    "masterCall": ("masterCall", "call"),
    "subCall": ("subCall",),
    "fundingScheme": ("fundingScheme",),
    "objective": ("objective",),
}
# Run-report note: a participant's EU contribution with no date to decide it on is not a line.
NOTE_EU_LINE_UNDATED = "note: EU contribution of a project without signature or start date"
CORDIS_PROJECT_REQUIRED = (
    "id",
    "acronym",
    "startDate",
    "endDate",
    "totalCost",
    "ecMaxContribution",
)

CORDIS_ORG_COLUMNS: dict[str, tuple[str, ...]] = {
    "projectID": ("projectID",),
    "organisationID": ("organisationID", "id"),
    "vatNumber": ("vatNumber",),
    "name": ("name",),
    "shortName": ("shortName",),
    "SME": ("SME",),
    "activityType": ("activityType",),
    "street": ("street",),
    "postCode": ("postCode",),
    "city": ("city",),
    "country": ("country",),
    "nutsCode": ("nutsCode",),
    "organizationURL": ("organizationURL", "organizationUrl"),
    "order": ("order",),
    "role": ("role",),
    "ecContribution": ("ecContribution",),
    "netEcContribution": ("netEcContribution",),
    "totalCost": ("totalCost",),
}
CORDIS_ORG_REQUIRED = ("projectID", "organisationID", "name", "country", "role")
# The columns that describe the organisation (rather than its participation).
CORDIS_ORG_FIELDS = (
    "organisationID",
    "vatNumber",
    "name",
    "shortName",
    "SME",
    "activityType",
    "street",
    "postCode",
    "city",
    "country",
    "nutsCode",
    "organizationURL",
)


class CordisImporter:
    """`project.csv` then `organization.csv` (+ `topics.csv` titles when present)."""

    source = "cordis"
    files = ("project.csv", "organization.csv", "topics.csv")

    def __init__(self, path: Path) -> None:
        self.input = Input(path)

    def checksum(self) -> str:
        return self.input.checksum(list(self.files))

    def check(self) -> None:
        for name, columns, required in (
            ("project.csv", CORDIS_PROJECT_COLUMNS, CORDIS_PROJECT_REQUIRED),
            ("organization.csv", CORDIS_ORG_COLUMNS, CORDIS_ORG_REQUIRED),
        ):
            with contextlib.closing(self.input.open(name)) as stream:
                read_rows(stream, label=name, delimiter=";", columns=columns, required=required)

    def _topics(self) -> dict[str, str]:
        """Topic code → title, from the reference table or the per-project Horizon Europe file.

        Only used to title projects that have no title; a topics file we cannot read is skipped.
        """
        if not self.input.has("topics.csv"):
            return {}
        titles: dict[str, str] = {}
        try:
            with contextlib.closing(self.input.open("topics.csv")) as stream:
                for row in read_rows(
                    stream,
                    label="topics.csv",
                    delimiter=";",
                    columns={"code": ("code", "topicCode", "topic"), "title": ("title",)},
                    required=("code", "title"),
                ):
                    if row.values["code"] and row.values["title"]:
                        titles.setdefault(row.values["code"], row.values["title"])
        except FileProblem:
            return {}
        return titles

    def run(self, engine: Engine) -> None:
        funder = ensure_funder("european-union")
        topics = self._topics()
        self.schemes: dict[str, str] = {}
        # When the EU's decision was made, for the participants' funding lines: the signature
        # date, else the start date (the published files often leave the signature date empty).
        decided: dict[str, dt.date | None] = {}
        engine.manage_funding_lines()
        with contextlib.closing(self.input.open("project.csv")) as stream:
            for row in read_rows(
                stream,
                label="project.csv",
                delimiter=";",
                columns=CORDIS_PROJECT_COLUMNS,
                required=CORDIS_PROJECT_REQUIRED,
            ):
                engine.tick()
                try:
                    external_id, values = self._project(row, funder.pk, topics)
                    signed = parse_date(row.values["ecSignatureDate"], "ecSignatureDate")
                except RowProblem as exc:
                    engine.reject("project", "project.csv", row, exc)
                    continue
                if engine.project_seen(external_id):
                    twice = RowProblem(gettext_noop("id: %(id)s appears twice"), id=external_id)
                    engine.reject("project", "project.csv", row, twice)
                    continue
                engine.upsert_project(external_id, values)
                self.schemes[external_id] = values["funding_scheme"]
                decided[external_id] = signed or values["start_date"]
        engine.flush_projects()
        order: dict[str, int] = {}
        pick_org = operator.itemgetter(*CORDIS_ORG_FIELDS)
        with contextlib.closing(self.input.open("organization.csv")) as stream:
            for row in read_rows(
                stream,
                label="organization.csv",
                delimiter=";",
                columns=CORDIS_ORG_COLUMNS,
                required=CORDIS_ORG_REQUIRED,
            ):
                engine.tick()
                try:
                    project_id, values = self._participation(row)
                    if not engine.project_seen(project_id):
                        raise RowProblem(
                            gettext_noop("projectID: %(id)s is not a valid project of project.csv"),
                            id=project_id,
                        )
                except RowProblem as exc:
                    engine.reject(
                        "participation",
                        "organization.csv",
                        row,
                        exc,
                        row.values.get("projectID"),
                    )
                    continue
                if values["display_order"] is None:
                    order[project_id] = order.get(project_id, 0) + 1
                    values["display_order"] = order[project_id]
                values["funding"] = None
                if values["eu_contribution"] is not None:
                    decided_on = decided.get(project_id)
                    if decided_on is None:
                        engine.counts.add(NOTE_EU_LINE_UNDATED, "rejected")
                    else:
                        values["funding"] = (funder.pk, values["eu_contribution"], decided_on)
                v = row.values
                sme, activity = v["SME"], v["activityType"]
                scheme = self.schemes.get(project_id, "") if activity == "PRC" and not sme else ""
                key = (*pick_org(v), scheme)
                engine.add_participation(
                    "organization.csv",
                    row,
                    project_id,
                    functools.partial(self._organisation, row, project_id),
                    values,
                    key,
                )
        engine.finish()

    @staticmethod
    def _project(row: Row, funder_pk: int, topics: dict[str, str]) -> tuple[str, dict[str, Any]]:
        v = row.values
        if row.error is not None:
            raise row.error
        external_id = v["id"]
        if not re.fullmatch(r"[0-9]{1,12}", external_id):
            raise RowProblem(
                gettext_noop("id: %(id)r is not a grant agreement number (digits)"),
                id=external_id,
            )
        acronym = check_length(v["acronym"], "acronym", 120)
        if not acronym:
            raise RowProblem(gettext_noop("acronym: empty"))
        start = parse_date(v["startDate"], "startDate")
        end = parse_date(v["endDate"], "endDate")
        if start and end and end < start:
            raise RowProblem(
                gettext_noop("endDate: %(end)s is before startDate %(start)s"),
                end=end.isoformat(),
                start=start.isoformat(),
            )
        total = parse_money(v["totalCost"], "totalCost")
        eu = parse_money(v["ecMaxContribution"], "ecMaxContribution")
        status_raw = v["status"].upper()
        status = names.CORDIS_STATUS.get(status_raw or "SIGNED")
        if status is None:
            raise RowProblem(
                gettext_noop("status: %(value)r is not a CORDIS project status"),
                value=row.get("status"),
            )
        topic_codes = v["topics"]
        # The reduced H2020 set has no titles: fall back on the topic's title, then the acronym.
        title = v["title"] or topics.get(topic_codes.split(";")[0], "") or acronym
        return external_id, {
            "acronym": acronym,
            "title": title[:400],
            "objective": v["objective"],
            "status": status,
            "start_date": start,
            "end_date": end,
            "duration_months": _months_between(start, end),
            "total_cost": total,
            "eu_contribution": eu,
            "programme": check_length(v["frameworkProgramme"], "frameworkProgramme", 40),
            "legal_basis": check_length(v["legalBasis"], "legalBasis", 300),
            "call": check_length(v["subCall"] or v["masterCall"], "subCall", 120),
            "funding_scheme": check_length(v["fundingScheme"], "fundingScheme", 60),
            "topics": check_length(topic_codes, "topics", 300),
            "funder_id": funder_pk,
        }

    def _participation(self, row: Row) -> tuple[str, dict[str, Any]]:
        v = row.values
        if row.error is not None:
            raise row.error
        role = names.cordis_role(v["role"])
        if role is None:
            raise RowProblem(
                gettext_noop("role: %(value)r is not a CORDIS participation role"),
                value=v["role"],
            )
        order_text = v["order"]
        if order_text and not order_text.isdigit():
            raise RowProblem(
                gettext_noop("order: %(value)r is not a whole number"), value=order_text
            )
        values = {
            "role": role,
            "display_order": min(int(order_text), 32767) if order_text else None,
            "eu_contribution": parse_money(v["ecContribution"], "ecContribution"),
            "net_eu_contribution": parse_money(v["netEcContribution"], "netEcContribution"),
            "total_cost": parse_money(v["totalCost"], "totalCost"),
        }
        return v["projectID"], values

    def _organisation(self, row: Row, project_id: str) -> dict[str, Any]:
        v = row.values
        name = check_length(v["name"], "name", 300)
        if not name:
            raise RowProblem(gettext_noop("name: empty"))
        if names.is_placeholder(name):
            raise RowProblem(
                gettext_noop("name: %(value)r is a placeholder, not an organisation"), value=name
            )
        sme = parse_bool(v["SME"], "SME")
        return {
            "name": name,
            "short_name": check_length(v["shortName"], "shortName", 120),
            "kind": names.cordis_kind(v["activityType"], sme, self.schemes.get(project_id, "")),
            "pic": _identifier(v["organisationID"], idf.check_pic, "organisationID"),
            "vat": _identifier(v["vatNumber"], idf.check_vat, "vatNumber"),
            "address": check_length(v["street"], "street", 300),
            "postcode": check_length(v["postCode"], "postCode", 16),
            "city": check_length(v["city"], "city", 120),
            "country": _country(v["country"], "country"),
            "nuts_code": check_length(v["nutsCode"], "nutsCode", 5),
            "website": _website(v["organizationURL"]),
            "sme_declared": sme,
        }


# --- ANR -----------------------------------------------------------------------------------

ANR_COLUMNS: dict[str, tuple[str, ...]] = {
    "project": ("Projet.Code_Decision_ANR",),
    "acronym": ("Projet.Acronyme",),
    "partner": ("Projet.Partenaire.Code_Decision_ANR",),
    "coordinator": ("Projet.Partenaire.Est_coordinateur",),
    "name": ("Projet.Partenaire.Nom_organisme",),
    "category": ("Projet.Partenaire.Categorie_organisme",),
    "rnsr": ("Projet.Partenaire.Code_RNSR",),
    "city": ("Projet.Partenaire.Adresse.Ville",),
    "region": ("Projet.Partenaire.Adresse.Region",),
    "country": ("Projet.Partenaire.Adresse.Pays",),
    "siret": ("Projet.Partenaire.SIRET", "Projet.Partenaire.Code_SIRET"),
}
# A normalised name paired with this many different RNSRs is an institution's, not a lab's.
PARENT_RNSR_COUNT = 3
# Run-report notes (rows kept, a value moved or left out), shown with the counts.
NOTE_SIREN_IN_RNSR = "note: SIREN found in the RNSR column, moved to SIREN"
NOTE_PARENT_WITH_LAB = "note: institution named with a lab's RNSR, row given to the lab"
NOTE_PARENT_ONLY = "note: institution named with an RNSR never named otherwise, RNSR left out"
ANR_ORG_FIELDS = ("name", "category", "rnsr", "siret", "city", "region", "country")
ANR_REQUIRED = ("project", "acronym", "coordinator", "name", "category", "city", "country")
_ANR_CODE = re.compile(r"^ANR-[0-9]{2}-[A-Z0-9]{2,8}-[0-9]{4}$")


class AnrImporter:
    """The ANR open-data partner file: one row per project partner."""

    source = "anr"

    def __init__(self, path: Path) -> None:
        self.input = Input(path)
        found = [n for n in self.input.names() if n.lower().endswith(".csv")]
        if not found:
            raise FileProblem(f"{path}: no .csv file found.")
        self.file = "anr_dos_partners.csv" if "anr_dos_partners.csv" in found else sorted(found)[0]

    def checksum(self) -> str:
        return self.input.checksum([self.file])

    def check(self) -> None:
        with contextlib.closing(self.input.open(self.file)) as stream:
            read_rows(
                stream, label=self.file, delimiter=",", columns=ANR_COLUMNS, required=ANR_REQUIRED
            )

    def _lab_names(self) -> tuple[dict[str, str], frozenset[str]]:
        """A first pass over the file: each lab's own name, and the institutions' names.

        ANR rows often pair a parent institution's name (a *tutelle*: `CNRS`, a university)
        with a lab's RNSR. A normalised name the file pairs with `PARENT_RNSR_COUNT` or more
        RNSRs is an institution's; a lab is named by the spelling its RNSR is most often given
        that is neither an institution's nor a placeholder.
        """
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        rnsrs: dict[str, set[str]] = defaultdict(set)
        with contextlib.closing(self.input.open(self.file)) as stream:
            for row in read_rows(
                stream, label=self.file, delimiter=",", columns=ANR_COLUMNS, required=ANR_REQUIRED
            ):
                v = row.values
                rnsr = (v.get("rnsr") or "").strip().upper()
                name = (v.get("name") or "").strip()
                if not rnsr or not name or names.looks_like_siren(rnsr):
                    continue
                spellings[rnsr][name] += 1
                rnsrs[names.normalise_name(name)].add(rnsr)
        parents = frozenset(n for n, found in rnsrs.items() if len(found) >= PARENT_RNSR_COUNT)
        labs: dict[str, str] = {}
        for rnsr, counter in spellings.items():
            for name, _count in counter.most_common():
                if names.normalise_name(name) not in parents and not names.is_placeholder(name):
                    labs[rnsr] = name
                    break
        return labs, parents

    def run(self, engine: Engine) -> None:
        funder = ensure_funder("anr")
        order: dict[str, int] = {}
        labs, parents = self._lab_names()
        with contextlib.closing(self.input.open(self.file)) as stream:
            for row in read_rows(
                stream, label=self.file, delimiter=",", columns=ANR_COLUMNS, required=ANR_REQUIRED
            ):
                engine.tick()
                try:
                    code, project_values, cand, values = self._row(row, funder.pk)
                    self._identity(cand, labs, parents, engine.counts)
                except RowProblem as exc:
                    engine.reject("participation", self.file, row, exc, row.values.get("project"))
                    continue
                if not engine.project_seen(code):
                    engine.upsert_project(code, project_values)
                order[code] = order.get(code, 0) + 1
                values["display_order"] = order[code]
                v = row.values
                key = tuple(v[c] for c in ANR_ORG_FIELDS)
                engine.add_participation(
                    self.file, row, code, functools.partial(dict, cand), values, key
                )
        engine.finish()

    @staticmethod
    def _identity(
        cand: dict[str, Any], labs: dict[str, str], parents: frozenset[str], counts: Counts
    ) -> None:
        """Name a row's lab by its RNSR, never by the institution the row also names.

        A row with an RNSR describes that lab: it takes the lab's own name (an institution's
        name or a person's never renames it). An institution's name with an RNSR the file
        never names otherwise is the institution's row: the RNSR is left out.
        """
        if cand.pop("siren_from_rnsr_column", False):
            counts.add(NOTE_SIREN_IN_RNSR, "updated")
        rnsr = cand.get("rnsr")
        if not rnsr:
            return
        lab = labs.get(rnsr)
        if lab is not None:
            if lab != cand["name"]:
                if names.normalise_name(cand["name"]) in parents:
                    counts.add(NOTE_PARENT_WITH_LAB, "updated")
                else:  # another spelling of the lab's name: kept as an alias
                    cand["spelling"] = cand["name"]
                cand["name"] = lab
        elif names.normalise_name(cand["name"]) in parents:
            cand["rnsr"] = ""
            counts.add(NOTE_PARENT_ONLY, "updated")

    @staticmethod
    def _row(
        row: Row, funder_pk: int
    ) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
        v = row.values
        if row.error is not None:
            raise row.error
        code = v["project"]
        if not _ANR_CODE.match(code):
            raise RowProblem(
                gettext_noop(
                    "Projet.Code_Decision_ANR: %(value)r is not an ANR decision code "
                    "(ANR-yy-XXXX-nnnn)"
                ),
                value=code,
            )
        acronym = check_length(v["acronym"], "Projet.Acronyme", 120) or code
        coordinator = parse_bool(v["coordinator"], "Projet.Partenaire.Est_coordinateur")
        if coordinator is None:
            raise RowProblem(
                gettext_noop("Projet.Partenaire.Est_coordinateur: empty (expected True or False)")
            )
        name = check_length(v["name"], "Projet.Partenaire.Nom_organisme", 300)
        if names.is_placeholder(name):
            if not name:
                raise RowProblem(gettext_noop("Projet.Partenaire.Nom_organisme: empty"))
            raise RowProblem(
                gettext_noop(
                    "Projet.Partenaire.Nom_organisme: %(value)r is a placeholder, not an "
                    "organisation"
                ),
                value=name,
            )
        mapped = names.anr_kind(v["category"])
        if mapped is None:
            raise RowProblem(
                gettext_noop(
                    "Projet.Partenaire.Categorie_organisme: %(value)r is not a known ANR category"
                ),
                value=row.get("category"),
            )
        country_name = v["country"]
        country = names.country_from_name(country_name)
        if country_name and country is None:
            raise RowProblem(
                gettext_noop("Projet.Partenaire.Adresse.Pays: unknown country %(value)r"),
                value=country_name,
            )
        if not country and v["region"]:
            country = "FR"  # French regions are only given for French addresses
        rnsr_column = v["rnsr"].strip()
        siren = ""
        if names.looks_like_siren(rnsr_column):
            # A SIREN typed in the RNSR column: keep the row, move the value (counted as a note).
            siren, rnsr_column = rnsr_column.replace(" ", ""), ""
        cand: dict[str, Any] = {
            "name": name,
            "kind": mapped[0],
            "size_class": mapped[1],
            "rnsr": _identifier(rnsr_column, idf.check_rnsr, "Projet.Partenaire.Code_RNSR"),
            "siret": _identifier(v["siret"], idf.check_siret, "Projet.Partenaire.SIRET"),
            "city": check_length(v["city"], "Projet.Partenaire.Adresse.Ville", 120),
            "country": country or "",
        }
        if cand["siret"]:
            cand["siren"] = cand["siret"][:9]
        elif siren:
            cand["siren"] = siren
            cand["siren_from_rnsr_column"] = True
        project_values = {
            "acronym": acronym,
            "title": acronym,
            "objective": "",
            "status": "funded",
            "start_date": None,
            "end_date": None,
            "duration_months": None,
            "total_cost": None,
            "eu_contribution": None,
            "programme": "ANR",
            "legal_basis": "",
            "call": code.split("-")[2],
            "funding_scheme": "",
            "topics": "",
            "funder_id": funder_pk,
        }
        values: dict[str, Any] = {
            "role": "coordinator" if coordinator else "partner",
            "display_order": 0,
            "eu_contribution": None,
            "net_eu_contribution": None,
            "total_cost": None,
        }
        return code, project_values, cand, values


IMPORTERS: dict[str, type[CordisImporter] | type[AnrImporter]] = {
    "cordis": CordisImporter,
    "anr": AnrImporter,
}


def build_importer(source: str, path: Path) -> CordisImporter | AnrImporter:
    try:
        return IMPORTERS[source](path)
    except KeyError as exc:
        raise FileProblem(f"unknown import source {source!r}") from exc
