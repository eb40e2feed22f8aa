"""`grappe search_index rebuild|check|stats`: the search indexes (`grappe.core.search`).

The services keep the indexes current; this command is for recovery (`rebuild`: every entry
built again from its table), for a check that an index matches its table (`check`: exit status
1 when not, naming how many entries are missing, left over or out of date), and for figures
(`stats`: entries and size on disk per index).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from grappe.core.search import INDEXES, index_ids, index_size


class Command(BaseCommand):
    help = "Rebuild, check or measure the search indexes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "check", "stats"])
        parser.add_argument(
            "--index",
            choices=sorted(INDEXES),
            help="Only this index (default: every index).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        indexes = [INDEXES[options["index"]]] if options["index"] else list(INDEXES.values())
        action = options["action"]
        failed = False
        for index in indexes:
            if action == "rebuild":
                start = time.perf_counter()
                with transaction.atomic():
                    written = index.rebuild()
                self.stdout.write(
                    f"{index.table}: {written} entries in {time.perf_counter() - start:.1f} s"
                )
            elif action == "check":
                missing, extra, stale = index.stale()
                if missing or extra or stale:
                    failed = True
                    self.stdout.write(
                        f"{index.table}: {len(missing)} missing, {len(extra)} left over, "
                        f"{len(stale)} out of date — run `grappe search_index rebuild`"
                    )
                else:
                    self.stdout.write(f"{index.table}: matches its table")
            else:
                size = index_size(index.table)
                self.stdout.write(
                    f"{index.table}: {len(index_ids(index.table))} entries, "
                    + (f"{size / 1e6:.1f} MB" if size >= 0 else "size unknown")
                )
        if failed:
            raise CommandError("A search index does not match its table.")
