from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "grappe.projects"
    label = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        # Registers the project sections of the registry's pages (cluster, organisation, search).
        # Registers the project search index and the organisations' activity (their projects).
        # Registers the reminder of unanswered invitations (`grappe notifications remind`).
        from grappe.projects import (
            pages,  # noqa: F401
            reminders,  # noqa: F401
            search,  # noqa: F401
        )
