"""A funder's funding lines (CSV or XLSX): template, preview (nothing written), commit.

One row is one decision of the funder for one beneficiary of one project: the decision's
reference and date, the project (acronym and title), the beneficiary (name and SIREN), the
amount granted, the clusters that accredited the project and the call or round. The sheet is
read by the member sheets' machinery (`members.sheet_rows`, the same limits, the same preview /
commit / rejected-rows report). Each valid row is matched through the resolver — the
beneficiary by SIREN first, then by name; the project by acronym, title and funder — and the
beneficiary must be a partner of that project. A matched row records the decision as a
`FundingLine` (through `projects.services.funding_lines_record`); an unmatched one is kept
(`ImportedFundingLine`, with the reason) and listed for the funder's officers. A row that is
not valid is rejected with every reason it has, translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from grappe.core.actors import Actor
from grappe.core.domain.i18n import gettext_noop
from grappe.funding.models import Funder
from grappe.interop.domain.names import normalise_name
from grappe.interop.domain.readers import RowRefused, SheetRefused, parse_day, parse_eur
from grappe.interop.importers import Counts
from grappe.interop.members import (
    LIMITS,
    Preview,
    PreviewLine,
    reasons_text,
    refusal_text,
    sheet_rows,
    sheet_run_close,
    sheet_run_succeeded,
    template_csv,
)
from grappe.interop.models import (
    ImportedFundingLine,
    ImportRun,
    LineStatus,
    RejectedRow,
    RunStatus,
    reason_text,
)
from grappe.interop.resolver import Conflict, Resolver
from grappe.projects.models import Participation, Project
from grappe.projects.services import FundingDecision, funding_lines_record
from grappe.registry.domain import identifiers as idf
from grappe.registry.models import Cluster

COLUMNS = (
    "funder",
    "decision_reference",
    "decision_date",
    "acronym",
    "title",
    "beneficiary",
    "siren",
    "amount",
    "clusters",
    "round",
)
REQUIRED = ("decision_date", "acronym", "beneficiary", "amount")
EXAMPLE = {
    "funder": "city-of-paris",
    "decision_reference": "2014 DDEEES 1103",
    "decision_date": "12/06/2014",
    "acronym": "EXEMPLE",
    "title": "Exemple de projet collaboratif",
    "beneficiary": "Exemple Robotique",
    "siren": "732829320",
    "amount": "150 000,00 €",
    "clusters": "cap-digital",
    "round": "FUI 18",
}
LENGTHS = {
    "decision_reference": 60,
    "acronym": 120,
    "title": 400,
    "beneficiary": 300,
    "clusters": 300,
    "round": 120,
}
_CLUSTER_SPLIT = re.compile(r"[,;|]")

__all__ = ["LIMITS", "funding_lines_commit", "funding_lines_preview", "funding_lines_template"]


def funding_lines_template() -> str:
    return template_csv(COLUMNS, EXAMPLE)


@dataclass
class Row:
    """A valid row, and what it matched."""

    line: int
    decision_reference: str
    decided_on: Any
    acronym: str
    title: str
    beneficiary: str
    siren: str
    amount: Decimal
    clusters: str
    funding_round: str
    project_id: int | None = None
    organisation_id: int | None = None
    participation_id: int | None = None
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return self.participation_id is not None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.decision_reference, self.acronym.casefold(), self.beneficiary.casefold())


def _names(funder: Funder) -> set[str]:
    return {funder.slug.casefold(), funder.name_en.casefold(), funder.name_fr.casefold()}


def _cluster_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for slug, name, short in Cluster.objects.values_list("slug", "name", "short_name"):
        for key in (slug, name, short):
            if key:
                keys.setdefault(normalise_name(key), slug)
    return keys


def _validate(
    values: dict[str, str], line: int, funder: Funder, clusters: dict[str, str]
) -> tuple[Row | None, list[RowRefused]]:
    """The row, or every reason it is refused."""
    problems: list[RowRefused] = []
    given = values.get("funder", "")
    if given and given.casefold() not in _names(funder):
        problems.append(
            RowRefused(
                gettext_noop("funder: %(value)s is not %(funder)s, the funder of this import."),
                value=given,
                funder=funder.name_en,
            )
        )
    for column, limit in LENGTHS.items():
        if len(values.get(column, "")) > limit:
            problems.append(
                RowRefused(
                    gettext_noop("%(column)s: longer than %(limit)s characters."),
                    column=column,
                    limit=limit,
                )
            )
    for column in ("acronym", "beneficiary"):
        if not values.get(column):
            problems.append(RowRefused(gettext_noop("%(column)s: empty."), column=column))
    decided_on = amount = None
    try:
        decided_on = parse_day(values.get("decision_date", ""), "decision_date")
    except RowRefused as exc:
        problems.append(exc)
    try:
        amount = parse_eur(values.get("amount", ""), "amount")
    except RowRefused as exc:
        problems.append(exc)
    siren = values.get("siren", "").replace(" ", "")
    if siren:
        if siren.isdigit() and len(siren) < 9:
            siren = siren.zfill(9)  # a spreadsheet stored the number and dropped leading zeros
        try:
            siren = idf.check_siren(siren)
        except idf.InvalidIdentifier as exc:
            problems.append(
                RowRefused(
                    gettext_noop("siren: %(value)s is not valid (%(rule)s)"),
                    value=values.get("siren", ""),
                    rule=exc.args[0],
                )
            )
    slugs: list[str] = []
    for part in _CLUSTER_SPLIT.split(values.get("clusters", "")):
        if not part.strip():
            continue
        slug = clusters.get(normalise_name(part))
        if slug is None:
            problems.append(
                RowRefused(
                    gettext_noop("clusters: %(value)s is not a cluster known to Grappe."),
                    value=part.strip(),
                )
            )
        elif slug not in slugs:
            slugs.append(slug)
    if problems:
        return None, problems
    assert decided_on is not None and amount is not None
    return (
        Row(
            line=line,
            decision_reference=values.get("decision_reference", ""),
            decided_on=decided_on,
            acronym=values["acronym"],
            title=values.get("title", ""),
            beneficiary=values["beneficiary"],
            siren=siren,
            amount=amount,
            clusters=", ".join(slugs),
            funding_round=values.get("round", ""),
        ),
        [],
    )


class ProjectIndex:
    """Projects by acronym (case folded), loaded once, with their titles and funders."""

    def __init__(self) -> None:
        self.by_acronym: dict[str, list[tuple[int, str, int | None]]] = {}
        for pk, acronym, title, funder_id in Project.objects.values_list(
            "pk", "acronym", "title", "funder_id"
        ).iterator(chunk_size=5000):
            self.by_acronym.setdefault(acronym.strip().casefold(), []).append(
                (pk, normalise_name(title), funder_id)
            )

    def find(
        self, row: Row, funder_id: int, partners: set[tuple[int, int]]
    ) -> tuple[int | None, str, dict[str, Any]]:
        """The project a row names (acronym, then title, then funder), or the reason none."""
        found = self.by_acronym.get(row.acronym.strip().casefold(), [])
        # A project an import brought from another funder (the EU, ANR) is not this funder's.
        found = [p for p in found if p[2] in (None, funder_id)]
        if not found:
            return (
                None,
                gettext_noop("No project with the acronym %(acronym)s."),
                {"acronym": row.acronym},
            )
        if row.title:
            titled = [p for p in found if p[1] == normalise_name(row.title)]
            if not titled:
                return (
                    None,
                    gettext_noop("A project %(acronym)s exists, but its title is not %(title)s."),
                    {"acronym": row.acronym, "title": row.title},
                )
            found = titled
        if len(found) > 1 and row.organisation_id is not None:
            with_partner = [p for p in found if (p[0], row.organisation_id) in partners]
            found = with_partner or found
        if len(found) > 1:
            return (
                None,
                gettext_noop("%(count)s projects are named %(acronym)s: give the title."),
                {"count": len(found), "acronym": row.acronym},
            )
        return found[0][0], "", {}


def _match(rows: list[Row], funder: Funder, resolver: Resolver) -> None:
    """Find each row's organisation, project and participation (or why not), in memory."""
    partners: dict[tuple[int, int], int] = {}
    projects = ProjectIndex()
    for row in rows:
        cand = {"name": row.beneficiary, "siren": row.siren, "country": "FR" if row.siren else ""}
        try:
            state, _elsewhere = resolver.lookup(cand)
        except Conflict as exc:
            row.reason, row.params = exc.message, dict(exc.params)
            continue
        if state is None or state.pk is None:
            row.reason = gettext_noop("No organisation in Grappe is %(name)s%(siren)s.")
            row.params = {
                "name": row.beneficiary,
                "siren": f" (SIREN {row.siren})" if row.siren else "",
            }
            continue
        row.organisation_id = state.pk
    organisation_ids = {r.organisation_id for r in rows if r.organisation_id is not None}
    for pk, project_id, org_id in Participation.objects.filter(
        organisation_id__in=organisation_ids
    ).values_list("pk", "project_id", "organisation_id"):
        partners[(project_id, org_id)] = pk
    for row in rows:
        if row.organisation_id is None:
            continue
        found, reason, params = projects.find(row, funder.pk, set(partners))
        if found is None:
            row.reason, row.params = reason, params
            continue
        row.project_id = found
        participation = partners.get((found, row.organisation_id))
        if participation is None:
            row.reason = gettext_noop("%(name)s is not a partner of the project %(acronym)s.")
            row.params = {"name": row.beneficiary, "acronym": row.acronym}
            continue
        row.participation_id = participation


@dataclass
class Plan:
    funder: Funder
    rows: list[Row] = field(default_factory=list)
    # (line, every reason, the raw row, the row's name for the preview)
    rejected: list[tuple[int, list[RowRefused], str, str]] = field(default_factory=list)


def funding_lines_preview(run: ImportRun) -> Preview:
    """Validate and match every row and say what a commit would do; writes nothing."""
    preview = Preview()
    funder = run.funder
    if funder is None:  # pragma: no cover - the views create runs with their funder
        preview.problem = gettext("This import has no funder.")
        return preview
    try:
        rows = sheet_rows(run, required=REQUIRED, default_name="funding-lines")
    except SheetRefused as exc:
        preview.problem = refusal_text(exc)
        preview.encoding_offer = getattr(exc, "offer", "")
        return preview
    plan = Plan(funder)
    clusters = _cluster_keys()
    seen: dict[tuple[str, str, str], int] = {}
    for line, values in rows:
        row, problems = _validate(values, line, funder, clusters)
        if row is not None and row.key in seen:
            first = seen[row.key]
            row, problems = (
                None,
                [
                    RowRefused(
                        gettext_noop(
                            "duplicate of line %(line)s (same decision, project and beneficiary)."
                        ),
                        line=first,
                    )
                ],
            )
        raw = ";".join(values.get(c, "") for c in COLUMNS)
        if row is None:
            name = " — ".join(v for v in (values.get("acronym"), values.get("beneficiary")) if v)
            plan.rejected.append((line, problems, raw, name))
            continue
        seen[row.key] = line
        plan.rows.append(row)
    _match(plan.rows, funder, Resolver(source="funding_lines", run=None, counts=Counts()))
    lines: list[PreviewLine] = []
    for line, problems, _raw, name in plan.rejected:
        detail = reasons_text(problems)
        lines.append(PreviewLine(line, name, "error", detail))
    for row in plan.rows:
        name = f"{row.acronym} — {row.beneficiary}"
        if row.matched:
            lines.append(PreviewLine(row.line, name, "matched", f"{row.amount} EUR"))
        else:
            lines.append(
                PreviewLine(row.line, name, "unmatched", reason_text(row.reason, row.params))
            )
    preview.lines = sorted(lines, key=lambda p: p.line)
    for item in preview.lines:
        label = item.action_label
        preview.totals[label] = preview.totals.get(label, 0) + 1
    preview._plan = [plan]
    return preview


def funding_lines_commit(run: ImportRun, *, user: Actor) -> ImportRun:
    """Write what the preview showed, atomically: matched rows become funding lines, unmatched
    ones are kept for the unmatched list, invalid ones are recorded as rejected rows."""
    preview = funding_lines_preview(run)
    run.status = RunStatus.RUNNING
    run.started_at = timezone.now()
    if preview.problem:
        run.status, run.error = RunStatus.FAILED, preview.problem
        return sheet_run_close(run)
    plan: Plan = preview._plan[0]
    counts = Counts()
    try:
        with transaction.atomic():
            matched = [r for r in plan.rows if r.matched]
            outcome = funding_lines_record(
                actor=user if getattr(user, "is_authenticated", False) else None,
                funder_id=plan.funder.pk,
                decisions=[
                    FundingDecision(
                        participation_id=r.participation_id,  # type: ignore[arg-type]
                        granted=r.amount,
                        decided_on=r.decided_on,
                        decision_reference=r.decision_reference,
                        funding_round=r.funding_round,
                    )
                    for r in matched
                ],
                on_behalf_of=run,
            )
            lines = dict(zip((id(r) for r in matched), outcome, strict=True))
            for _line, kind in outcome:
                counts.add("funding_line", kind)
            # A line kept unmatched by an earlier run is superseded by this run's line.
            earlier = ImportedFundingLine.objects.filter(
                funder=plan.funder, status=LineStatus.UNMATCHED
            ).exclude(run=run)
            superseded = {r.key for r in plan.rows}
            stale = [
                pk
                for pk, ref, acronym, name in earlier.values_list(
                    "pk", "decision_reference", "acronym", "beneficiary"
                )
                if (ref, acronym.casefold(), name.casefold()) in superseded
            ]
            ImportedFundingLine.objects.filter(pk__in=stale).delete()
            ImportedFundingLine.objects.bulk_create(
                ImportedFundingLine(
                    run=run,
                    funder=plan.funder,
                    line=r.line,
                    status=LineStatus.MATCHED if r.matched else LineStatus.UNMATCHED,
                    reason=r.reason,
                    reason_params=r.params,
                    decision_reference=r.decision_reference,
                    decided_on=r.decided_on,
                    acronym=r.acronym,
                    title=r.title,
                    beneficiary=r.beneficiary,
                    siren=r.siren,
                    amount=r.amount,
                    clusters=r.clusters,
                    funding_round=r.funding_round,
                    project_id=r.project_id,
                    organisation_id=r.organisation_id,
                    funding_line=lines[id(r)][0] if r.matched else None,
                )
                for r in plan.rows
            )
            unmatched = len(plan.rows) - len(matched)
            if unmatched:
                counts.add("unmatched_line", "created", unmatched)
            RejectedRow.objects.bulk_create(
                RejectedRow(
                    run=run,
                    file_name=run.file_name[:120],
                    line=line,
                    reason=reasons_text(problems),
                    raw=raw,
                )
                for line, problems, raw, _name in plan.rejected
            )
            if plan.rejected:
                counts.add("funding_line", "rejected", len(plan.rejected))
            sheet_run_succeeded(
                run,
                user=user,
                counts=counts,
                rows=len(plan.rows) + len(plan.rejected),
                action="import.funding_lines",
            )
    except Exception as exc:
        return sheet_run_close(run, exc)
    return sheet_run_close(run)
