"""API schemas (ninja / pydantic) for clusters and organisations (decimals as strings: see
`core/apikit.py`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import Field

from grappe.core.apikit import DecimalStr, reject_control_characters
from grappe.core.lists import ListQuery, list_query_schema
from grappe.registry.filters import ClusterFilterSet, OrganisationFilterSet


def _csv(value: str) -> list[str]:
    return [k.strip() for k in (value or "").split(",") if k.strip()]


# --- query parameters ----------------------------------------------------------------------


# Generated from the lists' FilterSets (`registry/filters.py`): the page and the API share one
# declaration. mypy sees the common base; the parameters are checked at run time.
if TYPE_CHECKING:
    ClusterListQuery = ListQuery
    OrganisationListQuery = ListQuery
else:
    ClusterListQuery = list_query_schema(ClusterFilterSet, name="ClusterListQuery")
    OrganisationListQuery = list_query_schema(
        OrganisationFilterSet,
        name="OrganisationListQuery",
        text_validator=reject_control_characters,
    )


# --- output ----------------------------------------------------------------------------------


class ThemeOut(Schema):
    name_en: str
    name_fr: str


class ClusterOut(Schema):
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

    @staticmethod
    def resolve_themes(obj: Any) -> list[Any]:
        return list(obj.themes.all())


class ClusterRefOut(Schema):
    slug: str
    name: str


class OrganisationRefOut(Schema):
    id: int
    name: str


class OrganisationOut(Schema):
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

    @staticmethod
    def resolve_keywords(obj: Any) -> list[str]:
        return _csv(obj.keywords)


class MembershipOut(Schema):
    cluster: ClusterRefOut
    start_date: dt.date
    end_date: dt.date | None


class FiguresOut(Schema):
    year: int
    staff_awu: DecimalStr = Field(description="Staff in annual work units.")
    turnover: DecimalStr = Field(description="EUR.")
    balance_sheet: DecimalStr = Field(description="Balance sheet total, EUR.")


class OwnershipOut(Schema):
    holder: OrganisationRefOut
    held: OrganisationRefOut
    holder_category: str
    capital_share: DecimalStr = Field(description="Percent of the capital.")
    voting_share: DecimalStr = Field(description="Percent of the voting rights.")
    dominant_influence: bool


class IdentifiersOut(Schema):
    siren: str
    siret: str
    rnsr: str
    ror: str
    pic: str
    vat: str


class OrganisationDetailOut(OrganisationOut):
    description: str
    address: str
    founded_on: dt.date | None
    is_jei: bool
    is_demo: bool
    identifiers: IdentifiersOut
    memberships: list[MembershipOut]
    figures: list[FiguresOut] | None = Field(
        description="Yearly figures; null unless you may see them (the organisation's members, "
        "managers of its clusters, programme officers, administrators)."
    )
    ownership: list[OwnershipOut] | None = Field(
        description="Ownership links where it is holder or held; null like `figures`."
    )

    @staticmethod
    def resolve_identifiers(obj: Any) -> dict[str, str]:
        return {k: getattr(obj, k) for k in ("siren", "siret", "rnsr", "ror", "pic", "vat")}

    @staticmethod
    def resolve_memberships(obj: Any) -> list[Any]:
        return list(obj.memberships.all())

    # Confidential parts are never read from the model here (the related manager would leak
    # them): the API handler fills them in only when the selector allows it.
    @staticmethod
    def resolve_figures(obj: Any) -> None:
        return None

    @staticmethod
    def resolve_ownership(obj: Any) -> None:
        return None
