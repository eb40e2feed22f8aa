"""Assigning expert evaluators to applications: expertise fit, loads, no conflicted pair. Pure.

1. **Fit** (`ExpertiseModel`): the cosine similarity of TF-IDF vectors of the expert's expertise
   (keywords and text) and the application's text and keywords, words folded as search folds
   them (accents and case ignored). For each application only the `top` best-fitting allowed
   experts become candidates, which keeps the programme small (5,000 applications × 40
   candidates) without changing the answer in practice: an expert ranked below 40 others on an
   application is never needed unless all of them are full.
2. **Assignment** (`assign`): a linear programme solved by HiGHS (highspy) — one variable per
   candidate pair, between 0 and 1; per application, exactly `per_application` experts; per
   expert, at most their load; maximise the total fit. The constraint matrix is the incidence
   matrix of a bipartite graph, totally unimodular: the simplex's vertex solution is integral
   (a min-cost flow), checked after solving. When some application cannot get enough experts,
   the programme first maximises how many seats are filled, then the fit under that number;
   the shortfall is reported per application.

`why` names the words an expert and an application share, most weighty first: what the
officer sees beside each proposed assignment.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from grappe.core.domain.text import search_words

MIN_WORD = 4
# Frequent words of calls and CVs that say nothing of a field (French and English, folded).
STOP_WORDS = frozenset(
    [
        "avec",
        "dans",
        "pour",
        "plus",
        "leur",
        "leurs",
        "sont",
        "nous",
        "vous",
        "elle",
        "elles",
        "entre",
        "sans",
        "sous",
        "cette",
        "ainsi",
        "comme",
        "mais",
        "donc",
        "tres",
        "tout",
        "tous",
        "toute",
        "toutes",
        "etre",
        "avoir",
        "fait",
        "faire",
        "projet",
        "projets",
        "recherche",
        "developpement",
        "nouvelle",
        "nouvelles",
        "nouveau",
        "nouveaux",
        "with",
        "from",
        "that",
        "this",
        "these",
        "those",
        "their",
        "have",
        "been",
        "will",
        "into",
        "about",
        "over",
        "under",
        "project",
        "projects",
        "research",
        "development",
        "new",
        "based",
        "using",
        "approach",
    ]
)


def terms(text: str) -> list[str]:
    """The words of a text that can carry expertise (folded, 4 letters or more, not stop words)."""
    return [w for w in search_words(text) if len(w) >= MIN_WORD and w not in STOP_WORDS]


@dataclass
class ExpertiseModel:
    """TF-IDF over the experts' and applications' texts together (one vocabulary)."""

    expert_texts: Sequence[str]
    application_texts: Sequence[str]
    vocabulary: dict[str, int] = field(default_factory=dict, init=False)
    idf: np.ndarray = field(init=False)
    experts: sparse.csr_matrix = field(init=False)
    applications: sparse.csr_matrix = field(init=False)

    def __post_init__(self) -> None:
        docs = [Counter(terms(t)) for t in (*self.expert_texts, *self.application_texts)]
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(doc.keys())
        self.vocabulary = {w: i for i, w in enumerate(sorted(df))}
        n = max(1, len(docs))
        self.idf = np.array(
            [math.log((1 + n) / (1 + df[w])) + 1.0 for w in sorted(df)], dtype=np.float64
        )
        matrix = self._matrix(docs)
        split = len(self.expert_texts)
        self.experts, self.applications = matrix[:split], matrix[split:]

    def _matrix(self, docs: list[Counter[str]]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            for word, count in doc.items():
                c = self.vocabulary[word]
                rows.append(r)
                cols.append(c)
                vals.append((1.0 + math.log(count)) * self.idf[c])
        shape = (len(docs), len(self.vocabulary))
        m = sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float64)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ m)

    def fit(self) -> np.ndarray:
        """Applications × experts cosine similarities (dense; 5,000 × 1,000 is 40 MB)."""
        return np.asarray((self.applications @ self.experts.T).todense())

    def why(self, expert: int, application: int, limit: int = 5) -> list[str]:
        """The shared words that weigh most in the fit of this pair."""
        e = self.experts.getrow(expert)
        a = self.applications.getrow(application)
        product = e.multiply(a).tocoo()
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        ranked = sorted(zip(product.data, product.col, strict=True), key=lambda t: (-t[0], t[1]))
        return [words[c] for _v, c in ranked[:limit]]


def candidates(
    fit: np.ndarray, forbidden: Iterable[tuple[int, int]], top: int = 40
) -> list[tuple[int, int, float]]:
    """(application, expert, fit) of the `top` best allowed experts of each application, best
    first within each application (ties: the lower expert index). `forbidden`: (application,
    expert) pairs kept off (conflicts that block)."""
    blocked = np.zeros(fit.shape, dtype=bool)
    for a, e in forbidden:
        blocked[a, e] = True
    scores = np.where(blocked, -np.inf, fit)
    k = min(top, fit.shape[1])
    out: list[tuple[int, int, float]] = []
    if k == 0:
        return out
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    for a in range(fit.shape[0]):
        chosen = sorted(part[a], key=lambda e: (-scores[a, e], e))
        out.extend((a, int(e), float(fit[a, e])) for e in chosen if scores[a, e] != -np.inf)
    return out


@dataclass(frozen=True)
class Assignment:
    pairs: list[tuple[int, int, float]]  # (application, expert, fit)
    total_fit: float
    shortfall: Mapping[int, int]  # application → seats left empty (absent: none)
    status: str  # HiGHS's model status


def _solve(
    pairs: Sequence[tuple[int, int, float]],
    n_apps: int,
    loads: Sequence[int],
    per_application: int,
    *,
    objective: np.ndarray,
    exact: bool,
    minimum_total: float | None = None,
) -> tuple[str, np.ndarray]:
    n = len(pairs)
    n_rows = n_apps + len(loads) + (1 if minimum_total is not None else 0)
    app_idx = np.fromiter((p[0] for p in pairs), dtype=np.int32, count=n)
    exp_idx = np.fromiter((p[1] for p in pairs), dtype=np.int32, count=n) + n_apps
    per_col = 2 if minimum_total is None else 3
    index = np.empty(n * per_col, dtype=np.int32)
    index[0::per_col] = app_idx
    index[1::per_col] = exp_idx
    if minimum_total is not None:
        index[2::per_col] = n_rows - 1
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = n_rows
    lp.col_cost_ = objective
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    seats = float(per_application)
    row_lower = [seats if exact else 0.0] * n_apps + [0.0] * len(loads)
    row_upper = [seats] * n_apps + [float(x) for x in loads]
    if minimum_total is not None:
        row_lower.append(minimum_total)
        row_upper.append(highspy.kHighsInf)
    lp.row_lower_ = np.array(row_lower)
    lp.row_upper_ = np.array(row_upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, n * per_col + 1, per_col, dtype=np.int32)
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = np.ones(n * per_col)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")  # a vertex: integral on this matrix
    h.passModel(lp)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return status, np.zeros(n)
    return status, np.asarray(h.getSolution().col_value)


def assign(
    pairs: Sequence[tuple[int, int, float]],
    *,
    n_applications: int,
    loads: Sequence[int],
    per_application: int = 3,
) -> Assignment:
    """The assignment of maximum total fit over the candidate `pairs` (application, expert,
    fit): `per_application` experts per application, at most `loads[e]` applications per
    expert. Applications that cannot be fully served get as many experts as possible."""
    if not pairs:
        short = {a: per_application for a in range(n_applications)}
        return Assignment([], 0.0, short, "Empty")
    fits = np.fromiter((p[2] for p in pairs), dtype=np.float64, count=len(pairs))
    status, values = _solve(
        pairs, n_applications, loads, per_application, objective=fits, exact=True
    )
    if status != "Optimal":  # some applications lack candidates: most seats first, then fit
        _status, most = _solve(
            pairs,
            n_applications,
            loads,
            per_application,
            objective=np.ones(len(pairs)),
            exact=False,
        )
        status, values = _solve(
            pairs,
            n_applications,
            loads,
            per_application,
            objective=fits,
            exact=False,
            minimum_total=round(float(most.sum())) - 1e-6,
        )
    chosen = values > 0.5
    if np.any(np.abs(values - chosen) > 1e-6):  # pragma: no cover - the matrix is TU
        raise ArithmeticError("the assignment programme returned a fractional solution")
    picked = [p for p, keep in zip(pairs, chosen, strict=True) if keep]
    served = Counter(a for a, _e, _f in picked)
    shortfall = {
        a: per_application - served[a] for a in range(n_applications) if served[a] < per_application
    }
    return Assignment(picked, float(sum(f for _a, _e, f in picked)), shortfall, status)
