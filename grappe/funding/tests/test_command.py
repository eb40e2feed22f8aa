"""`grappe aid simulate FILE.json`: a readable table, --json, and clear errors."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from grappe.funding.tests.helpers import consortium

BODY: dict[str, Any] = {
    "project": {
        "id": "demo",
        "partners": [
            {
                "id": "small",
                "name": "Petite Co",
                "kind": "company",
                "size": "small",
                "coordinator": True,
                "costs": [{"category": "personnel", "research": "industrial", "amount": "100000"}],
            },
            {
                "id": "large",
                "kind": "company",
                "size": "large",
                "costs": [{"category": "personnel", "research": "industrial", "amount": "100000"}],
            },
        ],
    },
    "ruleset_code": "fui-19",
}


def run(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("aid", "simulate", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def body_file(tmp_path: Path) -> Path:
    path = tmp_path / "project.json"
    path.write_text(json.dumps(BODY), encoding="utf-8")
    return path


def test_it_prints_a_table_with_each_step(body_file: Path) -> None:
    out = run(body_file)
    assert "Petite Co — company, small enterprise" in out
    assert "85 % is capped at 80 %. (GBER Art. 25(6))" in out
    assert "Project total: eligible costs 200,000.00, maximum aid 70,000.00" in out
    assert "FAILED" in out and "0 research or training organisations" in out


def test_json_output_is_the_apis(body_file: Path) -> None:
    data = json.loads(run(body_file, "--json"))
    assert data["total_max_aid"] == "70000.00"
    assert {p["id"]: p["max_aid"] for p in data["partners"]} == {
        "small": "45000.00",
        "large": "25000.00",
    }


def test_lang_fr_formats_numbers_the_french_way(body_file: Path) -> None:
    data = json.loads(run(body_file, "--json", "--lang", "fr"))
    assert data["language"] == "fr"
    budget = next(v for v in data["verdicts"] if v["rule"] == "budget")
    assert re.search(r"200\s000 EUR", budget["sentence"]), budget["sentence"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({**BODY, "ruleset_code": None}), "exactly one of ruleset"),
        (
            json.dumps({**BODY, "ruleset_code": None, "ruleset": {"code": "x"}}),
            "ruleset.gber: gber is required",
        ),
        (json.dumps({**BODY, "ruleset_code": "fui-99"}), "Unknown ready-made rule set"),
    ],
    ids=["not-json", "no-ruleset", "incomplete-ruleset", "unknown-code"],
)
def test_a_bad_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "absent.json")


@pytest.mark.django_db
def test_a_stored_project_can_be_simulated(tmp_path: Path) -> None:
    c = consortium()
    path = tmp_path / "stored.json"
    path.write_text(json.dumps({"project_id": c.project.pk, "ruleset_code": "fui-19"}))
    assert "Petite Co" in run(path)
    path.write_text(json.dumps({"project_id": 999999, "ruleset_code": "fui-19"}))
    with pytest.raises(CommandError, match="no project 999999"):
        run(path)
