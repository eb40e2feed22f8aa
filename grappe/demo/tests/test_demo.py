"""The demo loader: the real clusters, a deterministic and valid synthetic ecosystem, demo logins."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.http import HttpRequest

from grappe.core.models import Role, RoleAssignment
from grappe.demo import generator as g
from grappe.demo.clusters import CLUSTERS, FUNDERS
from grappe.demo.loader import DEMO_PASSWORD, demo_digest, organisations_from
from grappe.funding.models import Funder
from grappe.projects.models import Accreditation, FundingLine, Participation, Project
from grappe.registry.domain import identifiers
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationFigures,
    Ownership,
)

NAMED = [
    "Advancity",
    "ASTech Paris Région",
    "Cap Digital Paris Région",
    "Finance Innovation",
    "Medicen Paris Region",
    "Mov'eo",
    "Systematic Paris Region",
    "Capital Games",
    "Durapole",
    "Mila",
    "Paris Mix",
    "Silicon Sentier",
]


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def eco() -> g.Ecosystem:
    return g.build_ecosystem()


# --------------------------------------------------------------------------- editorial data


def test_the_twelve_clusters_follow_the_source_text_in_order() -> None:
    assert [c.name for c in CLUSTERS] == NAMED
    kinds = Counter(c.kind for c in CLUSTERS)
    assert kinds == {"competitiveness_cluster": 7, "network": 5}
    for cluster in CLUSTERS:
        assert cluster.topic_en and cluster.topic_fr and "\n" not in cluster.topic_en
        assert cluster.description_en and cluster.description_fr
        assert cluster.description_en != cluster.description_fr
        assert cluster.themes, cluster.name
        assert all(t.en and t.fr for t in cluster.themes)


def test_moveo_has_its_four_strategic_areas() -> None:
    moveo = next(c for c in CLUSTERS if c.slug == "moveo")
    assert [t.en for t in moveo.themes] == [
        "Energy & Environment",
        "Mobility & Services",
        "Road safety",
        "Mechatronics",
    ]
    assert "three regions" in moveo.description_en


def test_funders_are_the_five_real_ones() -> None:
    assert {f.slug: f.kind for f in FUNDERS} == {
        "city-of-paris": "city",
        "bpifrance": "state",
        "region-ile-de-france": "region",
        "european-union": "eu",
        "anr": "agency",
    }


# --------------------------------------------------------------------------- generator (no DB)


def test_the_generator_is_deterministic(eco: g.Ecosystem) -> None:
    again = g.build_ecosystem()
    assert again == eco
    assert g.build_ecosystem(seed=7) != eco


def test_it_generates_every_organisation_type_with_at_least_300_in_all(eco: g.Ecosystem) -> None:
    kinds = Counter(o.kind for o in eco.organisations)
    assert len(eco.organisations) >= 300
    assert set(kinds) == {
        "start_up",
        "sme",
        "mid_cap",
        "large_company",
        "research_lab",
        "higher_education",
        "public_body",
        "association",
        "investor",
        "other",
    }
    assert len({o.name for o in eco.organisations}) == len(eco.organisations)


def test_identifiers_are_valid_and_unique(eco: g.Ecosystem) -> None:
    checks = {
        "siren": identifiers.check_siren,
        "siret": identifiers.check_siret,
        "rnsr": identifiers.check_rnsr,
        "ror": identifiers.check_ror,
        "pic": identifiers.check_pic,
        "vat": identifiers.check_vat,
    }
    for kind, check in checks.items():
        values = [getattr(o, kind) for o in eco.organisations if getattr(o, kind)]
        assert values, f"no {kind} generated"
        assert len(values) == len(set(values)), f"duplicate {kind}"
        for value in values:
            assert check(value) == value
    for org in eco.organisations:
        if org.siren:
            assert org.siret.startswith(org.siren)
            assert org.siret[9:13] != "0000"
        if org.siren and org.vat:
            assert org.vat == identifiers.french_vat_from_siren(org.siren)
        if org.kind == "research_lab" and org.country == "FR":
            assert org.rnsr
    foreign_vat = {o.vat[:2] for o in eco.organisations if o.vat and o.country != "FR"}
    assert foreign_vat == {"DE", "BE", "IT"}


def test_addresses_in_paris_carry_a_matching_arrondissement(eco: g.Ecosystem) -> None:
    paris = [o for o in eco.organisations if o.city == "Paris"]
    assert len(paris) > 100
    for org in paris:
        assert org.paris_arrondissement is not None
        assert org.postcode == f"750{org.paris_arrondissement:02d}"
    elsewhere = {o.country for o in eco.organisations if o.city != "Paris"}
    assert {"FR", "DE", "BE", "IT"} <= elsewhere


def test_yearly_figures_are_decimal_and_fit_the_organisation_type(eco: g.Ecosystem) -> None:
    def latest(kind: str) -> list[tuple[Decimal, Decimal]]:
        return [
            (o.figures[-1][1], o.figures[-1][2])
            for o in eco.organisations
            if o.kind == kind and o.figures
        ]

    for org in eco.organisations:
        assert org.figures, org.name
        for year, staff, turnover, balance in org.figures:
            assert year in g.FIGURE_YEARS
            assert all(isinstance(v, Decimal) for v in (staff, turnover, balance))
            assert staff >= 0 and turnover >= 0 and balance >= 0
    assert max(s for s, _ in latest("start_up")) < 250
    assert max(t for _, t in latest("start_up")) < Decimal("50000000")
    assert min(s for s, _ in latest("large_company")) >= 5000
    assert min(t for _, t in latest("large_company")) > Decimal("50000000")


def test_ownership_has_groups_venture_capital_and_a_business_angel(eco: g.Ecosystem) -> None:
    orgs = eco.organisations
    groups = [o for o in eco.ownerships if orgs[o.holder].kind == "large_company"]
    assert groups and all(o.capital_share > 50 and o.dominant_influence for o in groups)
    vc = [o for o in eco.ownerships if o.holder_category == "venture_capital"]
    assert vc and all(Decimal("25") <= o.capital_share <= Decimal("40") for o in vc)
    assert all(orgs[o.held].kind == "start_up" for o in vc)
    angels = [o for o in eco.ownerships if o.holder_category == "business_angel"]
    assert angels and "Business Angels" in orgs[angels[0].holder].name
    pairs = [(o.holder, o.held) for o in eco.ownerships]
    assert len(pairs) == len(set(pairs))
    assert all(holder != held for holder, held in pairs)


def test_memberships_start_after_foundation_and_some_have_ended(eco: g.Ecosystem) -> None:
    ended = 0
    for org in eco.organisations:
        for _, start, end in org.memberships:
            assert org.founded_on is not None and start >= org.founded_on
            if end is not None:
                ended += 1
                assert end >= start
    assert ended >= 5


def test_projects_have_a_consortium_of_3_to_8_with_one_coordinator(eco: g.Ecosystem) -> None:
    assert len(eco.projects) >= 120
    assert len({p.acronym for p in eco.projects}) == len(eco.projects)
    for project in eco.projects:
        assert 3 <= len(project.participations) <= 8
        roles = [p.role for p in project.participations]
        assert roles.count("coordinator") == 1 and roles[0] == "coordinator"
        members = [p.organisation for p in project.participations]
        assert len(members) == len(set(members))
        assert 2006 <= project.start_date.year <= 2026  # the City programme since 2006
        assert 1 <= project.trl_start <= project.trl_target <= 9
    company_led = sum(
        eco.organisations[p.participations[0].organisation].kind in g.COMPANIES
        for p in eco.projects
    )
    assert company_led > len(eco.projects) * 0.7


def test_budgets_are_realistic_and_split_by_category(eco: g.Ecosystem) -> None:
    for project in eco.projects:
        for part in project.participations:
            assert Decimal("50000") <= part.total <= Decimal("1500000"), part.total
            for cost, research, amount in part.budget:
                assert cost in g.COST_CATEGORIES
                assert research in {"fundamental", "industrial", "experimental"}
                assert isinstance(amount, Decimal) and amount > 0


def test_statuses_are_mixed_and_drive_accreditation_and_grants(eco: g.Ecosystem) -> None:
    statuses = Counter(p.status for p in eco.projects)
    assert set(statuses) == {
        "draft",
        "submitted",
        "accredited",
        "funded",
        "completed",
        "not_accredited",
    }
    second_clusters = 0
    for project in eco.projects:
        if project.status in g.WITH_ACCREDITATION:
            assert project.accreditations[0][:2] == (project.lead_cluster, True)
            assert all(not lead for _, lead, _ in project.accreditations[1:])
            second_clusters += len(project.accreditations) > 1
        else:
            assert project.accreditations == []
        for part in project.participations:
            for line in part.funding:
                assert line.funder in {g.CITY_OF_PARIS, g.BPIFRANCE, g.REGION_IDF}
                assert line.requested > 0
                if project.status in g.WITH_GRANT:
                    assert line.granted is not None and line.decided_on is not None
                    assert line.granted <= line.requested
                else:
                    assert line.granted is None and line.decided_on is None
    assert second_clusters > 0
    funded = [p for p in eco.projects if p.status in g.WITH_GRANT]
    assert all(any(part.funding for part in p.participations) for p in funded)


def test_every_generated_organisation_passes_model_validation(eco: g.Ecosystem) -> None:
    # full_clean without the database checks (uniqueness is covered by the loaded-data test).
    for org in organisations_from(eco):
        org.full_clean(validate_unique=False, validate_constraints=False)


def test_the_city_programme_has_a_plausible_history_since_2006(eco: g.Ecosystem) -> None:
    city = [
        (project, line)
        for project in eco.projects
        for part in project.participations
        for line in part.funding
        if line.funder == g.CITY_OF_PARIS and line.granted is not None
    ]
    years = {line.decided_on.year for _, line in city if line.decided_on}
    assert min(years) == 2006 and set(range(2006, 2027)) <= years
    total = sum((line.granted for _, line in city if line.granted), Decimal(0))
    assert Decimal("30000000") < total < Decimal("40000000"), total
    # Each City decision has its council deliberation and round; one per partner and reference.
    for _project, line in city:
        assert line.decided_on is not None
        assert line.decision_reference.startswith(f"{line.decided_on.year} DDEEES ")
        assert line.funding_round == g.fui_round(line.decided_on)
    assert g.fui_round(dt.date(2014, 6, 12)) == "FUI 17"
    assert g.fui_round(dt.date(2014, 10, 1)) == "FUI 18"
    history = [p for p in eco.projects if p.start_date.year < 2015]
    assert len(history) >= 40 and all(p.status == g.COMPLETED for p in history)


# --------------------------------------------------------------------------- loader (DB)


@pytest.mark.django_db
def test_load_demo_creates_the_clusters_funders_and_ecosystem() -> None:
    output = load()
    assert list(Cluster.objects.values_list("name", flat=True)) == NAMED
    moveo = Cluster.objects.get(slug="moveo")
    assert moveo.themes.count() == 4
    assert Funder.objects.filter(slug__in=[f.slug for f in FUNDERS]).count() == 5
    assert Organisation.objects.filter(is_demo=True).count() >= 300
    assert Project.objects.filter(is_demo=True).count() >= 120
    assert OrganisationFigures.objects.exists()
    assert Ownership.objects.exists()
    assert ClusterMembership.objects.filter(end_date__isnull=False).exists()
    assert FundingLine.objects.filter(granted__isnull=False).exists()
    assert "demo-grappe" in output and "Organisations (demo)" in output


@pytest.mark.django_db
def test_the_demo_home_page_computes_the_city_programme_from_the_demo_lines(client) -> None:  # type: ignore[no-untyped-def]
    load()
    city = FundingLine.objects.filter(
        funder__slug=g.CITY_OF_PARIS, granted__isnull=False, participation__project__is_demo=True
    )
    total = sum(city.values_list("granted", flat=True), Decimal(0))
    millions = int(total // 1_000_000)
    assert millions >= 30
    html = client.get("/en/").content.decode()
    assert f"City of Paris: since 2006, more than {millions} million euros granted" in html
    assert (
        f"{(total / 1_000_000).quantize(Decimal('0.1'), rounding='ROUND_FLOOR')} M€ since 2006"
        in html
    )


@pytest.mark.django_db
def test_every_loaded_demo_organisation_passes_full_clean() -> None:
    load()
    for org in Organisation.objects.filter(is_demo=True):
        org.full_clean()
    for figures in OrganisationFigures.objects.filter(organisation__is_demo=True)[:200]:
        figures.full_clean()


@pytest.mark.django_db
def test_every_loaded_project_has_exactly_one_coordinator() -> None:
    load()
    projects = Project.objects.filter(is_demo=True).annotate(
        coordinators=Count("participations", filter=Q(participations__role="coordinator")),
        partners=Count("participations"),
    )
    assert projects.exists()
    for project in projects:
        assert project.coordinators == 1, project.acronym
        assert 3 <= project.partners <= 8
    leads = Accreditation.objects.filter(is_lead=True).values("project").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in leads)


@pytest.mark.django_db
def test_loading_twice_duplicates_nothing() -> None:
    load()
    counts = _counts()
    output = load()
    assert "already present" in output
    assert _counts() == counts


@pytest.mark.django_db(transaction=True)  # deletes rows: commit, so foreign keys are checked
def test_reset_reloads_the_same_data() -> None:
    load()
    first = demo_digest()
    counts = _counts()
    load("--reset")
    assert demo_digest() == first
    assert _counts() == counts


@pytest.mark.django_db(transaction=True)  # deletes rows: commit, so foreign keys are checked
def test_wipe_removes_demo_rows_but_keeps_reference_data() -> None:
    load()
    load("--wipe")
    assert not Organisation.objects.filter(is_demo=True).exists()
    assert not Project.objects.filter(is_demo=True).exists()
    assert not Participation.objects.exists()
    assert Cluster.objects.count() == 12
    assert Funder.objects.count() == 5


@pytest.mark.django_db(transaction=True)  # deletes rows: commit, so foreign keys are checked
def test_wipe_refuses_when_real_data_uses_a_demo_organisation_and_deletes_nothing() -> None:
    load()
    real_project = Project.objects.create(acronym="REAL", title="A real project")
    demo_org = Organisation.objects.filter(is_demo=True).first()
    Participation.objects.create(project=real_project, organisation=demo_org, role="coordinator")
    before = _counts()
    with pytest.raises(CommandError, match="participations"):
        load("--wipe")
    assert _counts() == before


@pytest.mark.django_db
def test_demo_logins_have_one_role_each(client) -> None:  # type: ignore[no-untyped-def]
    load()
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {"admin", "officer", "manager", "member", "evaluator"} <= set(users)
    assert users["admin"].is_superuser and users["admin"].is_staff
    # Django's staff flag grants nothing: the officer reaches the back office through the role
    # table (for their funder's calls only), and is no superuser.
    for name in ("officer", "manager", "member", "evaluator"):
        assert not users[name].is_staff and not users[name].is_superuser
    client.force_login(users["officer"])
    assert client.get("/en/admin/funding/call/").status_code == 200
    assert client.get("/en/admin/interop/importrun/").status_code == 403
    roles = {
        (a.user.username, a.role): a
        for a in RoleAssignment.objects.select_related("user", "funder", "cluster", "organisation")
    }
    assert ("admin", Role.ADMINISTRATOR) in roles
    assert roles[("officer", Role.PROGRAMME_OFFICER)].funder.slug == "city-of-paris"
    assert roles[("manager", Role.CLUSTER_MANAGER)].cluster.slug == "cap-digital"
    assert ("evaluator", Role.EVALUATOR) in roles
    member_org = roles[("member", Role.MEMBER)].organisation
    assert member_org.is_demo and member_org.kind == "start_up"
    assert Participation.objects.filter(
        organisation=member_org, role="coordinator", project__status="draft"
    ).exists()
    # django-axes watches every authenticate() and needs the request it comes with.
    assert client.login(request=HttpRequest(), username="member", password=DEMO_PASSWORD)


@pytest.mark.django_db
def test_an_existing_real_account_is_never_overwritten() -> None:
    user_model = get_user_model()
    real = user_model.objects.create_user("admin", "boss@example.org", "real-password-123")
    load()
    real.refresh_from_db()
    assert real.check_password("real-password-123")
    assert not real.is_superuser
    assert not RoleAssignment.objects.filter(user=real).exists()


def _counts() -> dict[str, int]:
    return {
        "clusters": Cluster.objects.count(),
        "funders": Funder.objects.count(),
        "organisations": Organisation.objects.count(),
        "figures": OrganisationFigures.objects.count(),
        "memberships": ClusterMembership.objects.count(),
        "ownerships": Ownership.objects.count(),
        "projects": Project.objects.count(),
        "participations": Participation.objects.count(),
        "funding": FundingLine.objects.count(),
        "accreditations": Accreditation.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "users": get_user_model().objects.count(),
    }


@pytest.mark.django_db
def test_the_demo_manager_sees_figures_of_confirmed_current_members_only() -> None:
    from grappe.core.scopes import scope_for
    from grappe.registry import selectors
    from grappe.registry.models import ClusterMembership

    load()
    manager = get_user_model().objects.get(username="manager")
    scope = scope_for(manager)
    cluster_id = next(iter(scope.cluster_ids))
    current = ClusterMembership.objects.filter(
        selectors.current_membership_q(), cluster_id=cluster_id, organisation__figures__isnull=False
    ).select_related("organisation")
    membership = current.first()
    assert membership is not None and membership.confirmed_at is not None
    assert selectors.organisation_figures(
        scope=scope, organisation=membership.organisation
    ).exists()
    # A former member of the manager's cluster, and nothing else: its figures are out of reach.
    former = (
        ClusterMembership.objects.filter(cluster_id=cluster_id, end_date__isnull=False)
        .exclude(
            organisation__memberships__in=ClusterMembership.objects.filter(
                selectors.current_membership_q(), cluster_id=cluster_id
            )
        )
        .select_related("organisation")
        .first()
    )
    assert former is not None
    assert not selectors.organisation_can_see_figures(scope=scope, organisation=former.organisation)
