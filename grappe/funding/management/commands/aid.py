"""`grappe aid simulate FILE.json`: the maximum aid of a project, explained, in the terminal.

The file has the same schema as the body of `POST /api/v1/aid/simulate` (see
docs/aid-simulation.md). A `project_id` is read with an administrator's reach (the command is
run by an operator). `--json` prints the API's output instead of a table.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import ValidationError

from grappe.core.domain.scope import Scope
from grappe.funding.domain.common import PartnerKind
from grappe.funding.explain import (
    FRENCH_CATEGORY_LABELS,
    KIND_LABELS,
    SIZE_IN_SENTENCE,
    STATUS_LABELS,
    cost_label,
    format_number,
    research_label,
)
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
from grappe.registry.domain.sme import FrenchCategory, SizeClass

OPERATOR = Scope(user_id=None, is_staff_wide=True)
DOC = Path(__file__).resolve().parents[4] / "docs" / "aid-simulation.md"

# A worked example is three fenced blocks, each after a marker comment naming the example:
# `<!-- example NAME input -->` (kept), `<!-- example NAME table LANG -->` and
# `<!-- example NAME json -->` (regenerated from the input by the engine).
_BLOCK = re.compile(
    r"(<!-- example (?P<name>[\w-]+) (?P<what>input|table|json)(?: (?P<lang>en|fr))? -->\n"
    r"(?:.*?\n)??```(?P<fence>\w*)\n)(?P<body>.*?)(```)",
    re.S,
)


def regenerate_examples(text: str, simulate: Any) -> str:
    """`text` with every example's table and JSON output recomputed from its input block."""
    inputs = {
        m["name"]: json.loads(m["body"]) for m in _BLOCK.finditer(text) if m["what"] == "input"
    }

    def fresh(m: re.Match[str]) -> str:
        name, what = m["name"], m["what"]
        if what == "input":
            return m.group(0)
        if name not in inputs:
            raise CommandError(f"example {name}: no input block")
        with translation.override(m["lang"] or "en"):
            data = simulate(inputs[name])
            if what == "json":
                body = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            else:
                path = f"example{name}.json"
                lang = f" --lang {m['lang']}" if m["lang"] and m["lang"] != "en" else ""
                body = (
                    f"$ grappe aid simulate {path}{lang}\n"
                    + "\n".join(simulation_table(data))
                    + "\n"
                )
        return m.group(1) + body + m.group(7)

    return _BLOCK.sub(fresh, text)


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
        ex = sub.add_parser(
            "examples", help="Check (or --write) the worked examples of docs/aid-simulation.md."
        )
        ex.add_argument("--doc", default=str(DOC), help="The document (default: %(default)s).")
        ex.add_argument("--write", action="store_true", help="Rewrite the outputs in place.")

    def _examples(self, doc: Path, *, write: bool) -> None:
        try:
            text = doc.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{doc.name}: cannot be read ({exc.strerror})") from None
        fresh = regenerate_examples(text, lambda raw: self._simulate_data(raw, doc))
        if fresh == text:
            self.stdout.write(f"{doc.name}: the worked examples match the engine")
        elif write:
            doc.write_text(fresh, encoding="utf-8")
            self.stdout.write(f"{doc.name}: worked examples regenerated")
        else:
            raise CommandError(
                f"{doc.name}: the worked examples no longer match the engine; "
                "run `grappe aid examples --write`"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "examples":
            self._examples(Path(options["doc"]), write=options["write"])
            return
        with translation.override(options["lang"]):
            data = self._simulate(Path(options["file"]))
            if options["json"]:
                self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            else:
                self.stdout.write("\n".join(simulation_table(data)))

    def _simulate(self, path: Path) -> dict[str, Any]:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read ({exc})") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        return self._simulate_data(raw, path)

    def _simulate_data(self, raw: Any, path: Path) -> dict[str, Any]:
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


def _steps(lines: list[str], steps: list[dict[str, Any]], indent: str, mark: str = "·") -> None:
    for st in steps:
        ref = f" ({st['legal_ref']})" if st["legal_ref"] else ""
        u = " [U]" if st["unconfirmed"] else ""
        lines.append(f"{indent}{mark} {st['sentence']}{ref}{u}")


def _n(value: str) -> str:
    return format_number(Decimal(value), 2)


def simulation_table(data: dict[str, Any]) -> list[str]:
    """The plain-text table of a simulation, in the active language (`--lang`)."""
    lines: list[str] = []
    w = lines.append
    rs = data["ruleset"]
    w(
        _("Project %(project)s under %(ruleset)s (v%(version)s, GBER %(gber)s)")
        % {
            "project": data["project_id"],
            "ruleset": rs["title"],
            "version": rs["version"],
            "gber": rs["gber_version"],
        }
    )
    if data["unconfirmed_notice"]:
        w(f"[U] {data['unconfirmed_notice']}")
    w("")
    cols = (_("eligible"), _("rate"), _("GBER"), _("max. aid"))
    header = f"    {cols[0]:>14} {cols[1]:>7} {cols[2]:>5} {cols[3]:>14}"
    for p in data["partners"]:
        kind = str(KIND_LABELS.get(PartnerKind(p["kind"]), p["kind"]))
        desc = [kind]
        if p["undertaking"]:
            size = str(SIZE_IN_SENTENCE[SizeClass(p["size"])])
            if p["french_category"]:
                size += f" ({FRENCH_CATEGORY_LABELS[FrenchCategory(p['french_category'])]})"
            desc.append(size)
        if p["is_startup"]:
            desc.append(_("start-up"))
        w(f"{p['name']} — {', '.join(desc)}")
        for note in p["notes"]:
            w(f"    {_('note:')} {note}")
        _steps(lines, p["steps"], "    ")
        w(header)
        for line in p["lines"]:
            cap = line["gber_cap_pct"] or "—"
            rate = f"{format_number(Decimal(line['intensity_pct']))}%"
            w(f"  {cost_label(line['category'])} · {research_label(line['research'])}")
            w(f"    {_n(line['eligible_cost']):>14} {rate:>7} {cap:>5} {_n(line['max_aid']):>14}")
            _steps(lines, line["steps"], "      ")
        for c in p["categories"]:
            for st in c["steps"]:
                w(
                    "    "
                    + _("%(category)s: %(sentence)s")
                    % {"category": cost_label(c["category"]), "sentence": st["sentence"]}
                    + f" ({st['legal_ref']})"
                )
        _steps(lines, p["warnings"], "    ", "!")
        total = _("total")
        w(f"  {total}")
        w(f"    {_n(p['eligible_cost']):>14} {'':>13} {_n(p['max_aid']):>14}")
        w("")
    w(
        _("Project total: eligible costs %(eligible)s, maximum aid %(aid)s")
        % {"eligible": _n(data["total_eligible_cost"]), "aid": _n(data["total_max_aid"])}
    )
    project_warnings = [x for x in data["warnings"] if not x["code"].startswith("gber.notif")]
    _steps(lines, project_warnings, "  ", "!")
    w("")
    w(_("Effective collaboration (GBER):"))
    _steps(lines, data["collaboration"]["steps"], "  ")
    _steps(lines, data["steps"], "  ")
    w("")
    w(_("Consortium rules:"))
    for v in data["verdicts"]:
        if v["status"] == "not_applicable":
            continue
        mark = " [U]" if v["unconfirmed"] else ""
        w(f"  {str(STATUS_LABELS[v['status']]).upper():<22} {v['sentence']}{mark}")
    return lines
