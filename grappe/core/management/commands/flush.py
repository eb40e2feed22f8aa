"""`grappe flush`: Django's flush, which must also empty the append-only audit log — and the
search indexes (`grappe.core.search`: tables Django does not manage, so it would not).

The test suite flushes between transactional tests, and an operator who flushes wants an empty
database; the audit triggers are lifted for this connection only, for the duration of the flush.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand

from grappe.core.audit_guard import audit_maintenance


class Command(FlushCommand):
    help = FlushCommand.help + " The audit log is emptied too."

    def handle(self, **options: Any) -> None:
        with audit_maintenance(options["database"]):
            super().handle(**options)
        from grappe.core.search import INDEXES, index_clear

        for index in INDEXES.values():
            # Only when the flush happened (an interactive one may be cancelled).
            if index.model is not None and not index.model._base_manager.exists():
                index_clear(index.table)
