"""`grappe notifications remind`: send the due reminders (safe to run from cron every hour)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from grappe.notifications.reminders import run_reminders


class Command(BaseCommand):
    help = "Notifications: `remind` writes the reminders that are due (each person once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="Send the reminders that are due.")
        remind.add_argument(
            "--now",
            default="",
            help="The time to act as of (ISO 8601 with its offset), for tests and replays.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO 8601 time: {options['now']!r}") from exc
            if timezone.is_naive(now):
                raise CommandError("--now: give the time with its offset, e.g. +01:00")
        counts = run_reminders(now)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} notification(s)")
        self.stdout.write(f"total: {sum(counts.values())}")
