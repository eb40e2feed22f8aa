from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "grappe.matchmaking"
    label = "matchmaking"
    verbose_name = _("Matchmaking")

    def ready(self) -> None:
        # Registers "Organisations like this one" and consortium completion on the
        # organisation and project pages.
        from grappe.matchmaking import pages  # noqa: F401
