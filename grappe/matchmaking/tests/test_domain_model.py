"""The partner model on a small fixed graph, its order checked by hand (no database)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from grappe.matchmaking.domain.files import partner_type
from grappe.matchmaking.domain.model import (
    COMPANY,
    GRAPH_ONLY,
    RESEARCH,
    OrgFacts,
    Weights,
    fit,
    text_terms,
)

# p1 = {a, b, c}, p2 = {a, d}, p3 = {b, d, e}, p4 = {f, g}
PAIRS = [
    ("p1", "a"),
    ("p1", "b"),
    ("p1", "c"),
    ("p2", "a"),
    ("p2", "d"),
    ("p3", "b"),
    ("p3", "d"),
    ("p3", "e"),
    ("p4", "f"),
    ("p4", "g"),
]
TEXTS = {"p1": "Hydrogen storage for buses", "p4": "Stockage d'hydrogène pour bus"}


def test_the_walk_from_one_partner_gives_the_hand_checked_order() -> None:
    # From a (2 projects): p2 has one other member, d, who gets 1/sqrt(2)/1; p1 has two, b and
    # c, who get 1/sqrt(2)/sqrt(2) = 0.5 each. The second step separates b (also in p3 with d)
    # from c; e is reached only by the second step; f and g only by popularity, tied, by id.
    model = fit(PAIRS)
    ranking = model.rank(["a"], weights=GRAPH_ONLY)
    assert [o for o, _ in ranking] == ["d", "b", "c", "e", "f", "g"]
    scores = dict(ranking)
    assert scores["b"] > scores["c"] > scores["e"] > scores["f"] == scores["g"]


def test_one_step_ties_are_broken_by_id() -> None:
    model = fit(PAIRS)
    one_step = replace(GRAPH_ONLY, second_step=0.0, popularity=0.0)
    ranking = model.rank(["a"], weights=one_step)
    assert [o for o, _ in ranking][:3] == ["d", "b", "c"]
    assert ranking[1][1] == ranking[2][1]


def test_text_in_french_meets_the_english_projects() -> None:
    assert text_terms("stockage d'hydrogène") == ["stocka", "hydrog"]
    assert "hydrog" in text_terms("hydrogen storage")
    model = fit(PAIRS, project_texts=TEXTS)
    only_text = replace(GRAPH_ONLY, text=1.0)
    ranking = [o for o, _ in model.rank([], "hydrogène pour bus", weights=only_text)]
    # f and g did the French hydrogen bus project, a, b and c the English one; d and e nothing
    assert ranking[:2] == ["f", "g"]
    assert set(ranking[2:5]) == {"a", "b", "c"}
    assert ranking[5:] == ["d", "e"]


def test_candidates_absent_from_the_participations_are_still_ranked_last() -> None:
    model = fit(PAIRS)
    ranking = model.rank(["a"], candidates=["zz", "g", "d", "a"], weights=GRAPH_ONLY)
    assert [o for o, _ in ranking] == ["d", "g", "zz"]
    assert ranking[-1][1] == 0.0


def test_baselines_on_the_collaboration_graph() -> None:
    model = fit(PAIRS)
    i = model.org_index
    cn = model.baseline_scores(["a"], "common_neighbours")
    assert [cn[i[o]] for o in "abcdefg"] == [0, 1, 1, 1, 0, 0, 0]
    aa = model.baseline_scores(["a"], "adamic_adar")
    assert aa[i["b"]] == pytest.approx(1 / math.log(3))
    assert list(model.baseline_scores([], "popularity")) == [2, 2, 1, 2, 1, 1, 1]
    # two hops: a's collaborators b, c, d (degrees 4, 2, 3) and the candidates they lead to
    pair = model.baseline_scores(["a"], "adamic_adar_pairwise")
    expected = {
        "b": 1 / math.log(2) + 1 / math.log(3),  # via c and d
        "c": 1 / math.log(4),  # via b
        "d": 1 / math.log(4),  # via b
        "e": 1 / math.log(4) + 1 / math.log(3),  # via b and d
        "f": 0,
        "g": 0,
        "a": 0,  # a known partner
    }
    assert {o: pair[i[o]] for o in expected} == pytest.approx(expected)


def test_the_type_lift_favours_the_missing_research_partner() -> None:
    # every project pairs one company with one lab: a company-only consortium lacks a lab
    pairs = [(f"p{n}", f"c{n % 4}") for n in range(8)] + [(f"p{n}", f"r{n % 3}") for n in range(8)]
    facts = {f"c{n}": OrgFacts(partner_type=COMPANY) for n in range(4)}
    facts |= {f"r{n}": OrgFacts(partner_type=RESEARCH) for n in range(3)}
    model = fit(pairs, facts=facts)
    lift = model.type_lift(model.known_indices(["c0"]))
    assert lift[model.org_index["r1"]] > 1.0 > lift[model.org_index["c1"]]


def test_organisation_types_of_the_sources_map_to_partner_types() -> None:
    assert partner_type("REC") == RESEARCH
    assert partner_type("Laboratoire public") == RESEARCH
    assert partner_type("PME") == COMPANY
    assert partner_type("Entreprise autre que TPE ou PME") == COMPANY
    assert partner_type("something else") == ""


def test_explanations_name_only_true_facts() -> None:
    facts = {
        "a": OrgFacts(partner_type=COMPANY, city="Paris"),
        "b": OrgFacts(partner_type=COMPANY, city="Lyon"),
        "d": OrgFacts(partner_type=RESEARCH, city="Paris"),
        "e": OrgFacts(partner_type=COMPANY),
    }
    model = fit(PAIRS, facts=facts, project_texts=TEXTS)
    why = model.explain(["a", "b"], "d", "hydrogen")
    # d worked with a on p2 and with b on p3; research while a and b are companies; in Paris like a
    assert why.partners_met == ("a", "b")
    assert why.shared_projects == ("p2", "p3")
    assert why.missing_type == RESEARCH
    assert why.same_city == 1
    assert why.matching_projects == ()  # d's projects have no text
    why_c = model.explain(["a", "b"], "c", "hydrogen")
    assert why_c.shared_projects == ("p1",) and why_c.matching_projects == ("p1",)
    assert why_c.missing_type == ""  # c's type is unknown: no claim
    assert model.explain(["a"], "e").missing_type == ""  # a company, like a
    assert model.explain(["a"], "f").partners_met == ()


def test_similar_organisations_exclude_itself_and_share_partners_or_text() -> None:
    model = fit(PAIRS, project_texts=TEXTS)
    similar = [o for o, _ in model.similar("f")]
    assert similar[0] == "g" and "f" not in similar


def test_a_stored_model_ranks_the_same() -> None:
    from grappe.matchmaking.domain.store import model_dump, model_load

    facts = {"a": OrgFacts(partner_type=COMPANY, city="Paris", name="Aé")}
    model = fit(PAIRS, facts=facts, project_texts=TEXTS)
    loaded = model_load(model_dump(model))
    assert loaded.rank(["a"], "hydrogène") == model.rank(["a"], "hydrogène")
    assert loaded.facts == model.facts


def test_an_empty_index_suggests_nothing_and_still_ranks_given_candidates() -> None:
    """A fresh database (no public project yet): the project page must not fail."""
    model = fit([])
    assert model.rank(["a"], "hydrogen storage") == []
    assert model.similar("a") == []
    assert [o for o, _ in model.rank([], candidates=["b", "a"])] == ["a", "b"]


def test_a_text_search_without_partners_is_ranked_by_its_text_not_by_popularity() -> None:
    # d takes part in 20 more projects without text: the popularity prior (0.1 beside the walk)
    # would put it before the organisations whose projects match the text; with no known
    # partner the walk reaches nobody and the prior only orders ties.
    busy = PAIRS + [(f"q{i}", "d") for i in range(20)] + [(f"q{i}", "h") for i in range(20)]
    model = fit(busy, project_texts=TEXTS)
    ranking = [o for o, _ in model.rank([], "hydrogène pour bus")]
    assert ranking[:2] == ["f", "g"]
    assert set(ranking[2:5]) == {"a", "b", "c"}
    assert ranking[5:] == ["d", "h", "e"]  # no text: by popularity, then by id
    # the same prior as beside the walk would put the busy d before c, whose project matches
    loud = replace(Weights(), popularity_alone=Weights().popularity)
    loud_ranking = [o for o, _ in model.rank([], "hydrogène pour bus", weights=loud)]
    assert loud_ranking.index("d") < loud_ranking.index("c")
