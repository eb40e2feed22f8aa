"""Reminders: the apps above register what to remind (a committee member who has not scored,
an invitation left unanswered), the command and the task run them all.

A reminder is `reminder(now) -> int` (the notifications it wrote); it calls `notify` with a
`dedupe_key`, so running it every hour tells each person once. Registered like page sections
(`core/pages.py`): the app's `reminders.py`, loaded by its AppConfig.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Reminder = Callable[[dt.datetime], int]

_REMINDERS: dict[str, Reminder] = {}


def reminder(name: str) -> Callable[[Reminder], Reminder]:
    def register(function: Reminder) -> Reminder:
        _REMINDERS[name] = function
        return function

    return register


def run_reminders(now: dt.datetime) -> dict[str, int]:
    """Run every reminder at `now`; name -> notifications written."""
    return {name: function(now) for name, function in sorted(_REMINDERS.items())}
