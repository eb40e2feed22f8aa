"""`grappe aid simulate FILE.json`: the maximum aid of a project, explained, in the terminal.

The file has the same schema as the body of `POST /api/v1/aid/simulate` (see
docs/aid-simulation.md). A `project_id` is read with an administrator's reach (the command is
run by an operator). `--json` prints the API's output instead of a table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from pydantic import ValidationError

from grappe.core.domain.scope import Scope
from grappe.funding.models import Call
from grappe.funding.schemas import SimulateIn
from grappe.funding.selectors import project_aid_input, project_for_simulation
from grappe.funding.simulation import (
    SimulationInputError,
    inline_aid_input,
    resolve_ruleset,
    run_simulation,
    simulation_to_dict,
)
from grappe.projects.models import Project

OPERATOR = Scope(user_id=None, is_staff_wide=True)


def _loc(loc: Any) -> str:
    return ".".join(str(part) for part in loc) or "(root)"


class Command(BaseCommand):
    help = "Aid simulation: `aid simulate FILE.json [--json] [--lang fr]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sim = sub.add_parser("simulate", help="Simulate the maximum aid of a project.")
        sim.add_argument("file", help="JSON file: the API's simulation input.")
        sim.add_argument("--json", action="store_true", help="Print JSON (the API's output).")
        sim.add_argument("--lang", default="en", choices=["en", "fr"], help="Output language.")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            data = self._simulate(Path(options["file"]))
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self._table(data)

    def _simulate(self, path: Path) -> dict[str, Any]:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read ({exc})") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        try:
            payload = SimulateIn.model_validate(raw)
        except ValidationError as exc:
            lines = [f"  {_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
            raise CommandError(f"{path}: invalid input\n" + "\n".join(lines)) from None
        try:
            ruleset, call = resolve_ruleset(
                scope=OPERATOR,
                ruleset=payload.ruleset,
                ruleset_code=payload.ruleset_code,
                call=payload.call,
            )
            if payload.project_id is not None:
                project = project_for_simulation(scope=OPERATOR, pk=payload.project_id)
                aid_input = project_aid_input(
                    scope=OPERATOR, project=project, funder_id=call.funder_id if call else None
                )
            else:
                assert payload.project is not None
                aid_input = inline_aid_input(payload.project)
        except SimulationInputError as exc:
            raise CommandError(f"{path}: {_loc(exc.loc)}: {exc.message} [{exc.rule}]") from None
        except Call.DoesNotExist:
            raise CommandError(f"{path}: call: no call {payload.call!r}") from None
        except Project.DoesNotExist:
            raise CommandError(f"{path}: project_id: no project {payload.project_id}") from None
        return simulation_to_dict(run_simulation(aid_input, ruleset), aid_input, ruleset, call)

    def _table(self, data: dict[str, Any]) -> None:
        w = self.stdout.write
        rs = data["ruleset"]
        w(
            f"Project {data['project_id']} under {rs['title']} (v{rs['version']}, GBER {rs['gber_version']})"
        )
        if data["unconfirmed_notice"]:
            w(f"[U] {data['unconfirmed_notice']}")
        w("")
        header = f"  {'category':<22} {'research':<13} {'eligible':>14} {'rate':>7} {'GBER':>5} {'max aid':>14}"
        for p in data["partners"]:
            size = f", {p['size']}" if p["undertaking"] else ""
            startup = " (start-up)" if p["is_startup"] else ""
            w(f"{p['name']} — {p['kind']}{size}{startup}")
            w(header)
            for line in p["lines"]:
                cap = line["gber_cap_pct"] or "—"
                w(
                    f"  {line['category']:<22} {line['research']:<13} {line['eligible_cost']:>14} "
                    f"{line['intensity_pct'] + '%':>7} {cap:>5} {line['max_aid']:>14}"
                )
                for s in line["steps"]:
                    mark = " [U]" if s["unconfirmed"] else ""
                    w(f"      · {s['sentence']} ({s['legal_ref']}){mark}")
            for c in p["categories"]:
                for s in c["steps"]:
                    w(f"    {c['category']}: {s['sentence']} ({s['legal_ref']})")
            for note in p["notes"]:
                w(f"    note: {note}")
            for s in p["warnings"]:
                w(f"    ! {s['sentence']} ({s['legal_ref']})")
            w(f"  {'total':<36} {p['eligible_cost']:>14} {'':>13} {p['max_aid']:>14}")
            w("")
        w(
            f"Project total: eligible {data['total_eligible_cost']}, maximum aid {data['total_max_aid']}"
        )
        w("")
        w("Consortium rules:")
        for v in data["verdicts"]:
            if v["status"] == "not_applicable":
                continue
            mark = " [U]" if v["unconfirmed"] else ""
            w(f"  {v['status'].upper():<20} {v['sentence']}{mark}")
