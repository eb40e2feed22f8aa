from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabellingConfig(AppConfig):
    name = "grappe.labelling"
    label = "labelling"
    verbose_name = _("Labelling")

    def ready(self) -> None:
        # Registers the published decisions on the project page (`projects.project_detail`).
        # Registers the reminder of missing scores (`grappe notifications remind`).
        from grappe.labelling import (
            pages,  # noqa: F401
            reminders,  # noqa: F401
        )
