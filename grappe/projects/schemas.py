"""API schemas (ninja / pydantic) for projects. Money is a string with two decimals ("45000.00")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from grappe.core.lists import ListQuery, list_query_schema
from grappe.projects.filters import ProjectFilterSet
from grappe.registry.schemas import (
    ClusterRefOut,
    DecimalStr,
    OrganisationRefOut,
    reject_control_characters,
)

# --- query parameters ----------------------------------------------------------------------


# Generated from the list's FilterSet (`projects/filters.py`): the page and the API share one
# declaration. mypy sees the common base; the parameters are checked at run time.
if TYPE_CHECKING:
    ProjectListQuery = ListQuery
else:
    ProjectListQuery = list_query_schema(
        ProjectFilterSet, name="ProjectListQuery", text_validator=reject_control_characters
    )


# --- output ----------------------------------------------------------------------------------
# Plain pydantic models, validated once from the dicts the handlers shape (no per-attribute
# getter, no resolvers): see docs/decisions/api-rows.md.


class AccreditationOut(BaseModel):
    cluster: ClusterRefOut
    is_lead: bool
    accredited_on: dt.date


class ConsortiumMemberOut(BaseModel):
    organisation: OrganisationRefOut
    kind: str = Field(description="Organisation type.")
    city: str
    role: str
    is_coordinator: bool


class ProjectOut(BaseModel):
    id: int
    acronym: str
    title: str
    status: str
    start_date: dt.date | None
    duration_months: int | None
    keywords: list[str]
    coordinator: OrganisationRefOut | None
    clusters: list[ClusterRefOut] = Field(description="Accrediting clusters, lead cluster first.")


class FunderRefOut(BaseModel):
    slug: str
    name: str


class AidLineOut(BaseModel):
    funder: FunderRefOut
    organisation: OrganisationRefOut
    requested: DecimalStr | None = Field(
        None, description="Aid requested; null unless you are inside the project."
    )
    granted: DecimalStr | None = Field(None, description="Aid granted; null until decided.")
    decided_on: dt.date | None


class AidByFunderOut(BaseModel):
    funder: FunderRefOut
    granted: DecimalStr


class BudgetLineOut(BaseModel):
    organisation: OrganisationRefOut
    cost_category: str
    research_category: str
    amount: DecimalStr


class ResearchShareOut(BaseModel):
    research_category: str
    amount: DecimalStr
    share: DecimalStr = Field(description="Percent of the total budget.")


class ProjectDetailOut(ProjectOut):
    summary: str
    trl_start: int | None
    trl_target: int | None
    is_demo: bool
    consortium: list[ConsortiumMemberOut] = Field(description="Coordinator first.")
    accreditations: list[AccreditationOut] = Field(description="Lead cluster first.")
    aid: list[AidLineOut] = Field(description="Aid per partner and funder.")
    aid_granted_by_funder: list[AidByFunderOut]
    budget_lines: list[BudgetLineOut] | None = Field(
        None,
        description="Per partner, cost category and research category; null unless you are "
        "inside the project (consortium member, accrediting cluster, funder, administrator).",
    )
    budget_total: DecimalStr | None = None
    research_category_mix: list[ResearchShareOut] | None = Field(
        None, description="Share of the budget per research category; null like `budget_lines`."
    )
