"""Funding writers: calls and their versioned rule sets (atomic, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.concurrency import check_unchanged, stale_edit
from grappe.core.domain.workflow import ObjectRole
from grappe.core.models import Transition
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record, changes_apply, check_fields
from grappe.funding.domain.applications import APPLICATION_WORKFLOWS, ApplicationFacts
from grappe.funding.domain.evaluation import (
    EvaluationError,
    EvaluationSetup,
    evaluation_from_dict,
    evaluation_to_dict,
    stored_or_default,
)
from grappe.funding.domain.rulesets import (
    READY_MADE,
    RuleSet,
    RuleSetError,
    ruleset_from_dict,
    ruleset_to_dict,
)
from grappe.funding.explain import evaluation_error_message, ruleset_error_message
from grappe.funding.models import Application, Call, CallRuleSet, CallStatus, Funder, PanelList
from grappe.projects.domain.workflow import project_roles
from grappe.projects.models import Accreditation
from grappe.projects.selectors import project_relations
from grappe.projects.services import OfferedTransition, TransitionRefused, workflow_refusal_text

PARIS = ZoneInfo("Europe/Paris")


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
    today = (now or timezone.now()).astimezone(PARIS).date()
    values: dict[str, bool] = {
        "before_deadline": application.call.status_on(today) is CallStatus.OPEN,
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
            Application.objects.select_for_update()
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
            for a in Application.objects.select_for_update().filter(
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
