"""Project writers. Every change runs in one transaction and writes its audit event.

`actor=None` is the system itself (an import, the demo loader, a command); any other actor is
checked against their scope, each action in one small `_may_*` function. `Project.status` has one
writer after creation: `project_transition`, through the project workflow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grappe.core.actors import Actor, recorded_user
from grappe.core.concurrency import check_unchanged
from grappe.core.domain.roles import Action, Target
from grappe.core.domain.workflow import Decision, ObjectRole, Refusal
from grappe.core.models import Transition

# Re-exported for older imports; new code imports them from core.refusals.
from grappe.core.refusals import TransitionRefused as TransitionRefused
from grappe.core.refusals import workflow_refusal_text as workflow_refusal_text
from grappe.core.scopes import scope_for
from grappe.core.services import (
    audit_bulk,
    audit_record,
    bulk_insert,
    bulk_update,
    changes_apply,
    check_fields,
    require,
    snapshot,
)
from grappe.notifications.domain import kinds
from grappe.notifications.selectors import cluster_managers, organisation_members
from grappe.notifications.services import notify
from grappe.projects.domain import invitations
from grappe.projects.domain.workflow import PROJECT_WORKFLOWS, ProjectFacts, project_roles
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    ClusterSubmission,
    CostCategory,
    FundingLine,
    InvitationStatus,
    ParticipantRole,
    Participation,
    PartnerInvitation,
    Project,
    ProjectStatus,
    ProposalDocument,
    ProposalMessage,
    ResearchCategory,
)
from grappe.projects.search import project_search_index_update
from grappe.projects.selectors import project_relations, project_workflow_facts
from grappe.registry.models import Cluster, Organisation, OrganisationKind
from grappe.registry.search import organisation_search_index_update
from grappe.registry.services import organisation_create
from grappe.registry.validators import validate_siren

# --- project records: create, update, partners, budget lines ---------------------------------
# `Project.status` is written here only when a project is created; every later change of status
# goes through the project's transition service.


def _may_create_project(actor: Actor, coordinator_id: int | None) -> bool:
    if actor is None:
        return True
    scope = scope_for(actor)
    return scope.is_staff_wide or (
        coordinator_id is not None
        and scope.can(Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[coordinator_id]))
    )


def _coordinator_id(project: Project) -> int | None:
    return (
        Participation.objects.filter(project=project, role=ParticipantRole.COORDINATOR)
        .values_list("organisation_id", flat=True)
        .first()
    )


def _may_edit_project(actor: Actor, project: Project) -> bool:
    """Staff, and those who act for the project's coordinator."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.is_staff_wide:
        return True
    coordinator = _coordinator_id(project)
    return coordinator is not None and scope.can(
        Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[coordinator])
    )


def _may_edit_budget(actor: Actor, participation: Participation) -> bool:
    """A partner's budget: that partner, the coordinator, staff."""
    if actor is None or scope_for(actor).can(
        Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[participation.organisation_id])
    ):
        return True
    return _may_edit_project(actor, participation.project)


def may_edit_proposal(*, actor: Actor, project: Project) -> bool:
    """May the actor edit the project's description and consortium (its coordinator, staff)?"""
    return _may_edit_project(actor, project)


# A proposal's common description, which its coordinator writes (page and API).
PROPOSAL_DESCRIPTION = (
    "acronym",
    "title",
    "summary",
    "summary_fr",
    "keywords",
    "trl_start",
    "trl_target",
    "start_date",
    "duration_months",
)


def proposal_edit_refusal(*, actor: Actor, project: Project) -> str:
    """Why `actor` may not edit the proposal's description now (translated), "" if they may:
    its coordinator while it is a draft; staff at any time."""
    if not may_edit_proposal(actor=actor, project=project):
        return _("Only the coordinator may edit the proposal's description.")
    if project.status != ProjectStatus.DRAFT and not (
        actor is None or scope_for(actor).is_staff_wide
    ):
        return _("The proposal is no longer a draft: its description is fixed.")
    return ""


def proposal_update(
    *, actor: Actor, project: Project, expected_token: str | None, **changes: Any
) -> Project:
    """Change a proposal's common description (`PROPOSAL_DESCRIPTION` fields only), refused
    with `PermissionDenied` unless `proposal_edit_refusal` allows it and with `EditConflict`
    if it changed since `expected_token`; nothing is written then."""
    check_fields(changes, PROPOSAL_DESCRIPTION)
    refusal = proposal_edit_refusal(actor=actor, project=project)
    require(not refusal, refusal)
    return project_update(actor=actor, project=project, expected_token=expected_token, **changes)


def _may_bulk_write_projects(actor: Actor) -> bool:
    return actor is None or scope_for(actor).is_staff_wide


# The status is not editable (the workflow owns it) but is given once, at creation.
PROJECT_EDITABLE = tuple(
    f.attname
    for f in Project._meta.concrete_fields
    if (f.editable or f.name == "status")
    and not f.primary_key
    and f.name not in {"created_at", "updated_at"}
)
# What an existing project may have changed: everything but its status (the workflow's).
PROJECT_UPDATABLE = tuple(f for f in PROJECT_EDITABLE if f != "status")
PARTICIPATION_EDITABLE = (
    "role",
    "display_order",
    "eu_contribution",
    "net_eu_contribution",
    "total_cost",
    "source_run",
)
# What an import writes on a funding line (the EU contribution of a CORDIS participant).
FUNDING_LINE_EDITABLE = ("requested", "granted", "decided_on")


def _check_fields(names: Iterable[str], allowed: Sequence[str]) -> None:
    if "status" in names and "status" not in allowed:
        raise ValidationError(
            {"status": _("A project's status changes only through its workflow.")},
            code="status",
        )
    check_fields(names, allowed)


@transaction.atomic
def project_create(
    *, actor: Actor, coordinator_id: int | None = None, reason: str = "", **fields: Any
) -> Project:
    """Create a project (a draft unless `status` says otherwise), with its coordinator when
    given. Raises `ValidationError` (nothing written) or `PermissionDenied`."""
    require(_may_create_project(actor, coordinator_id), _("You may not create a project."))
    _check_fields(fields, PROJECT_EDITABLE)
    project = Project(**fields)
    project.full_clean()
    project.save()
    project_search_index_update([project.pk])
    audit_record(
        actor=actor,
        action="project.create",
        obj=project,
        after=snapshot(project, PROJECT_EDITABLE),
        reason=reason,
    )
    if coordinator_id is not None:
        partner_add(
            actor=None,  # allowed above
            project=project,
            organisation_id=coordinator_id,
            role=ParticipantRole.COORDINATOR,
            reason=reason,
        )
    return project


@transaction.atomic
def project_update(
    *,
    actor: Actor,
    project: Project,
    reason: str = "",
    expected_token: str | None = None,
    **changes: Any,
) -> Project:
    """Change some fields of a project (validated; never its status).

    `expected_token`: its `edit_token` when the editor opened it; a project changed since (a
    field or its status) is refused with `EditConflict` (nothing written)."""
    _check_fields(changes, PROJECT_UPDATABLE)
    require(_may_edit_project(actor, project), _("You may not change this project."))
    locked = Project.objects.select_for_update().get(pk=project.pk)
    check_unchanged(locked, expected_token)
    if changes_apply(
        actor=actor, obj=locked, changes=changes, action="project.update", reason=reason
    ):
        project_search_index_update([locked.pk])
    return locked


@transaction.atomic
def project_delete(*, actor: Actor, project: Project, reason: str = "") -> None:
    """Delete a project with its consortium, budget, funding lines and accreditations."""
    require(scope_for(actor).is_staff_wide or actor is None, _("You may not delete a project."))
    before = snapshot(project, PROJECT_EDITABLE)
    partners = _partner_organisations(project_ids=[project.pk])
    Project.objects.filter(pk=project.pk).delete()
    _consortium_changed([project.pk], partners)
    audit_record(actor=actor, action="project.delete", obj=project, before=before, reason=reason)


@transaction.atomic
def partner_add(
    *,
    actor: Actor,
    project: Project,
    organisation_id: int,
    role: str = ParticipantRole.PARTNER,
    display_order: int | None = None,
    reason: str = "",
    **figures: Any,
) -> Participation:
    """Add an organisation to a project's consortium (once; one coordinator per project)."""
    require(_may_edit_project(actor, project), _("You may not change this consortium."))
    _check_fields(figures, PARTICIPATION_EDITABLE)
    Project.objects.select_for_update().filter(pk=project.pk).first()
    existing = Participation.objects.filter(project=project)
    if existing.filter(organisation_id=organisation_id).exists():
        raise ValidationError(
            {"organisation": _("This organisation is already in the consortium.")},
            code="duplicate",
        )
    if role == ParticipantRole.COORDINATOR and existing.filter(role=role).exists():
        raise ValidationError(
            {"role": _("The project already has a coordinator.")}, code="coordinator"
        )
    if display_order is None:
        display_order = existing.count()
    participation = Participation(
        project=project,
        organisation_id=organisation_id,
        role=role,
        display_order=display_order,
        **figures,
    )
    participation.full_clean(validate_unique=False)
    participation.save()
    _consortium_changed([project.pk], [organisation_id])
    audit_record(
        actor=actor,
        action="participation.add",
        obj=participation,
        after=snapshot(participation, ("project_id", "organisation_id", *PARTICIPATION_EDITABLE)),
        reason=reason,
    )
    return participation


@transaction.atomic
def partner_update(
    *, actor: Actor, participation: Participation, reason: str = "", **changes: Any
) -> Participation:
    """Change a partner's organisation, role, order or published figures (one coordinator
    per project)."""
    require(
        _may_edit_project(actor, participation.project), _("You may not change this consortium.")
    )
    _check_fields(changes, ("organisation_id", *PARTICIPATION_EDITABLE))
    locked = Participation.objects.select_for_update().get(pk=participation.pk)
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    if (
        "organisation_id" in changed
        and Participation.objects.filter(
            project_id=locked.project_id, organisation_id=changes["organisation_id"]
        ).exists()
    ):
        raise ValidationError(
            {"organisation": _("This organisation is already in the consortium.")},
            code="duplicate",
        )
    if (
        changes.get("role") == ParticipantRole.COORDINATOR
        and Participation.objects.filter(project_id=locked.project_id, role="coordinator")
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise ValidationError(
            {"role": _("The project already has a coordinator.")}, code="coordinator"
        )
    before_org = locked.organisation_id
    changes_apply(
        actor=actor,
        obj=locked,
        changes=changes,
        action="participation.update",
        reason=reason,
        validate_unique=False,
    )
    if "organisation_id" in changed:
        _consortium_changed([locked.project_id], [before_org, locked.organisation_id])
    return locked


@transaction.atomic
def partner_remove(*, actor: Actor, participation: Participation, reason: str = "") -> None:
    """Remove a partner from a consortium, with its budget and funding lines."""
    require(
        _may_edit_project(actor, participation.project), _("You may not change this consortium.")
    )
    before = snapshot(participation, ("project_id", "organisation_id", *PARTICIPATION_EDITABLE))
    before["budget"] = [
        [line.cost_category, line.research_category, str(line.amount)]
        for line in participation.budget_lines.all()
    ]
    Participation.objects.filter(pk=participation.pk).delete()
    _consortium_changed([participation.project_id], [participation.organisation_id])
    audit_record(
        actor=actor, action="participation.remove", obj=participation, before=before, reason=reason
    )


BudgetKey = tuple[str, str]  # (cost category, research category)


@transaction.atomic
def budget_lines_set(
    *,
    actor: Actor,
    participation: Participation,
    lines: Mapping[BudgetKey, Decimal],
    reason: str = "",
) -> list[BudgetLine]:
    """Make `lines` the partner's whole budget: lines not given are removed, an amount of
    zero is kept as a line. Amounts are Decimal EUR, never negative."""
    require(_may_edit_budget(actor, participation), _("You may not change this budget."))
    errors = []
    for (cost, research), amount in lines.items():
        if cost not in CostCategory.values:
            errors.append(_("Unknown cost category: %(value)s.") % {"value": cost})
        if research not in ResearchCategory.values:
            errors.append(_("Unknown research category: %(value)s.") % {"value": research})
        if (
            not isinstance(amount, Decimal)
            or not amount.is_finite()
            or amount < 0
            or amount != amount.quantize(Decimal("0.01"))
        ):
            errors.append(
                _(
                    "The amount for %(cost)s / %(research)s must be a non-negative amount in "
                    "EUR, to the cent."
                )
                % {"cost": cost, "research": research}
            )
    if errors:
        raise ValidationError({"lines": errors}, code="invalid")
    Participation.objects.select_for_update().filter(pk=participation.pk).first()
    current = {
        (line.cost_category, line.research_category): line
        for line in participation.budget_lines.all()
    }
    before = {f"{k[0]}/{k[1]}": f"{v.amount:.2f}" for k, v in sorted(current.items())}
    after = {f"{k[0]}/{k[1]}": f"{v:.2f}" for k, v in sorted(lines.items())}
    if before == after:
        return list(current.values())
    BudgetLine.objects.filter(pk__in=[v.pk for k, v in current.items() if k not in lines]).delete()
    result = []
    for (cost, research), amount in sorted(lines.items()):
        line = current.get((cost, research))
        if line is None:
            line = BudgetLine(
                participation=participation,
                cost_category=cost,
                research_category=research,
                amount=amount,
            )
            line.full_clean(validate_unique=False)
            line.save()
        elif line.amount != amount:
            line.amount = amount
            line.full_clean(validate_unique=False)
            line.save(update_fields=["amount"])
        result.append(line)
    audit_record(
        actor=actor,
        action="budget.set",
        obj=participation,
        before=before,
        after=after,
        reason=reason,
    )
    return result


# --- the search indexes: a consortium change changes the project's and the partners' activity ---


def _partner_organisations(*, project_ids: Sequence[int]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(project_ids), 2000):
        chunk = list(project_ids[start : start + 2000])
        ids += Participation.objects.filter(project_id__in=chunk).values_list(
            "organisation_id", flat=True
        )
    return ids


def _partners_of(participation_ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """The projects and organisations of these participations."""
    projects: list[int] = []
    organisations: list[int] = []
    for start in range(0, len(participation_ids), 2000):
        chunk = list(participation_ids[start : start + 2000])
        for project_id, organisation_id in Participation.objects.filter(pk__in=chunk).values_list(
            "project_id", "organisation_id"
        ):
            projects.append(project_id)
            organisations.append(organisation_id)
    return projects, organisations


def _consortium_changed(project_ids: Iterable[int], organisation_ids: Iterable[int]) -> None:
    """Index hooks after a consortium changed: the projects' entries (partner count) and the
    organisations' (project count)."""
    project_search_index_update(project_ids)
    organisation_search_index_update(organisation_ids)


# Bulk writes for imports and the demo: one audit event per batch under the import run
# (`on_behalf_of`); the values were validated by the importer.


@transaction.atomic
def project_bulk_insert(
    *,
    actor: Actor,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    on_behalf_of: Any = None,
) -> list[int]:
    """Insert projects given as value tuples in the order of `fields`; returns their ids."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    ids = bulk_insert(
        actor=actor,
        model=Project,
        fields=fields,
        rows=rows,
        allowed=PROJECT_EDITABLE,
        on_behalf_of=on_behalf_of,
    )
    project_search_index_update(ids)
    return ids


@transaction.atomic
def project_bulk_update(
    *,
    actor: Actor,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    on_behalf_of: Any = None,
    batch_size: int = 2000,
) -> None:
    """Write `fields` (never `status`) of existing projects, rows being `(pk, *values)`."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    _check_fields(fields, PROJECT_UPDATABLE)  # names the status rule
    bulk_update(
        actor=actor,
        model=Project,
        fields=fields,
        rows=rows,
        allowed=PROJECT_UPDATABLE,
        on_behalf_of=on_behalf_of,
        batch_size=batch_size,
    )
    project_search_index_update(row[0] for row in rows)


@transaction.atomic
def partner_bulk_insert(
    *,
    actor: Actor,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    on_behalf_of: Any = None,
) -> list[int]:
    """Insert participations (`project_id`, `organisation_id` and `fields`); returns ids."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    ids = bulk_insert(
        actor=actor,
        model=Participation,
        fields=fields,
        rows=rows,
        allowed=("project_id", "organisation_id", *PARTICIPATION_EDITABLE),
        on_behalf_of=on_behalf_of,
    )
    if "project_id" in fields and "organisation_id" in fields:  # the rows say whose they are
        at_project, at_org = fields.index("project_id"), fields.index("organisation_id")
        _consortium_changed([r[at_project] for r in rows], [r[at_org] for r in rows])
    else:
        _consortium_changed(*_partners_of(ids))
    return ids


@transaction.atomic
def partner_bulk_update(
    *,
    actor: Actor,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    on_behalf_of: Any = None,
    batch_size: int = 2000,
) -> None:
    """Write `fields` of existing participations, rows being `(pk, *values)`."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    bulk_update(
        actor=actor,
        model=Participation,
        fields=fields,
        rows=rows,
        allowed=PARTICIPATION_EDITABLE,
        on_behalf_of=on_behalf_of,
        batch_size=batch_size,
    )


@transaction.atomic
def funding_line_bulk_insert(
    *,
    actor: Actor,
    rows: Sequence[tuple[int, int, Decimal, Decimal | None, Any]],
    on_behalf_of: Any = None,
) -> list[int]:
    """Insert funding lines published by an import, rows being `(participation_id, funder_id,
    requested, granted, decided_on)`; returns their ids."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    return bulk_insert(
        actor=actor,
        model=FundingLine,
        fields=["participation_id", "funder_id", *FUNDING_LINE_EDITABLE],
        rows=rows,
        allowed=("participation_id", "funder_id", *FUNDING_LINE_EDITABLE),
        on_behalf_of=on_behalf_of,
    )


@transaction.atomic
def funding_line_bulk_update(
    *,
    actor: Actor,
    rows: Sequence[tuple[int, Decimal, Decimal | None, Any]],
    on_behalf_of: Any = None,
    batch_size: int = 2000,
) -> None:
    """Rewrite imported funding lines, rows being `(pk, requested, granted, decided_on)`."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    bulk_update(
        actor=actor,
        model=FundingLine,
        fields=FUNDING_LINE_EDITABLE,
        rows=rows,
        allowed=FUNDING_LINE_EDITABLE,
        on_behalf_of=on_behalf_of,
        batch_size=batch_size,
    )


@transaction.atomic
def funding_line_bulk_remove(
    *, actor: Actor, pks: Sequence[int], on_behalf_of: Any = None, batch_size: int = 2000
) -> None:
    """Remove imported funding lines a newer file no longer publishes."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    for start in range(0, len(pks), batch_size):
        FundingLine.objects.filter(pk__in=pks[start : start + batch_size]).delete()
    if pks:
        audit_bulk(
            actor=actor,
            action="fundingline.bulk_remove",
            on_behalf_of=on_behalf_of,
            after={"ids": list(pks)},
        )


@transaction.atomic
def partner_bulk_demote(*, actor: Actor, pks: Sequence[int], on_behalf_of: Any = None) -> None:
    """Make these coordinators plain partners (a newer file names another coordinator)."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    if not pks:
        return
    Participation.objects.filter(pk__in=pks).update(role=ParticipantRole.PARTNER)
    audit_bulk(
        actor=actor,
        action="participation.bulk_demote",
        on_behalf_of=on_behalf_of,
        after={"ids": list(pks)},
    )


@transaction.atomic
def partner_bulk_remove(
    *, actor: Actor, pks: Sequence[int], on_behalf_of: Any = None, batch_size: int = 2000
) -> None:
    """Remove participations a newer file no longer lists (with their budget lines)."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    projects, organisations = _partners_of(pks)
    for start in range(0, len(pks), batch_size):
        Participation.objects.filter(pk__in=pks[start : start + batch_size]).delete()
    _consortium_changed(projects, organisations)
    if pks:
        audit_bulk(
            actor=actor,
            action="participation.bulk_remove",
            on_behalf_of=on_behalf_of,
            after={"ids": list(pks)},
        )


@transaction.atomic
def project_bulk_create(*, actor: Actor, projects: Sequence[Project]) -> list[Project]:
    """Save unsaved projects in bulk (the demo ecosystem), with the status each was given."""
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    created = Project.objects.bulk_create(projects)
    project_search_index_update(p.pk for p in created if p.pk is not None)
    return created


@transaction.atomic
def project_bulk_delete(*, actor: Actor, pks: Sequence[int]) -> None:
    """Delete projects with their consortium, budgets and accreditations (the demo's wipe)."""
    require(_may_bulk_write_projects(actor), _("You may not delete projects."))
    partners = _partner_organisations(project_ids=pks)
    Project.objects.filter(pk__in=pks).delete()
    _consortium_changed(pks, partners)


@transaction.atomic
def partner_bulk_create(
    *, actor: Actor, participations: Sequence[Participation]
) -> list[Participation]:
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    created = Participation.objects.bulk_create(participations)
    _consortium_changed([p.project_id for p in created], [p.organisation_id for p in created])
    return created


@transaction.atomic
def budget_line_bulk_create(*, actor: Actor, lines: Sequence[BudgetLine]) -> list[BudgetLine]:
    require(_may_bulk_write_projects(actor), _("You may not import projects."))
    return BudgetLine.objects.bulk_create(lines)


# --- funding decisions ------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingDecision:
    """One decision of a funder for one partner: the amount granted, when, under which reference
    and in which call or round. `requested` defaults to the amount granted for a new line."""

    participation_id: int
    granted: Decimal
    decided_on: Any  # datetime.date
    decision_reference: str = ""
    funding_round: str = ""
    requested: Decimal | None = None


def _may_record_funding(actor: Actor, funder_id: int) -> bool:
    return actor is None or scope_for(actor).can(
        Action.FUNDING_LINES_IMPORT, Target.of(own_funder=[funder_id])
    )


@transaction.atomic
def funding_lines_record(
    *,
    actor: Actor,
    funder_id: int,
    decisions: Sequence[FundingDecision],
    on_behalf_of: Any = None,
) -> list[tuple[FundingLine, str]]:
    """Record a funder's decisions: one line per partner, funder and decision reference, created
    or brought up to date. Returns each decision's line with "created", "updated" or
    "unchanged"; one audit event for the batch (under the import run when there is one)."""
    require(
        _may_record_funding(actor, funder_id),
        _("You may not record funding decisions of this funder."),
    )
    existing = {
        (line.participation_id, line.decision_reference): line
        for line in FundingLine.objects.filter(
            funder_id=funder_id,
            participation_id__in={d.participation_id for d in decisions},
            decision_reference__in={d.decision_reference for d in decisions},
        )
    }
    outcome: list[tuple[FundingLine, str]] = []
    new: list[FundingLine] = []
    changed: list[FundingLine] = []
    for d in decisions:
        line = existing.get((d.participation_id, d.decision_reference))
        if line is None:
            line = FundingLine(
                participation_id=d.participation_id,
                funder_id=funder_id,
                requested=d.requested if d.requested is not None else d.granted,
                granted=d.granted,
                decided_on=d.decided_on,
                decision_reference=d.decision_reference,
                funding_round=d.funding_round,
            )
            line.full_clean(exclude=["participation", "funder"], validate_unique=False)
            existing[(d.participation_id, d.decision_reference)] = line
            new.append(line)
            outcome.append((line, "created"))
            continue
        before = (line.granted, line.decided_on, line.funding_round)
        line.granted, line.decided_on = d.granted, d.decided_on
        line.funding_round = d.funding_round or line.funding_round
        if d.requested is not None:
            line.requested = d.requested
        if (line.granted, line.decided_on, line.funding_round) == before:
            outcome.append((line, "unchanged"))
            continue
        if line not in changed:
            changed.append(line)
        outcome.append((line, "updated"))
    FundingLine.objects.bulk_create(new)
    FundingLine.objects.bulk_update(
        changed, ["granted", "decided_on", "funding_round", "requested"]
    )
    after = {"funder": funder_id, "created": len(new), "updated": len(changed)}
    if on_behalf_of is not None:
        audit_bulk(
            actor=actor, action="funding_line.record", on_behalf_of=on_behalf_of, after=after
        )
    elif new or changed:
        audit_record(
            actor=actor, action="funding_line.record", obj=(new or changed)[0], after=after
        )
    return outcome


# --- status: the project workflow (the only writer of Project.status after creation) ----------


@dataclass(frozen=True)
class TransitionOutcome:
    row: Transition
    replayed: bool  # True when the idempotency key had already been used: nothing changed


def refusal_text(decision: Decision, *, state: str, version: int) -> str:
    """The translated explanation of a refused decision (for the page, the API and the admin)."""
    return workflow_refusal_text(PROJECT_WORKFLOWS.get(version), decision, state=state)


def actor_project_roles(
    actor: Actor, project: Project, *, reuse: bool = False
) -> frozenset[ObjectRole]:
    """The roles `actor` holds relative to `project`. `None` is a trusted system process (an
    import of published data, run by an operator or by staff), which acts as staff. `reuse`:
    see `project_relations` (reads only)."""
    if actor is None:
        return frozenset({ObjectRole.STAFF})
    return project_roles(scope_for(actor), project_relations(project, reuse=reuse))


@dataclass(frozen=True)
class OfferedTransition:
    """A transition the user's roles may fire from the current state; `why_not` (translated)
    when a condition or a missing reason blocks it."""

    id: str
    label: str
    reason_required: bool
    allowed: bool
    why_not: str
    # A transition with its own page and service (`OWN_SERVICE_TRANSITIONS`): a link to that
    # page, not a button firing it, and where that page is (translated).
    page_url: str = ""
    page_help: str = ""


def project_offered_transitions(*, actor: Actor, project: Project) -> list[OfferedTransition]:
    """What to offer `actor` on the project page or in the admin (checked again on firing)."""
    workflow = PROJECT_WORKFLOWS.get(project.workflow_version)
    offered = workflow.offered(
        state=project.status,
        roles=actor_project_roles(actor, project, reuse=True),
        facts=project_workflow_facts(project),
    )
    return [
        OfferedTransition(
            id=t.id,
            label=_(t.label),
            reason_required=t.reason_required,
            allowed=decision.allowed,
            why_not=_blocked_text(decision, project),
            page_url=OWN_SERVICE_TRANSITIONS[t.id].url(project)
            if t.id in OWN_SERVICE_TRANSITIONS
            else "",
            page_help=str(OWN_SERVICE_TRANSITIONS[t.id].where)
            if t.id in OWN_SERVICE_TRANSITIONS
            else "",
        )
        for t, decision in offered
    ]


def _blocked_text(decision: Decision, project: Project) -> str:
    if decision.allowed:
        return ""
    if decision.guard is None:  # not offered for any other reason, but say it all the same
        return refusal_text(decision, state=project.status, version=project.workflow_version)
    return (
        _("Not possible yet: the condition “%(guard)s” is not met. %(detail)s")
        % {"guard": _(decision.guard.label), "detail": _(decision.guard.message)}
    ).strip()


@dataclass(frozen=True)
class OwnService:
    """Where a transition with its own service is fired: the page (URL name, taking the
    project's pk or not), what the generic entry answers instead, and a line for the admin."""

    url_name: str
    per_project: bool
    refusal: str | Promise
    where: str | Promise

    def url(self, project: Project) -> str:
        return reverse(self.url_name, kwargs={"pk": project.pk} if self.per_project else None)


_LABELLING_DECISION = OwnService(
    "labelling:home",
    False,
    gettext_lazy(
        "A cluster accredits a project, or refuses to, by the decision its labelling committee "
        "publishes (every cluster it was submitted to decides): use the labelling page (API: "
        "POST /api/v1/labelling/reviews/{id}/transitions)."
    ),
    gettext_lazy("On the labelling page, where each cluster's committee publishes its decision."),
)

# Transitions fired only by their own service, which writes what goes with them: `submit` is
# `project_submit` (the clusters, lead first, each with its fit statement); `accredit` and
# `refuse_accreditation` follow a cluster's published labelling decision (`submission_decide`:
# the accreditation row, and a refusal only once no other cluster is still deciding). The
# generic transition (page button, `POST /projects/{id}/transitions`, the back office) refuses
# them and the project page links to their page instead.
OWN_SERVICE_TRANSITIONS: dict[str, OwnService] = {
    "submit": OwnService(
        "project_submit",
        True,
        gettext_lazy(
            "A proposal is submitted to one or more clusters, lead cluster first, each with "
            "a statement of its fit: use its submission page (API: POST "
            "/api/v1/projects/{id}/submissions)."
        ),
        gettext_lazy("On the project's own page, where the clusters are chosen."),
    ),
    "accredit": _LABELLING_DECISION,
    "refuse_accreditation": _LABELLING_DECISION,
}


def project_transition(
    *,
    actor: Actor,
    project: Project,
    transition: str,
    reason: str = "",
    idempotency_key: str = "",
) -> TransitionOutcome:
    """Fire `transition` on `project` for `actor`: lock the row, ask the workflow (role, guards,
    reason), set the new status, write the `Transition` row and the audit event in one
    transaction, and e-mail the consortium once it is committed.

    Replaying a call with the same `idempotency_key` returns the first call's row and changes
    nothing. Raises `TransitionRefused` (translated message) when the workflow says no, or for
    a transition that has its own service (`OWN_SERVICE_TRANSITIONS`: a submission goes to
    clusters through `project_submit`); nothing is written then. `project` is updated in place.
    """
    if transition in OWN_SERVICE_TRANSITIONS:
        raise TransitionRefused(
            str(OWN_SERVICE_TRANSITIONS[transition].refusal),
            refusal="own_service",
            transition=transition,
        )
    return _project_transition(
        actor=actor,
        project=project,
        transition=transition,
        reason=reason,
        idempotency_key=idempotency_key,
    )


def _project_transition(
    *,
    actor: Actor,
    project: Project,
    transition: str,
    reason: str = "",
    idempotency_key: str = "",
) -> TransitionOutcome:
    """`project_transition` for every transition, its own services' too (they call this)."""
    reason = (reason or "").strip()
    key = (idempotency_key or "").strip()
    content_type = ContentType.objects.get_for_model(Project)
    try:
        with transaction.atomic():
            locked = Project.objects.select_for_update().get(pk=project.pk)
            if key:
                previous = Transition.objects.filter(
                    content_type=content_type, object_id=locked.pk, idempotency_key=key
                ).first()
                if previous is not None:
                    return _replayed(previous, transition, project, locked)
            row = _fire(actor, locked, transition, reason, key, content_type)
    except IntegrityError:
        # Two requests with the same key raced past the check (SQLite does not lock rows):
        # the first one won, this one changed nothing.
        previous = Transition.objects.filter(
            content_type=content_type, object_id=project.pk, idempotency_key=key
        ).first()
        if not key or previous is None:
            raise
        return _replayed(previous, transition, project, Project.objects.get(pk=project.pk))
    project.status = locked.status
    project.updated_at = locked.updated_at
    return TransitionOutcome(row=row, replayed=False)


def _replayed(
    previous: Transition, transition: str, project: Project, current: Project
) -> TransitionOutcome:
    if previous.transition != transition:
        raise TransitionRefused(
            _(
                "This request key was already used for “%(other)s” on this project: send a new "
                "key for a new request."
            )
            % {"other": previous.transition},
            refusal="idempotency_key_reused",
            transition=transition,
        )
    project.status = current.status
    return TransitionOutcome(row=previous, replayed=True)


def _fire(
    actor: Actor,
    locked: Project,
    transition: str,
    reason: str,
    key: str,
    content_type: ContentType,
) -> Transition:
    try:
        workflow = PROJECT_WORKFLOWS.get(locked.workflow_version)
    except KeyError:
        raise TransitionRefused(
            _("This project follows workflow version %(version)s, which this Grappe lacks.")
            % {"version": locked.workflow_version},
            refusal="unknown_version",
            transition=transition,
        ) from None
    facts: ProjectFacts = project_workflow_facts(locked)
    roles = actor_project_roles(actor, locked)
    decision = workflow.decide(
        transition, state=locked.status, roles=roles, facts=facts, reason=reason
    )
    if not decision.allowed:
        assert decision.refusal is not None
        raise TransitionRefused(
            refusal_text(decision, state=locked.status, version=locked.workflow_version),
            refusal=decision.refusal.value,
            transition=transition,
            guard=decision.guard.id if decision.guard else "",
        )
    assert decision.target is not None and decision.acting_role is not None
    before = locked.status
    locked.status = decision.target
    locked.save(update_fields=["status", "updated_at"])
    row = Transition.objects.create(
        content_type=content_type,
        object_id=locked.pk,
        workflow=workflow.id,
        workflow_version=workflow.version,
        transition=transition,
        from_state=before,
        to_state=locked.status,
        actor=recorded_user(actor) if getattr(actor, "pk", None) else None,
        acting_role=decision.acting_role.value,
        reason=reason,
        idempotency_key=key,
    )
    audit_record(
        actor=actor,
        action="project.transition",
        obj=locked,
        before={"status": before},
        after={
            "status": locked.status,
            "transition": transition,
            "acting_role": decision.acting_role.value,
            "workflow": f"{workflow.id} v{workflow.version}",
        },
        reason=reason,
    )
    notify(
        actor=actor,
        recipients=consortium_members(locked.pk),
        kind=kinds.PROJECT_STATUS_CHANGED,
        params={
            "acronym": locked.acronym,
            "transition": workflow.transitions[transition].label,
            "from": workflow.states[before].staff_label,
            "to": workflow.states[locked.status].staff_label,
            "reason": reason,
        },
        url=reverse("project_detail", kwargs={"pk": locked.pk}),
    )
    return row


def consortium_members(project_id: int) -> list[int]:
    """The users who act for an organisation of the project's consortium (notified of it)."""
    return organisation_members(
        Participation.objects.filter(project_id=project_id).values_list(
            "organisation_id", flat=True
        )
    )


# --- submissions for accreditation: to one or more clusters, lead first ------------------------


@dataclass(frozen=True)
class SubmissionRequest:
    """One cluster the project goes to, with the statement of its fit with the cluster."""

    cluster_id: int
    statement: str


def _submission_errors(requests: Sequence[SubmissionRequest]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not requests:
        errors["clusters"] = [_("Choose at least one cluster, the lead cluster first.")]
        return errors
    seen: set[int] = set()
    known = set(
        Cluster.objects.filter(pk__in=[r.cluster_id for r in requests]).values_list("pk", flat=True)
    )
    for request in requests:
        if request.cluster_id not in known:
            errors.setdefault("clusters", []).append(
                _("There is no cluster with the id %(id)s.") % {"id": request.cluster_id}
            )
        elif request.cluster_id in seen:
            errors.setdefault("clusters", []).append(_("Each cluster may be chosen only once."))
        seen.add(request.cluster_id)
        if not (request.statement or "").strip():
            errors.setdefault("statements", []).append(
                _("Say how the project fits each chosen cluster's themes.")
            )
    return errors


def _may_submit(actor: Actor, project: Project) -> bool:
    roles = actor_project_roles(actor, project)
    return bool(roles & {ObjectRole.COORDINATOR, ObjectRole.STAFF})


@transaction.atomic
def project_submit(
    *,
    actor: Actor,
    project: Project,
    clusters: Sequence[SubmissionRequest],
    reason: str = "",
) -> list[ClusterSubmission]:
    """Submit a draft project to `clusters` (the first one is the lead cluster), each with its
    fit statement, and move it to `submitted` through `project_transition`.

    Only its coordinator (or staff) may. Raises `ValidationError` naming the field, or
    `TransitionRefused` when the workflow says no (a missing partner…); nothing is written then.
    """
    require(_may_submit(actor, project), _("Only the project's coordinator may submit it."))
    errors = _submission_errors(clusters)
    if errors:
        raise ValidationError(errors, code="invalid")
    _project_transition(actor=actor, project=project, transition="submit", reason=reason)
    now = timezone.now()
    rows = ClusterSubmission.objects.bulk_create(
        ClusterSubmission(
            project=project,
            cluster_id=request.cluster_id,
            is_lead=index == 0,
            statement=request.statement.strip(),
            submitted_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
            submitted_at=now,
        )
        for index, request in enumerate(clusters)
    )
    names = dict(
        Cluster.objects.filter(pk__in=[r.cluster_id for r in clusters]).values_list("pk", "name")
    )
    for request in clusters:
        notify(
            actor=actor,
            recipients=cluster_managers([request.cluster_id]),
            kind=kinds.SUBMISSION_RECEIVED,
            params={
                "acronym": project.acronym,
                "title": project.title,
                "cluster": names.get(request.cluster_id, ""),
            },
            url=reverse("project_detail", kwargs={"pk": project.pk}),
        )
    audit_record(
        actor=actor,
        action="project.submit",
        obj=project,
        after={
            "clusters": [r.cluster_id for r in clusters],
            "lead": clusters[0].cluster_id,
        },
        reason=reason,
    )
    return list(
        ClusterSubmission.objects.filter(pk__in=[r.pk for r in rows]).order_by("-is_lead", "id")
    )


@transaction.atomic
def submission_withdraw(
    *, actor: Actor, submission: ClusterSubmission, reason: str = ""
) -> list[ClusterSubmission]:
    """Withdraw a submission before the cluster's decision (the coordinator or staff).

    Withdrawing the lead cluster's submission withdraws every undecided one; when no live
    submission is left undecided and none was decided, the project returns to draft through
    `project_transition`. Returns the withdrawn submissions.
    """
    project = submission.project
    require(_may_submit(actor, project), _("Only the project's coordinator may withdraw it."))
    locked = ClusterSubmission.objects.select_for_update().get(pk=submission.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError(
            {"submission": _("This submission was already withdrawn.")}, code="withdrawn"
        )
    if locked.decided_at is not None:
        raise ValidationError(
            {"submission": _("The cluster has already decided: it can no longer be withdrawn.")},
            code="decided",
        )
    live = ClusterSubmission.objects.filter(project=project, withdrawn_at__isnull=True)
    targets = live.filter(decided_at__isnull=True) if locked.is_lead else live.filter(pk=locked.pk)
    withdrawn = list(targets)
    now = timezone.now()
    targets.update(withdrawn_at=now)
    if not live.exists() and project.status == ProjectStatus.SUBMITTED:
        project_transition(
            actor=actor,
            project=project,
            transition="return_to_draft",
            reason=reason or _("Every submission was withdrawn."),
        )
    audit_record(
        actor=actor,
        action="submission.withdraw",
        obj=locked,
        after={
            "withdrawn": [s.pk for s in withdrawn],
            "clusters": [s.cluster_id for s in withdrawn],
        },
        reason=reason,
    )
    for row in withdrawn:
        row.withdrawn_at = now
    return withdrawn


def _may_decide(actor: Actor, submission: ClusterSubmission) -> bool:
    return actor is None or scope_for(actor).can(
        Action.LABELLING_MANAGE, Target.of(own_cluster=[submission.cluster_id])
    )


@transaction.atomic
def submission_decide(
    *,
    actor: Actor,
    submission: ClusterSubmission,
    accredited: bool,
    decided_on: Any,
    reason: str = "",
) -> Accreditation | None:
    """Record a cluster's published decision on a submission (the labelling committee calls it).

    Accredited: records the `Accreditation` (lead when the submission is the lead one) and moves
    a submitted project to `accredited`. Refused: when no other live submission is undecided
    and none accredited it, the project moves to `not_accredited` (the reason is required).
    """
    require(_may_decide(actor, submission), _("You may not decide for this cluster."))
    locked = ClusterSubmission.objects.select_for_update().get(pk=submission.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError(
            {"submission": _("This submission was withdrawn: there is nothing to decide.")},
            code="withdrawn",
        )
    if locked.decided_at is not None:
        raise ValidationError(
            {"submission": _("This submission has already been decided.")}, code="decided"
        )
    project = Project.objects.get(pk=locked.project_id)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decided_at"])
    accreditation: Accreditation | None = None
    if accredited:
        accreditation = Accreditation(
            project=project,
            cluster_id=locked.cluster_id,
            is_lead=locked.is_lead
            and not Accreditation.objects.filter(project=project, is_lead=True).exists(),
            accredited_on=decided_on,
        )
        accreditation.full_clean(validate_unique=False, validate_constraints=False)
        accreditation.save()
        if project.status == ProjectStatus.SUBMITTED:
            _project_transition(actor=actor, project=project, transition="accredit", reason=reason)
    else:
        pending = ClusterSubmission.objects.filter(
            project=project, withdrawn_at__isnull=True, decided_at__isnull=True
        ).exists()
        if (
            not pending
            and project.status == ProjectStatus.SUBMITTED
            and not Accreditation.objects.filter(project=project).exists()
        ):
            _project_transition(
                actor=actor, project=project, transition="refuse_accreditation", reason=reason
            )
    audit_record(
        actor=actor,
        action="submission.decide",
        obj=locked,
        after={
            "accredited": accredited,
            "cluster": locked.cluster_id,
            "accreditation": accreditation.pk if accreditation else None,
        },
        reason=reason,
    )
    return accreditation


# --- proposals built by their partners: start, invitations, each partner's budget ---------------
# A member starts a proposal for an organisation they act for (it becomes the coordinator),
# invites organisations of the registry (or new ones by SIREN), and each invited organisation's
# member accepts or declines; every partner then enters its own budget and yearly figures.

# The most one budget line may hold: anything above is a typing mistake, not an R&D budget.
BUDGET_LINE_MAX = Decimal("100000000.00")


def _acts_for(actor: Actor, organisation_id: int) -> bool:
    return actor is None or scope_for(actor).can(
        Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[organisation_id])
    )


def _require_draft(project: Project) -> None:
    if project.status != ProjectStatus.DRAFT:
        raise ValidationError(
            {
                "project": _(
                    "“%(project)s” is no longer a draft: its consortium and budgets are fixed."
                )
                % {"project": project.acronym}
            },
            code="not_draft",
        )


def proposal_create(
    *, actor: Actor, organisation_id: int | None, reason: str = "", **fields: Any
) -> Project:
    """A member starts a proposal (a draft) for an organisation they act for, which becomes its
    coordinator. Raises `ValidationError` naming the field (nothing written)."""
    if organisation_id is None or not _acts_for(actor, organisation_id):
        raise ValidationError(
            {"organisation": _("Choose an organisation you act for.")}, code="not_yours"
        )
    _check_fields(fields, PROJECT_UPDATABLE)
    return project_create(actor=actor, coordinator_id=organisation_id, reason=reason, **fields)


def _invitation_snapshot(invitation: PartnerInvitation) -> dict[str, Any]:
    return {
        "project_id": invitation.project_id,
        "organisation_id": invitation.organisation_id,
        "status": invitation.status,
    }


@transaction.atomic
def invitation_create(
    *, actor: Actor, project: Project, organisation_id: int | None, reason: str = ""
) -> PartnerInvitation:
    """The coordinator invites an organisation of the registry to the draft's consortium."""
    require(_may_edit_project(actor, project), _("Only the coordinator may invite partners."))
    Project.objects.select_for_update().filter(pk=project.pk).first()
    _require_draft(project)
    organisation = (
        Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    )
    if organisation is None:
        raise ValidationError(
            {"organisation": _("No such organisation in the registry.")}, code="unknown"
        )
    if organisation.pk == _coordinator_id(project):
        raise ValidationError(
            {
                "organisation": _(
                    "Your organisation coordinates this proposal: it cannot invite itself."
                )
            },
            code="self",
        )
    if Participation.objects.filter(project=project, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("This organisation is already in the consortium.")},
            code="duplicate",
        )
    if PartnerInvitation.objects.filter(
        project=project, organisation=organisation, status=InvitationStatus.PENDING
    ).exists():
        raise ValidationError(
            {"organisation": _("This organisation already has a pending invitation.")},
            code="pending",
        )
    invitation = PartnerInvitation.objects.create(
        project=project,
        organisation=organisation,
        invited_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
    )
    notify(
        actor=actor,
        recipients=organisation_members([organisation.pk]),
        kind=kinds.INVITATION_RECEIVED,
        params={
            "organisation": organisation.name,
            "acronym": project.acronym,
            "title": project.title,
        },
        url=reverse("my_area"),
    )
    audit_record(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        after=_invitation_snapshot(invitation),
        reason=reason,
    )
    return invitation


@transaction.atomic
def invitation_create_by_siren(
    *, actor: Actor, project: Project, siren: str, name: str, kind: str, reason: str = ""
) -> PartnerInvitation:
    """Invite an organisation by its SIREN: the registry's when it has one with it, else a new
    record created through the registry's service (checked by python-stdnum)."""
    require(_may_edit_project(actor, project), _("Only the coordinator may invite partners."))
    _require_draft(project)
    compact = "".join(ch for ch in siren if ch.isalnum())
    if not compact:
        raise ValidationError({"siren": _("Enter the organisation's SIREN.")}, code="required")
    try:
        validate_siren(compact)
    except ValidationError as exc:
        raise ValidationError({"siren": exc.messages}, code="invalid") from exc
    existing = Organisation.objects.filter(siren=compact).first()
    if existing is None:
        if not name.strip():
            raise ValidationError(
                {"name": _("No organisation has this SIREN yet: give its name.")},
                code="required",
            )
        if kind not in OrganisationKind.values:
            raise ValidationError({"kind": _("Choose the organisation's type.")}, code="required")
        try:
            existing = organisation_create(
                actor=None,  # the coordinator may add it: checked above
                name=name.strip(),
                kind=kind,
                siren=compact,
                reason=_("Created to be invited to %(project)s.") % {"project": project.acronym},
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict, code="invalid") from exc
    return invitation_create(
        actor=actor, project=project, organisation_id=existing.pk, reason=reason
    )


def invitation_roles(actor: Actor, invitation: PartnerInvitation) -> frozenset[ObjectRole]:
    """How the actor stands to the invitation: a member of the invited organisation, the
    coordinator, an administrator (or the system, `None`)."""
    if actor is None:
        return frozenset({ObjectRole.STAFF})
    roles = set()
    if scope_for(actor).is_staff_wide:
        roles.add(ObjectRole.STAFF)
    if _acts_for(actor, invitation.organisation_id):
        roles.add(ObjectRole.INVITEE)
    if _may_edit_project(actor, invitation.project):
        roles.add(ObjectRole.COORDINATOR)
    return frozenset(roles)


@transaction.atomic
def invitation_transition(
    *, actor: Actor, invitation: PartnerInvitation, transition: str, reason: str = ""
) -> PartnerInvitation:
    """The one writer of an invitation's status, through the invitation workflow: accept or
    decline (a member of the invited organisation), cancel (the coordinator). Accepting adds
    the organisation as a partner. A refusal is a `ValidationError` on `organisation` (not
    yours to answer) or `transition` (already answered, unknown step), with the engine's
    explanation; nothing is written then."""
    locked = (
        PartnerInvitation.objects.select_for_update()
        .select_related("project")
        .get(pk=invitation.pk)
    )
    workflow = invitations.INVITATION_WORKFLOWS.get(locked.workflow_version)
    decision = workflow.decide(
        transition,
        state=locked.status,
        roles=invitation_roles(actor, locked),
        facts=invitations.InvitationFacts(),
        reason=reason,
    )
    if not decision.allowed:
        field = "organisation" if decision.refusal is Refusal.ROLE else "transition"
        raise ValidationError(
            {field: workflow_refusal_text(workflow, decision, state=locked.status)},
            code="refused",
        )
    assert decision.target is not None and decision.acting_role is not None
    target = decision.target
    before = _invitation_snapshot(locked)
    if target == InvitationStatus.ACCEPTED:
        _require_draft(locked.project)
        partner_add(
            actor=None,  # the invitation is the coordinator's consent
            project=locked.project,
            organisation_id=locked.organisation_id,
            role=ParticipantRole.PARTNER,
            reason=_("Accepted the invitation."),
        )
    locked.status = target
    locked.answered_by = recorded_user(actor) if getattr(actor, "pk", None) else None
    locked.answered_at = timezone.now()
    locked.save(update_fields=["status", "answered_by", "answered_at", "updated_at"])
    Transition.objects.create(
        content_type=ContentType.objects.get_for_model(PartnerInvitation),
        object_id=locked.pk,
        workflow=workflow.id,
        workflow_version=workflow.version,
        transition=transition,
        from_state=before["status"],
        to_state=locked.status,
        actor=locked.answered_by,
        acting_role=decision.acting_role.value,
        reason=reason,
    )
    answered = {
        InvitationStatus.ACCEPTED: kinds.INVITATION_ACCEPTED,
        InvitationStatus.DECLINED: kinds.INVITATION_DECLINED,
    }.get(InvitationStatus(target))
    coordinator = _coordinator_id(locked.project)
    if answered and coordinator:
        notify(
            actor=actor,
            recipients=organisation_members([coordinator]),
            kind=answered,
            params={
                "organisation": Organisation.objects.get(pk=locked.organisation_id).name,
                "acronym": locked.project.acronym,
            },
            url=reverse("project_detail", kwargs={"pk": locked.project_id}),
        )
    audit_record(
        actor=actor,
        action=f"invitation.{transition}",
        obj=locked,
        before=before,
        after=_invitation_snapshot(locked),
        reason=reason,
    )
    return locked


def partner_budget_set(
    *,
    actor: Actor,
    participation: Participation,
    lines: Mapping[BudgetKey, Decimal],
    reason: str = "",
) -> list[BudgetLine]:
    """A partner enters its own budget on a draft (only its own: not the coordinator's, not
    another partner's). Amounts: Decimal EUR, 0 to `BUDGET_LINE_MAX`, to the cent."""
    if not _acts_for(actor, participation.organisation_id):
        raise ValidationError(
            {"organisation": _("You may change only the budget of an organisation you act for.")},
            code="not_yours",
        )
    _require_draft(participation.project)
    too_big = [
        key
        for key, amount in lines.items()
        if isinstance(amount, Decimal) and amount > BUDGET_LINE_MAX
    ]
    if too_big:
        raise ValidationError(
            {
                "amount": _("A budget line cannot exceed %(max)s EUR (%(lines)s).")
                % {
                    "max": f"{BUDGET_LINE_MAX:,.0f}",
                    "lines": ", ".join("/".join(k) for k in too_big),
                }
            },
            code="too_big",
        )
    return budget_lines_set(actor=actor, participation=participation, lines=lines, reason=reason)


# --- a proposal's documents (PDF only) and discussion thread: its consortium's -----------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
MESSAGE_MAX_CHARS = 5000


def document_max_bytes() -> int:
    """The largest PDF a proposal takes (setting `PROPOSAL_DOCUMENT_MAX_BYTES`, 10 MiB)."""
    return int(getattr(settings, "PROPOSAL_DOCUMENT_MAX_BYTES", DOCUMENT_MAX_BYTES))


def in_consortium(*, actor: Actor, project: Project) -> bool:
    """Does the actor act for one of the project's organisations (or for any: staff)?"""
    if actor is None:
        return True
    ids = Participation.objects.filter(project=project).values_list("organisation_id", flat=True)
    return scope_for(actor).can(Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=ids))


def _user(actor: Actor) -> Any:
    return recorded_user(actor) if getattr(actor, "pk", None) else None


@transaction.atomic
def document_add(
    *, actor: Actor, project: Project, title: str, file_name: str, content: bytes
) -> ProposalDocument:
    """Attach a PDF (checked by its first bytes, not its name) of at most `document_max_bytes`."""
    require(
        in_consortium(actor=actor, project=project),
        _("Only the consortium may add documents to this proposal."),
    )
    errors: dict[str, str] = {}
    limit = document_max_bytes()
    if not content:
        errors["file"] = _("Choose a PDF file.")
    elif len(content) > limit:
        errors["file"] = _("The file is larger than %(max)s MB.") % {"max": limit // (1024 * 1024)}
    elif not content.startswith(PDF_MAGIC):
        errors["file"] = _("Only PDF files are accepted: this file is not a PDF.")
    title = title.strip() or file_name.strip()
    if not title:
        errors["title"] = _("Give the document a title.")
    if errors:
        raise ValidationError(errors, code="invalid")
    document = ProposalDocument(
        project=project,
        title=title[:200],
        file_name=(file_name.strip() or "document.pdf")[:200],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=_user(actor),
    )
    document.full_clean(exclude=["content"])
    document.save()
    audit_record(
        actor=actor,
        action="proposal_document.add",
        obj=document,
        after={
            "project_id": project.pk,
            "title": document.title,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    return document


@transaction.atomic
def message_post(*, actor: Actor, project: Project, body: str) -> ProposalMessage:
    """Post a message to the proposal's discussion thread (its consortium only)."""
    require(
        in_consortium(actor=actor, project=project),
        _("Only the consortium may write in this discussion."),
    )
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")}, code="required")
    if len(body) > MESSAGE_MAX_CHARS:
        raise ValidationError(
            {"body": _("A message has at most %(max)s characters.") % {"max": MESSAGE_MAX_CHARS}},
            code="too_long",
        )
    message = ProposalMessage.objects.create(project=project, author=_user(actor), body=body)
    audit_record(
        actor=actor,
        action="proposal_message.post",
        obj=message,
        after={"project_id": project.pk, "body": body},
    )
    return message
