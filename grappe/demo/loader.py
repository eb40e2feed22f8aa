"""Writes the reference data (clusters, funders) and the synthetic demo ecosystem to the database.

Reference rows are upserted by slug, so loading twice changes nothing. Demo rows (`is_demo=True`)
are written with `bulk_create` in one transaction, only when none exist yet; `demo_wipe` removes
them (and everything that hangs off them) so that a reload starts from scratch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from grappe.attestations.demo import demo_attestations_issue
from grappe.core.models import Role, RoleAssignment
from grappe.core.services import role_assign, user_create, user_update
from grappe.demo.clusters import CLUSTERS, FUNDERS
from grappe.demo.funding import (
    FundingDemoError,
    funding_demo_load,
    funding_demo_present,
    funding_demo_wipe,
    quiet,
)
from grappe.demo.generator import Ecosystem, build_ecosystem
from grappe.funding.models import Call, Funder
from grappe.funding.services import call_create
from grappe.labelling.demo import labelling_demo_load, labelling_demo_wipe
from grappe.matchmaking.demo import load as partner_index_load
from grappe.projects import services as project_services
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    FundingLine,
    Participation,
    Project,
)
from grappe.registry import services as registry_services
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    ClusterTheme,
    Organisation,
    OrganisationFigures,
    Ownership,
)

DEMO_PASSWORD = "demo-grappe"  # noqa: S105 - printed by the command, demo accounts only
DEMO_EMAIL_DOMAIN = "demo.grappe.invalid"


class DemoError(Exception):
    """The demo cannot be loaded or wiped; the message says why."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


# --------------------------------------------------------------------------- reference data


def clusters_load() -> dict[str, Cluster]:
    """Create or update the 12 real clusters and hubs and their themes; returns them by slug."""
    result: dict[str, Cluster] = {}
    for order, data in enumerate(CLUSTERS, start=1):
        cluster, _ = Cluster.objects.update_or_create(
            slug=data.slug,
            defaults={
                "kind": data.kind,
                "name": data.name,
                "short_name": data.short_name,
                "topic_en": data.topic_en,
                "topic_fr": data.topic_fr,
                "description_en": data.description_en,
                "description_fr": data.description_fr,
                "website": data.website,
                "territory": data.territory,
                "display_order": order,
            },
        )
        current = [(t.name_en, t.name_fr) for t in cluster.themes.order_by("display_order", "id")]
        wanted = [(t.en, t.fr) for t in data.themes]
        if current != wanted:
            cluster.themes.all().delete()
            ClusterTheme.objects.bulk_create(
                ClusterTheme(cluster=cluster, name_en=en, name_fr=fr, display_order=i)
                for i, (en, fr) in enumerate(wanted, start=1)
            )
        result[data.slug] = cluster
    return result


def funders_load() -> dict[str, Funder]:
    """Create or update the real public funders; returns them by slug."""
    result: dict[str, Funder] = {}
    for data in FUNDERS:
        funder, _ = Funder.objects.update_or_create(
            slug=data.slug,
            defaults={
                "name_en": data.name_en,
                "name_fr": data.name_fr,
                "kind": data.kind,
                "website": data.website,
            },
        )
        result[data.slug] = funder
    return result


def calls_load(funders: dict[str, Funder]) -> dict[str, Call]:
    """Three example calls with ready-made rule sets, created once through the funding service.

    The open ones run from 1 January of the year they are loaded to the end of the next year.
    """
    year = timezone.localdate().year
    specs = [
        (
            "city-of-paris-cluster-projects",
            "city-of-paris",
            "City of Paris co-funding of cluster projects",
            "Cofinancement des projets des pôles par la Ville de Paris",
            dt.date(year, 1, 1),
            dt.date(year + 1, 12, 31),
            "city-of-paris",
        ),
        (
            "pspc-regions-ile-de-france",
            "bpifrance",
            "PSPC-Régions Île-de-France",
            "PSPC-Régions Île-de-France",
            dt.date(year, 1, 1),
            dt.date(year + 1, 12, 31),
            "pspc-regions",
        ),
        (
            "fui-25",
            "bpifrance",
            "FUI call 25",
            "FUI appel 25",
            dt.date(2017, 10, 2),
            dt.date(2018, 1, 18),
            "fui-25",
        ),
    ]
    result: dict[str, Call] = {}
    for slug, funder, title_en, title_fr, opens_on, closes_on, code in specs:
        existing = Call.objects.filter(slug=slug).first()
        result[slug] = existing or call_create(
            actor=None,
            funder=funders[funder],
            slug=slug,
            title_en=title_en,
            title_fr=title_fr,
            opens_on=opens_on,
            closes_on=closes_on,
            source_code=code,
            reason="demo data",
        )
    return result


# --------------------------------------------------------------------------- demo ecosystem


def demo_present() -> bool:
    return (
        Organisation.objects.filter(is_demo=True).exists()
        or Project.objects.filter(is_demo=True).exists()
    )


@transaction.atomic
def demo_wipe() -> None:
    """Delete every demo project and organisation, with their figures, links and budgets."""
    try:
        funding_demo_wipe()
        labelling_demo_wipe()
        project_services.project_bulk_delete(
            actor=None, pks=list(Project.objects.filter(is_demo=True).values_list("pk", flat=True))
        )
        registry_services.organisation_bulk_delete(
            actor=None,
            pks=list(Organisation.objects.filter(is_demo=True).values_list("pk", flat=True)),
        )
    except (ProtectedError, RestrictedError) as exc:
        blocked: Any = getattr(exc, "protected_objects", None) or getattr(
            exc, "restricted_objects", ()
        )
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in blocked})
        raise DemoError(
            "Demo organisations or projects are still referenced by data that is not demo data "
            f"({', '.join(kinds)}); remove those rows first."
        ) from exc


def organisations_from(eco: Ecosystem) -> list[Organisation]:
    """Unsaved `Organisation` rows for the ecosystem, in generation order (used by tests too)."""
    return [
        Organisation(
            name=o.name,
            short_name=o.short_name,
            kind=o.kind,
            siren=o.siren,
            siret=o.siret,
            rnsr=o.rnsr,
            ror=o.ror,
            pic=o.pic,
            vat=o.vat,
            address=o.address,
            postcode=o.postcode,
            city=o.city,
            country=o.country,
            paris_arrondissement=o.paris_arrondissement,
            website=o.website,
            description=o.description,
            keywords=o.keywords,
            founded_on=o.founded_on,
            is_jei=o.is_jei,
            is_demo=True,
        )
        for o in eco.organisations
    ]


@transaction.atomic
def ecosystem_load(
    eco: Ecosystem, clusters: dict[str, Cluster], funders: dict[str, Funder]
) -> list[Organisation]:
    """Bulk-insert the synthetic ecosystem; returns the organisations in generation order."""
    orgs = registry_services.organisation_bulk_create(
        actor=None, organisations=organisations_from(eco)
    )
    registry_services.figures_bulk_create(
        actor=None,
        figures=[
            OrganisationFigures(
                organisation=org,
                year=year,
                staff_awu=staff,
                turnover=turnover,
                balance_sheet=balance,
            )
            for org, spec in zip(orgs, eco.organisations, strict=True)
            for year, staff, turnover, balance in spec.figures
        ],
    )
    # Demo memberships stand for ones the organisations confirmed: the demo manager then sees
    # the confidential figures of current members, as a real manager would once confirmed.
    confirmed_at = timezone.now()
    registry_services.membership_bulk_start(
        actor=None,
        memberships=[
            ClusterMembership(
                cluster=clusters[slug],
                organisation=org,
                start_date=start,
                end_date=end,
                confirmed_at=confirmed_at,
            )
            for org, spec in zip(orgs, eco.organisations, strict=True)
            for slug, start, end in spec.memberships
        ],
    )
    registry_services.ownership_bulk_create(
        actor=None,
        links=[
            Ownership(
                holder=orgs[link.holder],
                held=orgs[link.held],
                holder_category=link.holder_category,
                capital_share=link.capital_share,
                voting_share=link.voting_share,
                dominant_influence=link.dominant_influence,
            )
            for link in eco.ownerships
        ],
    )
    # Creation only: the synthetic ecosystem is seeded in each project's generated state under
    # the current workflow version (no history is invented); every later change goes through
    # `projects.services.project_transition`.
    projects = project_services.project_bulk_create(
        actor=None,
        projects=[
            Project(
                acronym=p.acronym,
                title=p.title,
                summary=p.summary,
                keywords=p.keywords,
                status=p.status,
                start_date=p.start_date,
                duration_months=p.duration_months,
                trl_start=p.trl_start,
                trl_target=p.trl_target,
                is_demo=True,
            )
            for p in eco.projects
        ],
    )
    Accreditation.objects.bulk_create(
        Accreditation(project=project, cluster=clusters[slug], is_lead=is_lead, accredited_on=on)
        for project, spec in zip(projects, eco.projects, strict=True)
        for slug, is_lead, on in spec.accreditations
    )
    part_specs = [
        (project, order, part)
        for project, spec in zip(projects, eco.projects, strict=True)
        for order, part in enumerate(spec.participations)
    ]
    participations = project_services.partner_bulk_create(
        actor=None,
        participations=[
            Participation(
                project=project,
                organisation=orgs[part.organisation],
                role=part.role,
                display_order=order,
            )
            for project, order, part in part_specs
        ],
    )
    project_services.budget_line_bulk_create(
        actor=None,
        lines=[
            BudgetLine(
                participation=participation,
                cost_category=cost,
                research_category=research,
                amount=amount,
            )
            for participation, (_, _, part) in zip(participations, part_specs, strict=True)
            for cost, research, amount in part.budget
        ],
    )
    FundingLine.objects.bulk_create(
        FundingLine(
            participation=participation,
            funder=funders[f.funder],
            requested=f.requested,
            granted=f.granted,
            decided_on=f.decided_on,
            decision_reference=f.decision_reference,
            funding_round=f.funding_round,
        )
        for participation, (_, _, part) in zip(participations, part_specs, strict=True)
        for f in part.funding
    )
    return orgs


# --------------------------------------------------------------------------- demo users


def demo_users_load(
    *, member_organisation: Organisation, clusters: dict[str, Cluster], funders: dict[str, Funder]
) -> list[DemoLogin]:
    """One login per role, all with `DEMO_PASSWORD`; an existing non-demo user is left alone."""
    user_model = get_user_model()
    # Hash once: five PBKDF2 rounds would cost more than the rest of the load.
    password = make_password(DEMO_PASSWORD)
    city, cap_digital = funders["city-of-paris"], clusters["cap-digital"]
    # The applicant's member role (its organisation) is given by the funding loop, which picks
    # the coordinator of two accredited projects from the data.
    plan: list[tuple[str, Role | None, dict[str, Any], str]] = [
        ("admin", Role.ADMINISTRATOR, {}, "—"),
        ("officer", Role.PROGRAMME_OFFICER, {"funder": city}, city.name_en),
        ("manager", Role.CLUSTER_MANAGER, {"cluster": cap_digital}, cap_digital.name),
        (
            "member",
            Role.MEMBER,
            {"organisation": member_organisation},
            member_organisation.name,
        ),
        ("evaluator", Role.EVALUATOR, {}, "—"),
        ("applicant", None, {}, "—"),
    ]
    logins: list[DemoLogin] = []
    with transaction.atomic():
        for username, role, scope, label in plan:
            email = f"{username}@{DEMO_EMAIL_DOMAIN}"
            user = user_model.objects.filter(username=username).first()
            if user is not None and user.email != email:
                continue  # a real account with that name: never touch it
            # Back-office access comes from the role table (the officer keeps the City's calls);
            # Django's staff flag grants nothing, so only the superuser carries it.
            account: dict[str, Any] = {
                "is_staff": username == "admin",
                "is_superuser": username == "admin",
                "first_name": username.capitalize(),
                "last_name": "(demo)",
            }
            if user is None:
                user = user_create(
                    actor=None,
                    username=username,
                    email=email,
                    password_hash=password,
                    reason="demo",
                    **account,
                )
            else:
                user.password = password
                user_update(actor=None, user=user, reason="demo", **account)
            if role is not None:
                role_assign(actor=None, user=user, role=role, **scope)
            quiet(user)
            logins.append(DemoLogin(username, str((role or Role.MEMBER).label), label))
    return logins


# --------------------------------------------------------------------------- entry point


@dataclass
class LoadResult:
    loaded_ecosystem: bool
    logins: list[DemoLogin]


def demo_load(*, reset: bool = False, seed: int | None = None) -> LoadResult:
    """Load reference data, then the demo ecosystem unless it is already there (or `reset`)."""
    with transaction.atomic():
        clusters = clusters_load()
        funders = funders_load()
        calls_load(funders)
        if reset:
            demo_wipe()
        eco = build_ecosystem() if seed is None else build_ecosystem(seed)
        loaded = False
        if not demo_present():
            ecosystem_load(eco, clusters, funders)
            loaded = True
        member_org = _member_organisation(eco)
        logins = demo_users_load(member_organisation=member_org, clusters=clusters, funders=funders)
        labelling_demo_load(spare=[member_org.pk])
        users = _loop_users()
        if users is not None and not funding_demo_present():
            try:
                funding_demo_load(**users)
            except FundingDemoError as exc:
                raise DemoError(str(exc)) from exc
        logins = [_with_scope(login) for login in logins]
        # The signed attestations of the demo's accreditations, when a signing key can be had
        # (in development one is created; elsewhere `grappe attestation keygen` makes it).
        with contextlib.suppress(ImproperlyConfigured):
            demo_attestations_issue()
    # The partner index, from what was just loaded (after the transaction: a rebuild reads it).
    partner_index_load()
    return LoadResult(loaded_ecosystem=loaded, logins=logins)


def _loop_users() -> dict[str, Any] | None:
    """The officer, evaluator and applicant demo logins; None when a real account holds one of
    those names (the funding loop is then left out, as those accounts are never touched)."""
    users = get_user_model().objects.filter(
        username__in=["officer", "evaluator", "applicant"], email__endswith=f"@{DEMO_EMAIL_DOMAIN}"
    )
    found = {u.username: u for u in users}
    return found if len(found) == 3 else None


def _with_scope(login: DemoLogin) -> DemoLogin:
    """The applicant's organisation, once the funding loop gave it its member role."""
    if login.username != "applicant":
        return login
    assignment = (
        RoleAssignment.objects.filter(
            user__username="applicant", role=Role.MEMBER, organisation__isnull=False
        )
        .select_related("organisation")
        .first()
    )
    scope = assignment.organisation.name if assignment and assignment.organisation else "—"
    return DemoLogin(login.username, login.role, scope)


def _member_organisation(eco: Ecosystem) -> Organisation:
    spec = eco.organisations[eco.member_start_up]
    org = Organisation.objects.filter(is_demo=True, name=spec.name, siren=spec.siren).first()
    if org is None:
        raise DemoError(
            "The demo data in the database does not match this version of the generator; "
            "run `grappe load_demo --reset`."
        )
    return org


def demo_digest() -> str:
    """A fingerprint of the demo rows (names, identifiers, projects, budgets), independent of ids."""
    queries: list[Any] = [
        Organisation.objects.filter(is_demo=True)
        .order_by("name", "siren")
        .values_list(
            "name", "kind", "siren", "siret", "rnsr", "ror", "pic", "vat", "postcode", "keywords"
        ),
        Project.objects.filter(is_demo=True)
        .order_by("acronym")
        .values_list("acronym", "title", "status", "start_date", "trl_start", "trl_target"),
        BudgetLine.objects.filter(participation__project__is_demo=True)
        .order_by(
            "participation__project__acronym",
            "participation__organisation__name",
            "cost_category",
            "research_category",
        )
        .values_list(
            "participation__project__acronym",
            "participation__organisation__name",
            "participation__role",
            "cost_category",
            "research_category",
            "amount",
        ),
    ]
    digest = hashlib.sha256()
    for query in queries:
        for row in query:
            digest.update(repr(row).encode())
    return digest.hexdigest()
