"""A small pure workflow engine: a workflow is data, validated when loaded, versioned.

A definition (a plain mapping, e.g. from Python or JSON) lists states and transitions.
`load_workflow` checks it — every state reachable from an entry state, no dead end but terminal
states, no unknown state, role, audience or guard — and reports every problem with its path
(`transitions[2].roles[0]`). The engine then answers, for an object in some state and a user
holding some roles *relative to that object*, which transitions they may fire, and why not.

Roles are relative to the object (`ObjectRole`): the same user is a coordinator's member on one
project and an outsider on the next. Guards are named predicates over facts about the object
that the caller computes (the consortium has a coordinator, aid was granted, …); a definition
names them and the caller supplies the registry.

Objects keep the version they started under: the caller stores the workflow id and version on
the object and asks a `WorkflowRegistry` for exactly that version.

Labels and messages are English msgids marked with `gettext_noop`; the interface translates
them (the French lives in the catalogue).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from grappe.core.domain.i18n import gettext_noop

F = TypeVar("F")


class ObjectRole(StrEnum):
    """How a user stands relative to one object; a transition names the roles that may fire it."""

    COORDINATOR = "coordinator"  # a member of the coordinating organisation
    PARTNER = "partner"  # a member of any consortium organisation (the coordinator included)
    CLUSTER_MANAGER = "cluster_manager"  # of a cluster the object was submitted to / accredited by
    FUNDER_OFFICER = "funder_officer"  # a programme officer of a funder concerned
    EVALUATOR = "evaluator"  # an evaluator assigned to the object
    INVITEE = "invitee"  # a member of the organisation an invitation is addressed to
    STAFF = "staff"  # administrators

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[ObjectRole, str] = {
    ObjectRole.COORDINATOR: gettext_noop("member of the coordinating organisation"),
    ObjectRole.PARTNER: gettext_noop("member of a partner organisation"),
    ObjectRole.CLUSTER_MANAGER: gettext_noop("manager of a cluster concerned"),
    ObjectRole.FUNDER_OFFICER: gettext_noop("programme officer of a funder concerned"),
    ObjectRole.EVALUATOR: gettext_noop("assigned evaluator"),
    ObjectRole.INVITEE: gettext_noop("member of the invited organisation"),
    ObjectRole.STAFF: gettext_noop("administrator"),
}

# Who may see an object in a state: the public, or users holding one of the roles.
PUBLIC = "public"
AUDIENCES = frozenset({PUBLIC, *(r.value for r in ObjectRole)})


@dataclass(frozen=True)
class Guard(Generic[F]):
    """A named condition on facts about the object; `message` says what is missing."""

    id: str
    label: str
    check: Callable[[F], bool]
    message: str


@dataclass(frozen=True)
class State:
    id: str
    staff_label: str
    public_label: str
    terminal: bool
    visible_to: frozenset[str]

    @property
    def is_public(self) -> bool:
        return PUBLIC in self.visible_to


@dataclass(frozen=True)
class Transition:
    id: str
    label: str
    sources: frozenset[str]
    target: str
    roles: tuple[ObjectRole, ...]  # in order of preference for the acting role
    guards: tuple[str, ...]
    reason_required: bool


class Refusal(StrEnum):
    UNKNOWN_TRANSITION = "unknown_transition"
    WRONG_STATE = "wrong_state"
    ROLE = "role"
    GUARD = "guard"
    REASON = "reason"


REFUSAL_MESSAGES: dict[Refusal, str] = {
    Refusal.UNKNOWN_TRANSITION: gettext_noop(
        "“%(transition)s” is not a step of this workflow (version %(version)s)."
    ),
    Refusal.WRONG_STATE: gettext_noop(
        "“%(transition)s” is not possible from the state “%(state)s”."
    ),
    Refusal.ROLE: gettext_noop(
        "“%(transition)s” was refused: it is reserved to %(allowed)s, and you act here as %(role)s."
    ),
    Refusal.GUARD: gettext_noop(
        "“%(transition)s” was refused for you as %(role)s: the condition “%(guard)s” is not "
        "met. %(detail)s"
    ),
    Refusal.REASON: gettext_noop("“%(transition)s” needs a reason: say why in a few words."),
}
NO_ROLE = gettext_noop("someone with no role on this object")


@dataclass(frozen=True)
class Decision:
    """The engine's answer for one transition; `allowed` or the first check that failed."""

    transition_id: str
    allowed: bool
    acting_role: ObjectRole | None = None
    refusal: Refusal | None = None
    guard: Guard[Any] | None = None
    transition: Transition | None = None
    target: str | None = None
    held: tuple[ObjectRole, ...] = ()  # the roles the user holds on the object


class Workflow(Generic[F]):
    """A loaded, valid definition. Build it with `load_workflow`."""

    def __init__(
        self,
        *,
        id: str,
        version: int,
        initial: str,
        entry: frozenset[str],
        states: Sequence[State],
        transitions: Sequence[Transition],
        guards: Mapping[str, Guard[F]],
    ) -> None:
        self.id = id
        self.version = version
        self.initial = initial
        self.entry = entry
        self.states: dict[str, State] = {s.id: s for s in states}
        self.transitions: dict[str, Transition] = {t.id: t for t in transitions}
        self.guards = dict(guards)

    def __repr__(self) -> str:
        return f"<Workflow {self.id} v{self.version}>"

    def state(self, state_id: str) -> State:
        return self.states[state_id]

    def public_states(self) -> frozenset[str]:
        return frozenset(s.id for s in self.states.values() if s.is_public)

    def outgoing(self, state_id: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state_id in t.sources]

    def decide(
        self,
        transition_id: str,
        *,
        state: str,
        roles: Iterable[ObjectRole],
        facts: F,
        reason: str | None = None,
    ) -> Decision:
        """May a user holding `roles` fire `transition_id` on an object in `state`?

        Checks in order: the transition exists, starts from `state`, one of `roles` may fire it,
        every guard holds, and (when `reason` is given) a required reason is not blank. Pass
        `reason=None` to ask without a reason (to offer a button).
        """
        transition = self.transitions.get(transition_id)
        if transition is None:
            return Decision(transition_id, False, refusal=Refusal.UNKNOWN_TRANSITION)
        held = set(roles)
        acting = next((r for r in transition.roles if r in held), None)
        if state not in transition.sources:
            return Decision(
                transition_id, False, acting, Refusal.WRONG_STATE, transition=transition
            )
        if acting is None:
            ordered = tuple(r for r in ObjectRole if r in held)
            return Decision(
                transition_id, False, None, Refusal.ROLE, transition=transition, held=ordered
            )
        for guard_id in transition.guards:
            guard = self.guards[guard_id]
            if not guard.check(facts):
                return Decision(
                    transition_id, False, acting, Refusal.GUARD, guard, transition=transition
                )
        if reason is not None and transition.reason_required and not reason.strip():
            return Decision(transition_id, False, acting, Refusal.REASON, transition=transition)
        return Decision(
            transition_id, True, acting, transition=transition, target=transition.target
        )

    def offered(
        self, *, state: str, roles: Iterable[ObjectRole], facts: F
    ) -> list[tuple[Transition, Decision]]:
        """Transitions from `state` that one of `roles` may fire, each with its decision (a
        guard may still block it); transitions reserved to other roles are not offered."""
        held = frozenset(roles)
        return [
            (t, self.decide(t.id, state=state, roles=held, facts=facts))
            for t in self.outgoing(state)
            if held.intersection(t.roles)
        ]

    def refusal_message(self, decision: Decision, *, state: str) -> tuple[str, dict[str, Any]]:
        """The msgid and the untranslated parameters explaining a refusal.

        Parameters whose values are themselves msgids are listed under `"_translate"` so that
        the interface translates them before interpolating.
        """
        assert decision.refusal is not None
        t = decision.transition
        params: dict[str, Any] = {
            "transition": t.label if t else decision.transition_id,
            "version": self.version,
            "state": self.states[state].staff_label if state in self.states else state,
            # A list: the acting role, or every role held when none may fire the transition.
            "role": [decision.acting_role.label]
            if decision.acting_role
            else [r.label for r in decision.held] or [NO_ROLE],
            "allowed": [r.label for r in t.roles] if t else [],
            "guard": decision.guard.label if decision.guard else "",
            "detail": decision.guard.message if decision.guard else "",
        }
        return REFUSAL_MESSAGES[decision.refusal], params


class WorkflowDefinitionError(ValueError):
    """A definition that does not hold together; `problems` are (path, message) pairs."""

    def __init__(self, workflow: str, problems: list[tuple[str, str]]) -> None:
        self.workflow = workflow
        self.problems = problems
        lines = "; ".join(f"{path}: {message}" for path, message in problems)
        super().__init__(f"workflow {workflow}: {lines}")


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def load_workflow(data: Mapping[str, Any], *, guards: Mapping[str, Guard[F]]) -> Workflow[F]:
    """Validate a definition and build the `Workflow`; raises `WorkflowDefinitionError` listing
    every problem with its path.

    Shape: `{"id", "version", "initial", "entry": [...], "states": [{"id", "staff_label",
    "public_label", "terminal", "visible_to": [...]}], "transitions": [{"id", "label", "from":
    [...], "to", "roles": [...], "guards": [...], "reason_required"}]}`.
    """
    problems: list[tuple[str, str]] = []
    name = f"{data.get('id', '?')} v{data.get('version', '?')}"

    def problem(path: str, message: str) -> None:
        problems.append((path, message))

    wf_id = data.get("id")
    if not _text(wf_id):
        problem("id", "a workflow needs a non-empty id")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problem("version", "the version is a whole number from 1")

    states: list[State] = []
    seen_states: set[str] = set()
    for i, raw in enumerate(data.get("states") or []):
        path = f"states[{i}]"
        sid = raw.get("id")
        if not _text(sid):
            problem(f"{path}.id", "a state needs a non-empty id")
            continue
        if sid in seen_states:
            problem(f"{path}.id", f"state {sid!r} is defined twice")
        seen_states.add(sid)
        for key in ("staff_label", "public_label"):
            if not _text(raw.get(key)):
                problem(f"{path}.{key}", "a label is a non-empty English text")
        terminal = raw.get("terminal", False)
        if not isinstance(terminal, bool):
            problem(f"{path}.terminal", "terminal is true or false")
        visible = raw.get("visible_to") or []
        for j, audience in enumerate(visible):
            if audience not in AUDIENCES:
                problem(f"{path}.visible_to[{j}]", f"unknown audience {audience!r}")
        if not visible:
            problem(f"{path}.visible_to", "nobody could see an object in this state")
        states.append(
            State(
                id=sid,
                staff_label=raw.get("staff_label", ""),
                public_label=raw.get("public_label", ""),
                terminal=terminal is True,
                visible_to=frozenset(visible),
            )
        )
    if not states:
        problem("states", "a workflow needs at least one state")

    initial = data.get("initial")
    if initial not in seen_states:
        problem("initial", f"unknown state {initial!r}")
    entry_raw = data.get("entry") or [initial]
    for j, sid in enumerate(entry_raw):
        if sid not in seen_states:
            problem(f"entry[{j}]", f"unknown state {sid!r}")
    entry = frozenset(entry_raw) | ({initial} if isinstance(initial, str) else set())

    transitions: list[Transition] = []
    seen_transitions: set[str] = set()
    for i, raw in enumerate(data.get("transitions") or []):
        path = f"transitions[{i}]"
        tid = raw.get("id")
        if not _text(tid):
            problem(f"{path}.id", "a transition needs a non-empty id")
            continue
        if tid in seen_transitions:
            problem(f"{path}.id", f"transition {tid!r} is defined twice")
        seen_transitions.add(tid)
        if not _text(raw.get("label")):
            problem(f"{path}.label", "a label is a non-empty English text")
        sources = list(raw.get("from") or [])
        if not sources:
            problem(f"{path}.from", "a transition starts from at least one state")
        for j, sid in enumerate(sources):
            if sid not in seen_states:
                problem(f"{path}.from[{j}]", f"unknown state {sid!r}")
        target = raw.get("to")
        if target not in seen_states:
            problem(f"{path}.to", f"unknown state {target!r}")
        elif target in sources:
            problem(f"{path}.to", f"a transition cannot lead back to its source {target!r}")
        roles: list[ObjectRole] = []
        for j, role in enumerate(raw.get("roles") or []):
            try:
                roles.append(ObjectRole(role))
            except ValueError:
                problem(f"{path}.roles[{j}]", f"unknown role {role!r}")
        if not raw.get("roles"):
            problem(f"{path}.roles", "nobody could fire this transition")
        guard_ids = list(raw.get("guards") or [])
        for j, gid in enumerate(guard_ids):
            if gid not in guards:
                problem(f"{path}.guards[{j}]", f"unknown guard {gid!r}")
        reason_required = raw.get("reason_required", False)
        if not isinstance(reason_required, bool):
            problem(f"{path}.reason_required", "reason_required is true or false")
        transitions.append(
            Transition(
                id=tid,
                label=raw.get("label", ""),
                sources=frozenset(sources),
                target=target if isinstance(target, str) else "",
                roles=tuple(roles),
                guards=tuple(guard_ids),
                reason_required=reason_required is True,
            )
        )

    by_state = {s.id: s for s in states}
    for i, state in enumerate(states):
        leaving = [t for t in transitions if state.id in t.sources]
        if state.terminal and leaving:
            problem(
                f"states[{i}]",
                f"terminal state {state.id!r} has transitions leaving it: "
                + ", ".join(t.id for t in leaving),
            )
        if not state.terminal and not leaving:
            problem(f"states[{i}]", f"dead end: no transition leaves {state.id!r}")
    reachable = set(entry & by_state.keys())
    frontier = list(reachable)
    while frontier:
        current = frontier.pop()
        for t in transitions:
            if current in t.sources and t.target in by_state and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    for i, state in enumerate(states):
        if state.id not in reachable:
            problem(f"states[{i}]", f"state {state.id!r} cannot be reached from an entry state")

    if problems:
        raise WorkflowDefinitionError(name, problems)
    assert isinstance(wf_id, str) and isinstance(version, int) and isinstance(initial, str)
    return Workflow(
        id=wf_id,
        version=version,
        initial=initial,
        entry=entry,
        states=states,
        transitions=transitions,
        guards={g: guards[g] for t in transitions for g in t.guards},
    )


class WorkflowRegistry(Generic[F]):
    """Every version of one workflow; objects ask for the version they started under. Each
    registry is also known by its workflow's id (`known_workflows`), for the screens that list
    the transitions of every workflow (the back office's history)."""

    def __init__(self, workflows: Iterable[Workflow[F]]) -> None:
        self._by_version: dict[int, Workflow[F]] = {}
        for wf in workflows:
            if self._by_version and wf.id != self.current.id:
                raise ValueError(f"workflow {wf.id!r} registered with {self.current.id!r}")
            if wf.version in self._by_version:
                raise ValueError(f"workflow {wf.id} v{wf.version} registered twice")
            self._by_version[wf.version] = wf
        if not self._by_version:
            raise ValueError("a registry needs at least one version")
        _KNOWN[self.id] = self

    @property
    def current(self) -> Workflow[F]:
        return self._by_version[max(self._by_version)]

    @property
    def id(self) -> str:
        return self.current.id

    def get(self, version: int) -> Workflow[F]:
        """The definition an object started under; `KeyError` for a version never defined."""
        return self._by_version[version]

    def versions(self) -> list[int]:
        return sorted(self._by_version)


_KNOWN: dict[str, WorkflowRegistry[Any]] = {}


def known_workflows() -> Mapping[str, WorkflowRegistry[Any]]:
    """The registries defined so far, by workflow id (an app's registry is defined when its
    domain module is imported, which its models or services do at start-up)."""
    return _KNOWN


def staff_labels(workflow: str, version: int) -> tuple[dict[str, str], dict[str, str]]:
    """The untranslated staff labels of a workflow version's states and transitions (both
    empty for a workflow or version not known here: the ids are shown instead)."""
    registry = _KNOWN.get(workflow)
    try:
        definition = registry.get(version) if registry is not None else None
    except KeyError:
        definition = None
    if definition is None:
        return {}, {}
    return (
        {s.id: s.staff_label for s in definition.states.values()},
        {t.id: t.label for t in definition.transitions.values()},
    )
