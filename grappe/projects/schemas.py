"""API schemas (ninja / pydantic) for projects. Money is a string with two decimals ("45000.00")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, field_validator

from grappe.core.apikit import NO_CONTROL_CHARACTERS, DecimalStr, reject_control_characters
from grappe.core.lists import ListQuery, list_query_schema
from grappe.projects.filters import ProjectFilterSet
from grappe.registry.schemas import ClusterRefOut, OrganisationRefOut

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


# --- workflow --------------------------------------------------------------------------------


class TransitionIn(Schema):
    """Fire one transition. The status itself is never written by a client: the workflow sets it."""

    model_config = ConfigDict(extra="forbid")

    transition: str = Field(
        max_length=60,
        pattern=r"^[a-z_]+$",
        description="Transition id: submit, return_to_draft, accredit, refuse_accreditation, "
        "record_funding, complete, withdraw.",
    )
    reason: str = Field(
        "",
        max_length=2000,
        description="Required by some transitions.",
        json_schema_extra=NO_CONTROL_CHARACTERS,
    )
    idempotency_key: str = Field(
        "",
        max_length=80,
        description="Sending the same key again for the same project changes nothing and "
        "answers with the first request's transition.",
        json_schema_extra=NO_CONTROL_CHARACTERS,
    )

    _clean = field_validator("reason", "idempotency_key", mode="before")(reject_control_characters)


class TransitionOut(Schema):
    id: int
    transition: str
    from_state: str
    to_state: str
    acting_role: str
    reason: str
    created_at: dt.datetime
    workflow: str
    workflow_version: int
    replayed: bool = Field(False, description="True when this answers a replayed key.")


class RefusalOut(Schema):
    detail: str = Field(description="Why, naming the transition, your role and the condition.")
    refusal: str = Field(
        description="role, wrong_state, guard, reason, unknown_transition, "
        "idempotency_key_reused or unknown_version."
    )
    transition: str
    guard: str = Field("", description="The id of the condition that failed, if one did.")
