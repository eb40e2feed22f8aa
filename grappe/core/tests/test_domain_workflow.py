"""The workflow engine, without a database: loading checks, decisions, versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grappe.core.domain.workflow import (
    Guard,
    ObjectRole,
    Refusal,
    WorkflowDefinitionError,
    WorkflowRegistry,
    load_workflow,
)

GUARDS = {"ready": Guard("ready", "it is ready", lambda facts: bool(facts), "Get it ready.")}


def definition(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "doc",
        "version": 1,
        "initial": "open",
        "states": [
            {"id": "open", "staff_label": "Open", "public_label": "Open", "visible_to": ["staff"]},
            {
                "id": "done",
                "staff_label": "Done",
                "public_label": "Done",
                "terminal": True,
                "visible_to": ["public"],
            },
        ],
        "transitions": [
            {
                "id": "close",
                "label": "Close",
                "from": ["open"],
                "to": "done",
                "roles": ["coordinator", "staff"],
                "guards": ["ready"],
                "reason_required": True,
            }
        ],
    }
    base.update(changes)
    return base


def test_a_sound_definition_loads() -> None:
    wf = load_workflow(definition(), guards=GUARDS)
    assert (wf.id, wf.version, wf.initial) == ("doc", 1, "open")
    assert wf.public_states() == {"done"}
    assert [t.id for t in wf.outgoing("open")] == ["close"]


def broken(path: str, value: Any) -> dict[str, Any]:
    """The sample definition with one value replaced, `path` like "transitions.0.roles"."""
    data = copy.deepcopy(definition())
    *parents, last = path.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "reported_at", "says"),
    [
        ("transitions.0.roles", ["chair"], "transitions[0].roles[0]", "unknown role 'chair'"),
        ("transitions.0.roles", [], "transitions[0].roles", "nobody could fire"),
        ("transitions.0.guards", ["signed"], "transitions[0].guards[0]", "unknown guard 'signed'"),
        ("transitions.0.to", "archived", "transitions[0].to", "unknown state 'archived'"),
        ("transitions.0.from", ["nowhere"], "transitions[0].from[0]", "unknown state"),
        ("transitions.0.to", "open", "transitions[0].to", "back to its source"),
        ("transitions.0.reason_required", "yes", "transitions[0].reason_required", "true or false"),
        ("transitions.0.label", "", "transitions[0].label", "non-empty"),
        ("states.0.visible_to", ["everyone"], "states[0].visible_to[0]", "unknown audience"),
        ("states.0.visible_to", [], "states[0].visible_to", "nobody could see"),
        ("states.1.staff_label", " ", "states[1].staff_label", "non-empty"),
        ("states.1.terminal", False, "states[1]", "dead end"),
        ("states.0.terminal", True, "states[0]", "terminal state 'open' has transitions"),
        ("initial", "closed", "initial", "unknown state 'closed'"),
        ("version", 0, "version", "whole number"),
        ("id", "", "id", "non-empty id"),
    ],
)
def test_a_broken_definition_is_refused_with_the_path_of_the_error(
    path: str, value: Any, reported_at: str, says: str
) -> None:
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(broken(path, value), guards=GUARDS)
    assert any(p == reported_at and says in m for p, m in caught.value.problems), (
        caught.value.problems
    )


def test_an_unreachable_state_is_refused() -> None:
    data = definition()
    data["states"].append(
        {
            "id": "lost",
            "staff_label": "Lost",
            "public_label": "Lost",
            "terminal": True,
            "visible_to": ["staff"],
        }
    )
    with pytest.raises(
        WorkflowDefinitionError, match=r"states\[2\]: state 'lost' cannot be reached"
    ):
        load_workflow(data, guards=GUARDS)


def test_an_entry_state_makes_a_state_reachable() -> None:
    data = definition(entry=["open", "lost"])
    data["states"].append(
        {
            "id": "lost",
            "staff_label": "Lost",
            "public_label": "Lost",
            "terminal": True,
            "visible_to": ["staff"],
        }
    )
    assert load_workflow(data, guards=GUARDS).entry == {"open", "lost"}


def test_a_duplicate_state_or_transition_is_refused() -> None:
    data = definition()
    data["states"].append(dict(data["states"][0]))
    data["transitions"].append(dict(data["transitions"][0]))
    with pytest.raises(WorkflowDefinitionError) as caught:
        load_workflow(data, guards=GUARDS)
    messages = [m for _, m in caught.value.problems]
    assert "state 'open' is defined twice" in messages
    assert "transition 'close' is defined twice" in messages


WF = load_workflow(definition(), guards=GUARDS)


@pytest.mark.parametrize(
    ("state", "roles", "ready", "reason", "allowed", "refusal", "acting"),
    [
        ("open", {ObjectRole.COORDINATOR}, True, "finished", True, None, ObjectRole.COORDINATOR),
        (
            "open",
            {ObjectRole.STAFF, ObjectRole.COORDINATOR},
            True,
            "x",
            True,
            None,
            ObjectRole.COORDINATOR,
        ),
        ("open", {ObjectRole.STAFF}, True, "x", True, None, ObjectRole.STAFF),
        ("open", {ObjectRole.PARTNER}, True, "x", False, Refusal.ROLE, None),
        ("open", set(), True, "x", False, Refusal.ROLE, None),
        ("open", {ObjectRole.STAFF}, False, "x", False, Refusal.GUARD, ObjectRole.STAFF),
        ("open", {ObjectRole.STAFF}, True, "  ", False, Refusal.REASON, ObjectRole.STAFF),
        ("open", {ObjectRole.STAFF}, True, None, True, None, ObjectRole.STAFF),
        ("done", {ObjectRole.STAFF}, True, "x", False, Refusal.WRONG_STATE, ObjectRole.STAFF),
    ],
)
def test_decisions(
    state: str,
    roles: set[ObjectRole],
    ready: bool,
    reason: str | None,
    allowed: bool,
    refusal: Refusal | None,
    acting: ObjectRole | None,
) -> None:
    decision = WF.decide("close", state=state, roles=roles, facts=ready, reason=reason)
    assert (decision.allowed, decision.refusal, decision.acting_role) == (allowed, refusal, acting)
    if allowed:
        assert decision.target == "done"
    if refusal is Refusal.GUARD:
        assert decision.guard is not None and decision.guard.id == "ready"


def test_an_unknown_transition_is_refused_not_raised() -> None:
    decision = WF.decide("reopen", state="open", roles={ObjectRole.STAFF}, facts=True)
    assert decision.refusal is Refusal.UNKNOWN_TRANSITION
    msgid, params = WF.refusal_message(decision, state="open")
    assert "%(transition)s" in msgid and params["transition"] == "reopen"


def test_refusal_messages_name_the_transition_the_role_and_the_guard() -> None:
    decision = WF.decide("close", state="open", roles={ObjectRole.STAFF}, facts=False)
    msgid, params = WF.refusal_message(decision, state="open")
    text = msgid % {**params, "allowed": ", ".join(params["allowed"]), "role": params["role"][0]}
    assert "Close" in text and "administrator" in text and "it is ready" in text
    assert "Get it ready." in text


def test_offered_lists_only_transitions_the_roles_may_fire() -> None:
    assert WF.offered(state="open", roles={ObjectRole.PARTNER}, facts=True) == []
    [(transition, decision)] = WF.offered(state="open", roles={ObjectRole.STAFF}, facts=False)
    assert transition.id == "close" and decision.refusal is Refusal.GUARD


def test_objects_keep_the_version_they_started_under() -> None:
    v2_data = definition(version=2)
    v2_data["transitions"][0]["roles"] = ["staff"]
    registry = WorkflowRegistry([WF, load_workflow(v2_data, guards=GUARDS)])
    assert registry.current.version == 2 and registry.versions() == [1, 2]
    coordinator = {ObjectRole.COORDINATOR}
    assert registry.get(1).decide("close", state="open", roles=coordinator, facts=True).allowed
    assert not registry.get(2).decide("close", state="open", roles=coordinator, facts=True).allowed
    with pytest.raises(KeyError):
        registry.get(3)
    with pytest.raises(ValueError, match="registered twice"):
        WorkflowRegistry([WF, WF])


# --- property: whatever the definition, a loaded workflow holds together ------------------

STATE_IDS = ["a", "b", "c", "d"]


@st.composite
def random_definitions(draw: Any) -> dict[str, Any]:
    count = draw(st.integers(1, len(STATE_IDS)))
    ids = STATE_IDS[:count]
    states = [
        {
            "id": sid,
            "staff_label": sid.upper(),
            "public_label": sid.upper(),
            "terminal": draw(st.booleans()),
            "visible_to": draw(st.lists(st.sampled_from(["public", "staff", "chair"]), max_size=2)),
        }
        for sid in ids
    ]
    transitions = [
        {
            "id": f"t{i}",
            "label": f"T{i}",
            "from": draw(
                st.lists(st.sampled_from([*ids, "zz"]), min_size=1, max_size=2, unique=True)
            ),
            "to": draw(st.sampled_from(ids)),
            "roles": draw(st.lists(st.sampled_from(["staff", "partner", "chair"]), max_size=2)),
            "guards": draw(st.lists(st.sampled_from(["ready", "signed"]), max_size=1)),
        }
        for i in range(draw(st.integers(0, 5)))
    ]
    return {"id": "r", "version": 1, "initial": "a", "states": states, "transitions": transitions}


@given(random_definitions())
def test_a_loaded_definition_is_sound_and_a_refused_one_says_where(data: dict[str, Any]) -> None:
    try:
        wf = load_workflow(data, guards=GUARDS)
    except WorkflowDefinitionError as error:
        assert error.problems
        for path, message in error.problems:
            assert path.split("[")[0].split(".")[0] in {"states", "transitions", "initial", "entry"}
            assert message
        return
    reachable = {wf.initial}
    changed = True
    while changed:
        changed = False
        for t in wf.transitions.values():
            if t.sources & reachable and t.target not in reachable:
                reachable.add(t.target)
                changed = True
    assert reachable == set(wf.states)
    for state in wf.states.values():
        assert bool(wf.outgoing(state.id)) != state.terminal
    for t in wf.transitions.values():
        assert t.roles and t.target not in t.sources


@given(
    st.lists(
        st.tuples(st.sampled_from(["close", "reopen"]), st.sets(st.sampled_from(list(ObjectRole)))),
        max_size=6,
    ),
    st.booleans(),
)
def test_firing_allowed_steps_never_leaves_a_terminal_state(
    steps: list[tuple[str, set[ObjectRole]]], ready: bool
) -> None:
    state = WF.initial
    for transition_id, roles in steps:
        decision = WF.decide(transition_id, state=state, roles=roles, facts=ready, reason="why")
        if WF.states[state].terminal:
            assert not decision.allowed
        if decision.allowed:
            assert decision.acting_role in roles and ready
            state = decision.target or state
        assert state in WF.states
