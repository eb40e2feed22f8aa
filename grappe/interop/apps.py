from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "grappe.interop"
    label = "interop"
    verbose_name = _("Imports and exports")

    def ready(self) -> None:
        # Registers the provenance sections of the project and organisation pages and API.
        from grappe.interop import pages  # noqa: F401
