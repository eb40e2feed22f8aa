from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "grappe.evaluation"
    label = "evaluation"
    verbose_name = _("Expert evaluation")

    def ready(self) -> None:
        # The facts `experts_assigned` and `consensus_done` of the application workflow, and who
        # holds the evaluator role on an application (the assigned experts).
        from grappe.evaluation import (
            pages,  # noqa: F401 - registers the call page's links
            services,
        )
        from grappe.funding.services import (
            register_application_evaluators,
            register_application_facts,
        )

        register_application_facts(services.application_evaluation_facts)
        register_application_evaluators(services.application_expert_user_ids)
