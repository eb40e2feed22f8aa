"""project_transition_notify: the consortium hears of a state change, in the actor's language."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from grappe.core.models import Role
from grappe.core.tests.factories import user_with_role
from grappe.projects.services import project_transition
from grappe.projects.tasks import project_transition_notify
from grappe.projects.tests.workflow_helpers import proposal

pytestmark = pytest.mark.django_db


def test_the_message_is_translated_and_names_the_step_the_reason_and_the_page(
    django_capture_on_commit_callbacks,
) -> None:
    p = proposal()
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        project_transition(
            actor=p.staff, project=p.project, transition="withdraw", reason="Doublon."
        )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([p.owner.email, p.insider.email])
    message = mail.outbox[0]
    assert message.subject == "[Grappe] WORKFLOW1 : Retirer"
    assert "est passé de « Brouillon » à « Retiré »" in message.body
    assert "Motif indiqué : Doublon." in message.body
    assert f"/projects/{p.project.pk}/" in message.body


def test_only_active_members_with_an_address_are_told_and_never_the_actor() -> None:
    p = proposal()
    p.insider.is_active = False
    p.insider.save()
    silent = user_with_role(Role.MEMBER, organisation=p.partner)
    silent.email = ""
    silent.save()
    row = project_transition(actor=p.owner, project=p.project, transition="submit").row
    mail.outbox.clear()
    assert project_transition_notify.call(row.pk, "en") == 0
    assert mail.outbox == []
    other = user_with_role(Role.MEMBER, organisation=p.partner)
    assert project_transition_notify.call(row.pk, "en") == 1
    assert mail.outbox[0].to == [other.email]
    assert "moved from “Draft” to “Submitted for accreditation”" in mail.outbox[0].body
