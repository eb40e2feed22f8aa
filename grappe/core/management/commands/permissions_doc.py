"""Write docs/permissions.md from the role table (`--check` fails when the file is stale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from grappe.core.domain.roles import ACTIONS, RELATIONS, ROLES, TABLE, Role

DOC = Path(settings.BASE_DIR).parent / "docs" / "permissions.md"


def permissions_markdown() -> str:
    roles = list(Role)
    lines = [
        "# Permissions",
        "",
        "Generated from the role table (`grappe/core/domain/roles.py`) by",
        "`grappe permissions_doc`; do not edit by hand. Anything not listed is public.",
        "",
        "## Who may do what",
        "",
        "| action | " + " | ".join(ROLES[r].label for r in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for action, row in TABLE.items():
        cells = [", ".join(rel.value for rel in row.get(r, ())) or "—" for r in roles]
        lines.append(f"| `{action.value}`: {ACTIONS[action]} | " + " | ".join(cells) + " |")
    lines += ["", "## Roles", "", "| role | scoped to | |", "|---|---|---|"]
    for role in roles:
        spec = ROLES[role]
        lines.append(f"| {spec.label} | {spec.scope.value or '—'} | {spec.description} |")
    lines += ["", "## Relations to the object", "", "| relation | meaning |", "|---|---|"]
    for relation, rspec in RELATIONS.items():
        lines.append(f"| `{relation.value}` | {rspec.description} |")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Write docs/permissions.md from the role table; --check fails when it is stale."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        text = permissions_markdown()
        if check:
            if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
                raise CommandError(f"{DOC.name} is stale: run `grappe permissions_doc`")
            self.stdout.write(f"{DOC.name} is up to date")
            return
        DOC.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {DOC}")
