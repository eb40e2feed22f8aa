"""The back office: every model registered, staff-only, validated, audit log read-only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from grappe.core.models import AuditEvent, Role, RoleAssignment, SearchWord, Transition
from grappe.core.services import audit_record
from grappe.core.tests import factories as f
from grappe.decisions.models import CallFunding, Decision, Envelope, LedgerEntry
from grappe.evaluation.models import (
    Assignment,
    CallPanel,
    ConsensusReport,
    Declaration,
    Expert,
    IndividualReport,
    Waiver,
)
from grappe.funding.models import Application, ProposalTarget, RequestedAid, ScreeningVerdict
from grappe.funding.services import call_create
from grappe.grants import services as grant_services
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.tests import helpers as grant_helpers
from grappe.notifications.models import Notification, NotificationPreference
from grappe.notifications.services import notify, preference_set
from grappe.projects.models import (
    ClusterSubmission,
    PartnerInvitation,
    ProposalDocument,
    ProposalMessage,
)
from grappe.projects.services import project_transition
from grappe.registry.models import (
    ClusterTheme,
    Organisation,
    OrganisationChangeProposal,
    Ownership,
)

APPS = (
    "core",
    "registry",
    "projects",
    "funding",
    "notifications",
    "evaluation",
    "decisions",
    "grants",
)
# Every model people edit; not the search indexes (Django does not manage them: their rows are
# written by the services only, `grappe.core.search`, and rebuilt with `grappe search_index`).
MODELS = [m for label in APPS for m in apps.get_app_config(label).get_models() if m._meta.managed]


def _id(model: Any) -> str:
    return model._meta.label


def _url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_user(db: Any) -> Any:
    """A superuser without a hashed password (hashing costs ~1 s a test)."""
    return get_user_model().objects.create(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client: Any, admin_user: Any) -> Any:
    client.force_login(admin_user)
    return client


@pytest.fixture
def one_of_each(db: Any) -> dict[Any, Any]:
    """One row of every model, so changelists and change forms render real objects."""
    return _one_of_each()


def _one_of_each(tag: str = "") -> dict[Any, Any]:
    """One row of every model; `tag` keeps the unique values of another call apart."""
    part = f.ParticipationFactory(role="coordinator")
    holder = f.OrganisationFactory(kind="large_company")
    cluster = f.ClusterFactory()
    funder = f.FunderFactory()
    objects = {
        "registry.Cluster": cluster,
        "registry.ClusterTheme": ClusterTheme.objects.create(
            cluster=cluster, name_en="Road safety", name_fr="Sécurité routière"
        ),
        "registry.Organisation": part.organisation,
        "registry.OrganisationFigures": f.FiguresFactory(organisation=part.organisation),
        "registry.Ownership": Ownership.objects.create(
            holder=holder,
            held=part.organisation,
            capital_share=Decimal("60"),
            voting_share=Decimal("60"),
            dominant_influence=True,
        ),
        "registry.ClusterMembership": f.MembershipFactory(
            cluster=cluster, organisation=part.organisation
        ),
        "registry.OrganisationChangeProposal": OrganisationChangeProposal.objects.create(
            organisation=part.organisation, field="city", old_value="Paris", proposed_value="Lyon"
        ),
        "funding.Funder": funder,
        "projects.Project": part.project,
        "projects.Participation": part,
        "projects.BudgetLine": f.BudgetLineFactory(participation=part),
        "projects.FundingLine": f.FundingLineFactory(participation=part, funder=funder),
        "projects.Accreditation": f.AccreditationFactory(project=part.project, cluster=cluster),
        "projects.ClusterSubmission": ClusterSubmission.objects.create(
            project=part.project, cluster=cluster, statement="Fit", submitted_at=timezone.now()
        ),
        "core.RoleAssignment": RoleAssignment.objects.create(
            user=f.UserFactory(), role=Role.CLUSTER_MANAGER, cluster=cluster
        ),
        "core.SearchWord": SearchWord.objects.create(index="test", word=f"energie{tag}", length=7),
        "projects.PartnerInvitation": PartnerInvitation.objects.create(
            project=part.project, organisation=f.OrganisationFactory()
        ),
        "projects.ProposalDocument": ProposalDocument.objects.create(
            project=part.project,
            title="Annex",
            file_name="annex.pdf",
            size=8,
            sha256="0" * 64,
            content=b"%PDF-1.7",
        ),
        "projects.ProposalMessage": ProposalMessage.objects.create(
            project=part.project, body="Hello"
        ),
    }
    objects["core.AuditEvent"] = audit_record(actor=None, action="test.create", obj=cluster)
    reader = f.UserFactory()
    objects["notifications.Notification"] = notify(
        actor=None,
        recipients=[reader],
        kind="invitation.received",
        params={"organisation": "Lab", "acronym": "P1", "title": "A proposal"},
        url="/en/me/",
    )[0]
    objects["notifications.NotificationPreference"] = preference_set(
        actor=reader, user=reader, kind="invitation.received", email=False
    )
    call = call_create(
        actor=None,
        funder=funder,
        slug=f"call-test{tag}",
        title_en="A call",
        title_fr="Un appel",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2026, 12, 31),
        source_code="city-of-paris",
    )
    objects["core.Transition"] = project_transition(
        actor=None, project=part.project, transition="complete"
    ).row
    objects["funding.Call"] = call
    objects["funding.CallRuleSet"] = call.ruleset
    application = Application.objects.create(call=call, project=part.project)
    objects["funding.Application"] = application
    objects["funding.ProposalTarget"] = ProposalTarget.objects.create(
        project=part.project, call=call, set_at=timezone.now()
    )
    objects["funding.RequestedAid"] = RequestedAid.objects.create(
        application=application, participation=part, amount=Decimal("1000")
    )
    objects["funding.ScreeningVerdict"] = ScreeningVerdict.objects.create(
        application=application,
        position=0,
        rule="budget",
        status="failed",
        code="eligibility.budget.window",
        sentence_en="Budget",
        sentence_fr="Budget",
    )
    expert = Expert.objects.create(funder=funder, user=f.UserFactory(), name="An expert")
    assignment = Assignment.objects.create(
        expert=expert, application=application, assigned_at=timezone.now()
    )
    objects["evaluation.Expert"] = expert
    objects["evaluation.Assignment"] = assignment
    objects["evaluation.Declaration"] = Declaration.objects.create(
        expert=expert, application=application, declared_at=timezone.now()
    )
    objects["evaluation.Waiver"] = Waiver.objects.create(
        expert=expert,
        application=application,
        kind="co_participation",
        justification="Long ago",
        waived_at=timezone.now(),
    )
    objects["evaluation.IndividualReport"] = IndividualReport.objects.create(
        assignment=assignment, scores={"impact": "4"}, submitted_at=timezone.now()
    )
    objects["evaluation.ConsensusReport"] = ConsensusReport.objects.create(
        application=application, rapporteur=expert, overall=12, recorded_at=timezone.now()
    )
    objects["evaluation.CallPanel"] = CallPanel.objects.create(call=call)
    plan = CallFunding.objects.create(call=call)
    envelope = Envelope.objects.create(
        call=call, funder=funder, kind="envelope", amount=Decimal("1000"), approved=Decimal("10")
    )
    objects["decisions.CallFunding"] = plan
    objects["decisions.Envelope"] = envelope
    objects["decisions.LedgerEntry"] = LedgerEntry.objects.create(
        envelope=envelope,
        application=objects["funding.Application"],
        participation=part,
        kind="approval",
        amount=Decimal("10"),
    )
    objects["decisions.Decision"] = Decision.objects.create(
        application=objects["funding.Application"], outcome="funded", decided_on=dt.date(2026, 6, 1)
    )
    objects.update(_grants())
    return objects


def _grants() -> dict[str, Any]:
    """One row of every grants model, each written by its service."""
    w = grant_helpers.make_world()
    agreement = grant_helpers.make_agreement(w)
    version = agreement.versions.get()
    st = grant_helpers.statement(w, agreement, ("personnel", "1000.00"))
    document = grant_services.statement_document_add(
        actor=w.partner,
        statement=st,
        title="Payslips",
        file_name="pay.pdf",
        content=grant_helpers.PDF,
    )
    report = grant_services.report_submit(
        actor=w.partner, agreement=agreement, kind="yearly", year=2024, figures={"jobs_fte": "1"}
    )
    return {
        "grants.PaymentPlan": grant_services.payment_plan_set(
            actor=None, funder=w.funder, data=PLAN_DATA["fui"]
        ),
        "grants.GrantAgreement": agreement,
        "grants.AgreementVersion": version,
        "grants.AgreementCost": version.costs.first(),
        "grants.ExpenseStatement": st,
        "grants.ExpenseLine": st.lines.get(),
        "grants.StatementDocument": document,
        "grants.Installment": grant_helpers.pay(w, agreement, "advance"),
        "grants.ImpactReport": report,
    }


def test_every_model_of_the_core_apps_is_in_the_admin() -> None:
    missing = [_id(m) for m in MODELS if not admin.site.is_registered(m)]
    assert not missing, f"register these in their app's admin.py: {missing}"


@pytest.mark.parametrize("model", MODELS, ids=_id)
def test_changelist_and_forms_open_for_a_superuser(
    model: Any, one_of_each: dict[str, Any], admin_client: Any
) -> None:
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    obj = one_of_each[_id(model)]
    assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200
    add = admin_client.get(_url(model, "add"))
    read_only = (
        AuditEvent,
        Transition,
        ClusterSubmission,
        SearchWord,
        PartnerInvitation,
        Application,
    )
    read_only += (ProposalDocument, ProposalMessage, Notification, NotificationPreference)
    read_only += (ProposalTarget, RequestedAid, ScreeningVerdict)
    read_only += tuple(apps.get_app_config("evaluation").get_models())
    read_only += (CallFunding, Envelope, LedgerEntry, Decision)
    read_only += tuple(apps.get_app_config("grants").get_models())  # written by their services
    assert add.status_code == (403 if model in read_only else 200)


@pytest.mark.parametrize("model", MODELS, ids=_id)
def test_changelist_search_works(
    model: Any, one_of_each: dict[str, Any], admin_client: Any
) -> None:
    response = admin_client.get(_url(model, "changelist"), {"q": "a"})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=_id)
def test_anonymous_visitors_are_sent_to_the_login_page(model: Any, client: Any) -> None:
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_signed_in_non_staff_users_are_sent_to_the_login_page(client: Any) -> None:
    user = f.user_with_role(Role.MEMBER, organisation=f.OrganisationFactory())
    client.force_login(user)
    response = client.get(_url(Organisation, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# --------------------------------------------------------------------------- the audit log


def test_audit_events_cannot_be_added_changed_or_deleted(
    one_of_each: dict[str, Any], admin_client: Any, rf: Any, admin_user: Any
) -> None:
    event = one_of_each["core.AuditEvent"]
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert model_admin.has_view_permission(request, event)

    assert admin_client.post(_url(AuditEvent, "add"), {"action": "x"}).status_code == 403
    response = admin_client.post(_url(AuditEvent, "change", event.pk), {"action": "forged"})
    assert response.status_code == 403
    assert admin_client.post(_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == (
        403
    )
    changelist = admin_client.get(_url(AuditEvent, "changelist"))
    assert "delete_selected" not in changelist.content.decode()
    event.refresh_from_db()
    assert event.action == "test.create"


@pytest.mark.django_db
def test_roles_granted_in_the_back_office_are_audited(admin_client: Any) -> None:
    user = f.UserFactory()
    cluster = f.ClusterFactory()
    response = admin_client.post(
        _url(RoleAssignment, "add"),
        {"user": user.pk, "role": Role.CLUSTER_MANAGER, "cluster": cluster.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=user)
    event = AuditEvent.objects.get(object_type="core.roleassignment", object_id=str(assignment.pk))
    assert event.action == "role.assign"
    assert event.after is not None and event.after["cluster"] == cluster.pk


@pytest.mark.django_db
def test_a_role_without_its_scope_is_refused_with_a_form_error(admin_client: Any) -> None:
    user = f.UserFactory()
    response = admin_client.post(
        _url(RoleAssignment, "add"), {"user": user.pk, "role": Role.CLUSTER_MANAGER}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "cluster" in errors and "scoped to one cluster" in errors["cluster"][0]
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_role_with_a_foreign_scope_is_refused_on_that_field(admin_client: Any) -> None:
    user = f.UserFactory()
    response = admin_client.post(
        _url(RoleAssignment, "add"),
        {"user": user.pk, "role": Role.EVALUATOR, "funder": f.FunderFactory().pk},
    )
    assert response.status_code == 200
    assert "takes no funder" in response.context["adminform"].form.errors["funder"][0]
    assert not RoleAssignment.objects.filter(user=user).exists()


# --------------------------------------------------------------------------- validation


def _organisation_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Lumisense",
        "short_name": "",
        "kind": "start_up",
        "siren": "",
        "siret": "",
        "vat": "",
        "rnsr": "",
        "ror": "",
        "pic": "",
        "address": "",
        "postcode": "75011",
        "city": "Paris",
        "paris_arrondissement": "11",
        "country": "FR",
        "website": "",
        "description": "",
        "keywords": "",
        "founded_on": "",
    }
    for prefix in ("figures", "memberships", "holders"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_organisation_form_accepts_valid_identifiers(admin_client: Any) -> None:
    siren = f.make_siren(42_424_242)
    siret = siren + "0001"
    siret += luhn.calc_check_digit(siret)
    response = admin_client.post(
        _url(Organisation, "add"), _organisation_form(siren=siren, siret=siret)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Organisation.objects.get(name="Lumisense").siret == siret


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "123456788", "Luhn"),
        ("siren", "12345", "9 digits"),
        ("ror", "03yrm5c27", "checksum"),
        ("rnsr", "2006123", "9 digits followed by one letter"),
        ("pic", "12ab", "9 digits"),
        ("vat", "FR00123456789", "VAT"),
    ],
)
def test_the_organisation_form_rejects_invalid_identifiers(
    admin_client: Any, field: str, value: str, message: str
) -> None:
    response = admin_client.post(_url(Organisation, "add"), _organisation_form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Organisation.objects.filter(name="Lumisense").exists()


@pytest.mark.django_db
def test_the_organisation_form_runs_the_model_clean(admin_client: Any) -> None:
    response = admin_client.post(
        _url(Organisation, "add"),
        _organisation_form(postcode="75012", paris_arrondissement="11"),
    )
    assert response.status_code == 200
    assert "postcode" in response.context["adminform"].form.errors
    assert not Organisation.objects.exists()


# --------------------------------------------------------------------------- query counts


def _populate(n: int) -> None:
    cluster = f.ClusterFactory()
    funder = f.FunderFactory()
    for _ in range(n):
        project = f.ProjectFactory()
        f.AccreditationFactory(project=project, cluster=cluster)
        for role in ("coordinator", "partner"):
            part = f.ParticipationFactory(project=project, role=role)
            f.BudgetLineFactory(participation=part)
            f.FundingLineFactory(participation=part, funder=funder)
            f.FiguresFactory(organisation=part.organisation)
            f.MembershipFactory(cluster=cluster, organisation=part.organisation)
        holder = f.OrganisationFactory()
        Ownership.objects.create(
            holder=holder,
            held=part.organisation,
            capital_share=Decimal("30"),
            voting_share=Decimal("30"),
        )
    audit_record(actor=None, action="x", obj=cluster)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=_id)
def test_changelist_queries_do_not_grow_with_the_rows(model: Any, admin_client: Any) -> None:
    _populate(1)
    url = _url(model, "changelist")
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    _populate(4)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_no_changelist_runs_a_query_per_row(admin_client: Any) -> None:
    """Every changelist, with one row of every model and then three: the same number of
    queries (a column or a `__str__` reading a relation not in `list_select_related` adds one
    query per row)."""

    def queries(model: Any) -> int:
        url = _url(model, "changelist")
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured)

    _one_of_each("a")
    for model in MODELS:
        queries(model)  # warm caches (content types, sessions)
    one = {_id(m): queries(m) for m in MODELS}
    _one_of_each("b")
    _one_of_each("c")
    grown = {_id(m): (one[_id(m)], n) for m in MODELS if (n := queries(m)) != one[_id(m)]}
    assert not grown, f"queries with one row, with three: {grown}"


@pytest.mark.django_db
def test_project_change_form_needs_at_most_one_query_per_partner(admin_client: Any) -> None:
    # Each partner row's autocomplete widget looks up its selected organisation (Django's
    # AutocompleteSelect does one query per widget); nothing else may grow with the consortium.
    project = f.ProjectFactory(start_date=dt.date(2024, 1, 1))
    f.ParticipationFactory(project=project, role="coordinator")
    url = _url(project.__class__, "change", project.pk)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(5):
        f.ParticipationFactory(project=project)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) <= len(few) + 5, [q["sql"] for q in many.captured_queries]


def _project_form(project: Any, parts: list[Any], accreditations: list[Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "acronym": project.acronym,
        "title": project.title,
        "summary": "",
        "keywords": "",
        "status": project.status,
        "start_date": "2024-01-01",
        "duration_months": "36",
        "trl_start": "",
        "trl_target": "",
    }
    if project.pk is not None:
        data.update(f.opened(project))
    for prefix, rows in (("participations", parts), ("accreditations", accreditations)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
            data[f"{prefix}-{i}-project"] = project.pk
    return data


@pytest.mark.django_db
def test_two_coordinators_in_one_submission_are_a_form_error_not_a_crash(
    admin_client: Any,
) -> None:
    project = f.ProjectFactory()
    a, b = f.OrganisationFactory(), f.OrganisationFactory()
    parts = [
        {"organisation": a.pk, "role": "coordinator", "display_order": "0"},
        {"organisation": b.pk, "role": "coordinator", "display_order": "1"},
    ]
    url = _url(project.__class__, "change", project.pk)
    response = admin_client.post(url, _project_form(project, parts, []))
    assert response.status_code == 200
    assert "exactly one coordinator" in response.content.decode()
    assert not project.participations.exists()

    parts[1]["role"] = "partner"
    response = admin_client.post(url, _project_form(project, parts, []))
    assert response.status_code == 302
    assert project.participations.filter(role="coordinator").count() == 1


@pytest.mark.django_db
def test_two_lead_clusters_in_one_submission_are_a_form_error(admin_client: Any) -> None:
    project = f.ProjectFactory()
    rows = [
        {"cluster": f.ClusterFactory().pk, "is_lead": "on", "accredited_on": "2023-10-01"},
        {"cluster": f.ClusterFactory().pk, "is_lead": "on", "accredited_on": "2023-10-02"},
    ]
    url = _url(project.__class__, "change", project.pk)
    response = admin_client.post(url, _project_form(project, [], rows))
    assert response.status_code == 200
    assert "one lead cluster" in response.content.decode()
    assert not project.accreditations.exists()


@pytest.mark.django_db
def test_an_organisation_cannot_hold_itself(admin_client: Any) -> None:
    org = f.OrganisationFactory()
    response = admin_client.post(
        _url(Ownership, "add"),
        {
            "holder": org.pk,
            "held": org.pk,
            "holder_category": "enterprise",
            "capital_share": "30",
            "voting_share": "30",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "cannot hold shares in itself" in errors["holder"][0]
    assert not Ownership.objects.exists()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Mark as completed", "Funded", "Completed", ">project<", ">administrator<"]),
        ("fr", ["Terminé", ">projet<", ">administrateur<", "Marquer comme terminé"]),
    ],
)
def test_the_transition_list_names_steps_and_states_by_their_labels(
    admin_client: Any, lang: str, words: list[str]
) -> None:
    from grappe.projects.models import ProjectStatus
    from grappe.projects.services import project_transition

    project = f.ProjectFactory(status=ProjectStatus.FUNDED)
    project_transition(actor=None, project=project, transition="complete")
    Transition.objects.create(  # a workflow this process does not define: its ids, as stored
        content_type=Transition.objects.get().content_type,
        object_id=project.pk,
        workflow="retired",
        workflow_version=1,
        transition="close_down",
        from_state="open",
        to_state="closed",
        acting_role="staff",
    )
    page = admin_client.get(f"/{lang}/admin/core/transition/").content.decode()
    for word in words:
        assert word in page
    assert "close_down" in page and ">closed<" in page
    # the filters name workflows, steps and roles by their labels and filter by their ids
    filtered = admin_client.get(f"/{lang}/admin/core/transition/", {"transition": "close_down"})
    assert filtered.context["cl"].result_count == 1
