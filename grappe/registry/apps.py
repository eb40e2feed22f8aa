from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "grappe.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Registers the organisation search index (`grappe.core.search.INDEXES`).
        from grappe.registry import search  # noqa: F401
