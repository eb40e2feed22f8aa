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
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            _fill_search_indexes, sender=self, weak=False, dispatch_uid="grappe.core.search"
        )

        from axes.signals import user_locked_out

        from grappe.core.lockout import audit_lockout

        # A client locked out after too many failed logins is an audit event.
        user_locked_out.connect(audit_lockout, dispatch_uid="grappe.core.lockout")


def _fill_search_indexes(sender: AppConfig, plan: object = None, **kwargs: object) -> None:
    """After `migrate`: build a search index its migration just created for rows already
    there (nothing to do on an empty or up-to-date database: one query per index)."""
    if not plan:
        return  # nothing migrated (a test database flush, `migrate` with nothing to do)
    from grappe.core.search import fill_empty_indexes

    fill_empty_indexes()
