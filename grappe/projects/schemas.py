"""API schemas (ninja / pydantic) for projects. Money is a string with two decimals ("45000.00")."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator

from grappe.core.apikit import DecimalStr, reject_control_characters
from grappe.core.lists import ListQuery, list_query_schema
from grappe.projects.filters import ProjectFilterSet
from grappe.projects.models import ParticipantRole
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


class AccreditationOut(Schema):
    cluster: ClusterRefOut
    is_lead: bool
    accredited_on: dt.date


class ConsortiumMemberOut(Schema):
    organisation: OrganisationRefOut
    kind: str = Field(description="Organisation type.")
    city: str
    role: str
    is_coordinator: bool

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return str(obj.organisation.kind)

    @staticmethod
    def resolve_city(obj: Any) -> str:
        return str(obj.organisation.city)

    @staticmethod
    def resolve_is_coordinator(obj: Any) -> bool:
        return bool(obj.role == ParticipantRole.COORDINATOR)


class ProjectOut(Schema):
    id: int
    acronym: str
    title: str
    status: str
    start_date: dt.date | None
    duration_months: int | None
    keywords: list[str]
    coordinator: OrganisationRefOut | None
    clusters: list[ClusterRefOut] = Field(description="Accrediting clusters, lead cluster first.")

    @staticmethod
    def resolve_keywords(obj: Any) -> list[str]:
        return list(obj.keyword_list)

    # Read what `projects_with_listing_details` prefetched.
    @staticmethod
    def resolve_coordinator(obj: Any) -> Any:
        return obj.coordinators[0].organisation if obj.coordinators else None

    @staticmethod
    def resolve_clusters(obj: Any) -> list[Any]:
        return [a.cluster for a in obj.ordered_accreditations]


class FunderRefOut(Schema):
    slug: str
    name: str


class AidLineOut(Schema):
    funder: FunderRefOut
    organisation: OrganisationRefOut
    requested: DecimalStr | None = Field(
        None, description="Aid requested; null unless you are inside the project."
    )
    granted: DecimalStr | None = Field(None, description="Aid granted; null until decided.")
    decided_on: dt.date | None

    @staticmethod
    def resolve_organisation(obj: Any) -> Any:
        return obj.participation.organisation


class AidByFunderOut(Schema):
    funder: FunderRefOut
    granted: DecimalStr


class BudgetLineOut(Schema):
    organisation: OrganisationRefOut
    cost_category: str
    research_category: str
    amount: DecimalStr

    @staticmethod
    def resolve_organisation(obj: Any) -> Any:
        return obj.participation.organisation


class ResearchShareOut(Schema):
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

    # The detail reads what `project_get` prefetched: the whole consortium, coordinator first,
    # and the accreditations, lead cluster first.
    @staticmethod
    def resolve_consortium(obj: Any) -> list[Any]:
        return list(obj.participations.all())

    @staticmethod
    def resolve_coordinator(obj: Any) -> Any:
        first = next(iter(obj.participations.all()), None)
        return first.organisation if first and first.role == ParticipantRole.COORDINATOR else None

    @staticmethod
    def resolve_clusters(obj: Any) -> list[Any]:
        return [a.cluster for a in obj.accreditations.all()]

    @staticmethod
    def resolve_accreditations(obj: Any) -> list[Any]:
        return list(obj.accreditations.all())

    # Aid and budget depend on who asks: the API handler fills them in from the selectors.
    @staticmethod
    def resolve_aid(obj: Any) -> list[Any]:
        return []

    @staticmethod
    def resolve_aid_granted_by_funder(obj: Any) -> list[Any]:
        return []

    @staticmethod
    def resolve_budget_lines(obj: Any) -> None:
        return None

    @staticmethod
    def resolve_budget_total(obj: Any) -> None:
        return None

    @staticmethod
    def resolve_research_category_mix(obj: Any) -> None:
        return None


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
    reason: str = Field("", max_length=2000, description="Required by some transitions.")
    idempotency_key: str = Field(
        "",
        max_length=80,
        description="Sending the same key again for the same project changes nothing and "
        "answers with the first request's transition.",
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
