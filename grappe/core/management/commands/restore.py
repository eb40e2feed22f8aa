"""`grappe restore ARCHIVE [--replace]`: verify an archive, restore it, count every table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import ngettext

from grappe.core.backup import BackupError, backup_restore
from grappe.core.management.commands.backup import describe


class Command(BaseCommand):
    help = (
        "Restore a `grappe backup` archive into the configured database (stop the web and task "
        "workers first). The archive is verified before anything is replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite a database that already holds data.",
        )
        parser.add_argument(
            "--lang", default=settings.LANGUAGE_CODE, choices=[c for c, _n in settings.LANGUAGES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            try:
                result = backup_restore(options["archive"], replace=options["replace"])
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(describe(result.manifest))
            tables = len(result.manifest.tables)
            self.stdout.write(
                ngettext(
                    "Restored: %(tables)d table, its row count equal to the manifest's.",
                    "Restored: %(tables)d tables, their row counts equal to the manifest's.",
                    tables,
                )
                % {"tables": tables}
            )
            pending = len(result.pending_migrations)
            if pending:
                self.stdout.write(
                    ngettext(
                        "This version of Grappe has %(count)d migration the backup predates: "
                        "run `grappe migrate`.",
                        "This version of Grappe has %(count)d migrations the backup predates: "
                        "run `grappe migrate`.",
                        pending,
                    )
                    % {"count": pending}
                )
