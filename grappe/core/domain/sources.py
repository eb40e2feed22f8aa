"""The open-data sources Grappe imports, as data: names, licences and attribution lines.

Every page and API answer that shows a record of one of these sources carries its attribution
line (CC BY 4.0 and the Licence Ouverte both require it). The `key` is the value of the
`source` field of imported projects and organisations. English source strings (`gettext_noop`);
the interface translates them.
"""

from __future__ import annotations

from dataclasses import dataclass

from grappe.core.domain.i18n import gettext_noop


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    name: str  # translatable
    attribution: str  # translatable: the line the licence asks for
    licence: str  # translatable
    licence_url: str
    url: str
    # The file each kind of record comes from, inside the imported archive or folder.
    project_file: str
    participation_file: str


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            key="cordis",
            name=gettext_noop("CORDIS – EU research projects"),
            attribution=gettext_noop(
                "Source: CORDIS – EU research and innovation projects, © European Union, CC BY 4.0"
            ),
            licence=gettext_noop("Creative Commons Attribution 4.0 (CC BY 4.0)"),
            licence_url="https://creativecommons.org/licenses/by/4.0/",
            url="https://cordis.europa.eu/",
            project_file="project.csv",
            participation_file="organization.csv",
        ),
        Source(
            key="anr",
            name=gettext_noop("ANR – French national research agency"),
            attribution=gettext_noop(
                "Source: Agence nationale de la recherche (ANR), data.gouv.fr, Licence Ouverte 2.0"
            ),
            licence=gettext_noop("Licence Ouverte / Open Licence 2.0 (Etalab)"),
            licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            url="https://www.data.gouv.fr/",
            project_file="anr_dos_partners.csv",
            participation_file="anr_dos_partners.csv",
        ),
    )
}


def source_of(key: str | None) -> Source | None:
    """The source a record's `source` field names; None for records entered here."""
    return SOURCES.get(key or "")
