"""The search documents of projects, the project index's upkeep, and the organisations'
activity (how many projects each takes part in: the registry's ranking tie-breaker).

`project_search_index_update(ids)` is the one way the project index changes: the project
services call it after every write of a project or a consortium (a project's activity is its
number of partners); they call `registry.search.organisation_search_index_update` for the
organisations whose participations changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection

from grappe.core.domain.text import compact, search_fold
from grappe.core.fastsql import ids_condition, select_by_ids
from grappe.core.search import (
    Document,
    SearchIndex,
    document_text,
    identifiers_field,
    names_field,
    register,
)
from grappe.projects.models import Participation, Project
from grappe.registry.search import ORGANISATIONS, folded_initials

# An objective is the summary of an EU project: indexed up to this many characters.
OBJECTIVE_CHARS = 4000

_COLUMNS = (
    "id",
    "acronym",
    "title",
    "summary",
    "summary_fr",
    "objective",
    "keywords",
    "topics",
    "call",
    "programme",
    "external_id",
)


def project_document(row: dict[str, object]) -> Document:
    """The search document of one project (a dict of its columns)."""
    acronym, title = str(row["acronym"]), str(row["title"])
    external = str(row["external_id"] or "")
    folded_title, code = search_fold(title), compact(external)
    text = [
        str(row["summary"] or ""),
        str(row["summary_fr"] or ""),
        str(row["objective"] or "")[:OBJECTIVE_CHARS],
        str(row["keywords"] or ""),
        str(row["topics"] or ""),
        str(row["call"] or ""),
        str(row["programme"] or ""),
        folded_initials(folded_title),
        external,
        code,
    ]
    return Document(
        names_field([search_fold(acronym), folded_title]),
        document_text(text, [folded_title]),
        identifiers_field([code] if external else []),
    )


def project_documents(ids: Sequence[int]) -> dict[int, Document]:
    wanted = list(ids)
    rows = select_by_ids(Project._meta.db_table, _COLUMNS, wanted)
    partners = _count_by(Participation._meta.db_table, "project_id", "id", wanted)
    out = {}
    for values in rows:
        names, document, identifiers, _ = project_document(dict(zip(_COLUMNS, values, strict=True)))
        out[values[0]] = Document(names, document, identifiers, partners.get(values[0], 0))
    return out


def _count_by(table: str, key: str, counted: str, ids: Sequence[int]) -> dict[int, int]:
    """`COUNT(DISTINCT counted)` of the rows of `table` per `key`, for the keys in `ids`."""
    if not ids:
        return {}
    qn = connection.ops.quote_name
    condition, params = ids_condition(qn(key), ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn(key)}, COUNT(DISTINCT {qn(counted)}) FROM {qn(table)} "  # noqa: S608
            f"WHERE {condition} GROUP BY {qn(key)}",
            params,
        )
        return {int(pk): int(n) for pk, n in cursor.fetchall()}


PROJECTS = register(
    SearchIndex(
        table="projects_project_search",
        relation="search_entry",
        model=Project,
        activity_field="partner_count",
        documents=project_documents,
    )
)


@ORGANISATIONS.activity_source
def organisation_activity(ids: Sequence[int]) -> dict[int, int]:
    """How many projects each organisation takes part in."""
    return _count_by(Participation._meta.db_table, "organisation_id", "project_id", list(ids))


def project_search_index_update(ids: Iterable[int]) -> int:
    """Bring the index entries of these projects up to date (removed for deleted ones)."""
    return PROJECTS.update(list(ids))
