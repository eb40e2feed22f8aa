"""API schemas (ninja / pydantic) for clusters and organisations (decimals as strings: see
`core/apikit.py`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from grappe.core.apikit import DecimalStr, ProvenanceOut
from grappe.core.lists import ListQuery, list_query_schema
from grappe.registry.filters import ClusterFilterSet, OrganisationFilterSet


def keyword_list(value: str) -> list[str]:
    """Comma-separated keywords as a list: "a, b," -> ["a", "b"]."""
    return [k.strip() for k in (value or "").split(",") if k.strip()]


# --- query parameters ----------------------------------------------------------------------


# Generated from the lists' FilterSets (`registry/filters.py`): the page and the API share one
# declaration. mypy sees the common base; the parameters are checked at run time.
if TYPE_CHECKING:
    ClusterListQuery = ListQuery
    OrganisationListQuery = ListQuery
else:
    ClusterListQuery = list_query_schema(ClusterFilterSet, name="ClusterListQuery")
    OrganisationListQuery = list_query_schema(OrganisationFilterSet, name="OrganisationListQuery")


# --- output ----------------------------------------------------------------------------------


# Plain pydantic models, validated once from the dicts the handlers shape (no per-attribute
# getter, no resolvers): see docs/decisions/api-rows.md.


class ThemeOut(BaseModel):
    name_en: str
    name_fr: str


class ClusterOut(BaseModel):
    slug: str
    kind: str
    name: str
    short_name: str
    topic_en: str
    topic_fr: str
    website: str
    territory: str
    member_count: int = Field(description="Organisations with a membership running today.")


class ClusterDetailOut(ClusterOut):
    description_en: str
    description_fr: str
    themes: list[ThemeOut]


class ClusterRefOut(BaseModel):
    slug: str
    name: str


class OrganisationRefOut(BaseModel):
    id: int
    name: str


class OrganisationOut(BaseModel):
    id: int
    name: str
    short_name: str
    kind: str
    city: str
    postcode: str
    country: str
    paris_arrondissement: int | None
    website: str
    keywords: list[str]


class MembershipOut(BaseModel):
    cluster: ClusterRefOut
    start_date: dt.date
    end_date: dt.date | None


class FiguresOut(BaseModel):
    year: int
    staff_awu: DecimalStr = Field(description="Staff in annual work units.")
    turnover: DecimalStr = Field(description="EUR.")
    balance_sheet: DecimalStr = Field(description="Balance sheet total, EUR.")


class OwnershipOut(BaseModel):
    holder: OrganisationRefOut
    held: OrganisationRefOut
    holder_category: str
    capital_share: DecimalStr = Field(description="Percent of the capital.")
    voting_share: DecimalStr = Field(description="Percent of the voting rights.")
    dominant_influence: bool


class IdentifiersOut(BaseModel):
    siren: str
    siret: str
    rnsr: str
    ror: str
    pic: str
    vat: str


class DeclaredSizeOut(BaseModel):
    code: str = Field(
        description="micro, sme, large (ANR category); sme_flag, not_sme_flag (CORDIS SME flag, "
        "false does not mean large); unknown (a company no source sized)."
    )
    label: str
    source: str = Field(description="The source that declared it; empty for unknown.")
    source_name: str


class OrganisationDetailOut(OrganisationOut):
    description: str
    address: str
    founded_on: dt.date | None
    is_jei: bool
    is_demo: bool
    declared_size: DeclaredSizeOut | None = Field(
        description="The size a source declared; null when no source sized it."
    )
    source: str = Field(description="The import that created it (cordis, anr, members) or empty.")
    attribution: str | None = Field(
        description="The attribution line of the creating source's licence; null if none."
    )
    provenance: list[ProvenanceOut] = Field(
        description="The sources and import runs that saw the organisation (file, run, date)."
    )
    identifiers: IdentifiersOut
    memberships: list[MembershipOut]
    # Confidential parts: the API handler fills them in only when the selector allows it.
    figures: list[FiguresOut] | None = Field(
        description="Yearly figures; null unless you may see them (the organisation's members, "
        "managers of its clusters, programme officers, administrators)."
    )
    ownership: list[OwnershipOut] | None = Field(
        description="Ownership links where it is holder or held; null like `figures`."
    )
