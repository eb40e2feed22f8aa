"""The search documents of organisations and clusters, and the organisation index's upkeep.

`organisation_search_index_update(ids)` is the one way the organisation index changes: the
registry services call it after every write (create, update, bulk writes, merges and their
undo), the apps above after writes that change a document (interop's aliases, projects'
participations: the organisation's activity) — through the hooks they register here
(`ORGANISATIONS.contributor`, `ORGANISATIONS.activity_source`), so this app imports none of
them. `grappe search_index rebuild` rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from grappe.core.domain.text import compact, search_fold
from grappe.core.fastsql import select_by_ids
from grappe.core.search import (
    Document,
    SearchIndex,
    document_text,
    identifiers_field,
    names_field,
    register,
)
from grappe.registry.domain.places import Place, paris_place, place_search_forms
from grappe.registry.models import Cluster, Organisation

# Words an acronym leaves out ("Centre national de la recherche scientifique" → "cnrs").
_ACRONYM_SKIPS = frozenset(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "et",
        "en",
        "pour",
        "of",
        "the",
        "and",
        "for",
        "a",
        "au",
        "aux",
        "sur",
        "sa",
        "sas",
    ]
)
IDENTIFIERS = ("siren", "siret", "vat", "pic", "rnsr", "ror")


def initials(name: str) -> str:
    """The acronym a long name suggests (its significant words' first letters), or ""."""
    return folded_initials(search_fold(name))


def folded_initials(folded: str) -> str:
    """`initials` of a name already folded."""
    words = [w for w in folded.split() if w not in _ACRONYM_SKIPS and w.isalpha()]
    return "".join(w[0] for w in words) if len(words) >= 3 else ""


def spaced_compact(code: str) -> list[str]:
    """How an identifier, given compact, may be typed with spaces: a SIREN `552 100 554`, a
    SIRET `552 100 554 00013`, a French VAT number `FR 12 552 100 554`."""
    forms: list[str] = []
    if len(code) not in (9, 13, 14):
        return forms
    if code.isdigit() and len(code) in (9, 14):
        forms.append(" ".join([code[0:3], code[3:6], code[6:9], code[9:]]).strip())
    if len(code) == 13 and code[:2] == "fr" and code[2:].isdigit():
        forms.append(f"fr {code[2:4]} {code[4:7]} {code[7:10]} {code[10:]}")
        forms.append(f"fr {code[2:4]} {code[4:]}")
    return forms


def organisation_document(
    name: Any,
    short_name: Any,
    keywords: Any,
    postcode: Any,
    city: Any,
    in_paris: Any,
    arrondissement: Any,
    *identifiers: Any,
) -> Document:
    """The search document of one organisation, from the columns `_COLUMNS` (without the id) in
    their order: an import builds tens of thousands, so each name is folded once and no dict
    is made."""
    names = [search_fold(str(name)), search_fold(str(short_name or ""))]
    text: list[str] = [
        str(keywords or ""),
        *place_search_forms(
            str(postcode or ""),
            str(city or ""),
            arrondissement if isinstance(arrondissement, int) else None,
        ),
        "paris" if in_paris else "",
        folded_initials(names[0]),
    ]
    # each identifier made compact once (for the text, its spaced forms and the identifiers)
    codes = [compact(str(v)) for v in identifiers if v]
    for code in codes:
        text.append(code)
        text.extend(spaced_compact(code))
    return Document(
        names_field(names),
        document_text(text, names),
        identifiers_field(codes),
    )


_COLUMNS = (
    "id",
    "name",
    "short_name",
    "keywords",
    "postcode",
    "city",
    "in_paris",
    "paris_arrondissement",
    *IDENTIFIERS,
)


def organisation_documents(ids: Sequence[int]) -> dict[int, Document]:
    rows = select_by_ids(Organisation._meta.db_table, _COLUMNS, list(ids))
    build = organisation_document
    return {row[0]: build(*row[1:]) for row in rows}


ORGANISATIONS = register(
    SearchIndex(
        table="registry_organisation_search",
        relation="search_entry",
        model=Organisation,
        activity_field="project_count",
        documents=organisation_documents,
    )
)


def organisation_search_index_update(ids: Iterable[int]) -> int:
    """Bring the index entries of these organisations up to date (removed for deleted ones)."""
    return ORGANISATIONS.update(list(ids))


def organisation_search_index_rebuild() -> int:
    """Rebuild the whole organisation index (recovery; `grappe search_index rebuild`)."""
    return ORGANISATIONS.rebuild()


def cluster_document(cluster: Cluster) -> str:
    """A cluster's folded text: names, topics and themes in both languages."""
    parts = [cluster.name, cluster.short_name, initials(cluster.name), cluster.slug]
    parts += [cluster.topic_en, cluster.topic_fr]
    parts += [t.name_en for t in cluster.themes.all()] + [t.name_fr for t in cluster.themes.all()]
    return " " + search_fold(" ".join(p for p in parts if p)) + " "


# --- places: what the services write with every postcode and city ---------------------------


@lru_cache(maxsize=65_536)  # pure, and imports give the same addresses again and again
def place_of(postcode: str, city: str, country: str) -> Place:
    """The folded postcode, "in Paris" and the arrondissement of an address (the database
    allows an arrondissement only for a French address)."""
    place = paris_place(postcode or "", city or "", country or "")
    if place.arrondissement is not None and (country or "") != "FR":
        return Place(postcode=place.postcode, in_paris=place.in_paris, arrondissement=None)
    return place
