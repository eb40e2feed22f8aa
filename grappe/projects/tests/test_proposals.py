"""Proposals built by their partners: start, edit, invitations, each partner's budget, my area.

Owner = a member of the coordinating organisation, insider = a member of a partner, outsider =
a member of another organisation, and the anonymous visitor.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from grappe.core.concurrency import edit_token
from grappe.core.models import AuditEvent, Role, Transition
from grappe.core.scopes import scope_for
from grappe.core.tests.factories import (
    OrganisationFactory,
    ParticipationFactory,
    ProjectFactory,
    make_siren,
    user_with_role,
)
from grappe.funding.tests.helpers import open_call
from grappe.projects import selectors
from grappe.projects.models import (
    BudgetLine,
    InvitationStatus,
    ParticipantRole,
    Participation,
    PartnerInvitation,
    Project,
    ProjectStatus,
)
from grappe.projects.services import (
    invitation_create,
    invitation_create_by_siren,
    invitation_transition,
    partner_budget_set,
    proposal_create,
)
from grappe.projects.tests.workflow_helpers import proposal
from grappe.registry.models import Organisation, OrganisationFigures

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def messages_of(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict


# --------------------------------------------------------------------------- services


def test_a_member_starts_a_proposal_their_organisation_coordinates() -> None:
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    project = proposal_create(
        actor=member, organisation_id=org.pk, acronym="NEWP", title="A new proposal", trl_start=3
    )
    assert project.status == ProjectStatus.DRAFT
    part = Participation.objects.get(project=project)
    assert part.organisation_id == org.pk and part.role == ParticipantRole.COORDINATOR
    assert AuditEvent.objects.filter(action="project.create", object_id=str(project.pk)).exists()


def test_starting_a_proposal_for_someone_elses_organisation_is_refused() -> None:
    member = user_with_role(Role.MEMBER, organisation=OrganisationFactory())
    other = OrganisationFactory()
    with pytest.raises(ValidationError) as exc:
        proposal_create(actor=member, organisation_id=other.pk, acronym="X", title="X")
    assert "organisation" in messages_of(exc.value)
    assert not Project.objects.filter(acronym="X").exists()


def test_a_proposal_with_bad_fields_names_them_and_writes_nothing() -> None:
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    with pytest.raises(ValidationError) as exc:
        proposal_create(actor=member, organisation_id=org.pk, acronym="", title="T", trl_start=12)
    assert {"acronym", "trl_start"} <= set(messages_of(exc.value))
    with pytest.raises(ValidationError):  # the status is the workflow's
        proposal_create(
            actor=member, organisation_id=org.pk, acronym="S", title="S", status="funded"
        )
    assert not Project.objects.exists()


def test_the_coordinator_invites_and_the_invited_member_accepts() -> None:
    p = proposal()
    guest = OrganisationFactory(name="Guest SA")
    guest_member = user_with_role(Role.MEMBER, organisation=guest)
    invitation = invitation_create(actor=p.owner, project=p.project, organisation_id=guest.pk)
    assert invitation.status == InvitationStatus.PENDING and invitation.invited_by == p.owner
    done = invitation_transition(actor=guest_member, invitation=invitation, transition="accept")
    assert done.status == InvitationStatus.ACCEPTED and done.answered_by == guest_member
    assert Participation.objects.filter(
        project=p.project, organisation=guest, role=ParticipantRole.PARTNER
    ).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"invitation.create", "invitation.accept", "participation.add"} <= actions
    step = Transition.objects.get(workflow="invitation", object_id=invitation.pk)
    assert (step.from_state, step.to_state, step.acting_role) == ("pending", "accepted", "invitee")
    assert step.actor == guest_member and step.workflow_version == done.workflow_version == 1


def test_declining_adds_nobody_and_a_new_invitation_may_follow() -> None:
    p = proposal()
    guest = OrganisationFactory()
    guest_member = user_with_role(Role.MEMBER, organisation=guest)
    first = invitation_create(actor=p.owner, project=p.project, organisation_id=guest.pk)
    invitation_transition(actor=guest_member, invitation=first, transition="decline")
    assert not Participation.objects.filter(project=p.project, organisation=guest).exists()
    again = invitation_create(actor=p.owner, project=p.project, organisation_id=guest.pk)
    assert again.pk != first.pk


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("unknown", "organisation"),
        ("self", "organisation"),
        ("partner", "organisation"),
        ("pending", "organisation"),
    ],
)
def test_invalid_invitations_are_refused_naming_the_field(case: str, field: str) -> None:
    p = proposal()
    target = {
        "unknown": 987654,
        "self": p.coordinator.pk,
        "partner": p.partner.pk,
        "pending": OrganisationFactory().pk,
    }[case]
    if case == "pending":
        invitation_create(actor=p.owner, project=p.project, organisation_id=target)
    before = PartnerInvitation.objects.count()
    with pytest.raises(ValidationError) as exc:
        invitation_create(actor=p.owner, project=p.project, organisation_id=target)
    assert field in messages_of(exc.value)
    assert PartnerInvitation.objects.count() == before


def test_only_the_coordinator_invites() -> None:
    p = proposal()
    for user in (p.insider, p.outsider):
        with pytest.raises(PermissionDenied):
            invitation_create(
                actor=user, project=p.project, organisation_id=OrganisationFactory().pk
            )
    assert not PartnerInvitation.objects.exists()


def test_a_submitted_proposal_takes_no_new_invitation() -> None:
    p = proposal(status=ProjectStatus.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        invitation_create(
            actor=p.owner, project=p.project, organisation_id=OrganisationFactory().pk
        )
    assert "project" in messages_of(exc.value)


def test_inviting_by_siren_creates_the_organisation_through_the_registry() -> None:
    p = proposal()
    siren = make_siren(55_555_555)
    invitation = invitation_create_by_siren(
        actor=p.owner,
        project=p.project,
        siren=f"{siren[:3]} {siren[3:6]} {siren[6:]}",
        name="Nouvelle SAS",
        kind="sme",
    )
    org = Organisation.objects.get(siren=siren)
    assert invitation.organisation_id == org.pk and org.name == "Nouvelle SAS"
    assert AuditEvent.objects.filter(action="organisation.create", object_id=str(org.pk)).exists()
    # The same SIREN again finds the registry's organisation (already invited: refused).
    with pytest.raises(ValidationError) as exc:
        invitation_create_by_siren(actor=p.owner, project=p.project, siren=siren, name="", kind="")
    assert "organisation" in messages_of(exc.value)
    assert Organisation.objects.filter(siren=siren).count() == 1


@pytest.mark.parametrize(
    ("siren", "name", "kind", "field"),
    [
        ("123456789", "X", "sme", "siren"),  # bad check digit
        ("", "X", "sme", "siren"),
        (make_siren(66_666_666), "", "sme", "name"),
        (make_siren(66_666_667), "New", "", "kind"),
    ],
)
def test_a_bad_siren_invitation_names_the_field_and_writes_nothing(
    siren, name, kind, field
) -> None:
    p = proposal()
    count = Organisation.objects.count()
    with pytest.raises(ValidationError) as exc:
        invitation_create_by_siren(
            actor=p.owner, project=p.project, siren=siren, name=name, kind=kind
        )
    assert field in messages_of(exc.value)
    assert Organisation.objects.count() == count and not PartnerInvitation.objects.exists()


def test_accepting_for_an_organisation_you_do_not_act_for_is_refused() -> None:
    p = proposal()
    guest = OrganisationFactory()
    invitation = invitation_create(actor=p.owner, project=p.project, organisation_id=guest.pk)
    for user in (p.outsider, p.insider, p.owner):
        with pytest.raises(ValidationError) as exc:
            invitation_transition(actor=user, invitation=invitation, transition="accept")
        assert "organisation" in messages_of(exc.value)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not Participation.objects.filter(organisation=guest).exists()


def test_only_the_coordinator_cancels_and_an_answered_invitation_is_final() -> None:
    p = proposal()
    guest = OrganisationFactory()
    guest_member = user_with_role(Role.MEMBER, organisation=guest)
    invitation = invitation_create(actor=p.owner, project=p.project, organisation_id=guest.pk)
    with pytest.raises(ValidationError):
        invitation_transition(actor=guest_member, invitation=invitation, transition="cancel")
    invitation_transition(actor=p.owner, invitation=invitation, transition="cancel")
    with pytest.raises(ValidationError) as exc:
        invitation_transition(actor=guest_member, invitation=invitation, transition="accept")
    assert "transition" in messages_of(exc.value)
    with pytest.raises(ValidationError):
        invitation_transition(actor=p.owner, invitation=invitation, transition="explode")


def _partner_of(p):
    return Participation.objects.get(project=p.project, organisation=p.partner)


def test_a_partner_enters_its_own_budget_only() -> None:
    p = proposal()
    mine = _partner_of(p)
    partner_budget_set(
        actor=p.insider, participation=mine, lines={("personnel", "industrial"): Decimal("1200.50")}
    )
    assert BudgetLine.objects.get(participation=mine).amount == Decimal("1200.50")
    coordinator_part = Participation.objects.get(project=p.project, organisation=p.coordinator)
    for user, part in ((p.insider, coordinator_part), (p.owner, mine), (p.outsider, mine)):
        with pytest.raises(ValidationError) as exc:
            partner_budget_set(
                actor=user, participation=part, lines={("personnel", "industrial"): Decimal("1")}
            )
        assert "organisation" in messages_of(exc.value)
    assert BudgetLine.objects.get(participation=mine).amount == Decimal("1200.50")


@pytest.mark.parametrize(
    ("amount", "field"),
    [(Decimal("-1"), "lines"), (Decimal("100000000.01"), "amount"), (Decimal("1.001"), "lines")],
)
def test_negative_or_absurd_budget_amounts_are_refused(amount: Decimal, field: str) -> None:
    p = proposal()
    with pytest.raises(ValidationError) as exc:
        partner_budget_set(
            actor=p.insider,
            participation=_partner_of(p),
            lines={("personnel", "industrial"): amount},
        )
    assert field in messages_of(exc.value)
    assert not BudgetLine.objects.exists()


# --------------------------------------------------------------------------- selectors


def test_drafts_and_their_invitations_stay_within_the_consortium() -> None:
    p = proposal()
    guest = OrganisationFactory()
    invitation = invitation_create(actor=p.owner, project=p.project, organisation_id=guest.pk)
    guest_member = user_with_role(Role.MEMBER, organisation=guest)
    owner, insider, outsider = (scope_for(u) for u in (p.owner, p.insider, p.outsider))
    assert list(selectors.proposal_invitations(scope=owner, project=p.project)) == [invitation]
    assert list(selectors.proposal_invitations(scope=insider, project=p.project)) == [invitation]
    assert not selectors.proposal_invitations(scope=outsider, project=p.project).exists()
    assert selectors.invitation_get(scope=scope_for(guest_member), pk=invitation.pk) == invitation
    with pytest.raises(PartnerInvitation.DoesNotExist):
        selectors.invitation_get(scope=outsider, pk=invitation.pk)
    assert list(selectors.invitations_pending_for(scope=scope_for(guest_member))) == [invitation]
    assert not selectors.invitations_pending_for(scope=outsider).exists()
    # The invited organisation's member does not see the draft itself before accepting.
    with pytest.raises(Project.DoesNotExist):
        selectors.project_get(scope=scope_for(guest_member), pk=p.project.pk)
    assert [x.pk for x in selectors.my_proposals(scope=owner)] == [p.project.pk]
    assert not selectors.my_proposals(scope=outsider).exists()


# --------------------------------------------------------------------------- pages


def test_the_new_proposal_page_creates_a_draft_and_redirects_to_it() -> None:
    org = OrganisationFactory(name="Starter SAS")
    member = user_with_role(Role.MEMBER, organisation=org)
    c = client_for(member)
    assert "Starter SAS" in c.get("/en/projects/new/").content.decode()
    response = c.post(
        "/en/projects/new/",
        {
            "organisation": org.pk,
            "acronym": "WEBP",
            "title": "From the web",
            "trl_start": "2",
            "trl_target": "5",
        },
    )
    project = Project.objects.get(acronym="WEBP")
    assert response.status_code == 302 and response["Location"].endswith(f"/projects/{project.pk}/")
    html = client_for(member).get(f"/en/projects/{project.pk}/").content.decode()
    assert 'data-testid="proposal-panel"' in html and "Invite a partner" in html


def test_the_new_proposal_page_names_bad_fields_in_french() -> None:
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    response = client_for(member).post(
        "/fr/projects/new/",
        {"organisation": org.pk, "acronym": "", "title": "T", "trl_start": "7", "trl_target": "3"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Rien n’a été enregistré" in html or "Rien n'a été enregistré" in html
    assert not Project.objects.exists()


def test_someone_without_an_organisation_is_told_why_they_cannot_start() -> None:
    user = user_with_role(Role.EVALUATOR)
    html = client_for(user).get("/en/projects/new/").content.decode()
    assert 'data-testid="no-organisation"' in html
    assert (
        client_for(user).post("/en/projects/new/", {"acronym": "Z", "title": "Z"}).status_code
        == 200
    )
    assert not Project.objects.exists()
    assert client_for(None).get("/en/projects/new/").status_code == 302


def test_edit_page_owner_insider_outsider() -> None:
    p = proposal()
    url = f"/en/projects/{p.project.pk}/edit/"
    assert client_for(p.owner).get(url).status_code == 200
    assert client_for(p.insider).get(url).status_code == 403
    assert client_for(p.outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    token = edit_token(Project.objects.get(pk=p.project.pk))
    data = {"acronym": "EDITED", "title": "New title", "edit_token": token}
    assert client_for(p.owner).post(url, data).status_code == 302
    assert Project.objects.get(pk=p.project.pk).acronym == "EDITED"
    # A second edit opened before the first was saved is refused, nothing written.
    stale = client_for(p.owner).post(url, {**data, "acronym": "STALE"})
    assert stale.status_code == 422 and "was changed since you opened it" in stale.content.decode()
    assert Project.objects.get(pk=p.project.pk).acronym == "EDITED"


def test_invite_and_answer_through_the_pages() -> None:
    p = proposal()
    guest = OrganisationFactory(name="Findable Robotics")
    guest_member = user_with_role(Role.MEMBER, organisation=guest)
    page = client_for(p.owner).get(f"/en/projects/{p.project.pk}/?find=Findable")
    assert 'data-testid="invite-results"' in page.content.decode()
    assert "Findable Robotics" in page.content.decode()
    assert (
        client_for(p.insider)
        .post(f"/en/projects/{p.project.pk}/invitations/", {"organisation": guest.pk})
        .status_code
        == 403
    )
    assert (
        client_for(p.outsider)
        .post(f"/en/projects/{p.project.pk}/invitations/", {"organisation": guest.pk})
        .status_code
        == 404
    )
    response = client_for(p.owner).post(
        f"/en/projects/{p.project.pk}/invitations/", {"organisation": guest.pk}
    )
    assert response.status_code == 302
    invitation = PartnerInvitation.objects.get()
    me = client_for(guest_member).get("/en/me/").content.decode()
    assert "Findable Robotics is invited to join" in me
    answer = f"/en/invitations/{invitation.pk}/answer/"
    assert client_for(p.outsider).post(answer, {"transition": "accept"}).status_code == 404
    response = client_for(guest_member).post(answer, {"transition": "accept", "next": "me"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/projects/{p.project.pk}/budget/"
    )
    assert Participation.objects.filter(project=p.project, organisation=guest).exists()


def test_inviting_nobody_through_the_page_says_why() -> None:
    p = proposal()
    c = client_for(p.owner)
    response = c.post(
        f"/en/projects/{p.project.pk}/invitations/", {"siren": "123456789"}, follow=True
    )
    assert "Nobody was invited" in response.content.decode()
    assert not PartnerInvitation.objects.exists()


def test_budget_page_owner_insider_outsider() -> None:
    p = proposal()
    url = f"/en/projects/{p.project.pk}/budget/"
    assert client_for(p.insider).get(url).status_code == 200
    assert client_for(p.outsider).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
    response = client_for(p.insider).post(
        url,
        {
            "amount__personnel__industrial": "15000",
            "amount__overheads_operating__experimental": "2500.50",
            "year": "2025",
            "staff_awu": "12",
            "turnover": "1500000",
            "balance_sheet": "800000",
        },
    )
    assert response.status_code == 302
    lines = {(b.cost_category, b.research_category): b.amount for b in BudgetLine.objects.all()}
    assert lines == {
        ("personnel", "industrial"): Decimal("15000"),
        ("overheads_operating", "experimental"): Decimal("2500.50"),
    }
    assert OrganisationFigures.objects.get(organisation=p.partner, year=2025).staff_awu == 12
    bad = client_for(p.insider).post(url, {"amount__personnel__industrial": "-5"})
    assert bad.status_code == 422 and BudgetLine.objects.count() == 2
    absurd = client_for(p.insider).post(url, {"amount__personnel__industrial": "999999999999"})
    assert absurd.status_code == 422
    # The coordinator sees every partner's lines on the proposal page.
    html = client_for(p.owner).get(f"/en/projects/{p.project.pk}/").content.decode()
    assert "Partner lab" in html and "15,000" in html


def test_my_area_lists_proposals_by_status_and_is_for_logged_in_users() -> None:
    p = proposal()
    ProjectFactory(status=ProjectStatus.FUNDED)  # not theirs
    funded = ProjectFactory(status=ProjectStatus.FUNDED, acronym="MINEFUNDED")
    ParticipationFactory(project=funded, organisation=p.coordinator)
    html = client_for(p.owner).get("/en/me/").content.decode()
    assert "WORKFLOW1" in html and "MINEFUNDED" in html and "Draft" in html and "Funded" in html
    assert client_for(None).get("/en/me/").status_code == 302
    assert "No invitation is waiting" in client_for(p.outsider).get("/en/me/").content.decode()


def _proposal_with(partners: int):
    org = OrganisationFactory()
    member = user_with_role(Role.MEMBER, organisation=org)
    project = proposal_create(actor=member, organisation_id=org.pk, acronym="Q", title="Queries")
    for _ in range(partners - 1):
        part = ParticipationFactory(project=project)
        BudgetLine.objects.create(
            participation=part,
            cost_category="personnel",
            research_category="industrial",
            amount=Decimal("1000"),
        )
        invitation_create(actor=member, project=project, organisation_id=OrganisationFactory().pk)
    return member, project


def _page_queries(member, project) -> int:
    c = client_for(member)
    c.get(f"/en/projects/{project.pk}/")  # warm the caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(f"/en/projects/{project.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="proposal-panel"' in html and 'data-testid="live-aid"' in html
    return len(ctx.captured_queries)


def test_the_proposal_page_queries_do_not_grow_with_the_partners(capsys) -> None:
    open_call()  # the live checks run on the draft
    three = _page_queries(*_proposal_with(3))
    ten = _page_queries(*_proposal_with(10))
    with capsys.disabled():
        print(f"\nproposal page queries: 3 partners {three}, 10 partners {ten}")
    assert ten == three


def test_the_demo_proposal_is_built_through_the_services() -> None:
    from grappe.projects.demo import demo_proposal

    coordinator, partner, invited = (OrganisationFactory() for _ in range(3))
    project, pending = demo_proposal(coordinator=coordinator, partner=partner, invited=invited)
    assert project.is_demo and project.status == ProjectStatus.DRAFT
    assert Participation.objects.filter(project=project).count() == 2
    assert BudgetLine.objects.filter(participation__project=project).count() == 4
    assert pending.status == InvitationStatus.PENDING and pending.organisation_id == invited.pk
    member = user_with_role(Role.MEMBER, organisation=invited)
    assert list(selectors.invitations_pending_for(scope=scope_for(member))) == [pending]
