from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "grappe.funding"
    label = "funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        # Registers the programme figures on the registry's home page.
        from grappe.funding import pages  # noqa: F401
