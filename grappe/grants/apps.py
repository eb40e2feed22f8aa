from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grappe.grants"
    label = "grants"
    verbose_name = _("Grants")

    def ready(self) -> None:
        # Registers the sections on My area and the cluster and funder pages.
        # Registers the reminder of reports due and overdue (`grappe notifications remind`).
        from grappe.grants import (
            pages,  # noqa: F401
            reminders,  # noqa: F401
        )
