"""What a simulation is given: a project, its partners, their costs and their other aid."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from grappe.funding.domain.common import (
    ZERO,
    CostCategory,
    Explanation,
    PartnerKind,
    ResearchCategory,
    RoBasis,
)
from grappe.registry.domain.sme import FrenchCategory, SizeClass


def _money(value: Decimal, what: str) -> None:
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite() or value < ZERO:
        raise ValueError(f"{what} must be a non-negative amount (got {value})")


@dataclass(frozen=True, slots=True)
class CostLine:
    """Eligible costs of one GBER cost category, allocated to one research category."""

    category: CostCategory
    research: ResearchCategory
    amount: Decimal
    id: str = ""

    def __post_init__(self) -> None:
        _money(self.amount, "amount")


@dataclass(frozen=True, slots=True)
class OtherAid:
    """Aid for the same project from another funder (cumulation, FUNDING-RULES §7.3).

    `cost_line_ids` names the cost lines it pays for, when known, to detect double funding.
    """

    funder: str
    category: CostCategory
    amount: Decimal
    research: ResearchCategory | None = None
    cost_line_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _money(self.amount, "amount")


@dataclass(frozen=True, slots=True)
class PartnerInput:
    """One consortium partner.

    `group` names the partner's linked-enterprise group: partners sharing a group are one
    undertaking and are not independent of each other. `size`, `french_category` and
    `is_startup` are used unless an SME assessment is given to `simulate`.
    """

    id: str
    kind: PartnerKind
    costs: tuple[CostLine, ...] = ()
    size: SizeClass = SizeClass.LARGE
    french_category: FrenchCategory | None = None
    is_startup: bool = False
    coordinator: bool = False
    group: str | None = None
    country: str = "FR"
    in_cluster_territory: bool = True
    in_paris: bool = False
    right_to_publish: bool = True
    contract_research: bool = False
    wide_dissemination: bool = False
    licensing_commitment: bool = False
    assisted_area: str | None = None  # "a" or "c" (TFEU 107(3)); 2023 bonuses [U]
    economic_activity: bool = False  # research organisation acting on the market
    ro_basis: RoBasis | None = None
    requests_aid: bool = True
    other_aid: tuple[OtherAid, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a partner needs an id")
        if self.assisted_area not in (None, "a", "c"):
            raise ValueError(f"assisted_area must be 'a', 'c' or None (got {self.assisted_area!r})")

    @property
    def group_id(self) -> str:
        return self.group or self.id

    @property
    def eligible_cost(self) -> Decimal:
        return sum((c.amount for c in self.costs), ZERO)


@dataclass(frozen=True, slots=True)
class ProjectInput:
    id: str
    partners: tuple[PartnerInput, ...]
    accreditations: tuple[str, ...] = ()  # cluster ids, the lead cluster first
    lead_cluster: str | None = None
    wide_dissemination: bool = False
    joint_member_state_call: bool = False  # 2023 Art. 25(6)(d) [U]
    as_of: date | None = None  # date for start-up ages

    def __post_init__(self) -> None:
        ids = [p.id for p in self.partners]
        if len(set(ids)) != len(ids):
            raise ValueError("partner ids must be unique")

    @property
    def labelled(self) -> bool:
        return bool(self.accreditations)


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    """A partner's size and start-up status as used by a simulation, with how they were found."""

    size: SizeClass
    french_category: FrenchCategory | None
    is_startup: bool
    steps: tuple[Explanation, ...] = ()

    @property
    def is_sme(self) -> bool:
        return self.size.is_sme

    @property
    def is_sme_or_eti(self) -> bool:
        return self.size.is_sme or self.french_category is FrenchCategory.ETI


def declared_profile(partner: PartnerInput) -> PartnerProfile:
    return PartnerProfile(partner.size, partner.french_category, partner.is_startup)
