"""The demo's funding loop, written only through the apps' services.

A City of Paris call that closed three months before the load and is decided: six accredited
demo projects applied (receipts), the programme officer screened them (one declared ineligible,
one failed rule overridden with a justification), six experts of the City's pool (one of them
works for a partner of an application: a detected conflict, kept off it) declared, were
assigned, reported and wrote consensus reports, the panel ranked the five eligible ones (main,
reserve and rejected lists), the officer set the envelope and a co-funder's pledge, approved
the main list (posted to the ledger) and declined the others with reasons. The two funded
coordinators have a grant agreement under the call's payment plan; one advance is paid and one
yearly report submitted. The City's open call has a draft application, and the next call opens
in three weeks.

Dates are relative to the load (`today` in Europe/Paris); who acts is the demo user of the
role the service asks for (the coordinators, the officer, the experts) or the system (`None`).
The few coordinators and experts who are not demo logins get an unusable password.
`funding_demo_wipe` removes the loop again (`load_demo --reset`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from grappe.core.models import Role
from grappe.core.services import role_assign, user_create
from grappe.decisions.models import Decision, Envelope, LedgerEntry
from grappe.decisions.selectors import application_partners
from grappe.decisions.services import application_approve, application_decline, call_funding_set
from grappe.evaluation.models import Assignment, ConsensusReport, Declaration, Expert, Waiver
from grappe.evaluation.services import (
    assignment_propose,
    consensus_record,
    evaluation_start,
    expert_create,
    expert_declare,
    panel_rank,
    panel_settings_update,
    rapporteur_set,
    report_submit,
)
from grappe.funding.models import Application, Call, Funder, PanelList, VerdictStatus
from grappe.funding.services import (
    application_create,
    application_engine_run,
    application_screen,
    application_submit,
    application_update,
    call_create,
    call_update,
    screening_override,
)
from grappe.grants import services as grants
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import GrantAgreement, PaymentPlan
from grappe.notifications.domain.kinds import KINDS
from grappe.notifications.models import Notification
from grappe.notifications.services import preferences_set
from grappe.projects.models import (
    BudgetLine,
    FundingLine,
    ParticipantRole,
    Participation,
    Project,
    ProjectStatus,
)
from grappe.registry.domain.vocabulary import OrganisationKind
from grappe.registry.models import Organisation

PARIS = ZoneInfo("Europe/Paris")

SEED = 2026
DECIDED_CALL = "city-of-paris-first-round"
OPEN_CALL = "city-of-paris-cluster-projects"  # reference data, see `loader.calls_load`
UPCOMING_CALL = "city-of-paris-next-round"
DEMO_CALLS = (DECIDED_CALL, UPCOMING_CALL)
CO_FUNDER = "region-ile-de-france"
MAIN_LIST_SIZE = 2
DISAGREEMENT_GAP = Decimal("1.5")
EXPERT_LOAD = 4

# (username, first name, last name, expertise) of the experts besides the `evaluator` login.
EXPERTS = [
    ("expert.martin", "Claire", "Martin", "Research engineer, evaluates digital and data projects"),
    ("expert.haddad", "Karim", "Haddad", "Former CTO, evaluates industrial and mobility projects"),
    ("expert.lefevre", "Sophie", "Lefèvre", "Lecturer, evaluates health and biotech projects"),
    ("expert.nguyen", "Thomas", "Nguyen", "Investment manager, evaluates business plans"),
    ("expert.moreau", "Élise", "Moreau", "Urban engineer, evaluates city and energy projects"),
]

# The consensus scores of each profile (excellence, impact, implementation) and what the panel
# does with it: two on the main list, two on the reserve list, one below the thresholds.
PROFILES = {
    "top": ("4.5", "4.5", "4"),
    "override": ("4", "4", "4"),
    "reserve": ("3.5", "4", "3.5"),
    "reserve2": ("3.5", "3.5", "3"),
    "rejected": ("3.5", "2.5", "3"),
}
CRITERIA = ("excellence", "impact", "implementation")


class FundingDemoError(Exception):
    """The demo's data cannot carry the funding loop (the message says what is missing)."""


@dataclass
class Selection:
    """Which demo projects play which part (chosen from the data, deterministically)."""

    applicant_org: Organisation
    top: Project
    draft: Project
    override: Project
    ineligible: Project
    others: list[Project]  # reserve, reserve2, rejected

    def applying(self) -> list[tuple[str, Project]]:
        names = ["reserve", "reserve2", "rejected"]
        return [
            ("top", self.top),
            ("override", self.override),
            *zip(names, self.others, strict=True),
            ("ineligible", self.ineligible),
        ]


@dataclass
class FundingDemo:
    applications: dict[str, Application] = field(default_factory=dict)
    agreements: list[GrantAgreement] = field(default_factory=list)


def funding_demo_present() -> bool:
    return Call.objects.filter(slug=DECIDED_CALL).exists()


# --------------------------------------------------------------------------- choosing projects


def _candidates() -> list[Project]:
    """Accredited demo projects of three partners or more with one coordinator, not applying
    anywhere yet, the most recent first (acronyms are unique: a stable order on any database)."""
    return list(
        Project.objects.filter(
            is_demo=True, status=ProjectStatus.ACCREDITED, applications__isnull=True
        )
        .annotate(
            partners=Count("participations", distinct=True),
            coordinators=Count(
                "participations",
                filter=Q(participations__role=ParticipantRole.COORDINATOR),
                distinct=True,
            ),
        )
        .filter(partners__gte=3, coordinators=1, start_date__isnull=False)
        .order_by("-start_date", "acronym")
    )


def _coordinator(project: Project) -> Participation:
    return project.participations.select_related("organisation").get(
        role=ParticipantRole.COORDINATOR
    )


def _passes(call: Call, project: Project) -> bool:
    run = application_engine_run(Application(call=call, project=project))
    return all(v.status.value in ("passed", "not_applicable") for v in run.result.verdicts)


def select_projects(call: Call) -> Selection:
    pool = _candidates()
    passing = [p for p in pool if _passes(call, p)]
    failing = [p for p in pool if p not in passing]
    if not failing or len(passing) < 6:
        raise FundingDemoError(
            "The demo ecosystem has too few accredited projects for the funding loop."
        )
    by_coordinator: dict[int, list[Project]] = defaultdict(list)
    for p in passing:
        by_coordinator[_coordinator(p).organisation_id].append(p)
    two = sorted(
        (ps for ps in by_coordinator.values() if len(ps) >= 2),
        key=lambda ps: _coordinator(ps[0]).organisation.name,
    )
    if two:
        top, draft = two[0][0], two[0][1]
    else:  # no coordinator of two projects: the draft is another coordinator's
        top, draft = passing[0], passing[1]
    rest = [p for p in passing if p not in (top, draft)]
    ineligible = min(rest, key=lambda p: (p.start_date, p.acronym))  # started long ago
    others = [p for p in rest if p != ineligible][:3]
    return Selection(
        applicant_org=_coordinator(top).organisation,
        top=top,
        draft=draft,
        override=failing[0],
        ineligible=ineligible,
        others=others,
    )


# --------------------------------------------------------------------------- people


def quiet(user: Any) -> None:
    """Demo addresses are not real: the demo accounts get the inbox, not the e-mails."""
    preferences_set(actor=user, user=user, email=dict.fromkeys(KINDS, False))


def demo_user(username: str, first: str, last: str, password_hash: str | None) -> Any:
    """A demo person (created once; `None` gives an unusable password: not a demo login)."""
    from grappe.demo.loader import DEMO_EMAIL_DOMAIN

    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    email = f"{username}@{DEMO_EMAIL_DOMAIN}"
    if user is not None:
        if user.email != email:
            raise FundingDemoError(f"A real account is named {username}: the demo needs it.")
        return user
    user = user_create(
        actor=None,
        username=username,
        email=email,
        password_hash=password_hash or "!",
        reason="demo",
        first_name=first,
        last_name=last,
    )
    return user


def coordinator_user(project: Project, applicant: Any, selection: Selection) -> Any:
    org = _coordinator(project).organisation
    if org.pk == selection.applicant_org.pk:
        return applicant
    username = f"coord.{project.acronym.lower()}"
    user = demo_user(username, "Coordinator", project.acronym, None)
    quiet(user)
    role_assign(actor=None, user=user, role=Role.MEMBER, organisation=org)
    return user


def _expert_organisations(exclude: set[int]) -> list[Organisation]:
    """Research labs and universities that took part in no demo project (no co-participation
    conflict with any applicant), by name."""
    return list(
        Organisation.objects.filter(
            is_demo=True,
            kind__in=[OrganisationKind.RESEARCH_LAB, OrganisationKind.HIGHER_EDUCATION],
            participations__isnull=True,
        )
        .exclude(pk__in=exclude)
        .order_by("name")[: len(EXPERTS) + 1]
    )


# --------------------------------------------------------------------------- amounts


def _requested(call: Call, project: Project, application: Application) -> dict[int, Decimal]:
    """Four fifths of the most each partner may receive, in hundreds of euros."""
    run = application_engine_run(application)
    out = {}
    for part in Participation.objects.filter(project=project).order_by("id"):
        cap = run.max_aid(part.organisation_id)
        if cap:
            out[part.pk] = (cap * Decimal("0.8")).quantize(Decimal("100"), rounding=ROUND_DOWN)
    return out


def _ceil(value: Decimal, step: str) -> Decimal:
    s = Decimal(step)
    return ((value / s).quantize(Decimal(1), rounding=ROUND_UP) * s).quantize(Decimal("0.01"))


def _add_months(day: dt.date, months: int) -> dt.date:
    """The last day of a span of `months` months starting on `day`."""
    years, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + years, month + 1, min(day.day, 28)) - dt.timedelta(days=1)


# --------------------------------------------------------------------------- the loop


STATEMENTS = {
    "top": "{acronym} brings {title} to Paris's market with a pilot in two arrondissements.",
    "override": "{acronym}: a consortium anchored in Paris through its coordinator's R&D site.",
    "reserve": "{acronym} develops {title} with an industrial partner and a public lab.",
    "reserve2": "{acronym} extends {title} to the Île-de-France market.",
    "rejected": "{acronym} prototypes {title}.",
    "ineligible": "{acronym} continues {title}, started in {year}.",
    "draft": "{acronym}: a first draft of the statement for the City's open call.",
}


def _statement(kind: str, project: Project) -> str:
    return STATEMENTS[kind].format(
        acronym=project.acronym,
        title=project.title[:1].lower() + project.title[1:],
        year=project.start_date.year if project.start_date else "",
    )


def _individual_scores(rng: random.Random, consensus: tuple[str, ...]) -> list[dict[str, str]]:
    """Three experts' scores around the consensus (half points, 0–5)."""
    rows = []
    for _i in range(3):
        row = {}
        for code, value in zip(CRITERIA, consensus, strict=True):
            v = Decimal(value) + Decimal(rng.choice(["-0.5", "0", "0", "0.5"]))
            row[code] = str(min(Decimal(5), max(Decimal(0), v)).normalize())
        rows.append(row)
    return rows


@transaction.atomic
def funding_demo_load(
    *, officer: Any, evaluator: Any, applicant: Any, today: dt.date | None = None
) -> FundingDemo:
    """Write the funding loop (see the module's docstring); the caller checks it is absent."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    city = Funder.objects.get(slug="city-of-paris")
    region = Funder.objects.get(slug=CO_FUNDER)
    result = FundingDemo()

    # The call: open while the consortia apply (submissions dated three months back), then
    # closed by the officer's change of its closing date.
    call = call_create(
        actor=officer,
        funder=city,
        slug=DECIDED_CALL,
        title_en="City of Paris co-funding of cluster projects — first round",
        title_fr="Cofinancement des projets des pôles par la Ville de Paris — première vague",
        opens_on=today - dt.timedelta(days=150),
        closes_on=today,
        source_code="city-of-paris",
        reason="demo data",
    )
    selection = select_projects(call)
    role_assign(actor=None, user=applicant, role=Role.MEMBER, organisation=selection.applicant_org)
    submitted_on = today - dt.timedelta(days=95)
    apps: dict[str, Application] = {}
    for i, (kind, project) in enumerate(selection.applying()):
        who = coordinator_user(project, applicant, selection)
        app = application_create(actor=who, call=call, project=project)
        application_update(
            actor=who,
            application=app,
            statement=_statement(kind, project),
            requested=_requested(call, project, app),
        )
        moment = dt.datetime.combine(submitted_on, dt.time(9 + i, 17), tzinfo=PARIS)
        application_submit(actor=who, application=app, now=moment)
        apps[kind] = app
    call = call_update(
        actor=officer,
        call=call,
        closes_on=today - dt.timedelta(days=90),
        reason="Closing date of the first round (demo timeline)",
    )
    result.applications = apps

    # Screening: the override, the ineligible one, the others eligible.
    for verdict in apps["override"].verdicts.exclude(status=VerdictStatus.PASSED):
        screening_override(
            actor=officer,
            application=apps["override"],
            rule=verdict.rule,
            justification=(
                "The coordinator's R&D team works in its Paris 13e site, where the project's "
                "work is done (lease and staff list checked)."
            ),
        )
    application_screen(
        actor=officer,
        application=apps["ineligible"],
        eligible=False,
        reason=(
            f"The project started in {selection.ineligible.start_date:%Y}: the City co-funds "
            "work that has not started when the application is submitted."
        ),
    )
    evaluated = [k for k in apps if k != "ineligible"]
    for kind in evaluated:
        application_screen(actor=officer, application=apps[kind], eligible=True)

    # The pool: the evaluator login and five more; one works for a partner of the top
    # application (detected conflict: never assigned to it).
    all_keywords = ", ".join(apps[k].project.keywords for k in evaluated)
    conflicted_partner = (
        Participation.objects.filter(project=selection.top)
        .exclude(role=ParticipantRole.COORDINATOR)
        .select_related("organisation")
        .order_by("id")
        .first()
    )
    assert conflicted_partner is not None
    orgs = _expert_organisations({conflicted_partner.organisation_id})
    experts: list[Expert] = [
        expert_create(
            actor=officer,
            funder=city,
            user=evaluator,
            name=f"{evaluator.first_name} {evaluator.last_name}".strip(),
            organisation=orgs[0] if orgs else None,
            keywords=all_keywords[:500],
            expertise="Senior evaluator of the City's innovation programme",
            languages="fr,en",
            max_load=EXPERT_LOAD,
        )
    ]
    for i, (username, first, last, expertise) in enumerate(EXPERTS):
        user = demo_user(username, first, last, None)
        quiet(user)
        kinds = evaluated[i % len(evaluated) :] + evaluated[: i % len(evaluated)]
        organisation = (
            conflicted_partner.organisation if i == 0 else (orgs[i] if i < len(orgs) else None)
        )
        experts.append(
            expert_create(
                actor=officer,
                funder=city,
                user=user,
                name=f"{first} {last}",
                organisation=organisation,
                keywords=", ".join(apps[k].project.keywords for k in kinds[:3])[:500],
                expertise=expertise,
                languages="fr,en",
                max_load=EXPERT_LOAD,
            )
        )
    panel_settings_update(
        actor=officer, call=call, disagreement_gap=DISAGREEMENT_GAP, main_list_size=MAIN_LIST_SIZE
    )
    proposal = assignment_propose(actor=officer, call=call)
    if proposal["shortfall"]:
        raise FundingDemoError(f"The demo pool cannot staff every application: {proposal}")

    # Evaluation: declarations, individual reports, the rapporteur's consensus.
    for kind in evaluated:
        app = apps[kind]
        rows = list(
            Assignment.objects.filter(application=app)
            .select_related("expert__user")
            .order_by("expert__name")
        )
        rapporteur = next((r for r in rows if r.expert.user_id == evaluator.pk), rows[0])
        rapporteur_set(actor=officer, assignment=rapporteur)
        evaluation_start(actor=officer, application=app)
        consensus = PROFILES[kind]
        scores = _individual_scores(rng, consensus)
        if kind == "reserve":  # one expert saw it very differently: a minority view
            scores[0]["excellence"] = "2"
        for row, own in zip(rows, scores, strict=True):
            app.refresh_from_db()
            expert_declare(actor=row.expert.user, application=app, has_conflict=False)
            report_submit(
                actor=row.expert.user,
                application=app,
                scores=own,
                comments={
                    "excellence": "Clear objectives; the state of the art is well described.",
                    "impact": "Jobs and revenue in Paris are plausible, if optimistic.",
                },
            )
        app.refresh_from_db()
        consensus_record(
            actor=rapporteur.expert.user,
            application=app,
            scores=dict(zip(CRITERIA, consensus, strict=True)),
            comments={"excellence": "The experts agree on the project's quality."},
            minority_view=(
                "One expert found the approach close to existing products."
                if kind == "reserve"
                else ""
            ),
        )
    panel_rank(actor=officer, call=call)
    for app in apps.values():
        app.refresh_from_db()

    # The envelope and the co-funder's pledge, sized on the main list; approvals, declines.
    main = [k for k in evaluated if apps[k].panel_list == PanelList.MAIN]
    plan: dict[str, dict[tuple[int, int], Decimal]] = {}
    for kind in main:
        caps = {p.participation.pk: p.cap for p in application_partners(call, apps[kind])}
        amounts = {}
        asked = apps[kind].requested.order_by("participation_id")
        for n, ask in enumerate(asked):
            # What the partner asked in the application, within its cap under the call's rules.
            amount = min(ask.amount, caps.get(ask.participation_id, Decimal(0)))
            if amount > 0:
                funder = region if kind == "top" and n == 1 else city
                amounts[(ask.participation_id, funder.pk)] = amount
        plan[kind] = amounts
    from_city = sum(
        (a for amounts in plan.values() for (_p, f), a in amounts.items() if f == city.pk),
        Decimal(0),
    )
    from_region = sum(
        (a for amounts in plan.values() for (_p, f), a in amounts.items() if f == region.pk),
        Decimal(0),
    )
    call_funding_set(
        actor=officer,
        call=call,
        envelope=_ceil(from_city, "50000"),
        pledges=[(region, _ceil(from_region, "10000"))] if from_region else [],
        reason="Envelope voted by the Council of Paris; the Region co-funds the first project",
    )
    decided_on = today - dt.timedelta(days=30)
    for n, kind in enumerate(main, start=1):
        application_approve(
            actor=officer,
            application=apps[kind],
            amounts=plan[kind],
            reference=f"2026 DAE {100 + n}",
            decided_on=decided_on,
            reason="Main list of the panel",
        )
    reasons = {
        PanelList.RESERVE: (
            "On the reserve list: the envelope is committed to the main list. The panel "
            "encourages you to apply again to the next round."
        ),
        PanelList.REJECTED: (
            "Below the panel's thresholds: the impact in Paris is not demonstrated (see the "
            "consensus report)."
        ),
    }
    for kind in evaluated:
        if kind not in main:
            application_decline(
                actor=officer,
                application=apps[kind],
                reason=reasons[PanelList(apps[kind].panel_list)],
                decided_on=decided_on,
            )

    # Grants: the coordinators' agreements under the call's payment plan.
    grants.payment_plan_set(actor=officer, funder=city, call=call, data=PLAN_DATA["city-of-paris"])
    for n, kind in enumerate(main):
        app = apps[kind]
        part = _coordinator(app.project)
        line = FundingLine.objects.get(participation=part, funder=city, granted__gt=0,
                                       decision_reference=f"2026 DAE {101 + n}")  # fmt: skip
        costs: dict[str, Decimal] = defaultdict(lambda: Decimal(0))
        for b in BudgetLine.objects.filter(participation=part):
            costs[b.cost_category] += b.amount
        total = sum(costs.values(), Decimal(0))
        assert line.granted is not None and total > 0
        project = app.project
        assert project.start_date is not None
        starts = max(project.start_date, decided_on)
        agreement = grants.agreement_create(
            actor=officer,
            funding_line=line,
            costs=dict(costs),
            intensity=min(Decimal(1), line.granted / total).quantize(
                Decimal("0.0001"), rounding=ROUND_UP
            ),
            call=call,
            starts_on=starts,
            ends_on=project.end_date or _add_months(starts, project.duration_months or 36),
        )
        user = coordinator_user(project, applicant, selection)
        grants.agreement_transition(actor=officer, agreement=agreement, transition="offer")
        grants.agreement_transition(actor=user, agreement=agreement, transition="accept")
        grants.agreement_transition(actor=officer, agreement=agreement, transition="activate")
        advance = grants.installment_request(actor=user, agreement=agreement, tranche="advance")
        grants.installment_transition(actor=officer, installment=advance, transition="approve")
        if kind == "top":
            grants.installment_transition(
                actor=officer,
                installment=advance,
                transition="pay",
                payment_reference="VIR-2026-0412",
                paid_on=today - dt.timedelta(days=12),
            )
            agreement.refresh_from_db()
            grants.report_submit(
                actor=user,
                agreement=agreement,
                kind="yearly",
                year=starts.year,
                figures={
                    "jobs_fte": "2.5",
                    "revenue": "0",
                    "follow_on_private": "150000",
                    "follow_on_public": "0",
                    "follow_on_source": "Seed round led by a Paris business angel network",
                    "patents": 1,
                    "products": 0,
                    "publications": 2,
                },
            )
        agreement.refresh_from_db()
        result.agreements.append(agreement)

    # The open call: the applicant's draft. The next call: upcoming.
    open_call = Call.objects.get(slug=OPEN_CALL)
    who = coordinator_user(selection.draft, applicant, selection)
    draft = application_create(actor=who, call=open_call, project=selection.draft)
    application_update(
        actor=who,
        application=draft,
        statement=_statement("draft", selection.draft),
        requested=_requested(open_call, selection.draft, draft),
    )
    result.applications["draft"] = draft
    call_create(
        actor=officer,
        funder=city,
        slug=UPCOMING_CALL,
        title_en="City of Paris co-funding of cluster projects — next round",
        title_fr="Cofinancement des projets des pôles par la Ville de Paris — vague suivante",
        opens_on=today + dt.timedelta(days=21),
        closes_on=today + dt.timedelta(days=111),
        source_code="city-of-paris",
        reason="demo data",
    )
    return result


# --------------------------------------------------------------------------- wipe


@transaction.atomic
def funding_demo_wipe() -> int:
    """Remove what the funding loop wrote on demo projects (there is no service to delete an
    application, a decision or a grant: they are records; only demo rows are touched), the
    demo calls and the City pool's demo experts. Returns the number of applications removed."""
    apps = Application.objects.filter(project__is_demo=True)
    count = apps.count()
    agreements = GrantAgreement.objects.filter(participation__project__is_demo=True)
    for agreement in agreements:
        agreement.installments.all().delete()
        agreement.reports.all().delete()
    agreements.delete()
    LedgerEntry.objects.filter(application__in=apps).delete()
    Decision.objects.filter(application__in=apps).delete()
    ConsensusReport.objects.filter(application__in=apps).delete()
    Declaration.objects.filter(application__in=apps).delete()
    Waiver.objects.filter(application__in=apps).delete()
    Assignment.objects.filter(application__in=apps).delete()
    apps.delete()
    calls = Call.objects.filter(slug__in=DEMO_CALLS)
    Envelope.objects.filter(call__in=calls).delete()
    PaymentPlan.objects.filter(call__in=calls).delete()
    calls.delete()
    from grappe.demo.loader import DEMO_EMAIL_DOMAIN

    Expert.objects.filter(user__email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    # The demo accounts' inbox told of rows that are gone: a reload starts it afresh.
    Notification.objects.filter(recipient__email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
    return count
