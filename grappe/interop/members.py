"""Cluster member spreadsheets (CSV or XLSX): template, preview (nothing written), commit.

A sheet adds memberships of the manager's own cluster, unconfirmed: the organisation (one of
its members) or an administrator confirms them, and only a confirmed membership lets the
cluster's managers see the organisation's confidential figures. A sheet creates the
organisations it does not find, but never writes an existing one: each difference between the
sheet and the registry becomes a change proposal for the organisation to accept or reject.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.domain.i18n import gettext_noop
from grappe.core.domain.text import first_control, printable
from grappe.core.services import audit_record
from grappe.interop.domain.countries import is_country_code
from grappe.interop.domain.names import country_from_name, normalise_city, normalise_name
from grappe.interop.domain.readers import (
    RowRefused,
    SheetLimits,
    SheetRefused,
    parse_day,
    read_table,
)
from grappe.interop.importers import Counts
from grappe.interop.models import ImportRun, RejectedRow, RunStatus, reason_text
from grappe.interop.resolver import IDENTIFIERS, Conflict, OrgState, Resolver
from grappe.registry.domain import identifiers as idf
from grappe.registry.models import (
    PROPOSABLE_FIELDS,
    ClusterMembership,
    OrganisationKind,
    organisation_field_label,
    organisation_value_label,
)
from grappe.registry.services import change_proposals_create, membership_start, membership_update

COLUMNS = (
    "name",
    "short_name",
    "type",
    "siren",
    "siret",
    "rnsr",
    "ror",
    "pic",
    "vat",
    "address",
    "postcode",
    "city",
    "country",
    "website",
    "member_since",
    "member_until",
)
REQUIRED = ("name", "type", "member_since")
EXAMPLE = {
    "name": "Exemple Robotique",
    "short_name": "ExRob",
    "type": "sme",
    "siren": "732829320",
    "city": "Paris",
    "postcode": "75011",
    "country": "FR",
    "website": "https://example.org",
    "member_since": "2024-01-01",
}
CHECKS = {
    "siren": idf.check_siren,
    "siret": idf.check_siret,
    "rnsr": idf.check_rnsr,
    "ror": idf.check_ror,
    "pic": idf.check_pic,
    "vat": idf.check_vat,
}
LIMITS = SheetLimits()
logger = logging.getLogger(__name__)
MAX_ROWS = LIMITS.max_rows


def template_csv(columns: tuple[str, ...] = COLUMNS, example: dict[str, str] | None = None) -> str:
    """A sheet's template: its header and one example row (member sheets by default)."""
    example = EXAMPLE if example is None else example
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerow([example.get(c, "") for c in columns])
    return out.getvalue()


ACTION_LABELS = {
    "matched": _("matched"),
    "unmatched": _("kept, unmatched"),
    "create": _("create"),
    "propose": _("propose changes"),
    "match": _("match"),
    "unchanged": _("unchanged"),
    "error": _("error"),
}


@dataclass
class PreviewLine:
    line: int
    name: str
    action: str  # create / propose / match / unchanged / error (funding lines: matched, unmatched)
    detail: str = ""

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


@dataclass
class Preview:
    problem: str = ""
    encoding_offer: str = ""  # an encoding the file reads cleanly in, offered when not UTF-8
    lines: list[PreviewLine] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    _plan: list[Any] = field(default_factory=list)  # what a commit writes, per sheet kind
    _resolver: Resolver | None = None
    _counts: Counts | None = None


def _rows(run: ImportRun) -> list[tuple[int, dict[str, str]]]:
    return sheet_rows(run, required=REQUIRED, default_name="members")


def sheet_rows(
    run: ImportRun, *, required: tuple[str, ...], default_name: str
) -> list[tuple[int, dict[str, str]]]:
    """An uploaded spreadsheet's rows (CSV or XLSX) as dictionaries keyed by lower-case header,
    with their line numbers; raises SheetRefused (with a translatable message) for a file
    refused whole, e.g. without one of the `required` columns. The limits (`LIMITS`: file size,
    uncompressed size, rows) are checked before and while reading, never after a full read.
    Member sheets and funding-line sheets (`funding_lines.py`) read their files through it."""
    data = bytes(run.payload or b"")
    label = run.file_name or default_name
    if not data:
        raise SheetRefused(gettext_noop("%(name)s: the file is empty."), name=label)
    xlsx = run.file_name.lower().endswith(".xlsx") or data[:2] == b"PK"
    table = read_table(data, label=label, xlsx=xlsx, limits=LIMITS, encoding=run.encoding)
    first = next(table, None)
    if not first:
        raise SheetRefused(gettext_noop("%(name)s: the file is empty (no header row)."), name=label)
    header = [h.strip().lower() for h in first]
    missing = [c for c in required if c not in header]
    if missing:
        raise SheetRefused(
            gettext_noop("%(name)s: required column(s) missing from the header: %(columns)s."),
            name=label,
            columns=", ".join(missing),
        )
    rows = []
    for number, values in enumerate(table, start=2):
        if not values:
            continue
        rows.append(
            (
                number,
                {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)},
            )
        )
    return rows


def refusal_text(exc: SheetRefused) -> str:
    """The refusal in the active language."""
    return gettext(exc.message) % exc.params


class MemberResolver(Resolver):
    """The resolver of a member sheet: it creates and fills new organisations, but never writes
    one that exists — every difference is kept in `proposals` instead — and adds no alias to one
    (an alias steers how every later import resolves names)."""

    def __init__(self, *, run: ImportRun | None, counts: Any) -> None:
        super().__init__(source="members", run=run, counts=counts)
        # organisation id → field → (value held, value proposed)
        self.proposals: dict[int, dict[str, tuple[str, str]]] = {}
        self.last_differences: dict[str, tuple[str, str]] = {}

    def _update(self, state: OrgState, cand: dict[str, Any]) -> None:
        self.last_differences = {}
        if state.is_new:  # created from an earlier row of this sheet
            super()._update(state, cand)
            return
        assert state.pk is not None
        for f in PROPOSABLE_FIELDS:
            new = cand.get(f)
            old = state.values.get(f) or ""
            if new in ("", None) or new == old:
                continue
            if f == "kind" and new == OrganisationKind.OTHER:
                continue  # "other" says nothing
            if f == "name" and normalise_name(new) == normalise_name(old):
                continue  # the same name in another spelling (case, accents, legal form)
            if f == "city" and normalise_city(new) == normalise_city(old):
                continue
            if f in IDENTIFIERS and self.by_id[f].get(new) not in (None, state):
                continue  # another organisation holds it: accepting could only fail
            self.last_differences[f] = (old, new)
        if self.last_differences:
            self.proposals.setdefault(state.pk, {}).update(self.last_differences)
        state.seen = True


def _differences_text(differences: dict[str, tuple[str, str]]) -> str:
    return "; ".join(
        f"{organisation_field_label(f)}: {organisation_value_label(f, old) or '—'} → "
        f"{organisation_value_label(f, new)}"
        for f, (old, new) in differences.items()
    )


def _pick(memberships: list[Any], since: dt.date) -> Any | None:
    """The membership a row speaks of: the one that started the same day, else the latest."""
    same = [m for m in memberships if _start(m) == since]
    if same:
        return same[0]
    return max(memberships, key=_start, default=None)


def _start(membership: Any) -> dt.date:
    return membership.start_date if isinstance(membership, ClusterMembership) else membership[0]


def _kind_labels() -> dict[str, str]:
    """Every spelling of an organisation type a sheet may use, whatever the interface's
    language: the stored value (`sme`) and its label in English and French (`SME`, `PME`)."""
    labels: dict[str, str] = {}
    for language in ("en", "fr"):
        with translation.override(language):
            for value, label in OrganisationKind.choices:
                labels.setdefault(str(label).casefold(), value)
    for value in OrganisationKind.values:
        labels[value] = value
    return labels


def _check_identifiers(
    values: dict[str, str], cand: dict[str, Any], problems: list[RowRefused]
) -> None:
    for column in IDENTIFIERS:
        raw = values.get(column, "")
        width = {"siren": 9, "siret": 14, "pic": 9}.get(column)
        if width and raw.isdigit() and len(raw) < width:
            raw = raw.zfill(width)  # a spreadsheet stored the number and dropped leading zeros
        if raw:
            try:
                cand[column] = CHECKS[column](raw)
            except idf.InvalidIdentifier as exc:
                problems.append(
                    RowRefused(
                        gettext_noop("%(column)s: '%(value)s' is invalid: %(rule)s"),
                        column=column,
                        value=raw,
                        rule=str(exc),
                    )
                )
    if cand.get("siret") and cand.get("siren") and not cand["siret"].startswith(cand["siren"]):
        problems.append(RowRefused(gettext_noop("siret: the SIRET must start with the SIREN.")))
    if cand.get("siret") and not cand.get("siren"):
        cand["siren"] = cand["siret"][:9]


def _candidate(
    values: dict[str, str],
) -> tuple[dict[str, Any], dt.date | None, dt.date | None, list[RowRefused]]:
    """The organisation a row describes and its membership dates, with every reason the row
    is refused (all of them, not the first: the manager fixes the sheet once)."""
    problems: list[RowRefused] = []
    for column, value in values.items():
        found = first_control(value, multiline=True)
        if found is not None:
            problems.append(
                RowRefused(
                    gettext_noop("%(column)s: contains a control character (%(character)s)."),
                    column=column,
                    character=found,
                )
            )
    if problems:  # the other checks would only repeat the same cells' trouble
        return {}, None, None, problems
    name = values.get("name", "")
    if not name:
        problems.append(RowRefused(gettext_noop("name: empty.")))
    elif len(name) > 300:
        problems.append(
            RowRefused(
                gettext_noop("%(column)s: longer than %(limit)s characters."),
                column="name",
                limit=300,
            )
        )
    given = values.get("type", "").strip()
    kind = _kind_labels().get(given.casefold(), "")
    if kind not in OrganisationKind.values:
        problems.append(
            RowRefused(
                gettext_noop("type: '%(value)s' is not one of %(choices)s."),
                value=given,
                choices=", ".join(OrganisationKind.values),
            )
        )
    cand: dict[str, Any] = {"name": name, "kind": kind}
    _check_identifiers(values, cand, problems)
    given = values.get("country") or "FR"
    country = given.upper() if len(given) == 2 else (country_from_name(given) or "")
    if not is_country_code(country):
        problems.append(
            RowRefused(
                gettext_noop(
                    "country: '%(value)s' is not a country of ISO 3166 (a 2-letter code such "
                    "as FR, or its name in English or French)."
                ),
                value=given,
            )
        )
    cand["country"] = country
    for column, limit in (("short_name", 120), ("address", 300), ("postcode", 16), ("city", 120)):
        value = values.get(column, "")
        if len(value) > limit:
            problems.append(
                RowRefused(
                    gettext_noop("%(column)s: longer than %(limit)s characters."),
                    column=column,
                    limit=limit,
                )
            )
        cand[column] = value
    website = values.get("website", "")
    if website and not website.lower().startswith(("http://", "https://")):
        problems.append(
            RowRefused(
                gettext_noop("website: '%(value)s' must start with http:// or https://."),
                value=website,
            )
        )
    cand["website"] = website
    since = until = None
    if not values.get("member_since"):
        problems.append(
            RowRefused(gettext_noop("member_since: empty (the date the organisation joined)."))
        )
    else:
        try:
            since = parse_day(values["member_since"], "member_since")
        except RowRefused as exc:
            problems.append(exc)
    if values.get("member_until"):
        try:
            until = parse_day(values["member_until"], "member_until")
        except RowRefused as exc:
            problems.append(exc)
    if since is not None and until is not None and until < since:
        problems.append(
            RowRefused(
                gettext_noop("member_until: %(until)s is before member_since %(since)s."),
                until=until.isoformat(),
                since=since.isoformat(),
            )
        )
    return cand, since, until, problems


def reasons_text(problems: list[RowRefused]) -> str:
    """A row's reasons in the active language, in the order found (member sheets and funding
    lines)."""
    return " ".join(reason_text(p.message, p.params) for p in problems)


def members_preview(run: ImportRun) -> Preview:
    """Validate every row and say what a commit would do; writes nothing."""
    preview = Preview()
    try:
        rows = _rows(run)
    except SheetRefused as exc:
        preview.problem = refusal_text(exc)
        preview.encoding_offer = getattr(exc, "offer", "")
        return preview
    counts = Counts()
    resolver = MemberResolver(run=run, counts=counts)
    preview._resolver, preview._counts = resolver, counts
    seen: dict[tuple[str, ...], int] = {}
    cluster_id: Any = run.cluster_id
    memberships: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for org_id, start, end in ClusterMembership.objects.filter(cluster_id=cluster_id).values_list(
        "organisation_id", "start_date", "end_date"
    ):
        memberships.setdefault(org_id, []).append((start, end))
    for line, values in rows:
        name = printable(values.get("name", ""))  # shown, and stored if the row is rejected
        cand, since, until, problems = _candidate(values)
        if not problems:
            keys: list[tuple[str, ...]] = [(k, cand[k]) for k in IDENTIFIERS if cand.get(k)] or [
                ("name", normalise_name(name), normalise_city(cand.get("city", "")))
            ]
            for key in keys:
                if key in seen:
                    problems.append(
                        RowRefused(
                            gettext_noop("duplicate of line %(line)s (%(key)s)."),
                            line=seen[key],
                            key=key[0],
                        )
                    )
                    break
        if problems:
            preview.lines.append(PreviewLine(line, name, "error", reasons_text(problems)))
            continue
        assert since is not None
        for key in keys:
            seen[key] = line
        try:
            state = resolver.resolve(cand)
        except Conflict as exc:
            preview.lines.append(
                PreviewLine(line, name, "error", reason_text(exc.message, exc.params))
            )
            continue
        if state.is_new:
            action, detail = "create", ""
        elif resolver.last_differences:
            action, detail = "propose", _differences_text(resolver.last_differences)
        else:
            action, detail = "match", f"#{state.pk}"
        held = memberships.get(state.pk, []) if state.pk else []
        if action == "match" and (since, until) in held:
            action = "unchanged"
        preview.lines.append(PreviewLine(line, name, action, detail))
        preview._plan.append((line, state, since, until))
    for item in preview.lines:
        label = item.action_label
        preview.totals[label] = preview.totals.get(label, 0) + 1
    return preview


def members_commit(run: ImportRun, *, user: Actor) -> ImportRun:
    """Write what the preview showed, atomically; invalid rows are recorded as rejected."""
    preview = members_preview(run)
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    if preview.problem:
        run.status, run.error, run.finished_at = RunStatus.FAILED, preview.problem, timezone.now()
        run.save()
        return run
    try:
        with transaction.atomic():
            assert preview._resolver is not None and preview._counts is not None
            counts = preview._counts
            resolver = preview._resolver
            resolver.flush([s for _, s, _, _ in preview._plan if s.is_new and s.pk is None])
            resolver.finish()
            assert isinstance(resolver, MemberResolver)
            proposed = [
                (org_id, f, old, new)
                for org_id, fields in resolver.proposals.items()
                for f, (old, new) in fields.items()
            ]
            recorded = change_proposals_create(
                actor=user, cluster=run.cluster, run=run, items=proposed
            )
            if proposed:
                counts.add("change_proposal", "created", recorded)
                counts.add("change_proposal", "unchanged", len(proposed) - recorded)
            cluster_id: Any = run.cluster_id
            existing: dict[Any, list[ClusterMembership]] = {}
            for m in ClusterMembership.objects.filter(cluster_id=cluster_id):
                existing.setdefault(m.organisation_id, []).append(m)
            for _line, state, since, until in preview._plan:
                org_id: Any = state.pk
                membership = _pick(existing.get(org_id, []), since)
                if membership is None:
                    membership = membership_start(
                        actor=user,
                        cluster_id=cluster_id,
                        organisation_id=org_id,
                        start_date=since,
                        end_date=until,
                        reason=f"member sheet, import run #{run.pk}",
                    )
                    existing.setdefault(org_id, []).append(membership)
                    counts.add("membership", "created")
                elif (membership.start_date, membership.end_date) != (since, until):
                    membership = membership_update(
                        actor=user,
                        membership=membership,
                        start_date=since,
                        end_date=until,
                        reason=f"member sheet, import run #{run.pk}",
                    )
                    existing[org_id] = [
                        membership if m.pk == membership.pk else m for m in existing[org_id]
                    ]
                    counts.add("membership", "updated")
                else:
                    counts.add("membership", "unchanged")
            errors = [p for p in preview.lines if p.action == "error"]
            RejectedRow.objects.bulk_create(
                [
                    RejectedRow(
                        run=run, file_name=run.file_name, line=p.line, reason=p.detail, raw=p.name
                    )
                    for p in errors
                ]
            )
            if errors:
                counts.add("organisation", "rejected", len(errors))
            sheet_run_succeeded(
                run, user=user, counts=counts, rows=len(preview.lines), action="import.members"
            )
    except Exception as exc:
        return sheet_run_close(run, exc)
    return sheet_run_close(run)


def sheet_run_succeeded(
    run: ImportRun, *, user: Actor, counts: Counts, rows: int, action: str
) -> None:
    """Mark a spreadsheet's run succeeded with its counts, inside the commit's transaction, and
    audit it (member sheets and funding lines)."""
    run.counts = counts.as_dict()
    run.rows_processed = rows
    run.status = RunStatus.SUCCEEDED
    run.user = recorded_user(user) if getattr(user, "is_authenticated", False) else run.user
    audit_record(actor=user, action=action, obj=run, after={"counts": run.counts})


def _failure_text(exc: Exception) -> str:
    """Why a commit was rolled back, for the manager: a refusal (a ValueError or a validation
    error: its message is meant to be read) as it is; anything else (an OSError may name a
    server path) as its kind only, the details going to the server's log."""
    if isinstance(exc, (ValueError, ValidationError)):
        return f"{type(exc).__name__}: {exc}"
    logger.error("spreadsheet commit failed", exc_info=exc)
    return gettext(
        "Unexpected error (%(kind)s); the import was rolled back and nothing was written."
    ) % {"kind": type(exc).__name__}


def sheet_run_close(run: ImportRun, exc: Exception | None = None) -> ImportRun:
    """End a spreadsheet's run: failed with the reason when its transaction was rolled back by
    `exc`; the uploaded file is deleted either way."""
    if exc is not None:
        run.status, run.error = RunStatus.FAILED, _failure_text(exc)
        run.counts = {}
    run.finished_at = timezone.now()
    run.payload = None
    run.save()
    return run
