"""Funding writers: calls and their versioned rule sets (atomic, audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.concurrency import check_unchanged, stale_edit
from grappe.core.services import audit_record, changes_apply, check_fields
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
from grappe.funding.models import Call, CallRuleSet, Funder


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
