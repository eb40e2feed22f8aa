from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "grappe.interop"
    label = "interop"
    verbose_name = _("Imports and exports")

    def ready(self) -> None:
        # Registers the provenance sections of the project and organisation pages and API.
        # Adds the aliases to the organisation search documents (`registry.search`).
        from grappe.interop import (
            pages,  # noqa: F401
            search,  # noqa: F401
        )
