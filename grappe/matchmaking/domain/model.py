"""The partner model: fitted on participations (project → organisations, optional attributes
and project text), it ranks candidate organisations for a task (known partners + optional text).

Signals, each measured in `benchmarks/bench_matchmaking.py` (docs/matchmaking.md):

- graph: a random walk with restart from the known partners over the bipartite
  project–organisation graph (organisation → its projects → their partners, degree-normalised on
  both sides), one step plus a damped second step — item-based collaborative filtering;
- popularity: log-degree, a small prior that orders organisations the walk does not reach;
- text: TF-IDF of the texts of an organisation's projects against the task text (words folded,
  cut to their first 6 letters so that `hydrogène` and `hydrogen` meet);
- type mix: how much more often an organisation of this type joins consortia whose present
  types are those of the known partners (learnt from the participations: lift, not a rule).

Pure: numpy and scipy, no Django. Deterministic: ties are broken by organisation id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from grappe.core.domain.text import search_fold, unglued

FloatArray = npt.NDArray[np.float64]

# The broad partner types the type-mix signal counts (a consortium "has no research organisation").
RESEARCH = "research"
COMPANY = "company"
PUBLIC = "public"
OTHER = "other"
PARTNER_TYPES = (RESEARCH, COMPANY, PUBLIC, OTHER)

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "which",
        "with",
        "within",
        "les",
        "des",
        "une",
        "un",
        "et",
        "en",
        "du",
        "de",
        "la",
        "le",
        "au",
        "aux",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
        "ou",
        "est",
        "sont",
        "ce",
        "cette",
        "ces",
        "qui",
        "que",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "nos",
        "notre",
        "vos",
        "votre",
        "entre",
        "project",
        "projet",
        "projets",
        "projects",
    ]
)
_STEM = 6
_TOKEN_OK = re.compile(r"^[a-z][a-z0-9]+$")


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=262_144)
def _word_terms(word: str) -> tuple[str, ...]:
    folded = search_fold(word).split()
    return tuple(
        w[:_STEM] for w in folded + unglued(folded) if w not in _STOPWORDS and _TOKEN_OK.match(w)
    )


def text_terms(text: str) -> list[str]:
    """The terms of a text: folded words (accents, case, punctuation ignored; a lost French
    apostrophe restored), stop words dropped, each cut to its first 6 letters — a crude stem
    that also meets across French and English cognates (`hydrogène`/`hydrogen`,
    `technologie`/`technology`). Folded once per distinct word (cached): texts repeat words."""
    terms: list[str] = []
    for word in _WORD.findall(text.casefold()):
        terms.extend(_word_terms(word))
    return terms


@dataclass(frozen=True)
class OrgFacts:
    """What the participations file says about an organisation (all optional)."""

    name: str = ""
    partner_type: str = ""  # one of PARTNER_TYPES, or "" when unknown
    country: str = ""
    region: str = ""
    city: str = ""


@dataclass(frozen=True)
class Weights:
    """How the signals combine; the defaults are those measured in docs/matchmaking.md."""

    org_norm: float = 0.5  # organisation → project step divides by degree ** org_norm
    project_norm: float = 0.5  # project → organisation step divides by (size - 1) ** this
    candidate_norm: float = 0.0  # the score of a candidate divides by its degree ** this
    second_step: float = 0.05  # weight of the walk's second step (restart 1 - this)
    popularity: float = 0.1  # tuned on seed 7 (docs/matchmaking.md): 1e-3 before
    # the prior when no known partner is given (or none is in the model): it only orders ties,
    # so that a free-text search without partners stays ranked by its text
    popularity_alone: float = 1e-3
    text: float = 0.1
    type_mix: float = 0.0  # exponent on the type lift (0: off — measured not to add)
    place: float = 1.0  # boost (1 + place * share of known partners in the same city)
    text_boost: float = 3.0  # graph score times (1 + text_boost * text similarity)


GRAPH_ONLY = Weights(text=0.0, text_boost=0.0, type_mix=0.0, place=0.0)


@dataclass(frozen=True)
class Signals:
    """Per-organisation signal values for one task (arrays over `PartnerModel.org_ids`)."""

    graph: FloatArray
    popularity: FloatArray
    text: FloatArray
    type_lift: FloatArray
    same_place: FloatArray  # share of the known partners in the candidate's city
    anchored: bool = True  # some known partner is in the model (else the walk has no start)


@dataclass(frozen=True)
class Explanation:
    partners_met: tuple[str, ...]  # known partners it shared a project with
    shared_projects: tuple[str, ...]  # those projects
    missing_type: str  # its partner type, when no known partner has it ("" otherwise)
    same_city: int  # known partners in its city
    matching_projects: tuple[str, ...]  # its projects whose text matches the task text best


@dataclass
class PartnerModel:
    """A fitted model. Build with `fit`; rank with `rank`."""

    org_ids: list[str]
    project_ids: list[str]
    incidence: sparse.csr_matrix  # projects × organisations, 1 where the organisation took part
    facts: list[OrgFacts]
    org_terms: sparse.csr_matrix  # organisations × terms, rows L2-normalised TF-IDF
    project_terms: sparse.csr_matrix  # projects × terms, rows L2-normalised TF-IDF
    vocabulary: dict[str, int]
    idf: FloatArray
    # type lift: lift[mask, type] for the set (bitmask) of types present among the known
    type_lift_table: FloatArray
    org_type_code: npt.NDArray[np.int64]  # index in PARTNER_TYPES, -1 unknown
    org_city_code: npt.NDArray[np.int64]  # index of the folded city, -1 unknown
    org_index: dict[str, int] = field(default_factory=dict)
    project_index: dict[str, int] = field(default_factory=dict)
    org_degree: FloatArray = field(default_factory=lambda: np.zeros(0))
    project_size: FloatArray = field(default_factory=lambda: np.zeros(0))
    incidence_t: sparse.csr_matrix | None = None
    term_orgs: sparse.csr_matrix | None = None  # terms × organisations: the inverted index

    def __post_init__(self) -> None:
        self.org_index = {o: i for i, o in enumerate(self.org_ids)}
        self.project_index = {p: i for i, p in enumerate(self.project_ids)}
        self.org_degree = np.asarray(self.incidence.sum(axis=0)).ravel().astype(np.float64)
        self.project_size = np.asarray(self.incidence.sum(axis=1)).ravel().astype(np.float64)
        self.incidence_t = self.incidence.T.tocsr()
        self.term_orgs = self.org_terms.T.tocsr()

    # -- signals -----------------------------------------------------------------------------

    def known_indices(self, known: Iterable[str]) -> list[int]:
        return sorted({self.org_index[k] for k in known if k in self.org_index})

    def _walk_step(self, start: FloatArray, w: Weights) -> FloatArray:
        deg = np.maximum(self.org_degree, 1.0)
        at_projects = self.incidence @ (start / deg**w.org_norm)
        others = np.maximum(self.project_size - 1.0, 1.0)
        assert self.incidence_t is not None
        result: FloatArray = self.incidence_t @ (at_projects / others**w.project_norm)
        return result

    def signals(self, known: Sequence[str], text: str = "", w: Weights = Weights()) -> Signals:
        n = len(self.org_ids)
        idx = self.known_indices(known)
        start = np.zeros(n)
        start[idx] = 1.0
        graph = np.zeros(n)
        if idx:
            step1 = self._walk_step(start, w)
            step1[idx] = 0.0
            graph = step1
            if w.second_step > 0 and step1.any():
                step2 = self._walk_step(step1 / step1.sum(), w)
                step2[idx] = 0.0
                graph = (1 - w.second_step) * step1 / step1.sum() + w.second_step * step2 / max(
                    step2.sum(), 1e-300
                )
            graph = graph / np.maximum(self.org_degree, 1.0) ** w.candidate_norm
            top = graph.max(initial=0.0)
            if top > 0:
                graph = graph / top
        popularity = np.log1p(self.org_degree)
        top_popularity = popularity.max(initial=0.0)  # an empty index has no organisation
        if top_popularity > 0:
            popularity = popularity / top_popularity
        return Signals(
            graph=graph,
            popularity=popularity,
            text=self.text_similarity(text) if text else np.zeros(n),
            type_lift=self.type_lift(idx),
            same_place=self.same_place(idx),
            anchored=bool(idx),
        )

    def text_query(self, text: str) -> tuple[npt.NDArray[np.int64], FloatArray] | None:
        """The TF-IDF vector of a text as (term columns, L2-normalised weights); None when no
        word of it is known."""
        counts: dict[int, float] = {}
        for term in text_terms(text):
            j = self.vocabulary.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0.0) + 1.0
        if not counts:
            return None
        cols = np.fromiter(counts, dtype=np.int64)
        vals = (1.0 + np.log(np.array([counts[j] for j in counts]))) * self.idf[cols]
        return cols, vals / np.linalg.norm(vals)

    def text_similarity(self, text: str) -> FloatArray:
        """Cosine of the task text's TF-IDF with each organisation's project texts, read from
        the inverted index: the cost grows with the postings of the query's terms only."""
        query = self.text_query(text)
        if query is None:
            return np.zeros(len(self.org_ids))
        return self._postings_sum(*query)

    def _postings_sum(self, cols: npt.NDArray[Any], vals: npt.NDArray[Any]) -> FloatArray:
        """Σ over the terms `cols` of weight × each organisation's TF-IDF (the inverted index)."""
        assert self.term_orgs is not None
        indptr, indices, data = self.term_orgs.indptr, self.term_orgs.indices, self.term_orgs.data
        cols = np.asarray(cols, dtype=np.int64)
        if len(cols) == 0:
            return np.zeros(len(self.org_ids))
        lo, hi = indptr[cols], indptr[cols + 1]
        # the postings of the query's terms, gathered once and summed by one bincount
        at = np.concatenate(
            [np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
        )
        weights = np.repeat(np.asarray(vals, dtype=np.float64), hi - lo) * data[at]
        sims: FloatArray = np.bincount(
            indices[at], weights=weights, minlength=len(self.org_ids)
        ).astype(np.float64, copy=False)
        return sims

    # -- explanations (only facts of the participations) -------------------------------------

    def projects_of(self, org: str) -> list[str]:
        i = self.org_index.get(org)
        if i is None:
            return []
        return [self.project_ids[p] for p in self._project_rows(i).tolist()]

    def _project_rows(self, i: int) -> npt.NDArray[np.int32]:
        """The rows (in `project_ids`) of the projects of organisation `i`."""
        assert self.incidence_t is not None
        lo, hi = self.incidence_t.indptr[i], self.incidence_t.indptr[i + 1]
        rows: npt.NDArray[np.int32] = self.incidence_t.indices[lo:hi]
        return rows

    def explain(self, known: Sequence[str], candidate: str, text: str = "") -> Explanation:
        """The true facts behind a suggestion: shared projects with the known partners, the
        partner types the consortium lacks, the same city, the candidate's projects whose
        text matches best."""
        return self.explain_many(known, [candidate], text)[0]

    def explain_many(
        self, known: Sequence[str], candidates: Sequence[str], text: str = ""
    ) -> list[Explanation]:
        """`explain` for several candidates of one task: the known partners' projects and the
        text's vector are computed once, each candidate's projects scored by one dot product."""
        known_projects = [
            (k, set(self._project_rows(self.org_index[k]).tolist()))
            for k in dict.fromkeys(known)
            if k in self.org_index
        ]
        known_facts = [self.facts[j] for j in self.known_indices(known)]
        present = {f.partner_type for f in known_facts}
        known_cities = [search_fold(f.city) for f in known_facts if f.city]
        query = self.text_query(text) if text else None
        dense_query: FloatArray | None = None
        if query is not None:
            dense_query = np.zeros(len(self.vocabulary))
            dense_query[query[0]] = query[1]
        pt_indptr, pt_indices, pt_data = (
            self.project_terms.indptr,
            self.project_terms.indices,
            self.project_terms.data,
        )
        out = []
        for candidate in candidates:
            i = self.org_index.get(candidate)
            rows = self._project_rows(i) if i is not None else np.zeros(0, dtype=np.int32)
            own = set(rows.tolist())
            partners_met: list[str] = []
            shared: set[int] = set()
            for k, theirs in known_projects:
                common = own & theirs
                if common and k != candidate:
                    partners_met.append(k)
                    shared |= common
            facts = self.facts[i] if i is not None else OrgFacts()
            missing_type = facts.partner_type if facts.partner_type and known_facts else ""
            if missing_type in present:
                missing_type = ""
            city = search_fold(facts.city) if facts.city else ""
            same_city = sum(1 for c in known_cities if city and c == city)
            matching: list[str] = []
            if dense_query is not None and own:
                scored = []
                for r in rows.tolist():
                    lo, hi = pt_indptr[r], pt_indptr[r + 1]
                    score = float(dense_query[pt_indices[lo:hi]] @ pt_data[lo:hi])
                    scored.append((score, self.project_ids[r]))
                scored.sort(key=lambda t: (-t[0], t[1]))
                matching = [p for v, p in scored if v > 0.1][:3]
            out.append(
                Explanation(
                    partners_met=tuple(partners_met),
                    shared_projects=tuple(sorted(self.project_ids[r] for r in shared)),
                    missing_type=missing_type,
                    same_city=same_city,
                    matching_projects=tuple(matching),
                )
            )
        return out

    def similar(self, org: str, *, top: int = 10) -> list[tuple[str, float]]:
        """Organisations like `org`: those whose projects' texts resemble its own and that
        worked with the same partners (second step of the walk), ties by id; `org` excluded."""
        i = self.org_index.get(org)
        if i is None:
            return []
        n = len(self.org_ids)
        lo, hi = self.org_terms.indptr[i], self.org_terms.indptr[i + 1]
        text = self._postings_sum(self.org_terms.indices[lo:hi], self.org_terms.data[lo:hi])
        start = np.zeros(n)
        start[i] = 1.0
        w = Weights()
        one = self._walk_step(start, w)
        two = self._walk_step(one / max(one.sum(), 1e-300), w)
        two = two / max(two.max(initial=0.0), 1e-300)
        score = text + 0.5 * two + 1e-3 * np.log1p(self.org_degree)
        if self.org_type_code[i] >= 0:
            score = score * np.where(self.org_type_code == self.org_type_code[i], 1.5, 1.0)
        score[i] = -np.inf
        order = np.argsort(-score, kind="stable")[:top]
        return [(self.org_ids[j], float(score[j])) for j in order if score[j] > 0]

    def present_types(self, idx: Sequence[int]) -> int:
        mask = 0
        for i in idx:
            code = int(self.org_type_code[i])
            if code >= 0:
                mask |= 1 << code
        return mask

    def type_lift(self, idx: Sequence[int]) -> FloatArray:
        lift = np.ones(len(self.org_ids))
        known_types = self.org_type_code >= 0
        lift[known_types] = self.type_lift_table[
            self.present_types(idx), self.org_type_code[known_types]
        ]
        return lift

    def same_place(self, idx: Sequence[int]) -> FloatArray:
        share = np.zeros(len(self.org_ids))
        codes = [int(self.org_city_code[i]) for i in idx if self.org_city_code[i] >= 0]
        if not idx or not codes:
            return share
        for code in set(codes):
            share[self.org_city_code == code] += codes.count(code) / len(idx)
        return share

    def combine(self, s: Signals, w: Weights) -> FloatArray:
        prior = w.popularity if s.anchored else w.popularity_alone
        base = (s.graph + prior * s.popularity) * (1.0 + w.text_boost * s.text)
        base = base + w.text * s.text
        if w.type_mix:
            base = base * s.type_lift**w.type_mix
        if w.place:
            base = base * (1.0 + w.place * s.same_place)
        return base

    def scores(self, known: Sequence[str], text: str = "", w: Weights = Weights()) -> FloatArray:
        return self.combine(self.signals(known, text, w), w)

    # -- ranking -----------------------------------------------------------------------------

    def ordered(
        self,
        known: Sequence[str],
        text: str = "",
        *,
        weights: Weights = Weights(),
        allowed: npt.NDArray[np.bool_] | None = None,
        head: int | None = None,
        score: FloatArray | None = None,
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """The organisations of the model but the known partners (and those `allowed` leaves
        out), best first, ties broken by id — as indices into `org_ids`, the first `head` only
        when given — and the scores (`score` when given, else computed): what `rank` cuts, for a
        caller that filters the head itself."""
        if score is None:
            score = self.scores(known, text, weights)
        mask = np.ones(len(self.org_ids), dtype=bool)
        if allowed is not None:
            mask &= allowed
        mask[self.known_indices(known)] = False
        cand_idx = np.flatnonzero(mask)
        if head is not None and 0 < head < len(cand_idx):
            # only the best `head`: those above the head-th best score, then the ones tied
            # with it in id order (a partial sort, not a sort of every organisation)
            neg = -score[cand_idx]
            kth = np.partition(neg, head - 1)[head - 1]
            cand_idx = np.concatenate([cand_idx[neg < kth], cand_idx[neg == kth]])
        # org_ids are sorted, so a stable sort on -score breaks ties by id
        order: npt.NDArray[np.int64] = cand_idx[np.argsort(-score[cand_idx], kind="stable")]
        return (order if head is None else order[:head]), score

    def rank(
        self,
        known: Sequence[str],
        text: str = "",
        *,
        candidates: Sequence[str] | None = None,
        top: int = 100,
        weights: Weights = Weights(),
        allowed: npt.NDArray[np.bool_] | None = None,
    ) -> list[tuple[str, float]]:
        """The best `top` candidates (default: every organisation of the model), best first,
        ties broken by id, the known partners excluded. Candidates the model has never seen
        score 0 and are still ranked (by id, after every candidate with a signal).
        `allowed` (a boolean array over `org_ids`) keeps only some organisations."""
        if candidates is None:
            order, score = self.ordered(known, text, weights=weights, allowed=allowed, head=top)
            return [(self.org_ids[i], float(score[i])) for i in order[:top].tolist()]
        score = self.scores(known, text, weights)
        known_set = set(known)
        pairs = []
        for c in dict.fromkeys(candidates):
            if c in known_set:
                continue
            j = self.org_index.get(c)
            if j is not None and allowed is not None and not allowed[j]:
                continue
            pairs.append((c, float(score[j]) if j is not None else 0.0))
        pairs.sort(key=lambda p: (-p[1], p[0]))
        return pairs[:top]

    # -- baselines (benchmark) ---------------------------------------------------------------

    def baseline_scores(self, known: Sequence[str], kind: str) -> FloatArray:
        """Link-prediction baselines with the task as a node linked to its known partners in
        the organisation–organisation collaboration graph: `popularity` (degree),
        `common_neighbours` (known partners that worked with the candidate) and `adamic_adar`
        (the same, each weighted 1/log(collaborators of the known partner)).
        `adamic_adar_pairwise`: the textbook pair score of Liben-Nowell and Kleinberg, two
        hops, summed over the known partners: Σ_k Σ_{z ∈ Γ(k) ∩ Γ(c)} 1/log|Γ(z)|."""
        n = len(self.org_ids)
        if kind == "popularity":
            return self.org_degree.copy()
        idx = self.known_indices(known)
        assert self.incidence_t is not None
        if not idx:
            return np.zeros(n)
        # collaborators of each known partner: organisations sharing a project with it
        sub = self.incidence_t[idx]  # known × projects
        co = (sub @ self.incidence).tocsr()  # known × orgs, shared project counts
        co.data[:] = 1.0
        co = co.tolil()
        for r, i in enumerate(idx):
            co[r, i] = 0
        co = co.tocsr()
        co.eliminate_zeros()
        if kind == "common_neighbours":
            out: FloatArray = np.asarray(co.sum(axis=0)).ravel()
        elif kind == "adamic_adar":
            ndeg = np.asarray(co.sum(axis=1)).ravel()
            weight = 1.0 / np.log(np.maximum(ndeg, 2.0))
            out = np.asarray(co.T @ weight).ravel()
        elif kind == "adamic_adar_pairwise":
            graph = (self.incidence_t @ self.incidence).tocsr()  # orgs × orgs
            graph.setdiag(0)
            graph.eliminate_zeros()
            graph.data[:] = 1.0
            degree = np.asarray(graph.sum(axis=1)).ravel()
            # z's weight times the number of known partners z is linked to, then to z's links
            via = np.asarray(co.sum(axis=0)).ravel() / np.log(np.maximum(degree, 2.0))
            out = np.asarray(graph.T @ via).ravel()
        else:
            raise ValueError(kind)
        out[idx] = 0.0
        return out


def fit(
    participations: Iterable[tuple[str, str]],
    *,
    facts: Mapping[str, OrgFacts] | None = None,
    project_texts: Mapping[str, str] | None = None,
    extra_orgs: Iterable[str] = (),
) -> PartnerModel:
    """Fit the model on (project id, organisation id) pairs (duplicates counted once)."""
    pairs = sorted(set(participations))
    facts = facts or {}
    project_texts = project_texts or {}
    org_ids = sorted({o for _, o in pairs} | set(extra_orgs))
    project_ids = sorted({p for p, _ in pairs})
    o_index = {o: i for i, o in enumerate(org_ids)}
    p_index = {p: i for i, p in enumerate(project_ids)}
    rows = np.fromiter((p_index[p] for p, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((o_index[o] for _, o in pairs), dtype=np.int64, count=len(pairs))
    incidence = sparse.csr_matrix(
        (np.ones(len(pairs)), (rows, cols)), shape=(len(project_ids), len(org_ids))
    )
    org_facts = [facts.get(o, OrgFacts()) for o in org_ids]
    type_code = np.array(
        [
            PARTNER_TYPES.index(f.partner_type) if f.partner_type in PARTNER_TYPES else -1
            for f in org_facts
        ],
        dtype=np.int64,
    )
    cities: dict[str, int] = {}
    city_code = np.array(
        [cities.setdefault(search_fold(f.city), len(cities)) if f.city else -1 for f in org_facts],
        dtype=np.int64,
    )
    project_terms, vocabulary, idf = _fit_text(project_ids, project_texts)
    org_terms = org_profiles(incidence, project_terms)
    return PartnerModel(
        org_ids=org_ids,
        project_ids=project_ids,
        incidence=incidence,
        facts=org_facts,
        org_terms=org_terms,
        project_terms=project_terms,
        vocabulary=vocabulary,
        idf=idf,
        type_lift_table=_fit_type_lift(incidence, type_code),
        org_type_code=type_code,
        org_city_code=city_code,
    )


def _fit_text(
    project_ids: list[str], texts: Mapping[str, str]
) -> tuple[sparse.csr_matrix, dict[str, int], FloatArray]:
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, pid in enumerate(project_ids):
        text = texts.get(pid, "")
        if not text:
            continue
        counts: dict[int, float] = {}
        for term in text_terms(text):
            j = vocabulary.setdefault(term, len(vocabulary))
            counts[j] = counts.get(j, 0.0) + 1.0
        for j, c in counts.items():
            rows.append(r)
            cols.append(j)
            vals.append(1.0 + math.log(c))
    n_proj = len(project_ids)
    proj_terms = sparse.csr_matrix((vals, (rows, cols)), shape=(n_proj, len(vocabulary)))
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocabulary))
    idf: FloatArray = np.log((1.0 + n_proj) / (1.0 + df)) + 1.0
    return _l2_rows(proj_terms @ sparse.diags(idf)), vocabulary, idf


def org_profiles(
    incidence: sparse.csr_matrix, project_terms: sparse.csr_matrix
) -> sparse.csr_matrix:
    """Each organisation's text profile: the sum of its projects' TF-IDF rows, L2-normalised."""
    return _l2_rows((incidence.T @ project_terms).tocsr())


def _l2_rows(m: sparse.spmatrix) -> sparse.csr_matrix:
    m = sparse.csr_matrix(m)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ m)


def _fit_type_lift(incidence: sparse.csr_matrix, type_code: npt.NDArray[np.int64]) -> FloatArray:
    """lift[mask, t] = P(a member has type t | the other members' types are `mask`) / P(t),
    counted leave-one-out over every project member, with add-one smoothing."""
    n_types = len(PARTNER_TYPES)
    counts = np.ones((1 << n_types, n_types))
    indptr, indices = incidence.indptr, incidence.indices
    for p in range(incidence.shape[0]):
        members = indices[indptr[p] : indptr[p + 1]]
        codes = [int(type_code[m]) for m in members]
        for k, code in enumerate(codes):
            if code < 0:
                continue
            mask = 0
            for j, other in enumerate(codes):
                if j != k and other >= 0:
                    mask |= 1 << other
            counts[mask, code] += 1
    marginal = counts.sum(axis=0) / counts.sum()
    conditional = counts / counts.sum(axis=1, keepdims=True)
    lift: FloatArray = conditional / marginal
    return lift
