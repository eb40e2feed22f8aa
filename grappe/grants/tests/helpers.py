"""A small grant world for the grants tests: one project, two partners, two funders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grappe.core.domain.roles import Role
from grappe.core.tests.factories import (
    FunderFactory,
    FundingLineFactory,
    ParticipationFactory,
    ProjectFactory,
    UserFactory,
    user_with_role,
)
from grappe.grants import services
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import GrantAgreement

D = Decimal
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    project: Any
    funder: Any
    other_funder: Any
    line: Any
    partner: Any  # member of the funded partner
    other_partner: Any  # member of another partner of the same project
    officer: Any
    other_officer: Any
    admin: Any
    outsider: Any


def make_world(granted: str = "100000.00") -> World:
    project = ProjectFactory(start_date=dt.date(2024, 1, 1), end_date=dt.date(2026, 12, 31))
    funder, other_funder = FunderFactory(), FunderFactory()
    mine = ParticipationFactory(project=project)
    theirs = ParticipationFactory(project=project)
    line = FundingLineFactory(participation=mine, funder=funder, granted=D(granted),
                              decision_reference="2024 DAE 12")  # fmt: skip
    FundingLineFactory(participation=theirs, funder=funder)
    admin = UserFactory(is_staff=True, is_superuser=True)
    return World(
        project=project,
        funder=funder,
        other_funder=other_funder,
        line=line,
        partner=user_with_role(Role.MEMBER, organisation=mine.organisation),
        other_partner=user_with_role(Role.MEMBER, organisation=theirs.organisation),
        officer=user_with_role(Role.PROGRAMME_OFFICER, funder=funder),
        other_officer=user_with_role(Role.PROGRAMME_OFFICER, funder=other_funder),
        admin=admin,
        outsider=UserFactory(),
    )


def make_agreement(
    w: World, plan: str = "city-of-paris", intensity: str = "0.5", status: str = "active"
) -> GrantAgreement:
    agreement = services.agreement_create(
        actor=w.officer,
        funding_line=w.line,
        costs={"personnel": "150000.00", "instruments_equipment": "50000.00"},
        intensity=intensity,
        plan=PLAN_DATA[plan],
    )
    steps = {"draft": [], "offered": ["offer"], "accepted": ["offer", "accept"]}
    for t in steps.get(status, ["offer", "accept", "activate"]):
        actor = w.partner if t == "accept" else w.officer
        services.agreement_transition(actor=actor, agreement=agreement, transition=t)
    agreement.refresh_from_db()
    return agreement


def pay(w: World, agreement: GrantAgreement, tranche: str, ref: str = "VIR-1") -> Any:
    inst = services.installment_request(actor=w.partner, agreement=agreement, tranche=tranche)
    services.installment_transition(actor=w.officer, installment=inst, transition="approve")
    services.installment_transition(
        actor=w.officer, installment=inst, transition="pay", payment_reference=ref
    )
    agreement.refresh_from_db()
    inst.refresh_from_db()
    return inst


def statement(w: World, agreement: GrantAgreement, *claims: tuple[str, str]) -> Any:
    return services.statement_submit(
        actor=w.partner,
        agreement=agreement,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
        lines=[{"category": c, "description": f"{c} costs", "claimed": a} for c, a in claims],
    )


def review_all(w: World, st: Any, decisions: list[tuple[str, str | None, str]]) -> None:
    for line, (decision, accepted, reason) in zip(st.lines.order_by("id"), decisions, strict=True):
        services.statement_line_decide(
            actor=w.officer, line=line, decision=decision, accepted=accepted, reason=reason
        )
    services.statement_transition(actor=w.officer, statement=st, transition="review")
