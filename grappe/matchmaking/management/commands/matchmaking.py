"""`grappe matchmaking rank --participations P.csv --tasks T.jsonl [--candidates C.txt]
--top 100 --out R.jsonl` (the product's model over any file, docs/matchmaking.md) and
`grappe matchmaking rebuild` (the product's index, from the database)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grappe.matchmaking.domain.files import (
    FileError,
    ranking_lines,
    read_candidates,
    read_participations,
    read_tasks,
)
from grappe.matchmaking.domain.model import fit


class Command(BaseCommand):
    help = "Rank partners offline over files, or rebuild the product's partner index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rank = sub.add_parser("rank", help="rank candidate partners for each task of a file")
        rank.add_argument("--participations", type=Path, required=True, help="P.csv")
        rank.add_argument("--tasks", type=Path, required=True, help="T.jsonl")
        rank.add_argument("--candidates", type=Path, help="C.txt (default: every organisation)")
        rank.add_argument("--top", type=int, default=100)
        rank.add_argument("--out", type=Path, required=True, help="R.jsonl")
        sub.add_parser("rebuild", help="rebuild the partner index from the database now")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rank":
            self._rank(options)
        else:
            self._rebuild()

    def _rank(self, options: dict[str, Any]) -> None:
        top: int = options["top"]
        if top < 1:
            raise CommandError("--top must be at least 1")
        started = time.monotonic()
        try:
            data = read_participations(options["participations"])
            candidates = read_candidates(options["candidates"]) if options["candidates"] else None
            orgs = {o for _, o in data.pairs}
            tasks = read_tasks(options["tasks"], orgs)
        except FileError as exc:
            raise CommandError(str(exc)) from exc
        model = fit(data.pairs, facts=data.facts, project_texts=data.texts)
        fitted = time.monotonic()
        out: Path = options["out"]
        rankings = (
            (t.task, [o for o, _ in model.rank(t.known, t.text, candidates=candidates, top=top)])
            for t in tasks
        )
        try:
            with out.open("w", encoding="utf-8") as f:
                f.writelines(ranking_lines(rankings))
        except OSError as exc:
            raise CommandError(f"{out}: {exc.strerror}") from exc
        done = time.monotonic()
        self.stdout.write(
            f"{len(data.pairs):,} participations, {len(model.org_ids):,} organisations: "
            f"fitted in {fitted - started:.1f} s; {len(tasks):,} tasks ranked in "
            f"{done - fitted:.1f} s → {out}"
        )

    def _rebuild(self) -> None:
        from grappe.matchmaking.services import partner_index_rebuild

        index = partner_index_rebuild(actor=None)
        self.stdout.write(
            f"Partner index #{index.pk}: {index.organisation_count:,} organisations, "
            f"{index.participation_count:,} participations in {index.build_seconds:.1f} s"
        )
