"""`grappe audit verify`: recompute the audit log's hash chain and check its triggers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grappe.core.selectors import audit_chain_check


class Command(BaseCommand):
    help = "Audit log checks: `audit verify [--expect-hash HASH] [--lang fr]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="Recompute the hash chain: name every altered event and every removed one.",
        )
        verify.add_argument(
            "--expect-hash",
            default="",
            help="A chain head noted earlier (e.g. in a backup manifest): it must still be there.",
        )
        verify.add_argument(
            "--lang", default=settings.LANGUAGE_CODE, choices=[c for c, _n in settings.LANGUAGES]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._verify(options["expect_hash"])

    def _verify(self, expect_hash: str) -> None:
        check = audit_chain_check(expect_hash=expect_hash)
        for item in check.chain.breaks:
            if item.kind == "altered":
                message = _(
                    "Event #%(id)s (%(action)s) was altered: its content no longer matches its "
                    "hash."
                )
            else:
                message = _(
                    "Event #%(id)s (%(action)s) does not follow the event before it: an event "
                    "was removed before it."
                )
            self.stderr.write(message % {"id": item.event_id, "action": item.action})
        for name in check.missing_triggers:
            self.stderr.write(
                _("The trigger %(name)s is missing: the audit table can be rewritten.")
                % {"name": name}
            )
        if check.head_found is False:
            self.stderr.write(
                _("No event has the hash %(hash)s: events were removed from the end of the log.")
                % {"hash": expect_hash}
            )
        if not check.intact:
            raise CommandError(_("The audit log failed verification."))
        count = check.chain.count
        self.stdout.write(
            ngettext(
                "Audit log intact: %(count)d event, chain head %(head)s.",
                "Audit log intact: %(count)d events, chain head %(head)s.",
                count,
            )
            % {"count": count, "head": check.chain.head}
        )
