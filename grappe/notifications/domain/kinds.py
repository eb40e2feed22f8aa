"""The notification kinds: one registry, used by the models (choices), the services (checks),
the preferences page (labels) and the rendering of a message in the reader's language.

A notification is stored as its kind's code and named parameters, never as text: the subject
and body are English msgids with `%(name)s` placeholders, translated when the notification is
shown (in the reader's language) or e-mailed (in the recipient's). A parameter listed in
`translated` holds an English msgid itself (a workflow label), translated before it is put in;
one listed in `dates` holds an ISO date, formatted for the language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grappe.core.domain.i18n import gettext_noop


@dataclass(frozen=True)
class Kind:
    """One kind of notification: `id` is stable (stored in rows and preferences)."""

    id: str
    label: str  # the preferences page's line
    subject: str
    body: str
    params: tuple[str, ...]
    email_default: bool = True
    translated: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    # (parameter, msgid): a line added to the body when the parameter is not empty.
    optional_lines: tuple[tuple[str, str], ...] = field(default=())


INVITATION_RECEIVED = "invitation.received"
INVITATION_ACCEPTED = "invitation.accepted"
INVITATION_DECLINED = "invitation.declined"
INVITATION_PENDING = "invitation.pending_reminder"
SUBMISSION_RECEIVED = "submission.received"
PROJECT_STATUS_CHANGED = "project.status_changed"
COMMITTEE_MEMBER_ADDED = "committee.member_added"
COMMITTEE_REVIEW_ADDED = "committee.review_added"
COMMITTEE_SCORE_REMINDER = "committee.score_reminder"
DECISION_PUBLISHED = "labelling.decision_published"
APPLICATION_SUBMITTED = "application.submitted"
APPLICATION_STATUS_CHANGED = "application.status_changed"
GRANT_OFFERED = "grant.offered"
GRANT_ACCEPTED = "grant.accepted"
GRANT_STATEMENT_SUBMITTED = "grant.statement_submitted"
GRANT_STATEMENT_REVIEWED = "grant.statement_reviewed"
GRANT_INSTALLMENT_PAID = "grant.installment_paid"
GRANT_REPORT_SUBMITTED = "grant.report_submitted"
GRANT_REPORT_APPROVED = "grant.report_approved"
GRANT_REPORT_RETURNED = "grant.report_returned"
GRANT_REPORT_DUE = "grant.report_due_reminder"
GRANT_REPORT_OVERDUE = "grant.report_overdue"

_KINDS: tuple[Kind, ...] = (
    Kind(
        id=INVITATION_RECEIVED,
        label=gettext_noop("An organisation I act for is invited to join a proposal"),
        subject=gettext_noop("%(organisation)s is invited to join %(acronym)s"),
        body=gettext_noop(
            "%(organisation)s is invited to join the consortium of the proposal %(acronym)s "
            "(%(title)s). Accept or decline the invitation in My area."
        ),
        params=("organisation", "acronym", "title"),
    ),
    Kind(
        id=INVITATION_ACCEPTED,
        label=gettext_noop("An invited organisation accepted to join my proposal"),
        subject=gettext_noop("%(organisation)s joined %(acronym)s"),
        body=gettext_noop(
            "%(organisation)s accepted the invitation: it is now a partner of %(acronym)s."
        ),
        params=("organisation", "acronym"),
    ),
    Kind(
        id=INVITATION_DECLINED,
        label=gettext_noop("An invited organisation declined to join my proposal"),
        subject=gettext_noop("%(organisation)s declined to join %(acronym)s"),
        body=gettext_noop("%(organisation)s declined the invitation to join %(acronym)s."),
        params=("organisation", "acronym"),
    ),
    Kind(
        id=INVITATION_PENDING,
        label=gettext_noop("Reminder: an invitation is still waiting for an answer"),
        subject=gettext_noop("Reminder: %(organisation)s is invited to join %(acronym)s"),
        body=gettext_noop(
            "The invitation of %(organisation)s to join %(acronym)s (%(title)s) is still "
            "waiting for an answer. Accept or decline it in My area."
        ),
        params=("organisation", "acronym", "title"),
    ),
    Kind(
        id=SUBMISSION_RECEIVED,
        label=gettext_noop("A project is submitted to a cluster I manage"),
        subject=gettext_noop("%(acronym)s is submitted to %(cluster)s"),
        body=gettext_noop(
            "The project %(acronym)s (%(title)s) is submitted to %(cluster)s for accreditation."
        ),
        params=("acronym", "title", "cluster"),
    ),
    Kind(
        id=PROJECT_STATUS_CHANGED,
        label=gettext_noop("A project of my organisations changes status"),
        subject=gettext_noop("%(acronym)s: %(transition)s"),
        body=gettext_noop("The project %(acronym)s moved from “%(from)s” to “%(to)s”."),
        params=("acronym", "transition", "from", "to", "reason"),
        translated=("transition", "from", "to"),
        optional_lines=(("reason", gettext_noop("Reason given: %(reason)s")),),
    ),
    Kind(
        id=COMMITTEE_MEMBER_ADDED,
        label=gettext_noop("I am named on a labelling committee session"),
        subject=gettext_noop("You sit on the committee session %(session)s"),
        body=gettext_noop(
            "You are a member of the %(cluster)s labelling committee session “%(session)s”, "
            "which meets on %(date)s."
        ),
        params=("cluster", "session", "date"),
        dates=("date",),
    ),
    Kind(
        id=COMMITTEE_REVIEW_ADDED,
        label=gettext_noop("A submission is put before a committee session I sit on"),
        subject=gettext_noop("%(acronym)s is before the committee session %(session)s"),
        body=gettext_noop(
            "%(acronym)s is before the committee session “%(session)s” (%(date)s): declare "
            "whether you have an interest, then enter your scores."
        ),
        params=("acronym", "session", "date"),
        dates=("date",),
    ),
    Kind(
        id=COMMITTEE_SCORE_REMINDER,
        label=gettext_noop("Reminder: my scores are missing before a committee meeting"),
        subject=gettext_noop("Reminder: score %(acronym)s before %(date)s"),
        body=gettext_noop(
            "The committee session “%(session)s” meets on %(date)s and your scores for "
            "%(acronym)s are still missing."
        ),
        params=("acronym", "session", "date"),
        dates=("date",),
    ),
    Kind(
        id=DECISION_PUBLISHED,
        label=gettext_noop("A labelling decision on a project of my organisations is published"),
        subject=gettext_noop("%(cluster)s's decision on %(acronym)s: %(outcome)s"),
        body=gettext_noop(
            "The %(cluster)s labelling committee's decision on %(acronym)s is published: "
            "%(outcome)s."
        ),
        params=("acronym", "cluster", "outcome"),
        translated=("outcome",),
    ),
    Kind(
        id=GRANT_OFFERED,
        label=gettext_noop("A grant agreement (or an amendment) is offered to my organisation"),
        subject=gettext_noop("%(funder)s offers the grant agreement %(reference)s"),
        body=gettext_noop(
            "%(funder)s offers %(organisation)s the grant agreement %(reference)s for "
            "%(acronym)s (version %(version)s). Read it and accept it on the agreement's page."
        ),
        params=("funder", "organisation", "reference", "acronym", "version"),
    ),
    Kind(
        id=GRANT_ACCEPTED,
        label=gettext_noop("A partner accepts a grant agreement of my funder"),
        subject=gettext_noop("%(organisation)s accepted the grant agreement %(reference)s"),
        body=gettext_noop(
            "%(organisation)s accepted version %(version)s of the grant agreement "
            "%(reference)s (%(acronym)s)."
        ),
        params=("organisation", "reference", "acronym", "version"),
    ),
    Kind(
        id=GRANT_STATEMENT_SUBMITTED,
        label=gettext_noop("A partner submits an expense statement to my funder"),
        subject=gettext_noop("%(reference)s: an expense statement to review"),
        body=gettext_noop(
            "%(organisation)s submitted an expense statement of %(claimed)s € for "
            "%(start)s–%(end)s on the grant agreement %(reference)s. Review its lines."
        ),
        params=("organisation", "reference", "claimed", "start", "end"),
        dates=("start", "end"),
    ),
    Kind(
        id=GRANT_STATEMENT_REVIEWED,
        label=gettext_noop("An expense statement of my organisation is reviewed"),
        subject=gettext_noop("%(reference)s: your expense statement is reviewed"),
        body=gettext_noop(
            "Your expense statement for %(start)s–%(end)s on the grant agreement "
            "%(reference)s is reviewed: %(accepted)s € accepted of %(claimed)s € claimed."
        ),
        params=("reference", "start", "end", "accepted", "claimed"),
        dates=("start", "end"),
    ),
    Kind(
        id=GRANT_INSTALLMENT_PAID,
        label=gettext_noop("A grant payment to my organisation is made"),
        subject=gettext_noop("%(reference)s: %(amount)s € paid"),
        body=gettext_noop(
            "%(funder)s paid %(amount)s € on the grant agreement %(reference)s (payment "
            "reference %(payment_reference)s, %(date)s)."
        ),
        params=("funder", "reference", "amount", "payment_reference", "date"),
        dates=("date",),
    ),
    Kind(
        id=GRANT_REPORT_SUBMITTED,
        label=gettext_noop("A partner submits a report to my funder"),
        subject=gettext_noop("%(reference)s: %(report)s %(year)s to review"),
        body=gettext_noop(
            "%(organisation)s submitted its %(report)s %(year)s on the grant agreement "
            "%(reference)s. Approve it or return it for changes."
        ),
        params=("organisation", "reference", "report", "year"),
        translated=("report",),
    ),
    Kind(
        id=GRANT_REPORT_APPROVED,
        label=gettext_noop("A report of my organisation is approved"),
        subject=gettext_noop("%(reference)s: your %(report)s %(year)s is approved"),
        body=gettext_noop(
            "%(funder)s approved your %(report)s %(year)s on the grant agreement %(reference)s."
        ),
        params=("funder", "reference", "report", "year"),
        translated=("report",),
    ),
    Kind(
        id=GRANT_REPORT_RETURNED,
        label=gettext_noop("A report of my organisation is returned for changes"),
        subject=gettext_noop("%(reference)s: your %(report)s %(year)s is returned"),
        body=gettext_noop(
            "%(funder)s returned your %(report)s %(year)s on the grant agreement %(reference)s "
            "for changes. Correct it and submit it again."
        ),
        params=("funder", "reference", "report", "year", "reason"),
        translated=("report",),
        optional_lines=(("reason", gettext_noop("Reason given: %(reason)s")),),
    ),
    Kind(
        id=GRANT_REPORT_DUE,
        label=gettext_noop("Reminder: a grant report is due soon"),
        subject=gettext_noop("Reminder: %(reference)s's %(report)s %(year)s is due on %(date)s"),
        body=gettext_noop(
            "The %(report)s %(year)s of %(organisation)s on the grant agreement %(reference)s "
            "is due on %(date)s and is not submitted yet."
        ),
        params=("organisation", "reference", "report", "year", "date"),
        translated=("report",),
        dates=("date",),
    ),
    Kind(
        id=GRANT_REPORT_OVERDUE,
        label=gettext_noop("A grant report is overdue"),
        subject=gettext_noop("Overdue: %(reference)s's %(report)s %(year)s"),
        body=gettext_noop(
            "The %(report)s %(year)s of %(organisation)s on the grant agreement %(reference)s "
            "was due on %(date)s and is still not submitted."
        ),
        params=("organisation", "reference", "report", "year", "date"),
        translated=("report",),
        dates=("date",),
    ),
)

_KINDS += (
    Kind(
        id=APPLICATION_SUBMITTED,
        label=gettext_noop("An application is submitted to a call of my funder"),
        subject=gettext_noop("%(acronym)s applied to %(call)s"),
        body=gettext_noop(
            "The project %(acronym)s submitted its application to the call %(call)s; its "
            "eligibility screening is waiting."
        ),
        params=("acronym", "call"),
    ),
    Kind(
        id=APPLICATION_STATUS_CHANGED,
        label=gettext_noop("An application of my organisations is screened or decided"),
        subject=gettext_noop("%(acronym)s, %(call)s: %(to)s"),
        body=gettext_noop("The application of %(acronym)s to the call %(call)s is now “%(to)s”."),
        params=("acronym", "call", "to", "reason"),
        translated=("to",),
        optional_lines=(("reason", gettext_noop("Reason given: %(reason)s")),),
    ),
)

KINDS: dict[str, Kind] = {kind.id: kind for kind in _KINDS}


class UnknownKind(ValueError):
    """A programming error: a kind that is not in the registry, or parameters that do not fit."""


def check(kind_id: str, params: Mapping[str, Any]) -> Kind:
    """The kind, once its parameters are exactly the ones its messages name."""
    kind = KINDS.get(kind_id)
    if kind is None:
        raise UnknownKind(f"unknown notification kind {kind_id!r}")
    missing = set(kind.params) - set(params)
    extra = set(params) - set(kind.params)
    if missing or extra:
        raise UnknownKind(
            f"{kind_id}: parameters missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    return kind


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def render(
    kind_id: str,
    params: Mapping[str, Any],
    *,
    translate: Callable[[str], str],
    format_date: Callable[[str], str],
) -> Message:
    """The subject and body in the language `translate` speaks. An unknown kind (a row left by
    a removed kind) renders as its code, never fails."""
    kind = KINDS.get(kind_id)
    if kind is None:
        return Message(subject=kind_id, body="")
    values: dict[str, Any] = {name: params.get(name, "") for name in kind.params}
    for name in kind.translated:
        if values[name]:
            values[name] = translate(str(values[name]))
    for name in kind.dates:
        if values[name]:
            values[name] = format_date(str(values[name]))
    lines = [translate(kind.body) % values]
    for name, msgid in kind.optional_lines:
        if values.get(name):
            lines.append(translate(msgid) % values)
    return Message(subject=translate(kind.subject) % values, body="\n\n".join(lines))
