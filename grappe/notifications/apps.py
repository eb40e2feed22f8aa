from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "grappe.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the "Notifications" block of My area (`core.my_area`).
        from grappe.notifications import pages  # noqa: F401
