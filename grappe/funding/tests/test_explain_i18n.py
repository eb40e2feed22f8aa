"""The simulation in the reader's language: sentences, plurals, legal references, funders, the
command's table, and the documentation's worked examples kept in step with the engine."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from grappe.funding.explain import legal_ref, render
from grappe.funding.management.commands.aid import _BLOCK, DOC

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Iterator[None]:
    """A request to a /fr/ page activates French in this thread: later tests must not see it."""
    yield
    translation.deactivate()


WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]*")
# Words written the same way in French and English: French words (budget, base, total, ...),
# acronyms (EUR, PME, ETI, FUI, RGEC, UTA) and article letters of legal references ("25(6)(b)").
SAME_IN_FRENCH = {
    "a", "art", "b", "c", "d", "base", "budget", "minimum", "max", "points", "total",
    "Instruments", "Start-up", "start-up", "Décret", "Budget", "EUR", "ETI", "PME", "GE", "FUI",
    "C", "U", "v", "Paris",
}  # fmt: skip


def example_inputs() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    return {m["name"]: json.loads(m["body"]) for m in _BLOCK.finditer(text) if m["what"] == "input"}


def proper_names(raw: dict[str, Any]) -> set[str]:
    project = raw["project"]
    names = {project["id"], *project.get("accreditations", ())}
    for p in project["partners"]:
        names |= {p["id"], *WORD.findall(p.get("name", ""))}
    names |= {e["id"] for e in project.get("enterprises", ())}
    return names


def table(path: Path, lang: str) -> str:
    out = StringIO()
    call_command("aid", "simulate", str(path), "--lang", lang, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["1", "2"])
def test_the_french_table_of_each_worked_example_has_no_english_word(
    name: str, tmp_path: Path
) -> None:
    raw = example_inputs()[name]
    path = tmp_path / f"example{name}.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    fr, en = table(path, "fr"), table(path, "en")
    english = set(WORD.findall(en)) - SAME_IN_FRENCH - proper_names(raw)
    leaked = sorted(set(WORD.findall(fr)) & english)
    assert leaked == [], f"English words in the French table: {leaked}"
    assert "RESPECTÉ" in fr and "PASSED" not in fr
    assert "(RGEC art. 25(6)(a))" in fr or name == "1"


def test_the_worked_examples_in_the_docs_match_the_engine() -> None:
    out = StringIO()
    call_command("aid", "examples", stdout=out)
    assert "match the engine" in out.getvalue()


def test_a_drifted_worked_example_is_caught_and_can_be_regenerated(tmp_path: Path) -> None:
    doc = tmp_path / "aid-simulation.md"
    good = DOC.read_text(encoding="utf-8")
    doc.write_text(good.replace("maximum aid 135,000.00", "maximum aid 135,000.01"), "utf-8")
    with pytest.raises(CommandError, match="no longer match"):
        call_command("aid", "examples", "--doc", str(doc), stdout=StringIO())
    call_command("aid", "examples", "--doc", str(doc), "--write", stdout=StringIO())
    assert doc.read_text(encoding="utf-8") == good


@pytest.mark.parametrize(
    ("ref", "fr"),
    [
        ("GBER Art. 25(6)(a)", "RGEC art. 25(6)(a)"),
        ("Rec. 2003/361/EC Annex Art. 3(2)", "Recommandation 2003/361/CE, annexe, art. 3(2)"),
        (
            "Rec. 2003/361/EC Annex Art. 3(2), second subparagraph",
            "Recommandation 2003/361/CE, annexe, art. 3(2), second alinéa",
        ),
        (
            "City of Paris co-funding rules (to be confirmed); R&D&I Framework 2022/C 414/01 §2.1",
            "Règles de cofinancement de la Ville de Paris (à confirmer); "
            "Encadrement RDI 2022/C 414/01, point 2.1",
        ),
        ("Call rules (start-up definition)", "Règles de l'appel (définition de la start-up)"),
        ("Décret 2008-1354 art. 3", "Décret 2008-1354 art. 3"),
    ],
)
def test_legal_references_are_translated(ref: str, fr: str) -> None:
    with translation.override("fr"):
        assert legal_ref(ref) == fr
    with translation.override("en"):
        assert legal_ref(ref) == ref


@pytest.mark.parametrize(
    ("code", "count", "en", "fr"),
    [
        (
            "eligibility.research_organisations",
            1,
            "1 research or training organisation (at least 1).",
            "1 organisme de recherche ou de formation (au moins 1).",
        ),
        (
            "eligibility.research_organisations",
            2,
            "2 research or training organisations (at least 1).",
            "2 organismes de recherche ou de formation (au moins 1).",
        ),
        (
            "eligibility.independent_companies",
            1,
            "1 independent company (at least 2).",
            "1 entreprise indépendante (au moins 2).",
        ),
        (
            "eligibility.accreditations",
            1,
            "1 cluster accreditation (at least 1).",
            "1 labellisation de pôle (au moins 1).",
        ),
        (
            "eligibility.independent_companies",
            0,
            "0 independent companies (at least 2).",
            "0 entreprise indépendante (au moins 2).",  # French: 0 takes the singular
        ),
    ],
)
def test_counts_are_real_plurals_in_both_languages(code: str, count: int, en: str, fr: str) -> None:
    required = 2 if "companies" in en or "company" in en else 1
    params = {"count": count, "required": required}
    with translation.override("en"):
        assert render(code, params) == en
    with translation.override("fr"):
        assert render(code, params) == fr


def test_the_unconfirmed_notice_names_the_funder_in_french(client: Any) -> None:
    body = example_inputs()["2"]
    data = client.post("/api/v1/aid/simulate?lang=fr", body, content_type="application/json").json()
    assert data["unconfirmed_notice"].startswith("Règles non confirmées (Ville de Paris)")
    assert data["ruleset"]["funder"] == "Ville de Paris"
    assert (
        data["ruleset"]["reference"] == "Règles de cofinancement de la Ville de Paris (à confirmer)"
    )
    refs = {s["legal_ref"] for p in data["partners"] for line in p["lines"] for s in line["steps"]}
    assert "RGEC art. 25(6)(a)" in refs and not any(r.startswith("GBER") for r in refs)


def test_the_api_takes_the_business_angels_investment(client: Any) -> None:
    body = example_inputs()["2"]
    project = body["project"]
    project["enterprises"].append(
        {"id": "angel", "figures": [{"year": 2025, "staff_awu": "0", "turnover": "0",
                                     "balance_sheet": "0"}]}
    )  # fmt: skip
    project["ownership"] = [
        {"holder": "bigcorp", "held": "metro", "capital_share": "0.35",
         "holder_kind": "business_angel", "angel_total_investment": "800000"},
    ]  # fmt: skip
    data = client.post("/api/v1/aid/simulate", body, content_type="application/json").json()
    metro = next(p for p in data["partners"] if p["id"] == "metro")
    assert metro["size"] == "small"  # an angel under EUR 1.25 m is a mere investor
    assert "sme.angel.below" in [s["code"] for s in metro["steps"]]
    project["ownership"][0]["angel_total_investment"] = "-1"
    response = client.post("/api/v1/aid/simulate", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "angel_total_investment"
