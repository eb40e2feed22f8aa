from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "grappe.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from grappe.core.audit_guard import sqlite_connection_setup

        # Not model logic: every SQLite connection needs the function the audit triggers call.
        connection_created.connect(
            lambda sender, connection, **kwargs: sqlite_connection_setup(connection),
            weak=False,
            dispatch_uid="grappe.core.audit_guard",
        )

        from axes.signals import user_locked_out

        from grappe.core.lockout import audit_lockout

        # A client locked out after too many failed logins is an audit event.
        user_locked_out.connect(audit_lockout, dispatch_uid="grappe.core.lockout")
