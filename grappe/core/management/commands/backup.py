"""`grappe backup [--output PATH]` and `grappe backup --verify ARCHIVE` (see docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core.backup import VENDOR_NAMES, BackupError, Manifest, backup_create, backup_verify


def describe(manifest: Manifest) -> str:
    tables, rows = len(manifest.tables), manifest.row_count
    return _("%(vendor)s database, Grappe %(version)s, made %(time)s: %(tables)s, %(rows)s.") % {
        "vendor": VENDOR_NAMES[manifest.vendor],
        "version": manifest.app_version,
        "time": manifest.created_at,
        "tables": ngettext("%(n)d table", "%(n)d tables", tables) % {"n": tables},
        "rows": ngettext("%(n)d row", "%(n)d rows", rows) % {"n": rows},
    }


class Command(BaseCommand):
    help = "Copy the database into an archive with a manifest and checksums, or check an archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="Archive to write (default: a dated name here)."
        )
        parser.add_argument(
            "--verify", type=Path, metavar="ARCHIVE", help="Check an archive without restoring."
        )
        parser.add_argument(
            "--lang", default=settings.LANGUAGE_CODE, choices=[c for c, _n in settings.LANGUAGES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            try:
                if options["verify"]:
                    manifest = backup_verify(options["verify"])
                    self.stdout.write(
                        _("%(name)s is a sound backup.") % {"name": options["verify"].name}
                    )
                else:
                    path, manifest = backup_create(output=options["output"])
                    self.stdout.write(_("Backup written to %(path)s.") % {"path": path})
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(describe(manifest))
            if manifest.audit:
                count = manifest.audit["count"]
                self.stdout.write(
                    ngettext(
                        "Audit chain head: %(head)s (%(count)d event).",
                        "Audit chain head: %(head)s (%(count)d events).",
                        count,
                    )
                    % {"head": manifest.audit["head"] or "-", "count": count}
                )
