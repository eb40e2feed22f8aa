"""notify(): inbox rows in the caller's transaction, e-mails after commit by preference;
reading and preferences; the flows of projects and labelling that notify."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from grappe.core.models import AuditEvent, Role
from grappe.core.tests.factories import (
    ClusterFactory,
    OrganisationFactory,
    UserFactory,
    user_with_role,
)
from grappe.labelling.services import member_declare, member_score, review_transition
from grappe.labelling.tests.helpers import GOOD_SCORES, committee
from grappe.notifications import selectors
from grappe.notifications.domain.kinds import UnknownKind
from grappe.notifications.models import Notification, NotificationPreference
from grappe.notifications.services import (
    mark_all_read,
    mark_read,
    notify,
    preference_set,
    preferences_set,
)
from grappe.notifications.tasks import send_notification_emails
from grappe.projects.services import (
    SubmissionRequest,
    invitation_create,
    invitation_transition,
    project_submit,
    project_transition,
)
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db

INVITED = {"organisation": "Lab", "acronym": "P1", "title": "A proposal"}


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_notify_writes_one_row_per_active_recipient_never_the_actor_and_emails_them(
    django_capture_on_commit_callbacks,
) -> None:
    actor, one, two, gone = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(
            actor=actor,
            recipients=[actor, one, two.pk, gone, one],
            kind="invitation.received",
            params=INVITED,
            url="/en/me/",
        )
    assert sorted(r.recipient_id for r in rows) == sorted([one.pk, two.pk])
    assert sorted(m.to[0] for m in mail.outbox) == sorted([one.email, two.email])
    message = mail.outbox[0]
    assert message.subject == "[Grappe] Lab is invited to join P1"
    assert "Accept or decline the invitation in My area." in message.body
    assert "https://grappe.example.org/en/me/" in message.body
    assert all(r.emailed_at is not None for r in Notification.objects.all())
    # Running the task again sends nothing more.
    mail.outbox.clear()
    assert send_notification_emails.call([r.pk for r in rows]) == 0


def test_unknown_kinds_wrong_parameters_and_foreign_links_are_programming_errors() -> None:
    user = UserFactory()
    with pytest.raises(UnknownKind):
        notify(actor=None, recipients=[user], kind="no.such", params={})
    with pytest.raises(UnknownKind):
        notify(actor=None, recipients=[user], kind="invitation.received", params={})
    with pytest.raises(ValueError, match="site path"):
        notify(
            actor=None,
            recipients=[user],
            kind="invitation.received",
            params=INVITED,
            url="https://evil.example/",
        )
    assert not Notification.objects.exists()


def test_a_dedupe_key_tells_each_recipient_once(django_capture_on_commit_callbacks) -> None:
    first, later = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            actor=None,
            recipients=[first],
            kind="invitation.received",
            params=INVITED,
            dedupe_key="k",
        )
        again = notify(
            actor=None,
            recipients=[first, later],
            kind="invitation.received",
            params=INVITED,
            dedupe_key="k",
        )
    assert [r.recipient_id for r in again] == [later.pk]
    assert Notification.objects.filter(dedupe_key="k").count() == 2
    assert len(mail.outbox) == 2
    # Without a key, each call is a new notification.
    notify(actor=None, recipients=[first], kind="invitation.received", params=INVITED)
    assert Notification.objects.filter(recipient=first).count() == 2


def test_emails_follow_each_users_preference_and_need_an_address(
    django_capture_on_commit_callbacks,
) -> None:
    wants, refuses, no_address = UserFactory(), UserFactory(), UserFactory(email="")
    preference_set(actor=refuses, user=refuses, kind="invitation.received", email=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            actor=None,
            recipients=[wants, refuses, no_address],
            kind="invitation.received",
            params=INVITED,
        )
    assert [m.to for m in mail.outbox] == [[wants.email]]
    # Every one of them still has it in the inbox.
    assert Notification.objects.count() == 3
    assert Notification.objects.get(recipient=refuses).emailed_at is None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_sends_nothing() -> None:
    user = UserFactory()

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        notify(actor=None, recipients=[user], kind="invitation.received", params=INVITED)
        assert Notification.objects.count() == 1
        raise Undo
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    # Committed: the e-mail leaves once the transaction ends, not before.
    with transaction.atomic():
        notify(actor=None, recipients=[user], kind="invitation.received", params=INVITED)
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_only_the_recipient_marks_read() -> None:
    user, other = UserFactory(), UserFactory()
    [row] = notify(actor=None, recipients=[user], kind="invitation.received", params=INVITED)
    notify(actor=None, recipients=[user], kind="invitation.received", params=INVITED)
    with pytest.raises(PermissionDenied):
        mark_read(actor=other, notification=row)
    mark_read(actor=user, notification=row)
    first = Notification.objects.get(pk=row.pk).read_at
    assert first is not None
    mark_read(actor=user, notification=row)  # again: unchanged
    assert Notification.objects.get(pk=row.pk).read_at == first
    assert mark_all_read(actor=other) == 0
    assert mark_all_read(actor=user) == 1
    assert selectors.unread_count(scope=selectors_scope(user)) == 0


def selectors_scope(user):
    from grappe.core.scopes import scope_for

    return scope_for(user)


def test_preferences_are_audited_only_when_they_change() -> None:
    user, other = UserFactory(), UserFactory()
    assert selectors.email_preferences(user_id=user.pk)["invitation.received"] is True
    preference_set(actor=user, user=user, kind="invitation.received", email=True)  # the default
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notification.preference_set").exists()
    assert (
        preferences_set(
            actor=user, user=user, email={"invitation.received": False, "submission.received": True}
        )
        == 1
    )
    event = AuditEvent.objects.get(action="notification.preference_set")
    assert event.before == {"kind": "invitation.received", "email": True}
    assert event.after == {"kind": "invitation.received", "email": False}
    assert selectors.email_preferences(user_id=user.pk)["invitation.received"] is False
    with pytest.raises(PermissionDenied):
        preference_set(actor=other, user=user, kind="invitation.received", email=True)
    with pytest.raises(ValidationError) as error:
        preferences_set(actor=user, user=user, email={"nope": True})
    assert "“nope” is not a kind of notification." in error.value.message_dict["kind"]


def test_messages_are_shown_in_the_readers_language_and_emailed_in_the_sites() -> None:
    from grappe.notifications.rendering import link, message

    [row] = notify(
        actor=None,
        recipients=[UserFactory()],
        kind="project.status_changed",
        params={
            "acronym": "P1",
            "transition": "Submit for accreditation",
            "from": "Draft",
            "to": "Submitted for accreditation",
            "reason": "",
        },
        url="/en/projects/3/",
    )
    with translation.override("fr"):
        assert (
            message(row).body
            == "Le projet P1 est passé de « Brouillon » à « Soumis à labellisation »."
        )
        assert link(row) == "/fr/projects/3/"
    assert message(row, "en").body.startswith("The project P1 moved from “Draft”")


# --- the flows that notify -----------------------------------------------------------------


def test_an_invitation_tells_the_invited_members_and_its_answer_the_coordinators() -> None:
    p = proposal()
    invited = OrganisationFactory(name="Invited lab")
    member = user_with_role(Role.MEMBER, organisation=invited)
    invitation = invitation_create(actor=p.owner, project=p.project, organisation_id=invited.pk)
    assert _kinds(member) == ["invitation.received"]
    assert _kinds(p.owner) == [] and _kinds(p.insider) == []
    invitation_transition(actor=member, invitation=invitation, transition="accept")
    assert _kinds(p.owner) == ["invitation.accepted"]
    assert Notification.objects.get(recipient=p.owner).params["organisation"] == "Invited lab"
    assert _kinds(member) == ["invitation.received"]  # the actor is not told


def test_a_submission_tells_the_clusters_managers_and_the_status_change_the_consortium() -> None:
    p = proposal()
    cluster = ClusterFactory(name="Cap Test")
    manager = user_with_role(Role.CLUSTER_MANAGER, cluster=cluster)
    project_submit(
        actor=p.owner, project=p.project, clusters=[SubmissionRequest(cluster.pk, "Fits.")]
    )
    assert _kinds(manager) == ["submission.received"]
    assert _kinds(p.insider) == ["project.status_changed"]
    assert _kinds(p.owner) == [] and _kinds(p.outsider) == []
    assert _kinds(p.manager) == []


def test_the_project_status_email_goes_out_in_the_sites_language(
    django_capture_on_commit_callbacks, settings
) -> None:
    settings.LANGUAGE_CODE = "fr"
    p = proposal()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        project_transition(
            actor=p.staff, project=p.project, transition="withdraw", reason="Doublon."
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([p.owner.email, p.insider.email])
    message = mail.outbox[0]
    assert message.subject == "[Grappe] WORKFLOW1 : Retirer"
    assert "est passé de « Brouillon » à « Retiré »" in message.body
    assert "Motif indiqué : Doublon." in message.body
    assert f"https://grappe.example.org/fr/projects/{p.project.pk}/" in message.body


def test_committee_members_hear_of_their_session_its_reviews_and_the_consortium_of_the_decision() -> (
    None
):
    c = committee()  # the manager creates the session and attaches the review
    for user in (c.member, c.conflicted):  # they manage the cluster too: told of the submission
        assert _kinds(user) == [
            "committee.review_added",
            "committee.member_added",
            "submission.received",
        ]
    assert "committee.member_added" not in _kinds(c.manager)  # the actor
    member_declare(actor=c.member, review=c.review, declares_interest=False)
    member_score(actor=c.member, review=c.review, scores=GOOD_SCORES, vote="accredited")
    review_transition(
        actor=c.manager, review=c.review, transition="decide", outcome="refused", reason="Off topic"
    )
    Notification.objects.filter(recipient=c.p.insider).delete()
    review_transition(actor=c.manager, review=c.review, transition="publish")
    kinds = _kinds(c.p.insider)
    assert "labelling.decision_published" in kinds
    row = Notification.objects.get(recipient=c.p.insider, kind="labelling.decision_published")
    assert row.params == {"acronym": "WORKFLOW1", "cluster": "Cap Labelling", "outcome": "Refused"}
