"""`grappe matchmaking rank`: the file formats of docs/matchmaking.md and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

P_CSV = """project_id,organisation_id,organisation_type,project_text
p1,a,PRC,Hydrogen storage for buses
p1,b,REC,
p1,c,HES,
p2,a,PRC,
p2,d,PRC,
p3,b,REC,
p3,d,PRC,
p3,e,PUB,
p4,f,,Stockage d'hydrogène
p4,g,,
"""


def run(tmp_path: Path, tasks: str, p_csv: str = P_CSV, *extra: str) -> list[dict[str, object]]:
    (tmp_path / "P.csv").write_text(p_csv, encoding="utf-8")
    (tmp_path / "T.jsonl").write_text(tasks, encoding="utf-8")
    out = tmp_path / "R.jsonl"
    call_command(
        "matchmaking",
        "rank",
        "--participations",
        str(tmp_path / "P.csv"),
        "--tasks",
        str(tmp_path / "T.jsonl"),
        "--top",
        "3",
        "--out",
        str(out),
        *extra,
    )
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_it_writes_one_ranking_per_task_known_partners_excluded(tmp_path: Path) -> None:
    result = run(tmp_path, '{"task": "t1", "known": ["a"]}\n{"task": "t2", "known": ["a", "d"]}\n')
    assert result[0] == {"task": "t1", "ranking": ["d", "b", "c"]}
    assert result[1]["task"] == "t2"
    assert "a" not in result[1]["ranking"] and "d" not in result[1]["ranking"]  # type: ignore[operator]


def test_candidates_without_history_are_ranked(tmp_path: Path) -> None:
    (tmp_path / "C.txt").write_text("new-org\ng\nd\n", encoding="utf-8")
    result = run(
        tmp_path, '{"task": "t1", "known": ["a"]}\n', P_CSV, "--candidates", str(tmp_path / "C.txt")
    )
    assert result == [{"task": "t1", "ranking": ["d", "g", "new-org"]}]


def test_a_missing_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing required column.*organisation_id"):
        run(tmp_path, '{"task": "t1", "known": []}\n', "project_id,org\np1,a\n")


def test_an_unknown_id_in_a_task_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"T.jsonl, line 2: field 'known'.*'zz'"):
        run(tmp_path, '{"task": "t1", "known": ["a"]}\n{"task": "t2", "known": ["zz"]}\n')


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ('{"known": []}', "field 'task'"),
        ('{"task": "t", "known": "a"}', "field 'known'"),
        ('{"task": "t", "known": [], "text": 3}', "field 'text'"),
    ],
)
def test_bad_tasks_are_refused(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(tmp_path, line + "\n")


def test_an_empty_organisation_id_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="line 3: organisation_id is empty"):
        run(tmp_path, '{"task": "t1", "known": []}\n', "project_id,organisation_id\np1,a\np1,\n")


@pytest.mark.django_db
def test_rebuild_builds_the_product_index(capsys: pytest.CaptureFixture[str]) -> None:
    from grappe.core.tests.factories import ParticipationFactory
    from grappe.matchmaking.models import PartnerIndex

    ParticipationFactory()
    call_command("matchmaking", "rebuild")
    index = PartnerIndex.objects.get()
    assert (index.participation_count, index.project_count) == (1, 1)
    assert f"Partner index #{index.pk}: 1 organisations" in capsys.readouterr().out
