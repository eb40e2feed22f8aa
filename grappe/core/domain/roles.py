"""The role table: which role may do which action, relative to which object. Pure data.

This module is the one place that decides a role's reach. Everything else derives from it:

- `ROLES` says what each role is scoped to (a funder, a cluster, an organisation or nothing)
  and which `Scope` field holds it. The `RoleAssignment` check constraint, the back-office role
  form, `scope_for` and the role labels in the page header are built from it.
- `TABLE` says, for each action, which roles may do it and through which relation to the
  object (`Relation`). `Scope.can(action, target)` and `Scope.reach(action)` read it; selectors
  turn a `Reach` into a query, views, services and the back office ask `Scope.can`.
- `docs/permissions.md` is generated from it (`grappe permissions_doc`).

How to ask
----------
`scope.can(action)` — may the user do it to at least one object (a menu entry, an "add" button)?
`scope.can(action, target)` — may the user do it to this object? `target` is a `Target`: the
object's facts the table needs, supplied by the caller — whether it is public, and for each
relation the ids of the funders, clusters or organisations standing in that relation to it
(`Target.of(own_cluster=[run.cluster_id])`). A relation the caller did not supply counts as
absent, so a forgotten fact refuses rather than grants.
`scope.reach(action)` — everything the user may do it to, as data for a query: `everything`,
`public`, and per relation the user's ids to match (see `grappe.core.scopes.reach_q`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from grappe.core.domain.i18n import gettext_noop


class ScopeKind(StrEnum):
    """What a role assignment is scoped to; the value names the `RoleAssignment` field."""

    NONE = ""
    FUNDER = "funder"
    CLUSTER = "cluster"
    ORGANISATION = "organisation"


class Role(StrEnum):
    """Roles a user holds. `EVERYONE` is held by every visitor, anonymous or not, and is never
    assigned; the others are granted by a `RoleAssignment`."""

    EVERYONE = "everyone"
    ADMINISTRATOR = "administrator"
    PROGRAMME_OFFICER = "programme_officer"
    CLUSTER_MANAGER = "cluster_manager"
    MEMBER = "member"
    EVALUATOR = "evaluator"

    @property
    def label(self) -> str:
        """The English label (marked for translation: display it with `gettext`)."""
        return ROLES[self].label


@dataclass(frozen=True)
class RoleSpec:
    label: str
    scope: ScopeKind
    # The `Scope` attribute that records the role: a flag for unscoped roles, a set of ids for
    # scoped ones. None for EVERYONE, which every scope holds.
    scope_field: str | None
    description: str


ROLES: Mapping[Role, RoleSpec] = MappingProxyType(
    {
        Role.EVERYONE: RoleSpec(
            gettext_noop("Everyone"),
            ScopeKind.NONE,
            None,
            "Any visitor, logged in or not.",
        ),
        Role.ADMINISTRATOR: RoleSpec(
            gettext_noop("Administrator"),
            ScopeKind.NONE,
            "is_staff_wide",
            "Runs the platform; Django superusers count as administrators.",
        ),
        Role.PROGRAMME_OFFICER: RoleSpec(
            gettext_noop("Programme officer"),
            ScopeKind.FUNDER,
            "funder_ids",
            "Works for one funder; runs its calls.",
        ),
        Role.CLUSTER_MANAGER: RoleSpec(
            gettext_noop("Cluster manager"),
            ScopeKind.CLUSTER,
            "cluster_ids",
            "Runs one cluster or hub: its members and the projects it accredits.",
        ),
        Role.MEMBER: RoleSpec(
            gettext_noop("Member organisation"),
            ScopeKind.ORGANISATION,
            "organisation_ids",
            "Acts for one organisation.",
        ),
        Role.EVALUATOR: RoleSpec(
            gettext_noop("Expert evaluator"),
            ScopeKind.NONE,
            "is_evaluator",
            "Reviews applications assigned to them.",
        ),
    }
)

# Roles a RoleAssignment can grant, in display order.
ASSIGNABLE_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.EVERYONE)


class Relation(StrEnum):
    """How the object relates to the user's funder, cluster or organisation."""

    ANY = "any"
    PUBLIC = "public"
    OWN_ORGANISATION = "own_organisation"
    PARTNER = "partner"
    OWN_CLUSTER = "own_cluster"
    MEMBER_OF_CLUSTER = "member_of_cluster"
    ACCREDITED_BY_CLUSTER = "accredited_by_cluster"
    OWN_FUNDER = "own_funder"
    FUNDED_BY_FUNDER = "funded_by_funder"
    SUBMITTED_TO_CLUSTER = "submitted_to_cluster"


@dataclass(frozen=True)
class RelationSpec:
    # Whose ids the relation compares: the holder's funders, clusters or organisations. NONE for
    # ANY and PUBLIC, which need no id (any role may use them).
    scope: ScopeKind
    description: str


RELATIONS: Mapping[Relation, RelationSpec] = MappingProxyType(
    {
        Relation.ANY: RelationSpec(ScopeKind.NONE, "any object"),
        Relation.PUBLIC: RelationSpec(ScopeKind.NONE, "a public object"),
        Relation.OWN_ORGANISATION: RelationSpec(
            ScopeKind.ORGANISATION, "their organisation itself"
        ),
        Relation.PARTNER: RelationSpec(
            ScopeKind.ORGANISATION, "a project their organisation takes part in"
        ),
        Relation.OWN_CLUSTER: RelationSpec(
            ScopeKind.CLUSTER, "their cluster, or an object of their cluster"
        ),
        Relation.MEMBER_OF_CLUSTER: RelationSpec(
            ScopeKind.CLUSTER,
            "an organisation that is a member of their cluster (which memberships count is "
            "decided by the registry selectors)",
        ),
        Relation.ACCREDITED_BY_CLUSTER: RelationSpec(
            ScopeKind.CLUSTER, "a project their cluster accredited"
        ),
        Relation.OWN_FUNDER: RelationSpec(
            ScopeKind.FUNDER,
            "an object of their funder (a call and its rule sets, its funding-line imports)",
        ),
        Relation.FUNDED_BY_FUNDER: RelationSpec(
            ScopeKind.FUNDER, "a project their funder funds or was asked to fund"
        ),
        Relation.SUBMITTED_TO_CLUSTER: RelationSpec(
            ScopeKind.CLUSTER, "a project submitted to their cluster (a live submission)"
        ),
    }
)


class Action(StrEnum):
    PROJECT_VIEW = "project.view"
    PROJECT_VIEW_CONFIDENTIAL = "project.view_confidential"
    PROJECT_SIMULATE_AID = "project.simulate_aid"
    ORGANISATION_VIEW_CONFIDENTIAL = "organisation.view_confidential"
    CLUSTER_IMPORT_MEMBERS = "cluster.import_members"
    IMPORT_RUN_VIEW = "import_run.view"
    OPEN_DATA_IMPORT = "open_data.import"
    MERGE_DECIDE = "merge_proposal.decide"
    FUNDING_LINES_IMPORT = "funding_lines.import"
    BACK_OFFICE_ENTER = "back_office.enter"
    CALL_MANAGE = "call.manage"
    BACK_OFFICE_ADMINISTER = "back_office.administer"
    ORGANISATION_ACT_FOR = "organisation.act_for"
    CLUSTER_MANAGE_MEMBERS = "cluster.manage_members"
    ATTESTATION_MANAGE = "attestation.manage"
    LABELLING_MANAGE = "labelling.manage"
    LABELLING_SIT = "labelling.sit"
    GRANT_VIEW = "grant.view"
    GRANT_MANAGE = "grant.manage"
    APPLICATION_VIEW = "application.view"
    APPLICATION_SCREEN = "application.screen"
    EVALUATION_MANAGE = "evaluation.manage"
    EVALUATION_REVIEW = "evaluation.review"
    DECISION_MANAGE = "decision.manage"
    DECISION_VIEW = "decision.view"


ACTIONS: Mapping[Action, str] = MappingProxyType(
    {
        Action.PROJECT_VIEW: "See a project, its consortium and its granted aid.",
        Action.PROJECT_VIEW_CONFIDENTIAL: (
            "See a project's budget lines and the aid requested from each funder."
        ),
        Action.PROJECT_SIMULATE_AID: "Run the aid simulation on a project's own figures.",
        Action.ORGANISATION_VIEW_CONFIDENTIAL: (
            "See an organisation's yearly figures (staff, turnover, balance sheet) and ownership."
        ),
        Action.CLUSTER_IMPORT_MEMBERS: "Import a cluster's members from a spreadsheet.",
        Action.IMPORT_RUN_VIEW: "See an import run, its progress and its rejected rows.",
        Action.OPEN_DATA_IMPORT: "Upload a CORDIS or ANR file (creates and updates projects).",
        Action.MERGE_DECIDE: "Review, confirm and undo merges of duplicate organisations.",
        Action.FUNDING_LINES_IMPORT: (
            "Import a funder's funding decisions from a spreadsheet and see its unmatched lines."
        ),
        Action.BACK_OFFICE_ENTER: "Log into the back office (/admin/).",
        Action.CALL_MANAGE: (
            "Set up calls, on the calls pages (calls/manage/, calls/new/, a call's edit and "
            "rules pages) and in the back office: list, add and edit calls, edit their rule "
            "sets until they open and read earlier versions."
        ),
        Action.BACK_OFFICE_ADMINISTER: (
            "In the back office: every other model (organisations, projects, clusters, funders, "
            "roles, import runs, merge proposals, the audit log), as far as each model allows "
            "(records such as the audit log stay read-only); deleting calls."
        ),
        Action.ORGANISATION_ACT_FOR: (
            "Act for an organisation: edit its record, figures and ownership, confirm its "
            "cluster memberships, decide on the changes proposed to it, and create and edit "
            "the projects and budgets it coordinates or takes part in."
        ),
        Action.CLUSTER_MANAGE_MEMBERS: (
            "Add organisations to a cluster and start, change or end its memberships."
        ),
        Action.ATTESTATION_MANAGE: (
            "Issue and revoke the signed label attestation of an accreditation by their cluster."
        ),
        Action.LABELLING_MANAGE: (
            "Run a cluster's labelling: define its criteria, create committee sessions, attach "
            "submissions, decide and publish decisions."
        ),
        Action.LABELLING_SIT: (
            "Be named on a cluster's labelling committee (declare interests, score and vote on "
            "the submissions of the sessions one sits on)."
        ),
        Action.GRANT_VIEW: (
            "See a grant agreement, its versions, expense statements, installments and reports "
            "(a partner sees its own agreements only, not those of the other partners)."
        ),
        Action.GRANT_MANAGE: (
            "Run a funder's grants: draft and offer agreements and amendments from granted "
            "funding lines, set payment plans, review expense statements line by line, approve "
            "and pay installments, approve reports, close grants."
        ),
        Action.APPLICATION_VIEW: (
            "See an application to a call: its statement, the aid requested per partner, the "
            "eligibility verdicts and their overrides, the receipt (applications are never "
            "public). Drafting, submitting and withdrawing are the project coordinator's "
            "(the application workflow's roles)."
        ),
        Action.APPLICATION_SCREEN: (
            "List the applications to a call, override a failed eligibility verdict with a "
            "written justification and declare an application eligible or ineligible."
        ),
        Action.EVALUATION_MANAGE: (
            "Run the expert evaluation of a funder's calls: its expert pool, the conflicts of "
            "interest and their waivers, the assignment of experts, the rapporteurs and the "
            "panel's ranking."
        ),
        Action.EVALUATION_REVIEW: (
            "Be an expert evaluator: declare on, read and score the applications one is "
            "assigned to and not conflicted on; write the consensus report as rapporteur."
        ),
        Action.DECISION_MANAGE: (
            "Decide on a call's ranked applications: set the call's envelope and co-funding "
            "pledges, run the allocation, approve per-partner amounts under the envelope, "
            "decline with a reason."
        ),
        Action.DECISION_VIEW: (
            "See a call's envelopes and how a pledge is used (the call's and co-funding "
            "funders' officers), and an application's decision once taken (its consortium)."
        ),
    }
)

A = Action
R = Role
X = Relation

# role x action x relation. A role missing from an action's row may not do it at all.
TABLE: Mapping[Action, Mapping[Role, tuple[Relation, ...]]] = MappingProxyType(
    {
        A.PROJECT_VIEW: {
            R.EVERYONE: (X.PUBLIC,),
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.FUNDED_BY_FUNDER,),
            R.CLUSTER_MANAGER: (X.ACCREDITED_BY_CLUSTER, X.SUBMITTED_TO_CLUSTER),
            R.MEMBER: (X.PARTNER,),
        },
        A.PROJECT_VIEW_CONFIDENTIAL: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.FUNDED_BY_FUNDER,),
            R.CLUSTER_MANAGER: (X.ACCREDITED_BY_CLUSTER, X.SUBMITTED_TO_CLUSTER),
            R.MEMBER: (X.PARTNER,),
        },
        A.PROJECT_SIMULATE_AID: {
            R.ADMINISTRATOR: (X.ANY,),
            # Only projects their funder is asked for or gives aid to: the simulation shows the
            # budget lines and every funder's requested aid, which the project API hides too.
            R.PROGRAMME_OFFICER: (X.FUNDED_BY_FUNDER,),
            R.CLUSTER_MANAGER: (X.ACCREDITED_BY_CLUSTER, X.SUBMITTED_TO_CLUSTER),
            R.MEMBER: (X.PARTNER,),
        },
        A.ORGANISATION_VIEW_CONFIDENTIAL: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.ANY,),
            R.CLUSTER_MANAGER: (X.MEMBER_OF_CLUSTER,),
            R.MEMBER: (X.OWN_ORGANISATION,),
        },
        A.CLUSTER_IMPORT_MEMBERS: {
            R.ADMINISTRATOR: (X.ANY,),
            R.CLUSTER_MANAGER: (X.OWN_CLUSTER,),
        },
        A.IMPORT_RUN_VIEW: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
            R.CLUSTER_MANAGER: (X.OWN_CLUSTER,),
        },
        A.OPEN_DATA_IMPORT: {
            R.ADMINISTRATOR: (X.ANY,),
        },
        A.MERGE_DECIDE: {
            R.ADMINISTRATOR: (X.ANY,),
        },
        A.FUNDING_LINES_IMPORT: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
        },
        A.BACK_OFFICE_ENTER: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.ANY,),
        },
        A.CALL_MANAGE: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
        },
        A.BACK_OFFICE_ADMINISTER: {
            R.ADMINISTRATOR: (X.ANY,),
        },
        A.ORGANISATION_ACT_FOR: {
            R.ADMINISTRATOR: (X.ANY,),
            R.MEMBER: (X.OWN_ORGANISATION,),
        },
        A.CLUSTER_MANAGE_MEMBERS: {
            R.ADMINISTRATOR: (X.ANY,),
            R.CLUSTER_MANAGER: (X.OWN_CLUSTER,),
        },
        A.ATTESTATION_MANAGE: {
            R.ADMINISTRATOR: (X.ANY,),
            R.CLUSTER_MANAGER: (X.OWN_CLUSTER,),
        },
        A.LABELLING_MANAGE: {
            R.ADMINISTRATOR: (X.ANY,),
            R.CLUSTER_MANAGER: (X.OWN_CLUSTER,),
        },
        # Committee members are the people with a role on the cluster (its managers); whether
        # one may score a given submission is the session's and the conflict check's.
        A.LABELLING_SIT: {
            R.CLUSTER_MANAGER: (X.OWN_CLUSTER,),
        },
        # A grant is the funder's and the one partner's: not the other partners' of the project.
        A.GRANT_VIEW: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
            R.MEMBER: (X.OWN_ORGANISATION,),
        },
        A.GRANT_MANAGE: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
        },
        # The project's partners and the officers of the call's funder (OWN_FUNDER: the call's);
        # evaluators see the applications assigned to them through the evaluation app.
        A.APPLICATION_VIEW: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
            R.MEMBER: (X.PARTNER,),
        },
        # The call's funder's officers decide; own_funder is the call's funder.
        A.DECISION_MANAGE: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
        },
        # own_funder: the call's funder and its co-funders; partner: the application's
        # consortium, once the decision is taken (the selectors add that condition).
        A.DECISION_VIEW: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
            R.MEMBER: (X.PARTNER,),
        },
        A.APPLICATION_SCREEN: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
        },
        A.EVALUATION_MANAGE: {
            R.ADMINISTRATOR: (X.ANY,),
            R.PROGRAMME_OFFICER: (X.OWN_FUNDER,),
        },
        # The role is unscoped: which applications an expert may see and score is the
        # assignment's and the conflict check's (`evaluation.selectors`).
        A.EVALUATION_REVIEW: {
            R.EVALUATOR: (X.ANY,),
        },
    }
)
del A, R, X


def table_problems(
    table: Mapping[Action, Mapping[Role, tuple[Relation, ...]]] = TABLE,
) -> list[str]:
    """What is wrong with a role table, each problem with its path (empty when it is sound)."""
    problems: list[str] = []
    for action in Action:
        if action not in table:
            problems.append(f"{action}: no row in the role table")
        if action not in ACTIONS:
            problems.append(f"{action}: no description")
    for role in Role:
        if role not in ROLES:
            problems.append(f"{role}: no role spec")
    for action, row in table.items():
        for role, relations in row.items():
            path = f"{action} / {role}"
            if not relations:
                problems.append(f"{path}: no relation")
            if Relation.ANY in relations and len(relations) > 1:
                problems.append(f"{path}: 'any' already covers the other relations")
            for relation in relations:
                wanted = RELATIONS[relation].scope
                if wanted is not ScopeKind.NONE and wanted is not ROLES[role].scope:
                    problems.append(
                        f"{path} / {relation}: the relation compares {wanted.value} ids, "
                        f"but the role is scoped to {ROLES[role].scope.value or 'nothing'}"
                    )
            if role is Role.EVERYONE and relations != (Relation.PUBLIC,):
                problems.append(f"{path}: everyone may only reach public objects")
    return problems


_PROBLEMS = table_problems()
if _PROBLEMS:  # pragma: no cover - a broken table must not load at all
    raise ValueError("The role table is inconsistent: " + "; ".join(_PROBLEMS))


@dataclass(frozen=True)
class Target:
    """The facts about one object that the role table needs.

    `public`: the object is public. `links`: for each relation, the ids of the funders, clusters
    or organisations that stand in that relation to the object (e.g. a project's partners'
    organisations under `partner`).
    """

    public: bool = False
    links: Mapping[Relation, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, *, public: bool = False, **links: Iterable[int | None]) -> Target:
        """`Target.of(own_cluster=[run.cluster_id])`; keywords are relation values, None ids are
        dropped (an import run without a cluster belongs to no cluster)."""
        facts: dict[Relation, frozenset[int]] = {}
        for name, ids in links.items():
            relation = Relation(name)
            if RELATIONS[relation].scope is ScopeKind.NONE:
                raise ValueError(f"{name!r} is not a relation to a funder, cluster or organisation")
            facts[relation] = frozenset(i for i in ids if i is not None)
        return cls(public=public, links=facts)


@dataclass(frozen=True)
class Reach:
    """Everything a user may do one action to, as data a query can use."""

    everything: bool = False
    public: bool = False
    # For each relation the table grants the user, the user's ids it must match.
    links: Mapping[Relation, frozenset[int]] = field(default_factory=dict)

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.public or any(self.links.values()))

    def ids(self, relation: Relation) -> frozenset[int]:
        return self.links.get(relation, frozenset())


def reach(action: Action, held: Mapping[Role, frozenset[int]]) -> Reach:
    """The reach of a user holding `held` (role -> the ids of their funders, clusters or
    organisations in that role; empty for unscoped roles)."""
    everything = public = False
    links: dict[Relation, frozenset[int]] = {}
    for role, relations in TABLE[action].items():
        if role not in held:
            continue
        for relation in relations:
            if relation is Relation.ANY:
                everything = True
            elif relation is Relation.PUBLIC:
                public = True
            elif held[role]:
                links[relation] = links.get(relation, frozenset()) | held[role]
    return Reach(everything=everything, public=public, links=links)


def allowed(action: Action, held: Mapping[Role, frozenset[int]], target: Target | None) -> bool:
    """May the holder of `held` do `action` to `target` (to at least one object if None)?"""
    granted = reach(action, held)
    if granted.everything:
        return True
    if target is None:
        return not granted.nothing
    if granted.public and target.public:
        return True
    return any(
        ids & target.links.get(relation, frozenset()) for relation, ids in granted.links.items()
    )


def grants() -> list[tuple[Action, Role, Relation]]:
    """The table as rows, in table order (for the generated documentation and for tests)."""
    return [
        (action, role, relation)
        for action, row in TABLE.items()
        for role, relations in row.items()
        for relation in relations
    ]
