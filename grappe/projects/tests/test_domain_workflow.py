"""The project workflow (today's statuses) and who stands where, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.core.domain.scope import Scope
from grappe.core.domain.workflow import ObjectRole, Refusal
from grappe.projects.domain.workflow import (
    CURRENT,
    PROJECT_WORKFLOWS,
    ProjectFacts,
    ProjectRelations,
    entry_state_problem,
    project_roles,
    transition_between,
)
from grappe.projects.models import ProjectStatus

C, P, M, F, E, S = (
    ObjectRole.COORDINATOR,
    ObjectRole.PARTNER,
    ObjectRole.CLUSTER_MANAGER,
    ObjectRole.FUNDER_OFFICER,
    ObjectRole.EVALUATOR,
    ObjectRole.STAFF,
)
READY = ProjectFacts(
    has_coordinator=True, partner_count=3, accreditation_count=1, granted_aid_lines=2
)


def test_the_workflow_states_are_the_project_statuses() -> None:
    assert set(CURRENT.states) == set(ProjectStatus.values)
    assert CURRENT.public_states() == {"accredited", "funded", "completed"}
    assert CURRENT.initial == ProjectStatus.DRAFT
    assert PROJECT_WORKFLOWS.versions() == [1]


# Who may fire what, from which state: the table a cluster manager would read.
@pytest.mark.parametrize(
    ("transition", "state", "role", "allowed"),
    [
        ("submit", "draft", C, True),
        ("submit", "draft", P, False),  # a partner cannot submit for the consortium
        ("submit", "draft", M, False),
        ("submit", "draft", S, True),
        ("submit", "submitted", C, False),
        ("return_to_draft", "submitted", C, True),
        ("return_to_draft", "submitted", M, True),
        ("return_to_draft", "submitted", P, False),
        ("accredit", "submitted", M, True),
        ("accredit", "submitted", C, False),  # nobody labels their own project
        ("accredit", "submitted", F, False),
        ("accredit", "draft", M, False),
        ("refuse_accreditation", "submitted", M, True),
        ("refuse_accreditation", "submitted", C, False),
        ("record_funding", "accredited", F, True),
        ("record_funding", "accredited", M, False),
        ("record_funding", "accredited", C, False),
        ("complete", "funded", C, True),
        ("complete", "funded", F, True),
        ("complete", "funded", P, False),
        ("complete", "accredited", S, False),
        ("withdraw", "draft", C, True),
        ("withdraw", "submitted", C, True),
        ("withdraw", "accredited", C, True),
        ("withdraw", "funded", C, False),
        ("withdraw", "submitted", M, False),
        ("withdraw", "completed", S, False),  # terminal
        ("accredit", "submitted", E, False),
    ],
)
def test_who_may_fire_what(transition: str, state: str, role: ObjectRole, allowed: bool) -> None:
    decision = CURRENT.decide(transition, state=state, roles={role}, facts=READY, reason="why")
    assert decision.allowed is allowed, decision


@pytest.mark.parametrize(
    ("transition", "state", "facts", "guard"),
    [
        ("submit", "draft", ProjectFacts(partner_count=2), "has_coordinator"),
        ("submit", "draft", ProjectFacts(has_coordinator=True, partner_count=1), "has_partner"),
        ("accredit", "submitted", ProjectFacts(has_coordinator=True), "has_accreditation"),
        ("record_funding", "accredited", ProjectFacts(accreditation_count=1), "has_granted_aid"),
    ],
)
def test_guards_block_until_the_facts_are_there(
    transition: str, state: str, facts: ProjectFacts, guard: str
) -> None:
    decision = CURRENT.decide(transition, state=state, roles={S}, facts=facts, reason="why")
    assert decision.refusal is Refusal.GUARD and decision.guard is not None
    assert decision.guard.id == guard


@pytest.mark.parametrize("transition", ["return_to_draft", "refuse_accreditation", "withdraw"])
def test_sending_back_refusing_and_withdrawing_need_a_reason(transition: str) -> None:
    source = next(iter(CURRENT.transitions[transition].sources))
    decision = CURRENT.decide(transition, state=source, roles={S}, facts=READY, reason="")
    assert decision.refusal is Refusal.REASON


RELATIONS = ProjectRelations(
    coordinator_organisation_ids=frozenset({1}),
    partner_organisation_ids=frozenset({2, 3}),
    cluster_ids=frozenset({10}),
    funder_ids=frozenset({20}),
    evaluator_user_ids=frozenset({99}),
)


@pytest.mark.parametrize(
    ("scope", "roles"),
    [
        (Scope(user_id=1, organisation_ids=frozenset({1})), {C, P}),
        (Scope(user_id=1, organisation_ids=frozenset({3})), {P}),
        (Scope(user_id=1, organisation_ids=frozenset({4})), set()),
        (Scope(user_id=1, cluster_ids=frozenset({10, 11})), {M}),
        (Scope(user_id=1, cluster_ids=frozenset({11})), set()),
        (Scope(user_id=1, funder_ids=frozenset({20})), {F}),
        (Scope(user_id=99, is_evaluator=True), {E}),
        (Scope(user_id=98, is_evaluator=True), set()),  # evaluator, but not assigned to it
        (Scope(user_id=1, is_staff_wide=True), {S}),
        (Scope.public(), set()),
    ],
)
def test_roles_relative_to_the_project(scope: Scope, roles: set[ObjectRole]) -> None:
    assert project_roles(scope, RELATIONS) == roles


def test_imports_may_create_projects_in_published_states_only() -> None:
    for state in ("draft", "funded", "completed"):
        assert entry_state_problem(CURRENT, state) is None
    for state in ("submitted", "accredited", "withdrawn", "not_accredited"):
        assert entry_state_problem(CURRENT, state)


def test_transition_between_finds_the_step() -> None:
    assert transition_between(CURRENT, "funded", "completed") == "complete"
    assert transition_between(CURRENT, "completed", "funded") is None


@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(CURRENT.transitions)), st.sets(st.sampled_from(list(ObjectRole)))
        ),
        max_size=10,
    )
)
def test_any_sequence_of_requests_stays_within_the_workflow(
    requests: list[tuple[str, set[ObjectRole]]],
) -> None:
    state = CURRENT.initial
    for transition_id, roles in requests:
        decision = CURRENT.decide(transition_id, state=state, roles=roles, facts=READY, reason="r")
        transition = CURRENT.transitions[transition_id]
        assert decision.allowed == (
            state in transition.sources and bool(roles & set(transition.roles))
        )
        if decision.allowed:
            state = transition.target
    assert state in CURRENT.states
