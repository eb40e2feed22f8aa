"""Experts and applications (pure): conflicts of interest with their evidence, and the
assignment of maximum expertise fit under loads and conflicts (HiGHS)."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np

from grappe.funding.domain.assignment import ExpertiseModel, assign, candidates, terms
from grappe.funding.domain.conflicts import (
    Application,
    ConflictIndex,
    ConflictKind,
    Expert,
    Participation,
    blocks,
    detect,
)
from grappe.registry.domain.ownership import ownership_groups

TODAY = dt.date(2026, 12, 3)


def test_ownership_groups_follow_links_both_ways_and_across_levels() -> None:
    # 1 holds 2, 2 holds 3 (two levels); 4 holds 5 and 6 (sisters); 7 alone
    groups = ownership_groups([(1, 2), (2, 3), (4, 5), (4, 6)])
    assert groups[3] == groups[1] == groups[2]
    assert groups[5] == groups[6] == groups[4] != groups[1]
    assert 7 not in groups


def index(participations, links=()) -> ConflictIndex:
    return ConflictIndex(participations, links, today=TODAY)


def test_each_kind_of_conflict_is_found_with_its_evidence() -> None:
    recent = [Participation(10, 100, end=dt.date(2024, 6, 30)), Participation(10, 200)]
    recent[1] = Participation(10, 200, end=dt.date(2024, 6, 30))
    old = [
        Participation(11, 101, end=dt.date(2019, 1, 31)),
        Participation(11, 201, end=dt.date(2019, 1, 31)),
    ]
    idx = index([*recent, *old], links=[(300, 301), (301, 302)])  # 300 → 301 → 302
    experts = [
        Expert(1, frozenset({100})),  # worked with 200 on project 10 (2024)
        Expert(2, frozenset({101})),  # worked with 201 on project 11, ended 2019: too old
        Expert(3, frozenset({302})),  # two ownership links below 300
        Expert(4, frozenset({200})),  # is a partner
        Expert(5, frozenset({900}), declared={1: "My spouse leads the project."}),
        Expert(6, frozenset({901}), committee_projects={50: "Cap Digital"}),
    ]
    apps = [Application(1, project=50, partners=frozenset({200, 201, 300}))]
    found = detect(idx, experts, apps)
    assert found[1, 1][0].kind == ConflictKind.CO_PARTICIPATION
    assert (found[1, 1][0].partner, found[1, 1][0].project) == (200, 10)
    assert found[1, 1][0].until == dt.date(2024, 6, 30) and not found[1, 1][0].hard
    assert (2, 1) not in found
    assert [(c.kind, c.partner, c.hard) for c in found[3, 1]] == [
        (ConflictKind.SAME_GROUP, 300, True)
    ]
    assert found[4, 1][0].kind == ConflictKind.SAME_ORGANISATION and found[4, 1][0].hard
    assert found[5, 1][0].kind == ConflictKind.DECLARED and found[5, 1][0].hard
    assert found[6, 1][0].kind == ConflictKind.LABELLING_COMMITTEE
    assert found[6, 1][0].detail == "Cap Digital"


def test_hard_conflicts_block_and_waivable_ones_only_until_waived() -> None:
    idx = index([Participation(10, 100, end=TODAY), Participation(10, 200, end=TODAY)])
    found = detect(idx, [Expert(1, frozenset({100}))], [Application(1, 99, frozenset({200}))])
    assert blocks(found[1, 1])
    assert not blocks(found[1, 1], waived=[ConflictKind.CO_PARTICIPATION])
    found = detect(idx, [Expert(1, frozenset({200}))], [Application(1, 99, frozenset({200}))])
    assert blocks(found[1, 1], waived=list(ConflictKind))  # same organisation: never waived


def test_the_applications_own_project_is_not_a_co_participation() -> None:
    """Partners of the project applying are of course in it together: not a conflict."""
    idx = index([Participation(10, 100, end=TODAY), Participation(10, 200, end=TODAY)])
    assert detect(idx, [Expert(1, frozenset({100}))], [Application(1, 10, frozenset({200}))]) == {}


def test_fit_follows_shared_expertise_words_and_says_which() -> None:
    model = ExpertiseModel(
        ["Stockage d'hydrogène, piles à combustible", "Vision par ordinateur, robotique"],
        ["Réservoirs d'hydrogène pour bus", "Robotique agricole et vision"],
    )
    fit = model.fit()
    assert fit[0, 0] > fit[0, 1] and fit[1, 1] > fit[1, 0]
    assert model.why(0, 0) == ["hydrogene"]
    assert set(model.why(1, 1)) == {"robotique", "vision"}
    assert terms("Le projet de recherche avec des données") == ["donnees"]


def test_the_assignment_maximises_the_fit_under_loads_and_conflicts() -> None:
    fit = np.array([[0.9, 0.8, 0.1], [0.85, 0.2, 0.3]])
    # expert 0 may take one application only; application 1 may not go to expert 1
    pairs = candidates(fit, forbidden=[(1, 1)])
    result = assign(pairs, n_applications=2, loads=[1, 2, 2], per_application=2)
    chosen = sorted((a, e) for a, e, _f in result.pairs)
    # brute force over every feasible choice
    best = max(
        (
            combo
            for combo in itertools.combinations([(a, e) for a, e, _f in pairs], 4)
            if all(sum(1 for a, _e in combo if a == app) == 2 for app in (0, 1))
            and sum(1 for _a, e in combo if e == 0) <= 1
        ),
        key=lambda combo: sum(fit[a, e] for a, e in combo),
    )
    # application 1 can only have experts 0 and 2, so expert 0 (load 1) is not free for 0
    assert chosen == sorted(best) == [(0, 1), (0, 2), (1, 0), (1, 2)]
    assert abs(result.total_fit - sum(fit[a, e] for a, e in best)) < 1e-9
    assert result.shortfall == {}


def test_an_application_without_enough_candidates_gets_all_it_can_and_a_shortfall() -> None:
    fit = np.array([[0.9, 0.5], [0.4, 0.3]])
    pairs = candidates(fit, forbidden=[(1, 0), (1, 1)])  # nobody may evaluate application 1
    result = assign(pairs, n_applications=2, loads=[5, 5], per_application=2)
    assert sorted((a, e) for a, e, _f in result.pairs) == [(0, 0), (0, 1)]
    assert result.shortfall == {1: 2}


# --- on the real participations (CORDIS H2020 2016 and ANR) ---------------------------------


def _real_cordis(shared_data) -> tuple[list[Participation], dict[str, int], dict[int, str]]:
    import csv

    folder = shared_data / "cordis-h2020-2016"
    dates = {}
    with (folder / "project.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            dates[row["id"]] = (row["startDate"], row["endDate"])
    pics: dict[str, int] = {}
    names: dict[int, str] = {}
    out = []
    with (folder / "organization.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if not row["organisationID"]:
                continue  # a participant without a PIC: not one organisation
            start, end = dates[row["projectID"]]
            org = pics.setdefault(row["organisationID"], len(pics) + 1)
            names[org] = row["name"]
            out.append(
                Participation(
                    int(row["projectID"]),
                    org,
                    dt.date.fromisoformat(start) if start else None,
                    dt.date.fromisoformat(end) if end else None,
                )
            )
    return out, pics, names


def test_co_participation_on_a_real_cordis_project_counts_within_5_years_only(shared_data) -> None:
    participations, _pics, _names = _real_cordis(shared_data)
    by_project: dict[int, list[Participation]] = {}
    for p in participations:
        by_project.setdefault(p.project, []).append(p)
    # a real project of several partners with an end date; two of its partners
    _project, rows = next(
        (k, v) for k, v in sorted(by_project.items()) if len(v) >= 3 and v[0].end is not None
    )
    ended = rows[0].end
    assert ended is not None
    expert_org, partner = rows[0].organisation, rows[1].organisation
    expert = Expert(1, frozenset({expert_org}))
    app = Application(1, project=-1, partners=frozenset({partner}))
    within = ConflictIndex(participations, (), today=ended.replace(year=ended.year + 4))
    conflicts = detect(within, [expert], [app])[1, 1]
    assert any(c.kind == ConflictKind.CO_PARTICIPATION and c.partner == partner for c in conflicts)
    beyond = ConflictIndex(participations, (), today=ended.replace(year=ended.year + 6))
    # any other shared project of the two must also have ended more than 5 years before
    shared = [
        q
        for q, rs in by_project.items()
        if {expert_org, partner} <= {r.organisation for r in rs}
        and max((r.end or r.start or dt.date.min) for r in rs) >= beyond.since
    ]
    assert ((1, 1) in detect(beyond, [expert], [app])) == bool(shared)


def test_a_real_partner_two_ownership_links_away_is_a_hard_conflict(shared_data) -> None:
    participations, pics, _names = _real_cordis(shared_data)
    orgs = sorted({p.organisation for p in participations})
    parent, subsidiary, grandchild = orgs[10], orgs[20], orgs[30]  # three real organisations
    links = [(parent, subsidiary), (subsidiary, grandchild)]
    index = ConflictIndex(participations, links, today=TODAY)
    found = detect(
        index,
        [Expert(1, frozenset({grandchild}))],
        [Application(1, project=-1, partners=frozenset({parent}))],
    )
    kinds = {c.kind for c in found[1, 1]}
    assert ConflictKind.SAME_GROUP in kinds
    assert blocks(found[1, 1], waived=[ConflictKind.CO_PARTICIPATION])
    assert len(pics) > 5_000  # the real file (9,000 PICs), not a sample
