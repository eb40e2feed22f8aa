"""Compile the translation catalogues with polib (no GNU gettext needed) and, with --check,
verify that the French catalogue is complete and compiled.

When GNU gettext's xgettext is installed (CI installs it), --check also extracts the source
strings with `makemessages` and fails on any string the catalogue lacks.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

IGNORED = [".venv*", "benchmarks", "staticfiles", "node_modules", "build", "*.egg-info"]


def catalogues() -> list[Path]:
    return sorted(
        Path(p) for base in settings.LOCALE_PATHS for p in Path(base).glob("*/LC_MESSAGES/*.po")
    )


def problems_in(po_path: Path) -> list[str]:
    po = polib.pofile(str(po_path))
    found = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        found.append(f"{mo_path.name} is missing: run `grappe compile_translations`")
    else:
        compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}
        wanted = {
            (e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries() if not e.msgid_plural
        }
        if any(compiled.get(k) != v for k, v in wanted.items()):
            found.append(f"{mo_path.name} is stale: run `grappe compile_translations`")
    return found


def missing_source_strings(po_path: Path) -> list[str]:
    """Strings in the source that the catalogue lacks (needs xgettext).

    `makemessages` rewrites the catalogue in place, so the original bytes are put back after.
    """
    before = po_path.read_bytes()
    known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path))}
    cwd = Path.cwd()
    try:
        os.chdir(Path(settings.BASE_DIR).parent)
        call_command(
            "makemessages",
            locale=[po_path.parent.parent.name],
            ignore_patterns=IGNORED,
            verbosity=0,
        )
        extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path))}
    finally:
        os.chdir(cwd)
        po_path.write_bytes(before)
    return [f"missing from catalogue: {msgid!r}" for _, msgid in sorted(extracted - known, key=str)]


class Command(BaseCommand):
    help = "Compile .po catalogues to .mo with polib; --check verifies completeness instead."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="fail on incomplete catalogues")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        paths = catalogues()
        if not paths:
            raise CommandError("No translation catalogue found under LOCALE_PATHS.")
        if not check:
            for po_path in paths:
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"compiled {len(paths)} catalogue(s)")
            return
        problems: list[str] = []
        for po_path in paths:
            problems += [f"{po_path}: {p}" for p in problems_in(po_path)]
            if shutil.which("xgettext"):
                problems += [f"{po_path}: {p}" for p in missing_source_strings(po_path)]
            else:
                self.stderr.write("xgettext not installed: skipping the source-extraction check")
        if problems:
            raise CommandError("Translation catalogue problems:\n" + "\n".join(problems[:200]))
        self.stdout.write(f"{len(paths)} catalogue(s) complete and compiled")
