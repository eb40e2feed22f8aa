"""The offline command's files (docs/matchmaking.md): participations CSV, tasks JSONL,
candidates text, rankings JSONL. Pure: read and checked here, refused with a message that names
the file, the line and the field."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from grappe.matchmaking.domain.model import COMPANY, OTHER, PUBLIC, RESEARCH, OrgFacts

REQUIRED = ("project_id", "organisation_id")
OPTIONAL = (
    "organisation_name",
    "organisation_type",
    "country",
    "region",
    "city",
    "role",
    "project_title",
    "project_text",
    "year",
)

# `organisation_type` values (Grappe kinds, CORDIS activity types, ANR categories) → partner type
_TYPES = {
    "research": RESEARCH,
    "research_lab": RESEARCH,
    "higher_education": RESEARCH,
    "rec": RESEARCH,
    "hes": RESEARCH,
    "laboratoire public": RESEARCH,
    "fondation de recherche": RESEARCH,
    "organisme de recherche": RESEARCH,
    "company": COMPANY,
    "start_up": COMPANY,
    "sme": COMPANY,
    "mid_cap": COMPANY,
    "large_company": COMPANY,
    "prc": COMPANY,
    "pme": COMPANY,
    "tpe": COMPANY,
    "entreprise autre que tpe ou pme": COMPANY,
    "divers prive": COMPANY,
    "fr prive": COMPANY,
    "public": PUBLIC,
    "public_body": PUBLIC,
    "pub": PUBLIC,
    "divers public": PUBLIC,
    "fr public": PUBLIC,
    "other": OTHER,
    "oth": OTHER,
    "association": OTHER,
    "investor": OTHER,
}


def partner_type(value: str) -> str:
    """The broad partner type of an `organisation_type` value ("" when unknown)."""
    v = value.strip().casefold().replace("é", "e")
    return _TYPES.get(v, "")


class FileError(ValueError):
    """A refused input file; `str()` is the message to show."""


@dataclass
class Participations:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    facts: dict[str, OrgFacts] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    task: str
    known: tuple[str, ...]
    text: str = ""


def read_participations(path: Path) -> Participations:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return _read_participations(f, str(path))
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise FileError(f"{path}: {exc.strerror}") from exc


def _read_participations(f: IO[str], name: str) -> Participations:
    reader = csv.DictReader(f)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FileError(
            f"{name}: missing required column(s) {', '.join(missing)} "
            f"(the header has: {', '.join(header) or 'nothing'})"
        )
    out = Participations()
    texts: dict[str, list[str]] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            raise FileError(f"{name}, line {line}: more fields than the header has")
        project = (row["project_id"] or "").strip()
        org = (row["organisation_id"] or "").strip()
        if not project:
            raise FileError(f"{name}, line {line}: project_id is empty")
        if not org:
            raise FileError(f"{name}, line {line}: organisation_id is empty")
        out.pairs.append((project, org))
        kind = partner_type(row.get("organisation_type") or "")
        if org not in out.facts or (kind and not out.facts[org].partner_type):
            out.facts[org] = OrgFacts(
                name=(row.get("organisation_name") or "").strip(),
                partner_type=kind,
                country=(row.get("country") or "").strip(),
                region=(row.get("region") or "").strip(),
                city=(row.get("city") or "").strip(),
            )
        if project not in texts:
            parts = [
                (row.get("project_title") or "").strip(),
                (row.get("project_text") or "").strip(),
            ]
            texts[project] = [p for p in parts if p]
    if not out.pairs:
        raise FileError(f"{name}: no participation rows")
    out.texts = {p: " ".join(t) for p, t in texts.items() if t}
    return out


def read_tasks(path: Path, known_orgs: set[str]) -> list[Task]:
    tasks: list[Task] = []
    seen: set[str] = set()
    try:
        with path.open(encoding="utf-8") as f:
            for n, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                tasks.append(_task(raw, f"{path}, line {n}", known_orgs, seen))
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise FileError(f"{path}: {exc.strerror}") from exc
    return tasks


def _task(raw: str, where: str, known_orgs: set[str], seen: set[str]) -> Task:
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FileError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise FileError(f"{where}: a task is a JSON object")
    task = data.get("task")
    if not isinstance(task, str) or not task:
        raise FileError(f"{where}: field 'task' must be a non-empty string")
    if task in seen:
        raise FileError(f"{where}: task {task!r} appears twice")
    seen.add(task)
    known = data.get("known")
    if not isinstance(known, list) or not all(isinstance(k, str) for k in known):
        raise FileError(f"{where}: field 'known' must be a list of organisation ids")
    unknown = [k for k in known if k not in known_orgs]
    if unknown:
        raise FileError(
            f"{where}: field 'known' has organisation id(s) not in the participations file: "
            + ", ".join(repr(u) for u in unknown[:5])
        )
    text = data.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise FileError(f"{where}: field 'text' must be a string")
    extra = sorted(set(data) - {"task", "known", "text"})
    if extra:
        raise FileError(f"{where}: unknown field(s) {', '.join(extra)}")
    return Task(task=task, known=tuple(known), text=text)


def read_candidates(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8") as f:
            ids = [line.strip() for line in f]
    except UnicodeDecodeError as exc:
        raise FileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise FileError(f"{path}: {exc.strerror}") from exc
    ids = [i for i in ids if i]
    if not ids:
        raise FileError(f"{path}: no candidate ids")
    return list(dict.fromkeys(ids))


def ranking_lines(rankings: Iterator[tuple[str, list[str]]]) -> Iterator[str]:
    for task, ranking in rankings:
        yield json.dumps({"task": task, "ranking": ranking}, ensure_ascii=False) + "\n"
