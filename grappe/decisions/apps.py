from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "grappe.decisions"
    label = "decisions"
    verbose_name = _("Decisions and allocation")

    def ready(self) -> None:
        # The application workflow's `amounts_approved` guard reads this app's envelope ledger.
        from grappe.decisions.selectors import application_decision_facts
        from grappe.funding.services import register_application_facts

        register_application_facts(application_decision_facts)
        from grappe.decisions import pages  # noqa: F401 - registers the call page's links
