"""Funding writers: calls and their versioned rule sets (atomic, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.concurrency import check_unchanged, stale_edit
from grappe.core.domain.scope import Scope
from grappe.core.domain.workflow import ObjectRole
from grappe.core.models import Transition
from grappe.core.refusals import TransitionRefused, workflow_refusal_text
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record, changes_apply, check_fields
from grappe.funding.domain.aid import SimulationResult
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS, ApplicationFacts
from grappe.funding.domain.evaluation import (
    EvaluationError,
    EvaluationSetup,
    evaluation_from_dict,
    evaluation_to_dict,
    stored_or_default,
)
from grappe.funding.domain.receipt import snapshot_sha256
from grappe.funding.domain.rulesets import (
    READY_MADE,
    RuleSet,
    RuleSetError,
    ruleset_from_dict,
    ruleset_to_dict,
)
from grappe.funding.explain import (
    evaluation_error_message,
    format_eur,
    render,
    ruleset_error_message,
)
from grappe.funding.models import (
    PARIS,
    Application,
    Call,
    CallRuleSet,
    Funder,
    PanelList,
    ProposalTarget,
    RequestedAid,
    ScreeningVerdict,
    VerdictStatus,
)
from grappe.funding.selectors import (
    AidInput,
    call_ruleset,
    project_aid_input,
    target_call_choices,
)
from grappe.funding.simulation import SimulationInputError, check_project_size, run_simulation
from grappe.notifications.domain import kinds
from grappe.notifications.selectors import organisation_members, programme_officers
from grappe.notifications.services import notify
from grappe.projects.domain.workflow import project_roles
from grappe.projects.models import Accreditation, Participation, Project, ProjectStatus
from grappe.projects.selectors import project_relations
from grappe.projects.services import OfferedTransition
from grappe.registry.models import Organisation


class RuleSetInvalid(ValidationError):
    """A rule set was refused: `field` is its dotted path, `rule` the rule broken.

    The message is the domain's, translated (e.g. "company_rates.small must be a fraction
    between 0 and 1.").
    """

    def __init__(self, error: RuleSetError) -> None:
        self.field = error.field
        self.rule = error.rule
        self.detail = str(error)
        super().__init__(
            ruleset_error_message(error), code=error.rule, params={"field": error.field}
        )


def ruleset_validate(data: object) -> tuple[RuleSet, dict[str, object]]:
    """The validated rule set and its normalised data; raises `RuleSetInvalid`."""
    if not isinstance(data, Mapping):
        raise RuleSetInvalid(RuleSetError("(root)", "type", "must be an object"))
    try:
        rs = ruleset_from_dict(data)
    except RuleSetError as exc:
        raise RuleSetInvalid(exc) from None
    return rs, ruleset_to_dict(rs)


def ready_made_data(code: str) -> dict[str, object]:
    """A copy of a ready-made rule set's data; raises `ValidationError` for an unknown code."""
    try:
        data = READY_MADE[code]
    except KeyError:
        raise ValidationError(
            _("Unknown ready-made rule set: %(code)s (known: %(known)s).")
            % {"code": code, "known": ", ".join(sorted(READY_MADE))},
            code="unknown_ruleset",
        ) from None
    return ruleset_to_dict(ruleset_from_dict(data))


def _new_version(
    *, actor: Actor, call: Call, data: Mapping[str, object], reason: str, source_code: str
) -> CallRuleSet | None:
    """Store `data` as the call's next version; None when it equals the current one."""
    rs, normalised = ruleset_validate(data)
    current = call.ruleset
    number = (
        max(call.ruleset_versions.values_list("version", flat=True), default=0) + 1
        if call.pk
        else 1
    )
    if current is not None:
        previous = dict(current.data)
        previous["version"] = normalised["version"]
        if previous == normalised:
            return None
    normalised["version"] = number
    version = CallRuleSet.objects.create(
        call=call,
        version=number,
        data=normalised,
        source_code=source_code,
        reason=reason,
        created_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
    )
    call.ruleset = version
    call.save(update_fields=["ruleset", "updated_at"])
    audit_record(
        actor=actor,
        action="call.ruleset_update",
        obj=call,
        before=None if current is None else {"version": current.version, "data": current.data},
        after={"version": number, "code": rs.code, "source_code": source_code, "data": normalised},
        reason=reason,
    )
    return version


@transaction.atomic
def call_create(
    *,
    actor: Actor,
    funder: Funder,
    slug: str,
    title_en: str,
    title_fr: str,
    opens_on: dt.date,
    closes_on: dt.date,
    envelope: Decimal | None = None,
    ruleset_data: Mapping[str, object] | None = None,
    source_code: str = "",
    reason: str = "",
) -> Call:
    """Create a call and its first rule-set version.

    `ruleset_data` or `source_code` (a ready-made set, e.g. "city-of-paris") gives the rule set.
    Raises `ValidationError` (field errors) or `RuleSetInvalid`; nothing is written then.
    """
    if ruleset_data is None:
        if not source_code:
            raise ValidationError(
                {"ruleset": _("A call needs a rule set or a ready-made set code.")}
            )
        ruleset_data = ready_made_data(source_code)
    call = Call(
        funder=funder,
        slug=slug,
        title_en=title_en,
        title_fr=title_fr,
        opens_on=opens_on,
        closes_on=closes_on,
        envelope=envelope,
    )
    call.full_clean(exclude=["ruleset"])
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("A call cannot close before it opens.")})
    call.save()
    audit_record(
        actor=actor,
        action="call.create",
        obj=call,
        after={
            "funder": funder.slug,
            "slug": slug,
            "opens_on": opens_on.isoformat(),
            "closes_on": closes_on.isoformat(),
            "envelope": None if envelope is None else str(envelope),
        },
        reason=reason,
    )
    _new_version(
        actor=actor,
        call=call,
        data=ruleset_data,
        reason=reason or "initial rule set",
        source_code=source_code,
    )
    return call


CALL_UPDATABLE = ("funder_id", "slug", "title_en", "title_fr", "opens_on", "closes_on", "envelope")


@transaction.atomic
def call_update(
    *,
    actor: Actor,
    call: Call,
    reason: str = "",
    expected_token: str | None = None,
    **changes: Any,
) -> Call:
    """Change a call's fields (validated, audited; its rule set changes through
    `call_ruleset_update`). `expected_token`: the call's `edit_token` when the editor opened it;
    a call changed since is refused with `EditConflict` and nothing is written."""
    check_fields(changes, CALL_UPDATABLE)
    locked = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
    check_unchanged(locked, expected_token)
    changes_apply(actor=actor, obj=locked, changes=changes, action="call.update", reason=reason)
    return locked


def call_is_pinned(call: Call, today: dt.date | None = None) -> bool:
    """A call's rule set (and, once calls have one, its workflow version) is pinned from the
    day it opens: applicants must be judged by the rules published when they applied. The
    day is the server's in Europe/Paris."""
    return call.opens_on <= (today or timezone.localdate())


def _same_as_current(call: Call, normalised: Mapping[str, object]) -> bool:
    current = call.ruleset
    if current is None:
        return False
    previous = dict(current.data)
    previous["version"] = normalised.get("version")
    return previous == dict(normalised)


def pinned_refusal(call: Call, data: Mapping[str, object]) -> str | None:
    """Why `data` may not become the call's rule set now (translated), or None: a call that has
    opened keeps its rule set; submitting that same rule set again is no change and allowed."""
    if not call_is_pinned(call):
        return None
    try:
        _rs, normalised = ruleset_validate(data)
    except RuleSetInvalid:
        return None  # the validation's own error says what is wrong
    if _same_as_current(call, normalised):
        return None
    return _("The call opened on %(date)s: its rule set is pinned and can no longer change.") % {
        "date": formats.date_format(call.opens_on, "DATE_FORMAT")
    }


def check_not_pinned(call: Call, data: Mapping[str, object]) -> None:
    """Refuse (`ValidationError` on `ruleset`, code "pinned") a rule-set change of a call that
    has opened."""
    message = pinned_refusal(call, data)
    if message is not None:
        raise ValidationError({"ruleset": ValidationError(message, code="pinned")})


@transaction.atomic
def call_ruleset_update(
    *,
    actor: Actor,
    call: Call,
    data: Mapping[str, object],
    reason: str,
    source_code: str = "",
    expected_version: int | None = None,
) -> CallRuleSet:
    """Validate `data` and make it the call's new current rule-set version (audited).

    Refused (`ValidationError` on `ruleset`, code "pinned") once the call has opened, unless
    `data` is its current rule set.

    Earlier versions are kept unchanged. Submitting the current rule set again creates no
    version and returns the current one. Raises `RuleSetInvalid` naming the field and rule.
    `expected_version`: the version the editor opened; when another is current by now the
    save is refused with `EditConflict` naming it, its author and time (nothing is written).
    """
    locked = Call.objects.select_for_update(of=("self",)).select_related("ruleset").get(pk=call.pk)
    current = locked.ruleset.version if locked.ruleset is not None else None
    check_not_pinned(locked, data)
    if expected_version is not None and expected_version != current:
        raise stale_edit(locked, version=current)
    version = _new_version(
        actor=actor, call=locked, data=data, reason=reason, source_code=source_code
    )
    call.ruleset = locked.ruleset
    call.ruleset_id = locked.ruleset_id
    if version is None:
        assert locked.ruleset is not None
        return locked.ruleset
    return version


class EvaluationInvalid(ValidationError):
    """An evaluation set-up was refused: `field` is its dotted path ("criteria.2.weight")."""

    def __init__(self, error: EvaluationError) -> None:
        self.field = error.field
        self.rule = error.rule
        super().__init__(evaluation_error_message(error), code=error.rule)


@transaction.atomic
def call_evaluation_update(
    *,
    actor: Actor,
    call: Call,
    data: Mapping[str, object],
    reason: str,
    expected_version: int | None = None,
) -> EvaluationSetup:
    """Validate `data` (`domain/evaluation.py`) and make it the call's evaluation set-up, as
    its next version (audited, the earlier one kept in the audit event's `before`).

    Refused, nothing written: `EvaluationInvalid` naming the field; `EditConflict` when
    another version is current than the editor's `expected_version`; `ValidationError` on
    `evaluation` (code "pinned") once the call has opened. The same set-up again is no change.
    """
    locked = Call.objects.select_for_update(of=("self",)).get(pk=call.pk)
    current = stored_or_default(locked.evaluation)
    if expected_version is not None and expected_version != current.version:
        raise stale_edit(locked, version=current.version)
    try:
        setup = evaluation_from_dict({**dict(data), "version": current.version})
    except EvaluationError as exc:
        raise EvaluationInvalid(exc) from None
    if setup == current:
        return current
    if call_is_pinned(locked):
        message = _(
            "The call opened on %(date)s: its evaluation criteria are pinned and can no longer "
            "change."
        ) % {"date": formats.date_format(locked.opens_on, "DATE_FORMAT")}
        raise ValidationError({"evaluation": ValidationError(message, code="pinned")})
    setup = evaluation_from_dict({**evaluation_to_dict(setup), "version": current.version + 1})
    before = dict(locked.evaluation) or None
    locked.evaluation = evaluation_to_dict(setup)
    locked.save(update_fields=["evaluation", "updated_at"])
    audit_record(
        actor=actor,
        action="call.evaluation_update",
        obj=locked,
        before=before,
        after=locked.evaluation,
        reason=reason,
    )
    call.evaluation = locked.evaluation
    return setup


# --- applications: the one transition service and the panel's outcome -----------------------
#
# The apps above funding (evaluation, decisions) add the facts they own and the evaluators they
# assign through the two registries below, at import time of their `apps.py` `ready()`: funding
# never imports them.

ApplicationFactsProvider = Callable[[Application], Mapping[str, bool]]
ApplicationEvaluatorsProvider = Callable[[Application], Iterable[int]]
_FACT_PROVIDERS: list[ApplicationFactsProvider] = []
_EVALUATOR_PROVIDERS: list[ApplicationEvaluatorsProvider] = []


def register_application_facts(provider: ApplicationFactsProvider) -> None:
    """Add a function returning some `ApplicationFacts` fields for an application."""
    if provider not in _FACT_PROVIDERS:
        _FACT_PROVIDERS.append(provider)


def register_application_evaluators(provider: ApplicationEvaluatorsProvider) -> None:
    """Add a function returning the user ids of the experts assigned to an application."""
    if provider not in _EVALUATOR_PROVIDERS:
        _EVALUATOR_PROVIDERS.append(provider)


def application_facts(
    application: Application, *, now: dt.datetime | None = None
) -> ApplicationFacts:
    """What the application workflow's guards look at: funding's own facts, then each
    registered provider's (a provider may only set fields `ApplicationFacts` has)."""
    values: dict[str, bool] = {
        # The call's exact opening and closing instants in Europe/Paris (`Call.closes_at`).
        "before_deadline": application.call.is_open_at(now or timezone.now()),
        "project_accredited": Accreditation.objects.filter(
            project_id=application.project_id
        ).exists(),
    }
    known = {f.name for f in dc_fields(ApplicationFacts)}
    for provider in _FACT_PROVIDERS:
        for name, value in provider(application).items():
            if name not in known:
                raise ValueError(f"unknown application fact {name!r}")
            values[name] = bool(value)
    return ApplicationFacts(**values)


def application_roles(actor: Actor, application: Application) -> frozenset[ObjectRole]:
    """The roles `actor` holds relative to `application`: the project's (coordinator, partner),
    a programme officer of the call's funder, an assigned expert, staff. `None` is the system."""
    if actor is None:
        return frozenset({ObjectRole.STAFF})
    scope = scope_for(actor)
    roles = set(project_roles(scope, project_relations(application.project)))
    # A project's roles include its funders' officers and clusters' managers: an application
    # answers to the call's funder only, and no cluster manager acts on it.
    roles.discard(ObjectRole.FUNDER_OFFICER)
    roles.discard(ObjectRole.CLUSTER_MANAGER)
    roles.discard(ObjectRole.EVALUATOR)
    if application.call.funder_id in scope.funder_ids:
        roles.add(ObjectRole.FUNDER_OFFICER)
    if scope.is_evaluator and actor.pk is not None:
        for provider in _EVALUATOR_PROVIDERS:
            if actor.pk in set(provider(application)):
                roles.add(ObjectRole.EVALUATOR)
                break
    return frozenset(roles)


def application_offered_transitions(
    *, actor: Actor, application: Application
) -> list[OfferedTransition]:
    """What to offer `actor` on the application page (checked again on firing)."""
    workflow = APPLICATION_WORKFLOWS.get(application.workflow_version)
    roles = application_roles(actor, application)
    facts = application_facts(application)
    offered = []
    for t in workflow.outgoing(application.status):
        if not any(r in roles for r in t.roles):
            continue
        decision = workflow.decide(t.id, state=application.status, roles=roles, facts=facts)
        offered.append(
            OfferedTransition(
                id=t.id,
                label=_(t.label),
                reason_required=t.reason_required,
                allowed=decision.allowed,
                why_not=""
                if decision.allowed
                else workflow_refusal_text(workflow, decision, state=application.status),
            )
        )
    return offered


def application_transition(
    *,
    actor: Actor,
    application: Application,
    transition: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Transition:
    """Fire `transition` on `application` for `actor` — the only writer of
    `Application.status`. Locks the row, asks the workflow (role, guards, reason), writes the
    status, the `Transition` row and the audit event in one transaction. Raises
    `TransitionRefused` (translated); nothing is written then. `application` is updated in place.

    Whatever a step must record besides the status (the receipt at `submit`, the screening
    override) is written by that step's own service inside the same transaction, before it
    calls this one.
    """
    reason = (reason or "").strip()
    content_type = ContentType.objects.get_for_model(Application)
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call", "project")
            .get(pk=application.pk)
        )
        try:
            workflow = APPLICATION_WORKFLOWS.get(locked.workflow_version)
        except KeyError:
            raise TransitionRefused(
                _("This application follows workflow version %(version)s, which this Grappe lacks.")
                % {"version": locked.workflow_version},
                refusal="unknown_version",
                transition=transition,
            ) from None
        decision = workflow.decide(
            transition,
            state=locked.status,
            roles=application_roles(actor, locked),
            facts=application_facts(locked, now=now),
            reason=reason,
        )
        if not decision.allowed:
            raise TransitionRefused(
                workflow_refusal_text(workflow, decision, state=locked.status),
                refusal=decision.refusal.value if decision.refusal else "",
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
        )
        _application_notify(actor, locked, workflow, transition, reason)
        audit_record(
            actor=actor,
            action="application.transition",
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
    application.status = locked.status
    application.updated_at = locked.updated_at
    return row


# Steps the consortium hears of (the screening's outcome, the decision); the panel's ranking
# stays unsaid until the decision, as the scores do.
_TOLD_TO_CONSORTIUM = frozenset({"eligible", "ineligible", "funded", "not_funded"})


def _application_notify(
    actor: Actor, application: Application, workflow: Any, transition: str, reason: str
) -> None:
    """Tell the call funder's officers of a submission, and the consortium's members of the
    screening's outcome and of the decision (inside the transition's transaction)."""
    acronym, call = application.project.acronym, application.call.title
    url = reverse("application_detail", kwargs={"pk": application.pk})
    if application.status == "submitted":
        notify(
            actor=actor,
            recipients=programme_officers([application.call.funder_id]),
            kind=kinds.APPLICATION_SUBMITTED,
            params={"acronym": acronym, "call": call},
            url=url,
        )
    elif application.status in _TOLD_TO_CONSORTIUM:
        organisations = Participation.objects.filter(project_id=application.project_id)
        notify(
            actor=actor,
            recipients=organisation_members(
                organisations.values_list("organisation_id", flat=True)
            ),
            kind=kinds.APPLICATION_STATUS_CHANGED,
            params={
                "acronym": acronym,
                "call": call,
                "to": workflow.state(application.status).public_label,
                "reason": reason,
            },
            url=url,
        )


@dataclass(frozen=True)
class PanelPlace:
    """One application's place in the panel's ranking of a call."""

    application_id: int
    list: PanelList
    rank: int | None
    score: Decimal | None
    tie_rule: str = ""


def application_panel_record(*, actor: Actor, call: Call, places: Iterable[PanelPlace]) -> int:
    """Write the panel's ranking onto the call's applications (the evaluation app's one way to
    record it), audited once for the call. Returns the number of applications written."""
    rows = list(places)
    with transaction.atomic():
        by_id = {
            a.pk: a
            for a in Application.objects.select_for_update(of=("self",)).filter(
                call=call, pk__in=[p.application_id for p in rows]
            )
        }
        missing = [p.application_id for p in rows if p.application_id not in by_id]
        if missing:
            raise ValueError(f"applications not of call {call.slug}: {missing}")
        for place in rows:
            app = by_id[place.application_id]
            app.panel_list = place.list.value
            app.panel_rank = place.rank
            app.panel_score = place.score
            app.panel_tie_rule = place.tie_rule
        Application.objects.bulk_update(
            list(by_id.values()), ["panel_list", "panel_rank", "panel_score", "panel_tie_rule"]
        )
        audit_record(
            actor=actor,
            action="application.panel_record",
            obj=call,
            after={str(p.application_id): {"list": p.list.value, "rank": p.rank} for p in rows},
        )
    return len(rows)


# --- applications: the draft, the submission and its receipt, the screening ------------------
#
# An accredited project's coordinator starts a draft for an open call (`application_create`),
# writes the statement and the aid requested per partner (`application_update`, each amount
# checked against the rules engine's maximum for that partner), and submits it before the
# call's closing instant (`application_submit`): the snapshot is frozen as canonical JSON, its
# SHA-256 stored (the receipt) and the engine's consortium verdicts stored per rule
# (`ScreeningVerdict`). The officer of the call's funder may override a failed verdict with a
# written justification (`screening_override`) and declares the application eligible or not
# (`application_screen`); the consortium may withdraw (`application_transition`, "withdraw").

AMOUNT_CEILING = Decimal("1000000000000")  # 10^12 EUR: beyond any call (and the column's width)
STATEMENT_MAX = 20_000
SYSTEM_SCOPE = Scope(is_staff_wide=True)


def requested_field(participation_id: int) -> str:
    """The field name of a partner's requested amount (the form's and the error's)."""
    return f"requested_{participation_id}"


def screening_passed(application: Application) -> bool:
    """Every stored verdict passed or was overridden with a justification (and the screening
    ran: an application screened against nothing has not passed)."""
    if application.screened_at is None:
        return False
    return all(v.passes for v in application.verdicts.all())


def _funding_facts(application: Application) -> dict[str, bool]:
    return {"screening_passed": screening_passed(application)}


register_application_facts(_funding_facts)


@dataclass(frozen=True)
class EngineRun:
    """The rules engine on an application's project under its call's current rule set."""

    result: SimulationResult
    aid_input: AidInput
    ruleset: RuleSet

    def max_aid(self, organisation_id: int) -> Decimal | None:
        for p in self.result.partners:
            if p.partner_id == str(organisation_id):
                return p.max_aid
        return None


def application_engine_run(application: Application) -> EngineRun:
    """Run the aid engine and the consortium rules on the application's project, for the
    call's funder (aid from other funders counts for cumulation). The callers have checked the
    actor's role on the application: the engine reads the figures with the system's scope.
    Raises `ValidationError` naming `call` when the call has no usable rule set, or the
    project's size when it is beyond what a simulation may take."""
    call = application.call
    try:
        ruleset = call_ruleset(call)
    except Call.DoesNotExist:
        raise ValidationError(
            {"call": _("This call has no rule set yet: applications open once it has one.")}
        ) from None
    except RuleSetError as exc:
        raise ValidationError({"call": ruleset_error_message(exc)}) from None
    aid_input = project_aid_input(
        scope=SYSTEM_SCOPE, project=application.project, funder_id=call.funder_id
    )
    try:
        check_project_size(aid_input.project)
    except SimulationInputError as exc:
        raise ValidationError({"project": exc.message}) from None
    return EngineRun(run_simulation(aid_input, ruleset), aid_input, ruleset)


def _refuse_unless(actor: Actor, application: Application, *roles: ObjectRole) -> None:
    if not application_roles(actor, application) & set(roles):
        raise PermissionDenied(_("Only the project's coordinator may do this."))


def _closing_text(call: Call) -> str:
    return str(formats.date_format(call.closes_at.astimezone(PARIS), "DATETIME_FORMAT"))


def deadline_refusal(call: Call, moment: dt.datetime) -> str:
    """Why a submission at `moment` is refused: too late (naming the exact closing instant in
    Europe/Paris) or too early (the opening one), with the server's time."""
    now = formats.date_format(moment.astimezone(PARIS), "DATETIME_FORMAT")
    if moment >= call.closes_at:
        return _(
            "Too late: the call closed at the end of %(day)s (%(time)s, Europe/Paris); the "
            "server's time is %(now)s."
        ) % {
            "day": formats.date_format(call.closes_on, "DATE_FORMAT"),
            "time": _closing_text(call),
            "now": now,
        }
    return _(
        "Too early: the call opens on %(time)s (Europe/Paris); the server's time is %(now)s."
    ) % {"time": formats.date_format(call.opens_at, "DATETIME_FORMAT"), "now": now}


def application_create(*, actor: Actor, call: Call, project: Project) -> Application:
    """A draft application of `project` to `call`, by a member of the project's coordinator.

    Refused (ValidationError naming the field, nothing written): the call is not open now, or
    has no rule set; the project is not accredited by a cluster; the project has already
    applied to this call. `PermissionDenied` for anyone but the coordinator (and staff).
    """
    # The project's roles (the application does not exist yet: no evaluator can hold one).
    roles = (
        {ObjectRole.STAFF}
        if actor is None
        else set(project_roles(scope_for(actor), project_relations(project)))
    )
    if not roles & {ObjectRole.COORDINATOR, ObjectRole.STAFF}:
        raise PermissionDenied(_("Only the project's coordinator may do this."))
    now = timezone.now()
    if not call.is_open_at(now):
        raise ValidationError(
            {
                "call": _(
                    "This call takes applications from %(opens)s until %(closes)s "
                    "(Europe/Paris): it is not open now."
                )
                % {
                    "opens": formats.date_format(call.opens_at, "DATETIME_FORMAT"),
                    "closes": _closing_text(call),
                }
            }
        )
    if call.ruleset_id is None:
        raise ValidationError(
            {"call": _("This call has no rule set yet: applications open once it has one.")}
        )
    if not Accreditation.objects.filter(project=project).exists():
        raise ValidationError({"project": _("Only a project accredited by a cluster may apply.")})
    with transaction.atomic():
        if Application.objects.filter(call=call, project=project).exists():
            raise ValidationError(
                {
                    "project": _(
                        "This project has already applied to this call: open its application."
                    )
                }
            )
        application = Application.objects.create(
            call=call, project=project, created_by=recorded_user(actor)
        )
        audit_record(
            actor=actor,
            action="application.create",
            obj=application,
            after={"call": call.slug, "project": project.pk, "status": application.status},
        )
    return application


# --- a proposal's target call (its live checks run on that call's rule set) ---------------------


def may_set_target_call(*, actor: Actor, project: Project) -> bool:
    """The coordinator of a draft and staff may choose its target call."""
    roles = (
        {ObjectRole.STAFF}
        if actor is None
        else set(project_roles(scope_for(actor), project_relations(project)))
    )
    return bool(roles & {ObjectRole.COORDINATOR, ObjectRole.STAFF})


@transaction.atomic
def proposal_target_set(
    *, actor: Actor, project: Project, call_slug: str | None, reason: str = ""
) -> ProposalTarget | None:
    """Choose the call a draft proposal targets (`call_slug`), or none (`None` or blank).

    Only its coordinator (and staff) may: `PermissionDenied` otherwise. Refused with a
    `ValidationError` naming the field (nothing written): the project is not a draft, there is
    no such call, or the call is closed (only open or upcoming calls). Audited as
    `proposal.target_call`; choosing the same call again changes nothing.
    """
    if not may_set_target_call(actor=actor, project=project):
        raise PermissionDenied(_("Only the project's coordinator may do this."))
    locked = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if locked.status != ProjectStatus.DRAFT:
        raise ValidationError(
            {
                "project": ValidationError(
                    _("A target call can be chosen only while the proposal is a draft."),
                    code="not_draft",
                )
            }
        )
    slug = (call_slug or "").strip()
    current = ProposalTarget.objects.select_related("call").filter(project=locked).first()
    before = {"call": current.call.slug if current else None}
    if not slug:
        if current is None:
            return None
        current.delete()
        audit_record(
            actor=actor,
            action="proposal.target_call",
            obj=locked,
            before=before,
            after={"call": None},
            reason=reason,
        )
        return None
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        raise ValidationError(
            {
                "call": ValidationError(
                    _("There is no call “%(slug)s”.") % {"slug": slug[:80]}, code="unknown"
                )
            }
        )
    if not target_call_choices(scope=scope_for(actor)).filter(pk=call.pk).exists():
        raise ValidationError(
            {
                "call": ValidationError(
                    _("This call is closed: choose an open or upcoming call."), code="closed"
                )
            }
        )
    if current is not None and current.call_id == call.pk:
        return current
    target, _created = ProposalTarget.objects.update_or_create(
        project=locked,
        defaults={"call": call, "set_by": recorded_user(actor), "set_at": timezone.now()},
    )
    audit_record(
        actor=actor,
        action="proposal.target_call",
        obj=locked,
        before=before,
        after={"call": call.slug},
        reason=reason,
    )
    return target


def _parse_amount(raw: object) -> Decimal | None:
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
        if text == "":
            return None
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a number")
    return value


def check_requested(
    run: EngineRun, participations: Mapping[int, Participation], requested: Mapping[int, object]
) -> dict[int, Decimal]:
    """The requested amounts, checked: numbers, in euros and cents, at least 0, and at most the
    engine's maximum for the partner. Raises ValidationError with one message per bad field."""
    errors: dict[str, str] = {}
    clean: dict[int, Decimal] = {}
    for pid, raw in requested.items():
        field = requested_field(pid)
        part = participations.get(pid)
        if part is None:
            errors[field] = _("Partner %(id)s is not in this project's consortium.") % {"id": pid}
            continue
        name = part.organisation.short_name or part.organisation.name
        try:
            value = _parse_amount(raw)
        except ValueError:
            errors[field] = _("%(partner)s: enter the amount in euros, e.g. 125000.50.") % {
                "partner": name
            }
            continue
        if value is None:
            continue
        if value < 0:
            errors[field] = _("%(partner)s: the amount requested cannot be negative.") % {
                "partner": name
            }
        elif value != value.quantize(Decimal("0.01")):
            errors[field] = _("%(partner)s: give the amount in euros and cents at most.") % {
                "partner": name
            }
        elif value >= AMOUNT_CEILING:
            errors[field] = _("%(partner)s: %(amount)s EUR is beyond any call.") % {
                "partner": name,
                "amount": format_eur(value),
            }
        else:
            cap = run.max_aid(part.organisation_id)
            if cap is not None and value > cap:
                errors[field] = _(
                    "%(partner)s: %(amount)s EUR is above the maximum aid the call's rules "
                    "allow this partner (%(max)s EUR)."
                ) % {"partner": name, "amount": format_eur(value), "max": format_eur(cap)}
            else:
                clean[pid] = value.quantize(Decimal("0.01"))
    if errors:
        raise ValidationError(errors)
    return clean


def application_participations(application: Application) -> dict[int, Participation]:
    return {
        p.pk: p
        for p in Participation.objects.filter(project_id=application.project_id)
        .select_related("organisation")
        .order_by("id")
    }


def application_update(
    *,
    actor: Actor,
    application: Application,
    statement: str,
    requested: Mapping[int, object],
    expected_token: str | None = None,
) -> Application:
    """Write the draft's statement and the aid requested per partner (participation id →
    amount; an empty amount removes the partner's request). Only the coordinator (and staff),
    only while a draft; a stale form (`expected_token`) is refused with `EditConflict`. Bad
    input raises ValidationError naming each field (`statement`, `requested_<id>`), nothing
    written."""
    _refuse_unless(actor, application, ObjectRole.COORDINATOR, ObjectRole.STAFF)
    statement = (statement or "").strip()
    if len(statement) > STATEMENT_MAX:
        raise ValidationError(
            {
                "statement": _("The statement is limited to %(max)s characters.")
                % {"max": STATEMENT_MAX}
            }
        )
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call__funder", "call__ruleset", "project")
            .get(pk=application.pk)
        )
        if locked.status != "draft":
            raise ValidationError(
                {"statement": _("Only a draft can be changed: this application was submitted.")}
            )
        check_unchanged(locked, expected_token)
        participations = application_participations(locked)
        amounts = check_requested(application_engine_run(locked), participations, requested)
        before = {
            "statement": locked.statement,
            "requested": {str(r.participation_id): str(r.amount) for r in locked.requested.all()},
        }
        locked.statement = statement
        locked.save(update_fields=["statement", "updated_at"])
        for pid in requested:
            if pid not in amounts:
                RequestedAid.objects.filter(application=locked, participation_id=pid).delete()
        for pid, amount in amounts.items():
            RequestedAid.objects.update_or_create(
                application=locked, participation_id=pid, defaults={"amount": amount}
            )
        audit_record(
            actor=actor,
            action="application.update",
            obj=locked,
            before=before,
            after={
                "statement": statement,
                "requested": {
                    str(r.participation_id): str(r.amount) for r in locked.requested.all()
                },
            },
        )
    application.statement = locked.statement
    application.updated_at = locked.updated_at
    return application


def _identifiers(org: Organisation) -> dict[str, str]:
    schemes = ("siren", "siret", "rnsr", "ror", "pic", "vat")
    return {s: getattr(org, s) for s in schemes if getattr(org, s)}


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def application_snapshot(
    application: Application, run: EngineRun, *, submitted_at: dt.datetime
) -> dict[str, Any]:
    """What was submitted, as plain JSON data (money as strings): the call, the project, the
    consortium with identifiers, budget lines, the engine's maximum and the aid requested per
    partner, the statement and the time."""
    call, project = application.call, application.project
    requested = {r.participation_id: r.amount for r in application.requested.all()}
    consortium = []
    for part in (
        Participation.objects.filter(project=project)
        .select_related("organisation")
        .prefetch_related("budget_lines")
        .order_by("id")
    ):
        org = part.organisation
        cap = run.max_aid(org.pk)
        lines = sorted(part.budget_lines.all(), key=lambda b: b.pk)
        consortium.append(
            {
                "participation_id": part.pk,
                "organisation_id": org.pk,
                "name": org.name,
                "role": part.role,
                "identifiers": _identifiers(org),
                "budget": [
                    {
                        "cost_category": b.cost_category,
                        "research_category": b.research_category,
                        "amount": _money(b.amount),
                    }
                    for b in lines
                ],
                "budget_total": _money(sum((b.amount for b in lines), Decimal(0))),
                "max_aid": None if cap is None else _money(cap),
                "requested": _money(requested.get(part.pk, Decimal(0))),
            }
        )
    accreditations = Accreditation.objects.filter(project=project).select_related("cluster")
    return {
        "format": 1,
        "application_id": application.pk,
        "submitted_at": submitted_at.astimezone(dt.UTC).isoformat(),
        "call": {
            "slug": call.slug,
            "title_en": call.title_en,
            "title_fr": call.title_fr,
            "funder": call.funder.slug,
            "closes_at": call.closes_at.isoformat(),
            "ruleset_version": call.ruleset.version if call.ruleset else None,
        },
        "project": {
            "id": project.pk,
            "acronym": project.acronym,
            "title": project.title,
            "summary": project.summary,
            "start_date": project.start_date.isoformat() if project.start_date else None,
            "duration_months": project.duration_months,
            "accredited_by": sorted(a.cluster.slug for a in accreditations),
        },
        "consortium": consortium,
        "requested_total": _money(sum(requested.values(), Decimal(0))),
        "statement": application.statement,
    }


def _verdict_rows(application: Application, run: EngineRun) -> list[ScreeningVerdict]:
    names = run.aid_input.names
    rows = []
    for position, v in enumerate(run.result.verdicts):
        if v.status.value == "not_applicable":
            continue
        sentences = {}
        for lang in ("en", "fr"):
            with translation.override(lang):
                sentences[lang] = render(v.code, v.params, names)
        rows.append(
            ScreeningVerdict(
                application=application,
                position=position,
                rule=v.rule,
                status=v.status.value,
                code=v.code,
                sentence_en=sentences["en"],
                sentence_fr=sentences["fr"],
                legal_ref=v.legal_ref,
                unconfirmed=v.unconfirmed,
            )
        )
    return rows


def application_submit(
    *, actor: Actor, application: Application, now: dt.datetime | None = None
) -> Transition:
    """Submit the draft before the call's closing instant (`Call.closes_at`, server time):
    freeze the snapshot and its SHA-256 (the receipt), run the eligibility screening (one
    `ScreeningVerdict` per rule the call sets) and fire `submit`, in one transaction.

    A late submission raises `TransitionRefused` (guard `before_deadline`) naming the closing
    time in Europe/Paris; every other refusal is the workflow's. Nothing is written then."""
    moment = now or timezone.now()
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call__funder", "call__ruleset", "project")
            .get(pk=application.pk)
        )
        if locked.status == "draft" and not locked.call.is_open_at(moment):
            raise TransitionRefused(
                deadline_refusal(locked.call, moment),
                refusal="guard",
                transition="submit",
                guard="before_deadline",
            )
        if locked.status == "draft" and application_roles(actor, locked) & {
            ObjectRole.COORDINATOR,
            ObjectRole.STAFF,
        }:
            run = application_engine_run(locked)
            snapshot = application_snapshot(locked, run, submitted_at=moment)
            locked.snapshot = snapshot
            locked.receipt_sha256 = snapshot_sha256(snapshot)
            locked.submitted_at = moment
            locked.screened_at = moment
            locked.screened_ruleset_version = run.ruleset.version
            locked.save(
                update_fields=[
                    "snapshot",
                    "receipt_sha256",
                    "submitted_at",
                    "screened_at",
                    "screened_ruleset_version",
                    "updated_at",
                ]
            )
            ScreeningVerdict.objects.filter(application=locked).delete()
            ScreeningVerdict.objects.bulk_create(_verdict_rows(locked, run))
        row = application_transition(
            actor=actor, application=locked, transition="submit", now=moment
        )
        audit_record(
            actor=actor,
            action="application.submit",
            obj=locked,
            after={
                "receipt_sha256": locked.receipt_sha256,
                "submitted_at": moment.isoformat(),
                "verdicts": {v.rule: v.status for v in locked.verdicts.all()},
            },
        )
    for name in ("snapshot", "receipt_sha256", "submitted_at", "screened_at", "status"):
        setattr(application, name, getattr(locked, name))
    application.screened_ruleset_version = locked.screened_ruleset_version
    return row


def screening_override(
    *, actor: Actor, application: Application, rule: str, justification: str
) -> ScreeningVerdict:
    """Override a failed verdict with a written justification (kept with who and when,
    audited): only the officer of the call's funder (and staff), only while the application
    waits for its screening. A missing justification raises ValidationError naming
    `justification`; an unknown or passed rule names `rule`."""
    roles = application_roles(actor, application)
    if not roles & {ObjectRole.FUNDER_OFFICER, ObjectRole.STAFF}:
        raise PermissionDenied(_("Only the programme officers of the call's funder screen it."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError(
            {"justification": _("Write why this rule is overridden: a justification is required.")}
        )
    if len(justification) > STATEMENT_MAX:
        raise ValidationError(
            {
                "justification": _("The justification is limited to %(max)s characters.")
                % {"max": STATEMENT_MAX}
            }
        )
    with transaction.atomic():
        locked = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
        if locked.status != "submitted":
            raise ValidationError(
                {"rule": _("The screening is over: verdicts can be overridden only before it.")}
            )
        verdict = (
            ScreeningVerdict.objects.select_for_update(of=("self",))
            .filter(application=locked, rule=rule)
            .first()
        )
        if verdict is None:
            raise ValidationError(
                {
                    "rule": _("No verdict for the rule %(rule)s on this application.")
                    % {"rule": rule}
                }
            )
        if verdict.status == VerdictStatus.PASSED:
            raise ValidationError({"rule": _("This rule passed: there is nothing to override.")})
        before = {"override_justification": verdict.override_justification}
        verdict.override_justification = justification
        verdict.overridden_by = recorded_user(actor)
        verdict.overridden_at = timezone.now()
        verdict.save(update_fields=["override_justification", "overridden_by", "overridden_at"])
        audit_record(
            actor=actor,
            action="application.screening_override",
            obj=locked,
            before=before,
            after={"rule": rule, "status": verdict.status, "override_justification": justification},
            reason=justification,
        )
    return verdict


def application_screen(
    *, actor: Actor, application: Application, eligible: bool, reason: str = ""
) -> Transition:
    """Declare the application eligible (`screen_eligible`: every rule passed or overridden)
    or ineligible (`screen_ineligible`, with the reasons)."""
    return application_transition(
        actor=actor,
        application=application,
        transition="screen_eligible" if eligible else "screen_ineligible",
        reason=reason,
    )
