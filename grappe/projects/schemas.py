"""API schemas (ninja / pydantic) for projects. Money is a string with two decimals ("45000.00")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

from grappe.core.apikit import DecimalStr, InputSchema, MultilineStr, ProvenanceOut
from grappe.core.lists import ListQuery, list_query_schema
from grappe.core.refusals import RefusalOut as RefusalOut  # the API kit's, kept importable here
from grappe.projects.filters import ProjectFilterSet
from grappe.registry.schemas import ClusterRefOut, OrganisationRefOut

# --- query parameters ----------------------------------------------------------------------


# Generated from the list's FilterSet (`projects/filters.py`): the page and the API share one
# declaration. mypy sees the common base; the parameters are checked at run time.
if TYPE_CHECKING:
    ProjectListQuery = ListQuery
else:
    ProjectListQuery = list_query_schema(ProjectFilterSet, name="ProjectListQuery")


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
    eu_contribution: DecimalStr | None = Field(
        None, description="The partner's EU contribution as the source publishes it (CORDIS)."
    )
    net_eu_contribution: DecimalStr | None = None
    total_cost: DecimalStr | None = None


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


class TargetCallOut(BaseModel):
    slug: str
    title_en: str
    title_fr: str
    funder: str = Field(description="The funder's slug.")
    status: str = Field(description="open or upcoming when chosen; closed once it has closed.")


class ProjectDetailOut(ProjectOut):
    summary: str = Field(description="In English.")
    summary_fr: str = Field(description="In French.")
    trl_start: int | None
    trl_target: int | None
    is_demo: bool
    end_date: dt.date | None
    funder: FunderRefOut | None = Field(description="The funder of an imported project.")
    total_cost: DecimalStr | None = Field(description="Total cost, EUR (CORDIS).")
    eu_contribution: DecimalStr | None = Field(
        description="Maximum EU contribution for the whole project, EUR (CORDIS)."
    )
    programme: str
    legal_basis: str
    call: str
    topics: list[str]
    funding_scheme: str
    grant_number: str = Field(description="The id at the source: grant agreement, ANR code.")
    source: str = Field(description="Import source (cordis, anr); empty when entered here.")
    attribution: str | None = Field(
        description="The attribution line the source's licence asks for; null when entered here."
    )
    provenance: list[ProvenanceOut] = Field(
        description="Where the project and its consortium come from (file, run, date)."
    )
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
    target_call: TargetCallOut | None = Field(
        None,
        description="The call a proposal targets (its live checks use that call's rules); "
        "null when none was chosen or unless you are inside the project.",
    )
    research_category_mix: list[ResearchShareOut] | None = Field(
        None, description="Share of the budget per research category; null like `budget_lines`."
    )


# --- workflow --------------------------------------------------------------------------------


class TransitionIn(InputSchema):
    """Fire one transition. The status itself is never written by a client: the workflow sets it."""

    model_config = ConfigDict(extra="forbid")

    transition: str = Field(
        max_length=60,
        pattern=r"^[a-z_]+$",
        description="Transition id: return_to_draft, record_funding, complete, withdraw "
        "(submit, accredit and refuse_accreditation have their own services and are refused "
        "here with own_service).",
    )
    reason: MultilineStr = Field("", max_length=2000, description="Required by some transitions.")
    idempotency_key: str = Field(
        "",
        max_length=80,
        description="Sending the same key again for the same project changes nothing and "
        "answers with the first request's transition.",
    )


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


# --- proposals built by their partners ----------------------------------------------------------


class _ProposalDescription(InputSchema):
    """The optional fields of a proposal's common description (new or changed)."""

    model_config = ConfigDict(extra="forbid")

    summary: MultilineStr = Field("", max_length=20000, description="In English.")
    summary_fr: MultilineStr = Field("", max_length=20000, description="In French.")
    keywords: str = Field("", max_length=500, description="Separated by commas.")
    trl_start: int | None = Field(None, ge=1, le=9)
    trl_target: int | None = Field(None, ge=1, le=9)
    start_date: dt.date | None = None
    duration_months: int | None = Field(None, ge=1, le=120)


class ProposalIn(_ProposalDescription):
    """A new proposal (a draft), coordinated by `organisation_id`, an organisation you act for."""

    organisation_id: int = Field(ge=1, le=2**53, description="The coordinating organisation.")
    acronym: str = Field(min_length=1, max_length=120)
    title: str = Field(min_length=1, max_length=400)


class ProposalOut(BaseModel):
    id: int
    acronym: str
    title: str
    status: str


class ProposalDescriptionIn(_ProposalDescription):
    """Change a draft proposal's common description: only the fields given change."""

    acronym: str = Field("", min_length=1, max_length=120)
    title: str = Field("", min_length=1, max_length=400)
    edit_token: str = Field(
        pattern=r"^[0-9a-f]{32}$",
        description="The `edit_token` of the proposal as you read it "
        "(`GET /projects/{id}/proposal`): a proposal changed since is refused (409).",
    )


class ProposalDescriptionOut(BaseModel):
    id: int
    status: str
    acronym: str
    title: str
    summary: str
    summary_fr: str
    keywords: str
    trl_start: int | None
    trl_target: int | None
    start_date: dt.date | None
    duration_months: int | None
    may_edit: bool = Field(description="Whether you may change the description now.")
    edit_token: str | None = Field(description="For your next update (when you may edit).")


class InvitationIn(InputSchema):
    """Invite an organisation of the registry (`organisation_id`) or, by its SIREN, one that
    may not be in it yet (`siren`, with `name` and `kind` when it is new)."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: int | None = Field(None, ge=1, le=2**53)
    siren: str = Field("", max_length=20)
    name: str = Field("", max_length=300)
    kind: str = Field("", max_length=32, description="Organisation type of a new record.")


class InvitationOut(BaseModel):
    id: int
    project_id: int
    organisation: OrganisationRefOut
    status: str = Field(description="pending, accepted, declined or cancelled.")
    created_at: dt.datetime
    answered_at: dt.datetime | None


class InvitationAnswerIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    transition: str = Field(
        max_length=20,
        pattern=r"^[a-z_]+$",
        description="accept or decline (the invited organisation), cancel (the coordinator).",
    )


class BudgetLineIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    cost_category: str = Field(max_length=24)
    research_category: str = Field(max_length=20)
    amount: str = Field(
        pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
        description='EUR, as a string with at most two decimals: "45000.00".',
        examples=["45000.00"],
    )


class PartnerBudgetIn(InputSchema):
    """Your organisation's whole budget in the proposal (lines not given are removed)."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: int | None = Field(
        None, ge=1, le=2**53, description="Which of your organisations (when you act for several)."
    )
    lines: list[BudgetLineIn] = Field(max_length=100)


class OwnBudgetLineOut(BaseModel):
    cost_category: str
    research_category: str
    amount: DecimalStr
