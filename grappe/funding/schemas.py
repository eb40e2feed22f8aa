"""API schemas for aid simulation and calls (the command `grappe aid simulate` reads the same input).

Money is a decimal string (or a JSON number) in EUR; shares and rates are fractions ("0.60").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from grappe.core.apikit import MAX_ID, DecimalStr, InputSchema, MultilineStr
from grappe.core.lists import ListQuery, list_query_schema
from grappe.funding.domain.common import CostCategory, PartnerKind, ResearchCategory, RoBasis
from grappe.funding.filters import ApplicationFilterSet, CallFilterSet, FunderProjectFilterSet
from grappe.registry.domain.sme import FrenchCategory, HolderKind, SizeClass

Money = Decimal
Id = str

# --------------------------------------------------------------------------- input


class FiguresIn(InputSchema):
    """One closed accounting year (EU SME Recommendation)."""

    year: int = Field(..., ge=1900, le=2100)
    # Bounded like the stored figures, so that no absurd exponent reaches the arithmetic.
    staff_awu: Decimal = Field(
        ..., ge=0, max_digits=12, decimal_places=2, description="Staff in annual work units."
    )
    turnover: Money = Field(..., ge=0, max_digits=16, decimal_places=2)
    balance_sheet: Money = Field(..., ge=0, max_digits=16, decimal_places=2)


class EnterpriseIn(InputSchema):
    """An enterprise that is not a partner but holds, or is held by, one (for SME status)."""

    id: Id = Field(..., min_length=1, max_length=80)
    figures: list[FiguresIn] = Field(default_factory=list, max_length=10)
    founded_on: dt.date | None = None
    is_jei: bool = False


class HoldingIn(InputSchema):
    """`holder` holds shares of `held` (ids of partners or enterprises); shares are fractions."""

    holder: Id = Field(..., min_length=1, max_length=80)
    held: Id = Field(..., min_length=1, max_length=80)
    capital_share: Decimal = Field(..., ge=0, le=1, max_digits=7, decimal_places=6)
    voting_share: Decimal | None = Field(
        None, ge=0, le=1, max_digits=7, decimal_places=6, description="Defaults to capital."
    )
    holder_kind: HolderKind = HolderKind.ENTERPRISE
    dominant_influence: bool = False
    # Rec. 2003/361/EC Annex Art. 3(2) exceptions (the holder stays a mere investor):
    angel_total_investment: Money | None = Field(
        None,
        ge=0,
        max_digits=16,
        decimal_places=2,
        description="business_angel: its total investment in `held` (exception under EUR 1.25 m).",
    )
    authority_budget: Money | None = Field(
        None,
        ge=0,
        max_digits=16,
        decimal_places=2,
        description="local_authority: annual budget (autonomous under EUR 10 m).",
    )
    authority_inhabitants: int | None = Field(
        None, ge=0, le=10**9, description="local_authority: population (under 5,000)."
    )


class CostLineIn(InputSchema):
    id: str = Field("", max_length=80)
    category: CostCategory
    research: ResearchCategory
    amount: Money = Field(..., ge=0, max_digits=16, decimal_places=2)


class OtherAidIn(InputSchema):
    """Aid for the same project from another funder (checked for cumulation)."""

    funder: str = Field(..., min_length=1, max_length=120)
    category: CostCategory
    amount: Money = Field(..., ge=0, max_digits=16, decimal_places=2)
    research: ResearchCategory | None = None
    cost_line_ids: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=200
    )


class PartnerIn(InputSchema):
    id: Id = Field(..., min_length=1, max_length=80)
    name: str = Field("", max_length=300)
    kind: PartnerKind
    size: SizeClass | None = Field(
        None, description="Declared size; ignored when `figures` are given (then assessed)."
    )
    french_category: FrenchCategory | None = None
    figures: list[FiguresIn] = Field(default_factory=list, max_length=10)
    founded_on: dt.date | None = None
    is_jei: bool = False
    is_startup: bool | None = None
    coordinator: bool = False
    group: str | None = Field(None, max_length=80)
    country: str = Field("FR", pattern=r"^[A-Z]{2}$")
    in_paris: bool = False
    in_cluster_territory: bool = True
    right_to_publish: bool = True
    contract_research: bool = False
    wide_dissemination: bool = False
    economic_activity: bool = False
    ro_basis: RoBasis | None = None
    requests_aid: bool = True
    costs: list[CostLineIn] = Field(default_factory=list, max_length=200)
    other_aid: list[OtherAidIn] = Field(default_factory=list, max_length=50)


class ProjectIn(InputSchema):
    id: str = Field("project", min_length=1, max_length=120)
    partners: list[PartnerIn] = Field(..., min_length=1, max_length=50)
    accreditations: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list,
        max_length=20,
        description="Accrediting clusters, the lead cluster first.",
    )
    lead_cluster: str | None = Field(None, max_length=80)
    wide_dissemination: bool = False
    as_of: dt.date | None = Field(None, description="Date for start-up ages (default: today).")
    enterprises: list[EnterpriseIn] = Field(default_factory=list, max_length=200)
    ownership: list[HoldingIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _unique_ids(self) -> ProjectIn:
        ids = [p.id for p in self.partners]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"partner ids must be unique (repeated: {', '.join(dupes)})")
        return self


class SimulateIn(InputSchema):
    """A project (inline, or `project_id`) against a rule set (inline, ready-made code, or call)."""

    project: ProjectIn | None = None
    project_id: int | None = Field(None, ge=1, le=2**63 - 1)
    ruleset: dict[str, Any] | None = Field(None, description="A rule set as data.")
    ruleset_code: str | None = Field(
        None, max_length=80, description='A ready-made set: "fui-19", "fui-25", "pspc-regions", ...'
    )
    call: str | None = Field(None, max_length=80, description="The slug of a call.")

    @model_validator(mode="after")
    def _one_of_each(self) -> SimulateIn:
        if (self.project is None) == (self.project_id is None):
            raise ValueError("give exactly one of project or project_id")
        given = [k for k in ("ruleset", "ruleset_code", "call") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of ruleset, ruleset_code or call")
        return self


# --------------------------------------------------------------------------- output


class StepOut(Schema):
    code: str
    sentence: str
    legal_ref: str
    unconfirmed: bool
    params: dict[str, str]


class LineOut(Schema):
    id: str
    category: str
    research: str
    eligible_cost: str
    intensity_pct: str
    gber_cap_pct: str | None
    max_aid: str
    steps: list[StepOut]


class CategoryOut(Schema):
    category: str
    eligible_cost: str
    gber_max_aid: str | None
    other_aid: str
    scheme_aid: str
    max_aid: str
    steps: list[StepOut]


class PartnerOut(Schema):
    id: str
    name: str
    organisation_id: int | None = None
    kind: str
    undertaking: bool
    size: str
    french_category: str | None
    is_startup: bool
    eligible_cost: str
    max_aid: str
    average_intensity_pct: str
    lines: list[LineOut]
    categories: list[CategoryOut]
    steps: list[StepOut]
    warnings: list[StepOut]
    notes: list[str]


class VerdictOut(Schema):
    rule: str
    status: Literal["passed", "failed", "needs_justification", "not_applicable"]
    code: str
    sentence: str
    legal_ref: str
    unconfirmed: bool
    params: dict[str, str]


class RuleSetRefOut(Schema):
    code: str
    title: str
    version: int
    funder: str
    reference: str
    gber_version: str
    unconfirmed: list[str]
    gber_unconfirmed: list[str]


class CallRefOut(Schema):
    slug: str
    title: str
    funder: str
    status: str


class CollaborationOut(Schema):
    basis: str | None
    steps: list[StepOut]


class SimulationOut(Schema):
    project_id: str
    language: str
    ruleset: RuleSetRefOut
    call: CallRefOut | None
    total_eligible_cost: str
    total_max_aid: str
    uses_unconfirmed_parameters: bool
    unconfirmed_notice: str | None
    partners: list[PartnerOut]
    collaboration: CollaborationOut
    verdicts: list[VerdictOut]
    steps: list[StepOut]
    warnings: list[StepOut]


class CallOut(Schema):
    slug: str
    title: str
    title_en: str
    title_fr: str
    funder: str
    funder_slug: str
    opens_on: dt.date
    closes_on: dt.date
    status: str
    envelope: str | None
    ruleset_version: int | None
    ruleset_code: str | None
    unconfirmed: list[str]


class CallDetailOut(CallOut):
    ruleset: dict[str, Any] | None
    unconfirmed_notice: str | None
    rules: list[CallRuleLineOut] = Field(
        description="The rule set in plain words: eligibility, then aid."
    )
    evaluation: dict[str, Any] | None = Field(
        description="How applications are evaluated: criteria (name in the request's language, "
        "weight, threshold), scale 0-5 in half points, overall threshold, evaluators per "
        "application, tie-break rules in order (the defaults until the officer sets them)."
    )


class CallRuleLineOut(Schema):
    section: str = Field(description="`eligibility` (who may apply) or `aid` (how much).")
    code: str = Field(description="The message code (`funding/domain/call_rules.py`).")
    text: str = Field(description="The rule in plain words, in the request's language.")
    unconfirmed: bool = Field(description="Rests on a value the rule set marks unconfirmed.")
    advisory: bool = Field(description="A recommendation, not a condition of eligibility.")


if TYPE_CHECKING:
    CallListQuery = ListQuery
else:
    CallListQuery = list_query_schema(CallFilterSet, name="CallListQuery")


# --------------------------------------------------------------------------- funder programmes
# The same figures as the funder page (`funding.selectors.funder_figures`): granted funding
# lines of public projects only. Money is a decimal string in EUR; shares are fractions.

if TYPE_CHECKING:
    FunderProjectListQuery = ListQuery
else:
    FunderProjectListQuery = list_query_schema(
        FunderProjectFilterSet,
        name="FunderProjectListQuery",
    )


class FigureRowOut(Schema):
    key: str = Field(
        description="A year, a cluster slug, an organisation type or size class; empty when "
        "unknown (no cluster, size not declared)."
    )
    label: str
    granted: DecimalStr
    projects: int


class FunderFiguresOut(Schema):
    slug: str
    name: str
    name_en: str
    name_fr: str
    kind: str
    granted: DecimalStr = Field(description="Total granted (EUR).")
    granted_millions: DecimalStr = Field(description="The total in millions, rounded down.")
    lines: int = Field(description="Granted funding lines (decisions per partner).")
    projects: int
    first_year: int | None
    last_year: int | None
    start_ups: int
    start_ups_granted: DecimalStr
    start_ups_share: DecimalStr | None = Field(description="Fraction of the total (0-1).")
    paris_start_ups: int
    paris_start_ups_granted: DecimalStr
    paris_start_ups_share: DecimalStr | None
    by_year: list[FigureRowOut]
    by_cluster: list[FigureRowOut] = Field(
        description="A project accredited by two clusters counts in both rows."
    )
    by_kind: list[FigureRowOut]
    by_size: list[FigureRowOut]


class FunderProjectOut(Schema):
    id: int
    acronym: str
    title: str
    status: str
    start_date: dt.date | None
    granted: DecimalStr = Field(description="What this funder granted the project (EUR).")


# --------------------------------------------------------------------------- applications
# An accredited project's application to a call (never public). Money is a decimal string in
# EUR; times are ISO 8601 with their offset (the server stores UTC; pages show Europe/Paris).

APPLICATION_TEXT_MAX = 20_000


class TargetCallIn(InputSchema):
    """Choose the call a draft proposal targets (its coordinator), or none (`null`)."""

    model_config = ConfigDict(extra="forbid")

    call: str | None = Field(
        pattern=r"^[-a-zA-Z0-9_]{1,80}$",
        description="The slug of an open or upcoming call; null removes the target call.",
    )


class TargetCallSetOut(Schema):
    call: str | None = Field(description="The target call's slug; null when none is chosen.")


class ApplicationCreateIn(InputSchema):
    """Start a draft application of a project to an open call (its coordinator only)."""

    model_config = ConfigDict(extra="forbid")

    call: str = Field(pattern=r"^[-a-zA-Z0-9_]{1,80}$", description="The call's slug.")
    project_id: int = Field(ge=1, le=MAX_ID, description="An accredited project you coordinate.")


class RequestedIn(InputSchema):
    participation_id: int = Field(ge=1, le=MAX_ID, description="A partner of the project.")
    amount: str | None = Field(
        ...,
        pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
        examples=["45000.00"],
        description="Aid asked of the call's funder, EUR, as a string with at most two "
        'decimals ("45000.00"); null removes the partner\'s request. At most the rules '
        "engine's maximum for this partner.",
    )


class ApplicationUpdateIn(InputSchema):
    """The draft's statement and the aid requested per partner (partners not listed keep
    their amount)."""

    model_config = ConfigDict(extra="forbid")

    statement: MultilineStr = Field("", max_length=APPLICATION_TEXT_MAX)
    requested: list[RequestedIn] = Field(default_factory=list, max_length=500)
    edit_token: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{32}$",
        description="The `edit_token` of the application as you read it: a draft changed "
        "since is refused (409).",
    )


class ReasonIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    reason: MultilineStr = Field("", max_length=APPLICATION_TEXT_MAX)


class OverrideIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(pattern=r"^[a-z_]{1,60}$", description="The rule of a failed verdict.")
    justification: MultilineStr = Field(
        "", max_length=APPLICATION_TEXT_MAX, description="Required: why the rule is overridden."
    )


class ScreenIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    eligible: bool = Field(description="true: eligible (every rule passed or overridden).")
    reason: MultilineStr = Field(
        "", max_length=APPLICATION_TEXT_MAX, description="Required when ineligible."
    )


class RequestedOut(Schema):
    participation_id: int
    organisation_id: int
    name: str
    amount: DecimalStr


class ScreeningVerdictOut(Schema):
    rule: str
    status: str = Field(description="passed, failed or needs_justification.")
    code: str
    sentence: str = Field(description="The verdict in plain words, in the request's language.")
    legal_ref: str
    unconfirmed: bool
    override_justification: str
    overridden_by: str | None
    overridden_at: dt.datetime | None


class ApplicationOut(Schema):
    id: int
    call: str
    call_title: str
    funder: str
    project_id: int
    project_acronym: str
    status: str
    status_label: str
    closes_at: dt.datetime = Field(
        description="The call's closing instant (end of its last day, Paris)."
    )
    statement: str
    requested: list[RequestedOut]
    requested_total: DecimalStr
    submitted_at: dt.datetime | None
    receipt_sha256: str = Field(description="SHA-256 of the canonical JSON of `snapshot`.")
    snapshot: dict[str, Any] | None = Field(description="What was submitted, frozen.")
    screening_passed: bool
    verdicts: list[ScreeningVerdictOut]
    edit_token: str | None = Field(description="For the coordinator's next draft update.")


class ApplicationRowOut(Schema):
    id: int
    project_id: int
    project_acronym: str
    status: str
    submitted_at: dt.datetime | None
    requested_total: DecimalStr | None
    failed_verdicts: int = Field(description="Failed rules not overridden.")
    receipt_sha256: str


if TYPE_CHECKING:
    ApplicationListQuery = ListQuery
else:
    ApplicationListQuery = list_query_schema(ApplicationFilterSet, name="ApplicationListQuery")
