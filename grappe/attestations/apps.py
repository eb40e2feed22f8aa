from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttestationsConfig(AppConfig):
    name = "grappe.attestations"
    label = "attestations"
    verbose_name = _("Attestations")

    def ready(self) -> None:
        # Registers the attestation links of the project page.
        from grappe.attestations import pages  # noqa: F401
