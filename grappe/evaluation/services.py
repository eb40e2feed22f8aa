"""The only writers of the expert evaluation: the pool, declarations, waivers, assignments,
reports, consensus and the panel. Each runs in one transaction and records one audit event per
change; refusals are `ValidationError` (bad input, naming the field) or `PermissionDenied`
(the user may not), both translated, nothing written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.core.actors import Actor, recorded_user
from grappe.core.domain.roles import Role
from grappe.core.scopes import scope_for
from grappe.core.services import audit_record, role_assign
from grappe.evaluation import conflicts, selectors
from grappe.evaluation.domain.consensus import disagreements
from grappe.evaluation.domain.panel import Entry, rank
from grappe.evaluation.models import (
    Assignment,
    CallPanel,
    ConsensusReport,
    Declaration,
    Expert,
    IndividualReport,
    Waiver,
)
from grappe.funding.domain.assignment import ExpertiseModel, assign, candidates
from grappe.funding.domain.evaluation import EvaluationError, EvaluationSetup, check_score
from grappe.funding.domain.evaluation import stored_or_default as evaluation_setup
from grappe.funding.explain import evaluation_error_message
from grappe.funding.models import Application, Call, Funder, PanelList
from grappe.funding.services import PanelPlace, application_panel_record, application_transition

LANGUAGE = re.compile(r"^[a-z]{2}$")
MAX_TEXT = 5000
EXPERT_FIELDS = ("name", "organisation", "keywords", "expertise", "languages", "max_load", "active")


def _require_manager(actor: Actor, funder_id: int) -> None:
    if actor is not None and not selectors.may_manage(scope_for(actor), funder_id):
        raise PermissionDenied(_("Only the funder's programme officers run its evaluation."))


def _languages(value: str) -> str:
    codes = [c.strip().lower() for c in (value or "").split(",") if c.strip()]
    if not codes or any(not LANGUAGE.fullmatch(c) for c in codes):
        raise ValidationError(
            {"languages": _("List two-letter language codes separated by commas, e.g. fr,en.")}
        )
    return ",".join(dict.fromkeys(codes))


# --- the pool --------------------------------------------------------------------------------


def expert_create(*, actor: Actor, funder: Funder, user: Any, **values: Any) -> Expert:
    """Add a person to the funder's pool; they get the evaluator role."""
    _require_manager(actor, funder.pk)
    unknown = set(values) - set(EXPERT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    with transaction.atomic():
        if Expert.objects.filter(funder=funder, user=user).exists():
            raise ValidationError({"user": _("This person is already in the funder's pool.")})
        expert = Expert(funder=funder, user=user, **values)
        if not expert.name:
            expert.name = user.get_full_name() or user.get_username()
        expert.languages = _languages(expert.languages)
        expert.full_clean(exclude=["funder", "user"])
        expert.save()
        role_assign(actor=actor, user=user, role=Role.EVALUATOR)
        audit_record(
            actor=actor,
            action="evaluation.expert_create",
            obj=expert,
            after={"funder": funder.pk, "user": user.pk, "max_load": expert.max_load},
        )
    return expert


def expert_update(*, actor: Actor, expert: Expert, **values: Any) -> Expert:
    _require_manager(actor, expert.funder_id)
    unknown = set(values) - set(EXPERT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s.") % {"fields": ", ".join(unknown)})
    with transaction.atomic():
        locked = Expert.objects.select_for_update(of=("self",)).get(pk=expert.pk)
        before = {k: str(getattr(locked, k)) for k in values}
        for name, value in values.items():
            setattr(locked, name, value)
        if "languages" in values:
            locked.languages = _languages(locked.languages)
        locked.full_clean(exclude=["funder", "user"])
        locked.save()
        audit_record(
            actor=actor,
            action="evaluation.expert_update",
            obj=locked,
            before=before,
            after={k: str(getattr(locked, k)) for k in values},
        )
    return locked


# --- conflicts ---------------------------------------------------------------------------------


def conflict_waive(
    *, actor: Actor, expert: Expert, application: Application, kind: str, justification: str
) -> Waiver:
    """The officer waives a waivable conflict of a pair, with a written justification."""
    _require_manager(actor, application.call.funder_id)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Write why this conflict may be waived.")})
    if len(justification) > MAX_TEXT:
        raise ValidationError({"justification": _("The justification is too long.")})
    found = conflicts.detect([expert], [application]).get((expert.pk, application.pk), [])
    row = next((f for f in found if f.kind == kind), None)
    if row is None:
        raise ValidationError({"kind": _("This expert has no such conflict with the application.")})
    if row.hard:
        raise ValidationError(
            {"kind": _("This conflict cannot be waived: %(reason)s") % {"reason": row.text}}
        )
    with transaction.atomic():
        waiver, _created = Waiver.objects.update_or_create(
            expert=expert,
            application=application,
            kind=kind,
            defaults={
                "justification": justification,
                "waived_by": recorded_user(actor) if getattr(actor, "pk", None) else None,
                "waived_at": timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="evaluation.conflict_waive",
            obj=waiver,
            after={"expert": expert.pk, "application": application.pk, "kind": kind},
            reason=justification,
        )
    return waiver


def _own_assignment(actor: Actor, application: Application) -> Assignment:
    visit = selectors.application_visit(scope=scope_for(actor), user=actor, pk=application.pk)
    if visit.assignment is None:
        raise PermissionDenied(_("Only the experts assigned to this application may do this."))
    return visit.assignment


def expert_declare(
    *, actor: Actor, application: Application, has_conflict: bool, statement: str = ""
) -> Declaration:
    """The assigned expert declares, before seeing the file, whether they have a conflict."""
    assignment = _own_assignment(actor, application)
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationError({"statement": _("Say what the conflict is.")})
    if len(statement) > MAX_TEXT:
        raise ValidationError({"statement": _("The statement is too long.")})
    with transaction.atomic():
        if Declaration.objects.filter(expert=assignment.expert, application=application).exists():
            raise ValidationError(_("You have already declared on this application."))
        row = Declaration.objects.create(
            expert=assignment.expert,
            application=application,
            has_conflict=has_conflict,
            statement=statement,
            declared_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="evaluation.declare",
            obj=row,
            after={"application": application.pk, "has_conflict": has_conflict},
            reason=statement,
        )
    return row


# --- assignment --------------------------------------------------------------------------------


def application_text(application: Application) -> str:
    p = application.project
    return " ".join([p.acronym, p.title, p.summary, p.summary_fr, p.objective, p.keywords])


def expert_text(expert: Expert) -> str:
    return f"{expert.keywords} {expert.expertise}"


def _loads(call: Call, experts: list[Expert], excluding: list[Application]) -> list[int]:
    """Each expert's load left in this call (what they already evaluate elsewhere in it)."""
    used: dict[int, int] = {}
    for expert_id in (
        Assignment.objects.filter(application__call=call)
        .exclude(application__in=excluding)
        .values_list("expert_id", flat=True)
    ):
        used[expert_id] = used.get(expert_id, 0) + 1
    return [max(0, e.max_load - used.get(e.pk, 0)) for e in experts]


def assignment_propose(*, actor: Actor, call: Call) -> dict[str, Any]:
    """Propose the assignment of maximum expertise fit for the call's eligible applications
    (HiGHS, `funding/domain/assignment.py`): the call's number of experts each, within loads,
    no conflicted pair. Replaces the assignments of those applications. Returns the shortfall
    (application pk → seats left empty) and the total fit."""
    _require_manager(actor, call.funder_id)
    setup = evaluation_setup(call.evaluation)
    apps = selectors.call_applications(call, ("eligible",))
    experts = selectors.call_experts(call)
    if not apps:
        raise ValidationError(_("The call has no eligible application to assign."))
    if not experts:
        raise ValidationError(_("The funder's expert pool has no active expert."))
    model = ExpertiseModel([expert_text(e) for e in experts], [application_text(a) for a in apps])
    e_index = {e.pk: i for i, e in enumerate(experts)}
    a_index = {a.pk: i for i, a in enumerate(apps)}
    blocked = conflicts.blocking(conflicts.detect(experts, apps))
    forbidden = [(a_index[a], e_index[e]) for e, a in blocked]
    pairs = candidates(model.fit(), forbidden)
    result = assign(
        pairs,
        n_applications=len(apps),
        loads=_loads(call, experts, apps),
        per_application=setup.evaluators_per_application,
    )
    now = timezone.now()
    by = recorded_user(actor) if getattr(actor, "pk", None) else None
    with transaction.atomic():
        Assignment.objects.filter(application__in=apps).delete()
        Assignment.objects.bulk_create(
            [
                Assignment(
                    expert=experts[e],
                    application=apps[a],
                    fit=Decimal(str(round(f, 4))),
                    why=model.why(e, a),
                    proposed=True,
                    assigned_by=by,
                    assigned_at=now,
                )
                for a, e, f in result.pairs
            ]
        )
        shortfall = {apps[a].pk: n for a, n in result.shortfall.items()}
        audit_record(
            actor=actor,
            action="evaluation.assignment_propose",
            obj=call,
            after={
                "assignments": len(result.pairs),
                "total_fit": round(result.total_fit, 4),
                "shortfall": {str(k): v for k, v in shortfall.items()},
            },
        )
    return {"assigned": len(result.pairs), "total_fit": result.total_fit, "shortfall": shortfall}


def assignment_add(*, actor: Actor, application: Application, expert: Expert) -> Assignment:
    """The officer assigns one more expert; the conflict checks run again (a conflicted pair is
    refused with its reasons) and the expert's load is respected."""
    _require_manager(actor, application.call.funder_id)
    if application.status not in selectors.ASSIGNABLE:
        raise ValidationError(
            _("Experts are assigned while the application is eligible or under evaluation.")
        )
    if expert.funder_id != application.call.funder_id or not expert.active:
        raise ValidationError({"expert": _("Choose an active expert of the funder's pool.")})
    found = conflicts.detect([expert], [application]).get((expert.pk, application.pk), [])
    if any(f.blocks for f in found):
        raise ValidationError({"expert": conflicts.refusal_text(found)})
    if Assignment.objects.filter(expert=expert, application=application).exists():
        raise ValidationError({"expert": _("This expert is already assigned to the application.")})
    (left,) = _loads(application.call, [expert], [])
    if left <= 0:
        raise ValidationError(
            {
                "expert": _("This expert has reached their maximum load (%(load)s) in this call.")
                % {"load": expert.max_load}
            }
        )
    model = ExpertiseModel([expert_text(expert)], [application_text(application)])
    fit = float(model.fit()[0, 0])
    with transaction.atomic():
        row = Assignment.objects.create(
            expert=expert,
            application=application,
            fit=Decimal(str(round(fit, 4))),
            why=model.why(0, 0),
            proposed=False,
            assigned_by=recorded_user(actor) if getattr(actor, "pk", None) else None,
            assigned_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="evaluation.assignment_add",
            obj=row,
            after={"expert": expert.pk, "application": application.pk},
        )
    return row


def assignment_remove(*, actor: Actor, assignment: Assignment) -> None:
    application = assignment.application
    _require_manager(actor, application.call.funder_id)
    if IndividualReport.objects.filter(assignment=assignment).exists():
        raise ValidationError(_("This expert has already reported: the assignment stays."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="evaluation.assignment_remove",
            obj=application,
            before={"expert": assignment.expert_id, "application": application.pk},
        )
        assignment.delete()


def rapporteur_set(*, actor: Actor, assignment: Assignment) -> Assignment:
    """The officer makes one of the assigned experts the application's rapporteur."""
    _require_manager(actor, assignment.application.call.funder_id)
    with transaction.atomic():
        Assignment.objects.filter(application_id=assignment.application_id).update(
            is_rapporteur=False
        )
        Assignment.objects.filter(pk=assignment.pk).update(is_rapporteur=True)
        assignment.is_rapporteur = True
        audit_record(
            actor=actor,
            action="evaluation.rapporteur_set",
            obj=assignment,
            after={"expert": assignment.expert_id, "application": assignment.application_id},
        )
    return assignment


def evaluation_start(*, actor: Actor, application: Application) -> None:
    """Send the application to its experts (`start_evaluation`, guarded by `experts_assigned`)."""
    application_transition(actor=actor, application=application, transition="start_evaluation")


# --- reports -----------------------------------------------------------------------------------


def _scores(setup: EvaluationSetup, scores: Mapping[str, Any]) -> dict[str, str]:
    codes = [c.code for c in setup.criteria]
    unknown = sorted(set(scores) - set(codes))
    if unknown:
        raise ValidationError(
            {unknown[0]: _("%(field)s is not a criterion of this call.") % {"field": unknown[0]}}
        )
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    for code in codes:
        value = scores.get(code)
        if value is None or value == "":
            errors[code] = _("%(field)s is required.") % {"field": code}
            continue
        try:
            out[code] = str(check_score(value, field=code))
        except EvaluationError as error:
            errors[code] = evaluation_error_message(error)
    if errors:
        raise ValidationError(errors)
    return out


def _comments(comments: Mapping[str, str] | None, setup: EvaluationSetup) -> dict[str, str]:
    codes = {c.code for c in setup.criteria}
    out = {}
    for code, text in (comments or {}).items():
        if code not in codes:
            raise ValidationError(
                {code: _("%(field)s is not a criterion of this call.") % {"field": code}}
            )
        if len(text or "") > MAX_TEXT:
            raise ValidationError({code: _("The comment is too long.")})
        if (text or "").strip():
            out[code] = text.strip()
    return out


def _may_score(actor: Actor, application: Application) -> Assignment:
    assignment = _own_assignment(actor, application)
    declaration = Declaration.objects.filter(
        expert=assignment.expert, application=application
    ).first()
    if declaration is None or declaration.has_conflict:
        raise PermissionDenied(_("Declare that you have no conflict of interest first."))
    if application.status != "under_evaluation":
        raise PermissionDenied(_("The application is not under evaluation."))
    return assignment


def report_submit(
    *,
    actor: Actor,
    application: Application,
    scores: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
) -> IndividualReport:
    """An assigned expert's individual report: a score per criterion on the call's scale
    (0–5 in half points, refused naming the criterion) and comments. Rewritable until the
    consensus report is recorded."""
    assignment = _may_score(actor, application)
    setup = evaluation_setup(application.call.evaluation)
    clean = _scores(setup, scores)
    notes = _comments(comments, setup)
    if ConsensusReport.objects.filter(application=application).exists():
        raise PermissionDenied(_("The consensus report is recorded: the reports are closed."))
    with transaction.atomic():
        report, _created = IndividualReport.objects.update_or_create(
            assignment=assignment,
            defaults={"scores": clean, "comments": notes, "submitted_at": timezone.now()},
        )
        audit_record(
            actor=actor,
            action="evaluation.report_submit",
            obj=report,
            after={"application": application.pk, "scores": clean},
        )
    return report


def consensus_record(
    *,
    actor: Actor,
    application: Application,
    scores: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    minority_view: str = "",
) -> ConsensusReport:
    """The rapporteur's consensus report, once every assigned expert has reported. When the
    individual scores on a criterion differ by more than the call's gap, a minority view is
    required."""
    assignment = _may_score(actor, application)
    if not assignment.is_rapporteur:
        raise PermissionDenied(_("Only the rapporteur writes the consensus report."))
    setup = evaluation_setup(application.call.evaluation)
    clean = _scores(setup, scores)
    notes = _comments(comments, setup)
    minority_view = (minority_view or "").strip()
    reports = [
        {k: Decimal(v) for k, v in a.report.scores.items()}
        for a in selectors.reports_of(application)
        if hasattr(a, "report")
    ]
    missing = Assignment.objects.filter(application=application, report__isnull=True).count()
    if missing:
        raise ValidationError(
            _("%(count)s assigned expert(s) have not reported yet.") % {"count": missing}
        )
    gap = selectors.call_panel(application.call).disagreement_gap
    spread = disagreements(reports, [c.code for c in setup.criteria], gap)
    if spread and not minority_view:
        raise ValidationError(
            {
                "minority_view": _(
                    "The experts' scores differ by more than %(gap)s on %(criteria)s: record the "
                    "minority view."
                )
                % {"gap": gap, "criteria": ", ".join(s.criterion for s in spread)}
            }
        )
    if len(minority_view) > MAX_TEXT:
        raise ValidationError({"minority_view": _("The minority view is too long.")})
    from grappe.evaluation.domain.panel import overall_score

    overall = overall_score(setup, {k: Decimal(v) for k, v in clean.items()})
    with transaction.atomic():
        report, _created = ConsensusReport.objects.update_or_create(
            application=application,
            defaults={
                "rapporteur": assignment.expert,
                "scores": clean,
                "comments": notes,
                "minority_view": minority_view,
                "overall": overall,
                "recorded_at": timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="evaluation.consensus_record",
            obj=report,
            after={"application": application.pk, "scores": clean, "overall": overall},
        )
    return report


# --- the panel ---------------------------------------------------------------------------------


def panel_settings_update(
    *, actor: Actor, call: Call, disagreement_gap: Decimal, main_list_size: int
) -> CallPanel:
    _require_manager(actor, call.funder_id)
    with transaction.atomic():
        panel, _created = CallPanel.objects.get_or_create(call=call)
        before = {"gap": panel.disagreement_gap, "main": panel.main_list_size}
        panel.disagreement_gap = disagreement_gap
        panel.main_list_size = main_list_size
        panel.full_clean(exclude=["call"])
        panel.save()
        audit_record(
            actor=actor,
            action="evaluation.panel_settings",
            obj=panel,
            before=before,
            after={"gap": panel.disagreement_gap, "main": panel.main_list_size},
        )
    return panel


def panel_rank(*, actor: Actor, call: Call) -> list[Any]:
    """Rank the call's applications under evaluation that have their consensus report (pure
    ranking, `evaluation/domain/panel.py`), write the places through
    `application_panel_record` and fire `rank` on each, in one transaction."""
    _require_manager(actor, call.funder_id)
    setup = evaluation_setup(call.evaluation)
    panel = selectors.call_panel(call)
    apps = [
        a
        for a in selectors.call_applications(call, ("under_evaluation",))
        if ConsensusReport.objects.filter(application=a).exists()
    ]
    if not apps:
        raise ValidationError(_("No application under evaluation has its consensus report yet."))
    entries = []
    for a in apps:
        smes, topics = selectors.partner_facts(a)
        scores = {k: Decimal(v) for k, v in a.consensus_report.scores.items()}
        entries.append(Entry(a.pk, scores, sme_count=smes, topics=topics))
    places = rank(setup, entries, main_size=panel.main_list_size)
    with transaction.atomic():
        application_panel_record(
            actor=actor,
            call=call,
            places=[
                PanelPlace(p.application, PanelList(p.list.value), p.rank, p.score, p.tie_rule)
                for p in places
            ],
        )
        by_pk = {a.pk: a for a in apps}
        for p in places:
            application_transition(actor=actor, application=by_pk[p.application], transition="rank")
        saved, _created = CallPanel.objects.get_or_create(call=call)
        saved.ranked_at = timezone.now()
        saved.ranked_by = recorded_user(actor) if getattr(actor, "pk", None) else None
        saved.save(update_fields=["ranked_at", "ranked_by"])
    return places


# --- the hooks funding calls (registered in apps.py) -------------------------------------------


def _free_assignments(application: Application) -> list[Assignment]:
    rows = list(Assignment.objects.filter(application=application).select_related("expert"))
    if not rows:
        return []
    blocked = conflicts.blocking(conflicts.detect([r.expert for r in rows], [application]))
    return [r for r in rows if (r.expert_id, application.pk) not in blocked]


def application_evaluation_facts(application: Application) -> dict[str, bool]:
    """`experts_assigned`: the call's number of experts, free of conflict; `consensus_done`."""
    setup = evaluation_setup(application.call.evaluation)
    return {
        "experts_assigned": len(_free_assignments(application)) >= setup.evaluators_per_application,
        "consensus_done": ConsensusReport.objects.filter(application=application).exists(),
    }


def application_expert_user_ids(application: Application) -> list[int]:
    """The users of the experts assigned to the application and not kept off by a conflict."""
    return [r.expert.user_id for r in _free_assignments(application)]
