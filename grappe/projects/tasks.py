"""Background work for projects (django-tasks: immediate in dev and tests, worker in production)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from grappe.core.models import Role, Transition
from grappe.projects.domain.workflow import PROJECT_WORKFLOWS
from grappe.projects.models import Project


@task()
def project_transition_notify(transition_pk: int, language: str = "en") -> int:
    """E-mail the consortium's users (members of its organisations, except the actor) that the
    project changed state; returns the number of messages sent. Enqueued after commit by
    `project_transition`."""
    row = Transition.objects.select_related("actor").get(pk=transition_pk)
    project = Project.objects.get(pk=row.object_id)
    recipients = sorted(
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role=Role.MEMBER,
            role_assignments__organisation__participations__project=project,
        )
        .exclude(email="")
        .exclude(pk=row.actor_id or 0)
        .values_list("email", flat=True)
        .distinct()
    )
    if not recipients:
        return 0
    workflow = PROJECT_WORKFLOWS.get(row.workflow_version)
    with translation.override(language):
        params = {
            "acronym": project.acronym,
            "transition": _(workflow.transitions[row.transition].label),
            "from": _(workflow.states[row.from_state].staff_label),
            "to": _(workflow.states[row.to_state].staff_label),
        }
        subject = _("[Grappe] %(acronym)s: %(transition)s") % params
        lines = [
            _("The project %(acronym)s moved from “%(from)s” to “%(to)s”.") % params,
        ]
        if row.reason:
            lines.append(_("Reason given: %(reason)s") % {"reason": row.reason})
        lines.append(
            settings.SITE_URL.rstrip("/") + reverse("project_detail", kwargs={"pk": project.pk})
        )
        body = "\n\n".join(lines) + "\n"
    messages = [(subject, body, None, [email]) for email in recipients]
    return int(send_mass_mail(messages, fail_silently=False))
