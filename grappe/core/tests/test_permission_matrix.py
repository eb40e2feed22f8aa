"""The permission matrix: every page, every API operation and every back-office model, visited
anonymously and as each demo login, on an object of the login's own organisation / cluster /
funder and on another's.

The routes come from the site itself — the URL conf under /en/, the OpenAPI document, the admin
registry — so a new page, operation or model without an expected outcome in `PAGES`, `API` or
`ADMIN` below fails `test_every_route_has_an_expectation` with the line to add. Each outcome is
the status the role table gives (`grappe/core/domain/roles.py`, docs/permissions.md): `ok` (200),
`login` (302 to the login page), `admin-login` (302 to the back office's login), `back` (302
elsewhere: a form's redirect after refusing or doing nothing), `403`, `404`, `405`, `401`, `422`.

Zero leaks: whatever a response's status, the confidential values of the other objects — the
other organisation's turnover, the other draft project's title — appear only to the roles that
may see them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone

from grappe.api import api
from grappe.attestations.models import Attestation
from grappe.attestations.services import attestation_issue
from grappe.core.models import RoleAssignment, SearchWord
from grappe.core.tests.factories import (
    AccreditationFactory,
    FiguresFactory,
    FundingLineFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
)
from grappe.evaluation.models import Expert
from grappe.funding.models import Application, Call, Funder
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import ExpenseStatement, GrantAgreement, StatementDocument
from grappe.grants.services import agreement_create
from grappe.interop.models import ImportRun, MergeProposal
from grappe.labelling.models import CommitteeSession, Review
from grappe.labelling.services import criteria_set_create, review_attach, session_create
from grappe.notifications.models import Notification, NotificationPreference
from grappe.notifications.services import notify, preference_set
from grappe.projects.models import (
    ClusterSubmission,
    ParticipantRole,
    PartnerInvitation,
    Project,
    ProjectStatus,
    ProposalDocument,
    ProposalMessage,
)
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationChangeProposal,
)

ROLES = ("anonymous", "admin", "officer", "manager", "member", "evaluator")
SIDES = ("own", "other")

OTHER_TURNOVER = Decimal("987654321.00")
OTHER_TITLE = "Confidential draft about quantum hydroponics"
# Who may see each confidential value of the "other" objects (no relation to any demo login):
# the figures reach administrators and programme officers; an outsider's draft only administrators.
SECRETS: dict[str, tuple[re.Pattern[bytes], set[str]]] = {
    "the other organisation's turnover": (
        re.compile(rb"987\D{0,6}654\D{0,6}321"),
        {"admin", "officer"},
    ),
    "the other draft project's title": (re.compile(OTHER_TITLE.encode()), {"admin"}),
}


# --------------------------------------------------------------------------- the objects


@pytest.fixture(scope="module")
def world(demo_site: Any, tmp_path_factory: Any) -> dict[str, Any]:
    """Own and other objects for each parameter: "own" belongs to the demo logins' organisation,
    cluster (Cap Digital) and funder (the City of Paris); "other" to nobody's."""
    member_org = RoleAssignment.objects.get(user__username="member").organisation
    cap = Cluster.objects.get(slug="cap-digital")
    other_cluster = Cluster.objects.get(slug="medicen")
    city = Funder.objects.get(slug="city-of-paris")
    other_funder = Funder.objects.exclude(pk=city.pk).first()
    own_membership, _ = ClusterMembership.objects.get_or_create(
        cluster=cap, organisation=member_org, defaults={"start_date": dt.date(2020, 1, 1)}
    )
    ClusterMembership.objects.filter(pk=own_membership.pk).update(
        end_date=None, confirmed_at=timezone.now()
    )
    own_project = ProjectFactory(status=ProjectStatus.DRAFT, title="Own draft of the demo logins")
    own_part = ParticipationFactory(
        project=own_project, organisation=member_org, role=ParticipantRole.COORDINATOR
    )
    own_accreditation = AccreditationFactory(project=own_project, cluster=cap)
    FundingLineFactory(participation=own_part, funder=city, granted=None, decided_on=None)

    other_org = OrganisationFactory(name="Outsider Industries")
    FiguresFactory(organisation=other_org, turnover=OTHER_TURNOVER)
    other_membership = MembershipFactory(cluster=other_cluster, organisation=other_org)
    other_project = ProjectFactory(status=ProjectStatus.DRAFT, title=OTHER_TITLE)
    ParticipationFactory(
        project=other_project, organisation=other_org, role=ParticipantRole.COORDINATOR
    )
    other_accreditation = AccreditationFactory(project=other_project, cluster=other_cluster)
    # Signed with a key of the test's own (never the project folder's); issued here, so the
    # issue page only finds them (it is idempotent) and signs nothing.
    with override_settings(
        ATTESTATION_SIGNING_KEY_FILE=tmp_path_factory.mktemp("keys") / "key.pem",
        ATTESTATION_SIGNING_KEY_AUTOCREATE=True,
    ):
        attestations = [
            attestation_issue(accreditation=a, actor=None)
            for a in (own_accreditation, other_accreditation)
        ]
    own_run = ImportRun.objects.create(source="members", cluster=cap)
    other_run = ImportRun.objects.create(source="members", cluster=other_cluster)
    funding_runs = [
        ImportRun.objects.create(source="funding_lines", funder=f) for f in (city, other_funder)
    ]
    proposals = {
        side: OrganisationChangeProposal.objects.create(
            organisation=org, field="website", proposed_value="https://example.org/", cluster=c
        )
        for side, org, c in (("own", member_org, cap), ("other", other_org, other_cluster))
    }
    duplicate = OrganisationFactory(name="Outsider Industries SAS")
    merge = MergeProposal.objects.create(
        keep=other_org, duplicate=duplicate, duplicate_pk=duplicate.pk, reason="same SIREN"
    )
    # A failed login, its log line and a login's record: the back office's pages of each exist
    # whatever logins the tests made before.
    where = {"user_agent": "test", "ip_address": "192.0.2.1", "http_accept": "*/*"}
    AccessAttempt.objects.create(
        username="member", path_info="/en/accounts/login/", failures_since_start=1, **where
    )
    AccessFailureLog.objects.create(username="member", path_info="/en/accounts/login/", **where)
    AccessLog.objects.create(username="member", path_info="/en/accounts/login/", **where)
    submissions = {
        side: ClusterSubmission.objects.create(
            project=project, cluster=c, is_lead=True, statement="Fit", submitted_at=timezone.now()
        )
        for side, project, c in (("own", own_project, cap), ("other", other_project, other_cluster))
    }
    # A committee session of each cluster with the submission before it (the demo manager sits
    # on Cap Digital's; a manager of Medicen, no demo login, on the other).
    medicen_manager = get_user_model().objects.create(username="medicen-manager")
    RoleAssignment.objects.create(
        user=medicen_manager, role="cluster_manager", cluster=other_cluster
    )
    reviews = {}
    for side, c, who in (
        ("own", cap, get_user_model().objects.get(username="manager")),
        ("other", other_cluster, medicen_manager),
    ):
        criteria_set_create(actor=None, cluster=c, definition=MATRIX_CRITERIA)
        session = session_create(
            actor=None,
            cluster=c,
            title=f"{side} session",
            meets_on=dt.date(2027, 1, 1),
            member_ids=[who.pk],
        )
        reviews[side] = review_attach(actor=None, session=session, submission=submissions[side])
    invitations = [
        PartnerInvitation.objects.create(project=project, organisation=OrganisationFactory())
        for project in (own_project, other_project)
    ]
    documents = [
        ProposalDocument.objects.create(
            project=project,
            title="Annex",
            file_name="a.pdf",
            size=9,
            sha256="0",
            content=b"%PDF-1.7",
        )
        for project in (own_project, other_project)
    ]
    messages = [
        ProposalMessage.objects.create(project=project, body="Hello")
        for project in (own_project, other_project)
    ]
    word = SearchWord.objects.create(index="matrix", word="matrix", length=6)
    # A notification of the demo member's ("own") and one of a user no demo login is.
    notifications = [
        notify(
            actor=None,
            recipients=[who],
            kind="invitation.received",
            params={"organisation": "Lab", "acronym": "MATRIX", "title": "Matrix"},
            url="/en/me/",
        )[0]
        for who in (get_user_model().objects.get(username="member"), medicen_manager)
    ]
    member = get_user_model().objects.get(username="member")
    preference = preference_set(actor=member, user=member, kind="invitation.received", email=False)
    calls = {
        # The City's call open now (the demo also has a closed and an upcoming one).
        "own": next(c for c in Call.objects.filter(funder=city) if c.is_open_at(timezone.now())),
        "other": Call.objects.exclude(funder=city).first() or Call.objects.last(),
    }
    applications = (
        Application.objects.create(call=calls["own"], project=own_project),
        Application.objects.create(call=calls["other"], project=other_project),
    )
    # A grant agreement of the demo member's organisation with the City of Paris (the demo
    # officer's funder), and one of the outsider with another funder, each with a statement and
    # its supporting PDF.
    agreements = []
    for part, funder in ((own_part, city), (other_project.participations.get(), other_funder)):
        line = FundingLineFactory(participation=part, funder=funder, granted=Decimal("1000.00"),
                                  decision_reference="matrix")  # fmt: skip
        agreements.append(agreement_create(actor=None, funding_line=line, intensity="0.5",
                                           costs={"personnel": "2000"}, plan=PLAN_DATA["fui"],
                                           starts_on=dt.date(2024, 1, 1),
                                           ends_on=dt.date(2026, 12, 31)))  # fmt: skip
    grant_documents = [
        StatementDocument.objects.create(
            statement=ExpenseStatement.objects.create(
                agreement=a, period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 6, 30)
            ),
            title="Invoice",
            file_name="i.pdf",
            size=8,
            sha256="0",
            content=b"%PDF-1.7",
        )
        for a in agreements
    ]
    # An expert in each funder's pool: the demo evaluator in the City of Paris's (the demo's
    # funding loop put them there, assigned to the decided call's applications, not to the
    # matrix's), someone else in the other's (assigned to nothing).
    experts = (
        Expert.objects.get_or_create(
            funder=city,
            user=get_user_model().objects.get(username="evaluator"),
            defaults={"name": "Own expert"},
        )[0],
        Expert.objects.create(
            funder=other_funder,
            user=get_user_model().objects.create(username="other-expert"),
            name="Other expert",
        ),
    )
    return {
        # model -> (own object, other object), for the pages' parameters and the back office
        GrantAgreement: tuple(agreements),
        StatementDocument: tuple(grant_documents),
        Project: (own_project, other_project),
        Organisation: (member_org, other_org),
        Cluster: (cap, other_cluster),
        Funder: (city, other_funder),
        Call: (calls["own"], calls["other"]),
        Application: applications,
        Expert: experts,
        ImportRun: (own_run, other_run),
        FUNDING_RUN: tuple(funding_runs),
        ClusterMembership: (own_membership, other_membership),
        OrganisationChangeProposal: (proposals["own"], proposals["other"]),
        MergeProposal: (merge, merge),
        Attestation: tuple(attestations),
        ACCREDITATION: (own_accreditation, other_accreditation),
        ClusterSubmission: (submissions["own"], submissions["other"]),
        CommitteeSession: (reviews["own"].session, reviews["other"].session),
        Review: (reviews["own"], reviews["other"]),
        PartnerInvitation: tuple(invitations),
        ProposalDocument: tuple(documents),
        ProposalMessage: tuple(messages),
        SearchWord: (word, word),
        Notification: tuple(notifications),
        NotificationPreference: (preference, preference),
    }


MATRIX_CRITERIA = {"criteria": [{"id": "impact", "label": "Impact", "weight": 1, "max_score": 5}]}


# The world's key for the funding-line import runs (of the City of Paris / of another funder),
# which fill the funder pages' `pk`; `ImportRun` holds the member-sheet runs of the clusters.
FUNDING_RUN = "funding-lines import run"
# The accreditations (of the own draft by Cap Digital, of the other draft by another cluster),
# each with its attestation: the attestation pages' `accreditation_pk`.
ACCREDITATION = "accreditation"


def obj(world: dict[str, Any], model: type | str, side: str) -> Any:
    return world[model][SIDES.index(side)]


def login(role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=role))
    return client


@pytest.fixture(scope="module")
def clients(demo_site: Any) -> dict[str, Client]:
    return {role: login(role) for role in ROLES}


def outcome(response: Any) -> str:
    status = response.status_code
    if status == 302:
        location = response["Location"]
        if "/admin/login/" in location:
            return "admin-login"
        if "/accounts/login/" in location:
            return "login"
        return "back"
    return "ok" if status == 200 else str(status)


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


# --------------------------------------------------------------------------- the routes


def site_pages() -> Iterator[tuple[str, list[str]]]:
    """Every named page under the language prefix (the back office apart): (name, parameters)."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[tuple[str, list[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                yield namespace + p.name, list(p.pattern.converters)

    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and isinstance(top.pattern, LocalePrefixPattern):
            yield from walk(top.url_patterns, "")


def api_operations() -> Iterator[tuple[str, str]]:
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            yield method.upper(), path


def admin_models() -> Iterator[type]:
    yield from admin.site._registry


# Each page parameter, by page: the model whose own / other object fills it.
PAGE_PARAMETERS: dict[str, dict[str, type | str]] = {
    "cluster_detail": {"slug": Cluster},
    "organisation_detail": {"pk": Organisation},
    "organisation_review": {"pk": Organisation},
    "membership_confirm": {"pk": Organisation, "membership_pk": ClusterMembership},
    "change_proposal_decide": {
        "pk": Organisation,
        "proposal_pk": OrganisationChangeProposal,
    },
    "project_detail": {"pk": Project},
    "project_transition": {"pk": Project},
    "project_partner_invite": {"pk": Project},
    "project_aid_simulation": {"pk": Project},
    "project_submit": {"pk": Project},
    "submission_withdraw": {"pk": Project, "submission_pk": ClusterSubmission},
    "labelling:cluster": {"slug": Cluster},
    "labelling:session": {"pk": CommitteeSession},
    "labelling:review": {"pk": Review},
    "labelling:letter": {"pk": Review},
    "proposal_edit": {"pk": Project},
    "proposal_invite": {"pk": Project},
    "proposal_target_call": {"pk": Project},
    "partner_budget": {"pk": Project},
    "invitation_answer": {"pk": PartnerInvitation},
    "proposal_document_upload": {"pk": Project},
    "proposal_document": {"pk": Project, "document_pk": ProposalDocument},
    "proposal_message_post": {"pk": Project},
    "interop:run_detail": {"pk": ImportRun},
    "interop:run_rejected_csv": {"pk": ImportRun},
    "interop:merge_decide": {"pk": MergeProposal},
    "interop:member_template": {"slug": Cluster},
    "interop:member_upload": {"slug": Cluster},
    "interop:member_preview": {"slug": Cluster, "pk": ImportRun},
    "funder_detail": {"slug": Funder},
    "call_detail": {"slug": Call},
    "call_edit": {"slug": Call},
    "call_rules_edit": {"slug": Call},
    "call_evaluation_edit": {"slug": Call},
    "call_apply": {"slug": Call},
    "call_applications": {"slug": Call},
    "application_detail": {"pk": Application},
    "application_submit": {"pk": Application},
    "application_transition": {"pk": Application},
    "application_override": {"pk": Application},
    "application_receipt": {"pk": Application},
    "interop:funding_template": {"slug": Funder},
    "interop:funding_upload": {"slug": Funder},
    "interop:funding_preview": {"slug": Funder, "pk": FUNDING_RUN},
    "interop:funding_unmatched": {"slug": Funder},
    "attestations:detail": {"pk": Attestation},
    "attestations:letter": {"pk": Attestation},
    "attestations:file": {"pk": Attestation},
    "attestations:revoke": {"pk": Attestation},
    "attestations:issue": {"accreditation_pk": ACCREDITATION},
    "notifications:read": {"pk": Notification},
    "grants:detail": {"pk": GrantAgreement},
    "grants:call_payments": {"slug": Call},
    "grants:pdf": {"pk": GrantAgreement},
    "grants:document": {"pk": GrantAgreement, "document_pk": StatementDocument},
    "evaluation:pool": {"slug": Funder},
    "evaluation:expert": {"pk": Expert},
    "evaluation:assignments": {"slug": Call},
    "evaluation:panel": {"slug": Call},
    "evaluation:application": {"pk": Application},
    "decisions:funding": {"slug": Call},
    "decisions:allocation": {"slug": Call},
    "decisions:application": {"pk": Application},
}
FIXED_PARAMETERS = {"uidb64": "MQ", "token": "set-password"}
POST_ONLY = {
    "logout",
    "project_transition",
    "project_partner_invite",
    "interop:run_upload",
    "interop:merge_decide",
    "interop:merge_bulk",
    "membership_confirm",
    "change_proposal_decide",
    "attestations:revoke",
    "attestations:issue",
    "submission_withdraw",
    "proposal_invite",
    "proposal_target_call",
    "invitation_answer",
    "proposal_document_upload",
    "proposal_message_post",
    "notifications:read",
    "notifications:read_all",
    "application_submit",
    "application_transition",
    "application_override",
}


def page_url(world: dict[str, Any], name: str, params: list[str], side: str) -> str:
    kwargs: dict[str, Any] = {}
    for param in params:
        if param in FIXED_PARAMETERS:
            kwargs[param] = FIXED_PARAMETERS[param]
            continue
        model = PAGE_PARAMETERS[name][param]
        target = obj(world, model, side)
        kwargs[param] = target.slug if param == "slug" else target.pk
    return "/en" + reverse(name, kwargs=kwargs).removeprefix("/en")


def api_request(world: dict[str, Any], client: Client, method: str, path: str, side: str) -> Any:
    url = "/api/v1" + path.removeprefix("/api/v1")
    if "{slug}" in url:
        model = (
            Call
            if path.startswith("/api/v1/calls")
            else Funder
            if path.startswith("/api/v1/funders")
            else Cluster
        )
        url = url.replace("{slug}", obj(world, model, side).slug)
    if "{id}" in url:
        model = (
            Organisation
            if path.startswith("/api/v1/organisations")
            else Attestation
            if path.startswith("/api/v1/attestations")
            else Review
            if path.startswith("/api/v1/labelling/reviews")
            else PartnerInvitation
            if path.startswith("/api/v1/invitations")
            else Notification
            if path.startswith("/api/v1/notifications")
            else GrantAgreement
            if path.startswith("/api/v1/grants")
            else Application
            if path.startswith("/api/v1/applications")
            else Application
            if path.startswith("/api/v1/evaluation/applications")
            else Application
            if path.startswith("/api/v1/decisions/applications")
            else Project
        )
        url = url.replace("{id}", str(obj(world, model, side).pk))
    if method == "GET":
        return client.get(url)
    if path.endswith("/aid/simulate"):
        body = {"project_id": obj(world, Project, side).pk, "ruleset_code": "fui-19"}
    else:  # a transition that does not exist: visibility and login decide, nothing changes
        body = {"transition": "no_such_transition"}
    return client.post(url, body, content_type="application/json")


def admin_urls(world: dict[str, Any], model: type) -> Iterator[tuple[str, str, str]]:
    """(kind, side, url) for a model's changelist, add and change pages."""
    info = (model._meta.app_label, model._meta.model_name)
    yield "changelist", "own", reverse("admin:{}_{}_changelist".format(*info))
    yield "add", "own", reverse("admin:{}_{}_add".format(*info))
    if model in world:
        pairs = list(zip(SIDES, world[model], strict=True))
    else:
        rows = list(model._default_manager.order_by("pk")[:1]) + list(
            model._default_manager.order_by("-pk")[:1]
        )
        pairs = list(zip(SIDES, rows, strict=False))
    for side, target in pairs:
        yield "change", side, reverse("admin:{}_{}_change".format(*info), args=[target.pk])


# --------------------------------------------------------------------------- the expectations

# route -> the outcomes for (own object, other object), each a string of one outcome per role in
# the order of ROLES (anonymous admin officer manager member evaluator); one string when the
# route has no object or both sides answer alike. POST-only pages are sent an empty POST (the
# test's transaction undoes anything it does); API POSTs a harmless body (`api_request`).
Expected = tuple[str, ...]

PAGES: dict[str, Expected] = {
    # An attestation is as visible as its project (here drafts); the issue page finds the
    # attestation already issued (back to it), revoking with an empty reason is refused (422).
    "attestations:detail": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "attestations:file": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "attestations:issue": ("login back 404 back 404 404", "login back 404 404 404 404"),
    "attestations:letter": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "attestations:revoke": ("login 422 404 422 404 404", "login 422 404 404 404 404"),
    "attestations:verify": ("ok ok ok ok ok ok",),
    # The calls are public; programme officers set up their own funder's (`call.manage`).
    "call_list": ("ok ok ok ok ok ok",),
    "call_detail": ("ok ok ok ok ok ok",),
    "call_manage_list": ("login ok ok 403 403 403",),
    "call_new": ("login ok ok 403 403 403",),
    "call_edit": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "call_rules_edit": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "call_evaluation_edit": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    # Applications are never public: the project's partners and the officers of the call's
    # funder see them (here drafts: no receipt yet); the officers list their calls'.
    "call_apply": ("login ok ok ok ok ok",),
    "call_applications": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "application_detail": ("404 ok ok 404 ok 404", "404 ok 404 404 404 404"),
    "application_receipt": ("404 404 404 404 404 404",),
    "application_submit": ("login 409 409 404 back 404", "login 409 404 404 404 404"),
    "application_transition": ("login 422 422 404 422 404", "login 422 404 404 404 404"),
    "application_override": ("login 422 422 404 403 404", "login 422 404 404 404 404"),
    "change_proposal_decide": ("login back 404 404 back 404", "login back 404 404 404 404"),
    # Expert evaluation: the funder's officers run it; experts see only what they are assigned
    # to (nothing here), the consortium only its scores once decided (the drafts here are not).
    "evaluation:home": ("login ok ok ok ok ok",),
    "evaluation:pool": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "evaluation:expert": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "evaluation:assignments": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "evaluation:panel": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "evaluation:application": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "cluster_detail": ("ok ok ok ok ok ok",),
    "funder_detail": ("ok ok ok ok ok ok",),
    # A grant: its partner's members, its funder's officers, administrators (`grant.view`).
    "grants:detail": ("404 ok ok 404 ok 404", "404 ok 404 404 404 404"),
    "grants:pdf": ("404 ok ok 404 ok 404", "404 ok 404 404 404 404"),
    "grants:document": ("404 ok ok 404 ok 404", "404 ok 404 404 404 404"),
    "grants:manage": ("login ok ok 403 403 403",),
    # A call's payment plan: its funder's programme officers (as the call's set-up pages).
    "grants:call_payments": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "home": ("ok ok ok ok ok ok",),
    "interop:funding_preview": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    # Labelling: the cluster's managers and the session's members; the letter once published.
    "labelling:cluster": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    "labelling:home": ("login ok ok ok ok ok",),
    "labelling:letter": ("404 404 404 404 404 404",),
    "labelling:review": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    "labelling:session": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    "interop:funding_template": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "interop:funding_unmatched": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "interop:funding_upload": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "interop:member_preview": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    "interop:member_template": ("ok ok ok ok ok ok",),
    "interop:member_upload": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    "interop:merge_bulk": ("login back 403 403 403 403",),
    "interop:merge_decide": ("login back 404 404 404 404",),
    "interop:merge_list": ("login ok 403 403 403 403",),
    "interop:run_detail": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    # Programme officers see their funder's funding-line imports (`import_run.view`).
    "interop:run_list": ("login ok ok ok 403 403",),
    "interop:run_rejected_csv": ("login ok 404 ok 404 404", "login ok 404 404 404 404"),
    "interop:run_upload": ("login back 403 403 403 403",),
    "login": ("ok ok ok ok ok ok",),
    "logout": ("back back back back back back",),
    "membership_confirm": ("login back 404 404 back 404", "login back 404 404 404 404"),
    "organisation_detail": ("ok ok ok ok ok ok",),
    "organisation_list": ("ok ok ok ok ok ok",),
    "organisation_review": ("login ok 404 404 ok 404", "login ok 404 404 404 404"),
    "password_change": ("login ok ok ok ok ok",),
    "password_change_done": ("login ok ok ok ok ok",),
    # Without e-mail (`test_pages` switches it off) the reset pages do not exist.
    "password_reset": ("404 404 404 404 404 404",),
    "password_reset_complete": ("404 404 404 404 404 404",),
    "password_reset_confirm": ("404 404 404 404 404 404",),
    "password_reset_done": ("404 404 404 404 404 404",),
    "project_aid_simulation": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    # Proposals built by their partners (the demo logins' organisation coordinates "own").
    "proposal_new": ("login ok ok ok ok ok",),
    "my_area": ("login ok ok ok ok ok",),
    "proposal_edit": ("login ok 403 403 ok 404", "login ok 404 404 404 404"),
    "proposal_invite": ("login back 403 403 back 404", "login back 404 404 404 404"),
    # A draft's target call: its coordinator (the member) and staff choose it (an empty POST
    # removes none: back to the page); the other insiders 403; everyone else 404.
    "proposal_target_call": ("login back 403 403 back 404", "login back 404 404 404 404"),
    "partner_budget": ("login 403 403 403 ok 404", "login 403 404 404 404 404"),
    "invitation_answer": ("login back back back back 404", "login back 404 404 404 404"),
    # A proposal's PDFs and thread: insiders read; only the consortium (and staff) add.
    "proposal_document": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "proposal_document_upload": ("login back 403 403 back 404", "login back 404 404 404 404"),
    "proposal_message_post": ("login back 403 403 back 404", "login back 404 404 404 404"),
    "project_detail": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "project_list": ("ok ok ok ok ok ok",),
    "project_transition": ("login 422 422 422 422 404", "login 422 404 404 404 404"),
    "project_submit": ("login ok 403 403 ok 404", "login ok 404 404 404 404"),
    "review_list": ("login ok ok ok ok ok",),
    "search": ("ok ok ok ok ok ok",),
    "submission_withdraw": ("login 422 403 403 422 404", "login 422 404 404 404 404"),
    "partner_search": ("ok ok ok ok ok ok",),
    # Notifications: every logged-in user has an inbox; only the recipient reads one ("own" is
    # the demo member's).
    "notifications:inbox": ("login ok ok ok ok ok",),
    "notifications:preferences": ("login ok ok ok ok ok",),
    "notifications:read_all": ("login back back back back back",),
    "notifications:read": ("login 404 404 404 back 404", "login 404 404 404 404 404"),
    "project_partner_invite": ("login 422 422 422 422 404", "login 422 404 404 404 404"),
    # Decisions: the call funder's officers (a co-funder's see the envelopes; the consortium
    # its decision once taken, and the matrix's applications are undecided drafts).
    "decisions:funding": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "decisions:allocation": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
    "decisions:application": ("login ok ok 404 404 404", "login ok 404 404 404 404"),
}
API: dict[str, Expected] = {
    # Grants (`grant.view`); a write whose body the schema refuses is a 422 before any lookup.
    # The list: what each caller may see (an empty page for the others).
    "GET /api/v1/grants": ("ok ok ok ok ok ok",),
    "GET /api/v1/grants/{id}": ("404 ok ok 404 ok 404", "404 ok 404 404 404 404"),
    "POST /api/v1/grants/{id}/transitions": (
        "401 422 422 404 422 404",
        "401 422 404 404 404 404",
    ),
    "POST /api/v1/grants/{id}/amendments": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/installments": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/installments/transitions": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/statements": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/statements/lines": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/statements/transitions": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/reports": ("401 422 422 422 422 422",),
    "POST /api/v1/grants/{id}/reports/transitions": ("401 422 422 422 422 422",),
    # Impact roll-ups are public sums over public projects (the "own" project is a draft).
    "GET /api/v1/projects/{id}/impact": ("404 404 404 404 404 404",),
    "GET /api/v1/clusters/{slug}/impact": ("ok ok ok ok ok ok",),
    "GET /api/v1/funders/{slug}/impact": ("ok ok ok ok ok ok",),
    "GET /api/v1/calls/{slug}/funding": ("404 ok ok 404 404 404", "404 ok 404 404 404 404"),
    "POST /api/v1/calls/{slug}/funding": ("401 422 422 422 422 422",),
    "GET /api/v1/calls/{slug}/allocation": ("404 ok ok 404 404 404", "404 ok 404 404 404 404"),
    "GET /api/v1/decisions/applications/{id}": (
        "404 ok ok 404 404 404",
        "404 ok 404 404 404 404",
    ),
    "POST /api/v1/decisions/applications/{id}/approve": ("401 422 422 422 422 422",),
    "POST /api/v1/decisions/applications/{id}/decline": ("401 422 422 422 422 422",),
    "GET /api/v1/attestations/{id}": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    # The matrix's harmless body has no `jws`: refused, naming the field.
    "POST /api/v1/attestations/verify": ("422 422 422 422 422 422",),
    "GET /api/v1/calls": ("ok ok ok ok ok ok",),
    "GET /api/v1/calls/{slug}": ("ok ok ok ok ok ok",),
    "GET /api/v1/clusters": ("ok ok ok ok ok ok",),
    "GET /api/v1/clusters/{slug}": ("ok ok ok ok ok ok",),
    "GET /api/v1/funders/{slug}": ("ok ok ok ok ok ok",),
    "GET /api/v1/funders/{slug}/projects": ("ok ok ok ok ok ok",),
    # Expert evaluation (the funder's officers; an unassigned expert sees nothing). The POSTs'
    # harmless body breaks their schema: 422 before any lookup.
    "GET /api/v1/funders/{slug}/experts": ("404 ok ok 404 404 404", "404 ok 404 404 404 404"),
    "POST /api/v1/funders/{slug}/experts": ("401 422 422 422 422 422",),
    "GET /api/v1/calls/{slug}/assignments": ("404 ok ok 404 404 404", "404 ok 404 404 404 404"),
    "POST /api/v1/calls/{slug}/assignments": ("401 422 422 422 422 422",),
    "GET /api/v1/calls/{slug}/panel": ("404 ok ok 404 404 404", "404 ok 404 404 404 404"),
    "POST /api/v1/calls/{slug}/panel": ("401 422 422 422 422 422",),
    "GET /api/v1/evaluation/applications/{id}": (
        "404 ok ok 404 404 404",
        "404 ok 404 404 404 404",
    ),
    "POST /api/v1/evaluation/applications/{id}/declaration": ("401 422 422 422 422 422",),
    "POST /api/v1/evaluation/applications/{id}/report": ("401 422 422 422 422 422",),
    "POST /api/v1/evaluation/applications/{id}/consensus": ("401 422 422 422 422 422",),
    "GET /api/v1/labelling/reviews/{id}": ("404 ok 404 ok 404 404", "404 ok 404 404 404 404"),
    "GET /api/v1/labelling/sessions": ("ok ok ok ok ok ok",),
    "GET /api/v1/organisations": ("ok ok ok ok ok ok",),
    "GET /api/v1/organisations/{id}": ("ok ok ok ok ok ok",),
    "GET /api/v1/projects": ("ok ok ok ok ok ok",),
    "GET /api/v1/projects/{id}": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "GET /api/v1/projects/{id}/transitions": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "POST /api/v1/aid/simulate": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "POST /api/v1/labelling/reviews/{id}/declaration": ("401 422 422 422 422 422",),
    "POST /api/v1/labelling/reviews/{id}/scores": ("401 422 422 422 422 422",),
    "POST /api/v1/labelling/reviews/{id}/transitions": (
        "401 422 404 422 404 404",
        "401 422 404 404 404 404",
    ),
    "POST /api/v1/projects/{id}/submissions": ("401 422 422 422 422 422",),
    "POST /api/v1/projects/{id}/submissions/withdraw": ("401 422 422 422 422 422",),
    "GET /api/v1/partners": ("ok ok ok ok ok ok",),
    "GET /api/v1/organisations/{id}/similar": ("ok ok ok ok ok ok",),
    "GET /api/v1/projects/{id}/partner-suggestions": (
        "404 ok ok ok ok 404",
        "404 ok 404 404 404 404",
    ),
    # The proposal operations: a body the schema refuses is a 422 before any lookup.
    "POST /api/v1/projects": ("401 422 422 422 422 422",),
    "GET /api/v1/projects/{id}/invitations": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "POST /api/v1/projects/{id}/invitations": ("401 422 422 422 422 422",),
    "POST /api/v1/projects/{id}/budget": ("401 422 422 422 422 422",),
    "POST /api/v1/projects/{id}/target-call": ("401 422 422 422 422 422",),
    # The description is read by whoever sees the project (the token only by who may edit).
    "GET /api/v1/projects/{id}/proposal": ("404 ok ok ok ok 404", "404 ok 404 404 404 404"),
    "POST /api/v1/projects/{id}/proposal": ("401 422 422 422 422 422",),
    "GET /api/v1/invitations": ("401 ok ok ok ok ok",),
    "POST /api/v1/invitations/{id}/answer": (
        "401 422 422 422 422 404",
        "401 422 404 404 404 404",
    ),
    "POST /api/v1/projects/{id}/transitions": (
        "401 422 422 422 422 404",
        "401 422 404 404 404 404",
    ),
    "GET /api/v1/notifications": ("401 ok ok ok ok ok",),
    "POST /api/v1/notifications/{id}/read": ("401 404 404 404 ok 404", "401 404 404 404 404 404"),
    "GET /api/v1/notifications/preferences": ("401 ok ok ok ok ok",),
    # The matrix's harmless body has no `email`: refused, naming the field.
    "POST /api/v1/notifications/preferences": ("401 422 422 422 422 422",),
    # Applications: never public; bodies the schema refuses are a 422 before any lookup.
    "POST /api/v1/applications": ("401 422 422 422 422 422",),
    "GET /api/v1/applications/{id}": ("404 ok ok 404 ok 404", "404 ok 404 404 404 404"),
    "POST /api/v1/applications/{id}/draft": ("401 422 422 422 422 422",),
    "POST /api/v1/applications/{id}/submit": (
        "401 403 403 404 ok 404",
        "401 403 404 404 404 404",
    ),
    "POST /api/v1/applications/{id}/withdraw": ("401 422 422 422 422 422",),
    "POST /api/v1/applications/{id}/overrides": ("401 422 422 422 422 422",),
    "POST /api/v1/applications/{id}/screening": ("401 422 422 422 422 422",),
    "GET /api/v1/calls/{slug}/applications": (
        "401 ok ok 404 404 404",
        "401 ok 404 404 404 404",
    ),
}
ADMIN: dict[str, Expected] = {
    # The decisions' records are written by their services only: the back office reads them.
    "decisions.CallFunding add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "decisions.CallFunding changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.CallFunding change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.Decision add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "decisions.Decision changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.Decision change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.Envelope add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "decisions.Envelope changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.Envelope change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.LedgerEntry add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "decisions.LedgerEntry changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "decisions.LedgerEntry change": ("admin-login ok 403 admin-login admin-login admin-login",),
    # django-axes' failed-login records keep Django's permissions (superusers only) and are
    # written by logins only, never added by hand.
    "axes.AccessAttempt add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "axes.AccessAttempt change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "axes.AccessAttempt changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "axes.AccessFailureLog add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "axes.AccessFailureLog change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "axes.AccessFailureLog changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "axes.AccessLog add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "axes.AccessLog change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "axes.AccessLog changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "auth.Group add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "auth.Group changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "auth.User add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "auth.User change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "auth.User changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.AuditEvent add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "core.AuditEvent change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.AuditEvent changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.RoleAssignment add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.RoleAssignment change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.RoleAssignment changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.Transition add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "core.Transition changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.Transition change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "django_tasks_database.DBTaskResult add": (
        "admin-login 403 403 admin-login admin-login admin-login",
    ),
    "django_tasks_database.DBTaskResult changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "funding.Call add": ("admin-login ok ok admin-login admin-login admin-login",),
    "funding.Call change": (
        "admin-login ok ok admin-login admin-login admin-login",
        "admin-login ok back admin-login admin-login admin-login",
    ),
    "funding.Call changelist": ("admin-login ok ok admin-login admin-login admin-login",),
    "funding.CallRuleSet add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.CallRuleSet change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.CallRuleSet changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.Funder add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.Funder change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.Funder changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    # Grants: read-only in the back office, for administrators (written by `grants.services`).
    "grants.AgreementCost add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.AgreementCost change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.AgreementCost changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.AgreementVersion add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.AgreementVersion change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.AgreementVersion changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "grants.ExpenseLine add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.ExpenseLine changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.ExpenseStatement add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.ExpenseStatement change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.ExpenseStatement changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "grants.GrantAgreement add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.GrantAgreement change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.GrantAgreement changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.ImpactReport add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.ImpactReport changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.ImpactReport change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.Installment add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.Installment changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.Installment change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.PaymentPlan add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.PaymentPlan changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.PaymentPlan change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.StatementDocument add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "grants.StatementDocument change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "grants.StatementDocument changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "interop.ImportRun add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "interop.ImportRun change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "interop.ImportRun changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "interop.MergeProposal add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "interop.MergeProposal change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "interop.MergeProposal changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "interop.OrganisationAlias add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "interop.OrganisationAlias changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "interop.RejectedRow add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "interop.RejectedRow changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Accreditation add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Accreditation change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Accreditation changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    # Read-only in the back office (written by their services only).
    "core.SearchWord add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "core.SearchWord change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "core.SearchWord changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.PartnerInvitation add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "projects.PartnerInvitation change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "projects.PartnerInvitation changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "projects.ProposalDocument add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "projects.ProposalDocument change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.ProposalDocument changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "projects.ProposalMessage add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "projects.ProposalMessage change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.ProposalMessage changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    # Applications and submissions are written by their services only: the back office reads
    # them.
    # The evaluation's records are written by its services only: the back office reads them.
    "evaluation.Assignment add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.Assignment changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.Assignment change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.CallPanel add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.CallPanel changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.CallPanel change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.ConsensusReport add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.ConsensusReport changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "evaluation.ConsensusReport change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "evaluation.Declaration add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.Declaration changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "evaluation.Declaration change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.Expert add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.Expert change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.Expert changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "evaluation.IndividualReport add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.IndividualReport changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "evaluation.IndividualReport change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "evaluation.Waiver add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "evaluation.Waiver changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.Application add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "funding.Application change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.Application changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.ProposalTarget add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "funding.ProposalTarget changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "funding.RequestedAid add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "funding.RequestedAid changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.RequestedAid change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "funding.ScreeningVerdict add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "funding.ScreeningVerdict changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "funding.ScreeningVerdict change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.ClusterSubmission add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "projects.ClusterSubmission change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "projects.ClusterSubmission changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "projects.BudgetLine add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.BudgetLine change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.BudgetLine changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.FundingLine add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.FundingLine change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.FundingLine changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Participation add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Participation change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Participation changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "projects.Project add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Project change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "projects.Project changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Cluster add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Cluster change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Cluster changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.ClusterMembership add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.ClusterMembership change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.ClusterMembership changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.ClusterTheme add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.ClusterTheme change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.ClusterTheme changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Organisation add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Organisation change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Organisation changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.OrganisationChangeProposal add": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.OrganisationChangeProposal change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.OrganisationChangeProposal changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.OrganisationFigures add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.OrganisationFigures change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.OrganisationFigures changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "registry.Ownership add": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Ownership change": ("admin-login ok 403 admin-login admin-login admin-login",),
    "registry.Ownership changelist": ("admin-login ok 403 admin-login admin-login admin-login",),
    # Written by their services only (notify, preference_set): the back office reads them.
    "notifications.Notification add": ("admin-login 403 403 admin-login admin-login admin-login",),
    "notifications.Notification change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "notifications.Notification changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "notifications.NotificationPreference add": (
        "admin-login 403 403 admin-login admin-login admin-login",
    ),
    "notifications.NotificationPreference change": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
    "notifications.NotificationPreference changelist": (
        "admin-login ok 403 admin-login admin-login admin-login",
    ),
}

WHERE = "grappe/core/tests/test_permission_matrix.py"


def expected(table: dict[str, Expected], name: str, key: str, side: str) -> list[str]:
    try:
        sides = table[key]
    except KeyError:
        raise AssertionError(
            f"{key!r} has no expected outcome: add it to {name} in {WHERE}, "
            f'e.g. {key!r}: ("<own: one outcome per role {" ".join(ROLES)}>", "<other>"),'
        ) from None
    return sides[min(SIDES.index(side), len(sides) - 1)].split()


class Matrix:
    """Collects every cell's outcome and leak, and which secrets the allowed roles saw."""

    def __init__(self, name: str, table: dict[str, Expected]) -> None:
        self.name, self.table = name, table
        self.wrong: list[str] = []
        self.leaks: list[str] = []
        self.seen: set[str] = set()

    def visit(self, key: str, side: str, role: str, response: Any) -> None:
        want = expected(self.table, self.name, key, side)[ROLES.index(role)]
        got = outcome(response)
        if got != want:
            self.wrong.append(f"{key} [{side}] as {role}: expected {want}, got {got}")
        content = body(response)
        for what, (pattern, allowed) in SECRETS.items():
            if pattern.search(content):
                if role in allowed:
                    self.seen.add(what)
                else:
                    self.leaks.append(f"{key} [{side}] as {role} ({got}) shows {what}")

    def check(self) -> None:
        assert not self.leaks, "Leaks:\n" + "\n".join(self.leaks)
        assert not self.wrong, "Unexpected outcomes:\n" + "\n".join(self.wrong)


def test_every_route_has_an_expectation(world: dict[str, Any]) -> None:
    """The URL conf, the OpenAPI document and the admin registry against the tables: a new
    route fails here until its expected outcomes are written down, a removed one too."""
    pages = {name for name, _params in site_pages()}
    operations = {f"{method} {path}" for method, path in api_operations()}
    models = {
        f"{model._meta.label} {kind}"
        for model in admin_models()
        for kind, _side, _url in admin_urls(world, model)
    }
    for name, table, routes in (
        ("PAGES", PAGES, pages),
        ("API", API, operations),
        ("ADMIN", ADMIN, models),
    ):
        missing, stale = sorted(routes - set(table)), sorted(set(table) - routes)
        assert not missing, (
            f"routes without an expected outcome: add them to {name} in {WHERE}: {missing}"
        )
        assert not stale, f"{name} in {WHERE} lists routes that no longer exist: {stale}"
    for table in (PAGES, API, ADMIN):
        for key, sides in table.items():
            assert 1 <= len(sides) <= 2 and all(len(s.split()) == len(ROLES) for s in sides), key


@pytest.mark.django_db
def test_pages(world: dict[str, Any], clients: dict[str, Client], settings: Any) -> None:
    # The site as installed without e-mail: the password-reset pages are off (the switch and
    # its pages when on are tested in core/tests/test_web_security.py).
    settings.PASSWORD_RESET_ENABLED = False
    matrix = Matrix("PAGES", PAGES)
    for name, params in sorted(site_pages()):
        for side in SIDES:
            url = page_url(world, name, params, side)
            for role in ROLES:
                # Logging out ends the session: that visit gets a session of its own.
                client = login(role) if name == "logout" else clients[role]
                response = client.post(url) if name in POST_ONLY else client.get(url)
                matrix.visit(name, side, role, response)
    matrix.check()
    # The leak check can fail: the roles allowed to see the secrets do see them on the pages.
    assert matrix.seen == set(SECRETS)


@pytest.mark.django_db
def test_api(world: dict[str, Any], clients: dict[str, Client]) -> None:
    matrix = Matrix("API", API)
    for method, path in sorted(api_operations()):
        for side in SIDES:
            for role in ROLES:
                response = api_request(world, clients[role], method, path, side)
                matrix.visit(f"{method} {path}", side, role, response)
    matrix.check()
    assert matrix.seen == set(SECRETS)


@pytest.mark.django_db
def test_back_office(world: dict[str, Any], clients: dict[str, Client]) -> None:
    matrix = Matrix("ADMIN", ADMIN)
    for model in sorted(admin_models(), key=lambda m: m._meta.label):
        for kind, side, url in admin_urls(world, model):
            for role in ROLES:
                matrix.visit(f"{model._meta.label} {kind}", side, role, clients[role].get(url))
    matrix.check()
