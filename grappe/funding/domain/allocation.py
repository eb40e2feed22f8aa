"""Sharing envelopes among ranked applications: the optimal set of projects and amounts, and
how it departs from the plain rank-order funding line. Pure.

The problem (issue 10, item 8). Each application `p` has a panel score, a requested total, a
minimum viable amount (below it the project cannot go ahead) and, for each funder `f` it asked,
a cap (the sum of its partners' maximum aid under that funder's rules, cumulation included, as
the rules engine computes it) and optionally a co-funding pledge (the least that funder commits
if the project is funded). Each funder has an envelope.

    maximise    sum_p score_p * y_p                     (the total score funded)
    subject to  sum_p x_pf <= envelope_f                 for each funder
                min_p * y_p <= sum_f x_pf <= requested_p * y_p
                pledge_pf * y_p <= x_pf <= cap_pf
                y_p in {0, 1}

solved with HiGHS (highspy), built column-wise in arrays (no per-variable Python objects), to a
proven relative gap of 1e-4: the linear relaxation first, then, only when needed, the few
projects it leaves fractional as binaries, then the whole mixed-integer programme
(`_funded_set`). Among allocations of equal score the
solver may return any; a second, continuous programme with the funded set fixed then hands out
what is left of each envelope in rank order (a funded project gets up to its request), so the
amounts are deterministic and no envelope money stays unused while a funded project is short.

`rank_order` is the plain funding line: in rank order, fund each project at its full request
while every envelope it needs can pay, else skip it. `departures` says, for each project the
two treat differently, why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

import highspy
import numpy as np

from grappe.core.domain.i18n import gettext_noop

CENT = Decimal("0.01")
MIP_GAP = 1e-4


@dataclass(frozen=True)
class Request:
    """What one application asks of one funder."""

    funder: str
    cap: Decimal  # the most this funder may give the project (partners' maximum aid)
    pledge: Decimal = Decimal(0)  # the least it commits if the project is funded


@dataclass(frozen=True)
class Candidate:
    id: int
    score: Decimal
    requested: Decimal
    minimum: Decimal
    requests: tuple[Request, ...]


@dataclass(frozen=True)
class Allocation:
    amounts: Mapping[int, Mapping[str, Decimal]]  # funded project → funder → amount
    total_score: Decimal
    status: str
    gap: float  # the solver's relative optimality gap (0 for the rank-order line)

    @property
    def funded(self) -> frozenset[int]:
        return frozenset(self.amounts)

    def used(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for by_funder in self.amounts.values():
            for funder, amount in by_funder.items():
                out[funder] = out.get(funder, Decimal(0)) + amount
        return out


def _cents(value: float) -> Decimal:
    return Decimal(repr(max(0.0, value))).quantize(CENT, rounding=ROUND_DOWN)


class _Model:
    """The column-wise arrays of the programme (y columns first, then x columns)."""

    def __init__(self, candidates: Sequence[Candidate], envelopes: Mapping[str, Decimal]) -> None:
        self.candidates = list(candidates)
        self.funders = sorted(envelopes)
        self.f_index = {f: i for i, f in enumerate(self.funders)}
        n = len(self.candidates)
        pairs = [
            (p, self.f_index[r.funder], r)
            for p, c in enumerate(self.candidates)
            for r in c.requests
            if r.funder in self.f_index
        ]
        self.pairs = pairs
        self.n, self.m = n, len(pairs)
        self.envelopes = np.array([float(envelopes[f]) for f in self.funders])
        self.score = np.array([float(c.score) for c in self.candidates])
        self.requested = np.array([float(c.requested) for c in self.candidates])
        self.minimum = np.array([float(c.minimum) for c in self.candidates])
        self.pair_project = np.fromiter((p for p, _f, _r in pairs), dtype=np.int64, count=self.m)
        self.pair_funder = np.fromiter((f for _p, f, _r in pairs), dtype=np.int64, count=self.m)
        self.cap = np.array([float(r.cap) for _p, _f, r in pairs])
        self.pledge = np.array([float(r.pledge) for _p, _f, r in pairs])

    def rows(self, *, fixed_y: np.ndarray | None = None) -> highspy.HighsLp:
        """Rows: envelopes (F), project lower (n), project upper (n), pledges (m), caps (m).

        The cap rows `x_pf - cap_pf * y_p <= 0` repeat the columns' upper bounds tied to `y_p`:
        they change no integer solution, but without them the relaxation funds a fraction of a
        project at a fraction of its minimum and bounds nothing (a hundred times slower MIP)."""
        n, m, nf = self.n, self.m, len(self.funders)
        r_env = 0
        r_low = nf
        r_up = nf + n
        r_pledge = nf + 2 * n
        r_cap = r_pledge + m
        n_rows = r_cap + m
        # y_p appears in: low row (−min), up row (−requested), the pledge and cap rows of its
        # pairs (−pledge, −cap); x_pf in: envelope row of f, low and up rows of p, its pledge and
        # cap rows (+1 each)
        pledges_of: list[list[int]] = [[] for _ in range(n)]
        for k, p in enumerate(self.pair_project):
            pledges_of[p].append(k)
        y_len = np.array([2 + 2 * len(ks) for ks in pledges_of], dtype=np.int64)
        starts = np.zeros(n + m + 1, dtype=np.int64)
        starts[1 : n + 1] = np.cumsum(y_len)
        starts[n + 1 :] = starts[n] + 5 * np.arange(1, m + 1)
        index = np.empty(int(starts[-1]), dtype=np.int32)
        value = np.empty(int(starts[-1]))
        for p in range(n):
            s = starts[p]
            ks = pledges_of[p]
            index[s], value[s] = r_low + p, -self.minimum[p]
            index[s + 1], value[s + 1] = r_up + p, -self.requested[p]
            for j, k in enumerate(ks):
                index[s + 2 + j], value[s + 2 + j] = r_pledge + k, -self.pledge[k]
                index[s + 2 + len(ks) + j], value[s + 2 + len(ks) + j] = r_cap + k, -self.cap[k]
        xs = starts[n]
        index[xs + 0 :: 5] = r_env + self.pair_funder
        index[xs + 1 :: 5] = r_low + self.pair_project
        index[xs + 2 :: 5] = r_up + self.pair_project
        index[xs + 3 :: 5] = r_pledge + np.arange(m)
        index[xs + 4 :: 5] = r_cap + np.arange(m)
        value[xs:] = 1.0
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n + m, n_rows
        lp.col_cost_ = np.concatenate([self.score, np.zeros(m)])
        y_low = np.zeros(n) if fixed_y is None else fixed_y
        y_up = np.ones(n) if fixed_y is None else fixed_y
        lp.col_lower_ = np.concatenate([y_low, np.zeros(m)])
        lp.col_upper_ = np.concatenate([y_up, self.cap])
        lp.row_lower_ = np.concatenate(
            [np.full(nf, -inf), np.zeros(n), np.full(n, -inf), np.zeros(m), np.full(m, -inf)]
        )
        lp.row_upper_ = np.concatenate(
            [self.envelopes, np.full(n, inf), np.zeros(n), np.full(m, inf), np.zeros(m)]
        )
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = starts.astype(np.int32)
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        if fixed_y is None:
            lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [
                highspy.HighsVarType.kContinuous
            ] * m
        return lp


def _highs() -> highspy.Highs:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", MIP_GAP)
    return h


def _gap(bound: float, value: float) -> float:
    return max(0.0, (bound - value) / max(abs(bound), 1e-9))


def _funded_set(model: _Model) -> tuple[np.ndarray | None, str, float]:
    """Which projects to fund (y), the solver's status and the relative optimality gap.

    The relaxation first: with the cap rows it is nearly integral (one fractional project of
    20,000 in the benchmark). Its bound bounds every integer allocation, so each gap below is
    proven. Kept, in this order, the first within `MIP_GAP` of that bound: the projects the
    relaxation funds whole (the fractional ones left out); the optimum with those fixed in, the
    projects it leaves out fixed out, and the few in between binary; the whole mixed-integer
    programme, started from the latter."""
    n = model.n
    relaxed = model.rows()
    relaxed.integrality_ = []
    h = _highs()
    h.passModel(relaxed)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, h.modelStatusToString(h.getModelStatus()), float("inf")
    bound = float(h.getInfo().objective_function_value)
    y_lp = np.asarray(h.getSolution().col_value)[:n]
    whole = np.where(y_lp >= 1 - 1e-6, 1.0, 0.0)
    gap = _gap(bound, float(model.score @ whole))
    if gap <= MIP_GAP:
        return whole, "Optimal", gap
    lp = model.rows()
    lp.col_lower_ = np.concatenate([whole, np.zeros(model.m)])
    lp.col_upper_ = np.concatenate([np.where(y_lp <= 1e-6, 0.0, 1.0), model.cap])
    h = _highs()
    h.passModel(lp)
    h.run()
    start = None
    if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        gap = _gap(bound, float(h.getInfo().objective_function_value))
        start = h.getSolution()
        if gap <= MIP_GAP:
            return np.round(np.asarray(start.col_value)[:n]), "Optimal", gap
    h = _highs()
    h.passModel(model.rows())
    if start is not None:
        h.setSolution(start)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None, status, float("inf")
    y = np.round(np.asarray(h.getSolution().col_value)[:n])
    return y, status, float(h.getInfo().mip_gap)


def _hand_out(model: _Model, y: np.ndarray) -> np.ndarray:
    """The second pass: the funded set fixed, what is left of each envelope handed out by rank
    (higher score first, each funded project up to its request). A fresh programme: re-solving
    the relaxation from its basis with y fixed and the new costs took 2.6 times longer."""
    rank_weight = np.zeros(model.n)
    order = np.argsort(-model.score, kind="stable")
    rank_weight[order] = np.linspace(2.0, 1.0, model.n) if model.n > 1 else 1.0
    lp = model.rows(fixed_y=y)
    lp.col_cost_ = np.concatenate([np.zeros(model.n), rank_weight[model.pair_project]])
    lp.integrality_ = []
    h = _highs()
    h.passModel(lp)
    h.run()
    return np.asarray(h.getSolution().col_value)[model.n :]


def optimise(candidates: Sequence[Candidate], envelopes: Mapping[str, Decimal]) -> Allocation:
    """The allocation of maximum total score (see the module's text), amounts in cents."""
    model = _Model(candidates, envelopes)
    if model.n == 0:
        return Allocation({}, Decimal(0), "Empty", 0.0)
    y, status, gap = _funded_set(model)
    if y is None:
        return Allocation({}, Decimal(0), status, float("inf"))
    x = _hand_out(model, y)
    amounts: dict[int, dict[str, Decimal]] = {}
    for k, (p, f, _r) in enumerate(model.pairs):
        if y[p] > 0.5:
            amount = _cents(float(x[k]))
            by_funder = amounts.setdefault(model.candidates[p].id, {})
            by_funder[model.funders[f]] = amount
    total = sum((c.score for c in model.candidates if c.id in amounts), Decimal(0))
    return Allocation(amounts, total, status, gap)


def rank_order(candidates: Sequence[Candidate], envelopes: Mapping[str, Decimal]) -> Allocation:
    """The plain funding line: by score (then id), each project funded at its full request,
    its pledges first, the rest split over its funders up to their caps in the order of its
    requests, while every envelope can pay; a project the envelopes cannot pay in full is
    skipped."""
    left = dict(envelopes)
    amounts: dict[int, dict[str, Decimal]] = {}
    for c in sorted(candidates, key=lambda c: (-c.score, c.id)):
        pledges = [r for r in c.requests if r.pledge > 0]
        pledged = {r.funder: r.pledge for r in pledges}
        if (
            any(
                r.funder not in left or left[r.funder] < r.pledge or r.pledge > r.cap
                for r in pledges
            )
            or sum(pledged.values(), Decimal(0)) > c.requested
        ):
            continue
        split: dict[str, Decimal] = dict(pledged)
        need = c.requested - sum(pledged.values(), Decimal(0))
        for r in c.requests:
            if r.funder not in left:
                continue
            have = split.get(r.funder, Decimal(0))
            take = min(need, r.cap - have, left[r.funder] - have)
            if take > 0:
                split[r.funder] = have + take
                need -= take
        if need > 0:
            continue
        for f, amount in split.items():
            left[f] -= amount
        amounts[c.id] = split
    total = sum((c.score for c in candidates if c.id in amounts), Decimal(0))
    return Allocation(amounts, total, "Rank order", 0.0)


FUNDED_NOT_IN_LINE = gettext_noop(
    "Funded by the optimiser, not by the rank-order line: funded at %(amount)s of its "
    "%(requested)s requested (its minimum viable amount is %(minimum)s), it fits in what "
    "higher-ranked projects leave."
)
IN_LINE_NOT_FUNDED = gettext_noop(
    "In the rank-order line, not funded by the optimiser: its %(requested)s would have taken "
    "the room of projects whose scores add up to more."
)


@dataclass(frozen=True)
class Departure:
    project: int
    message: str  # one of the two above (English, with placeholders)
    params: Mapping[str, str]


def departures(
    candidates: Sequence[Candidate], optimal: Allocation, line: Allocation
) -> list[Departure]:
    """Each project the optimiser and the rank-order line treat differently, with why."""
    by_id = {c.id: c for c in candidates}
    out: list[Departure] = []
    for pid in sorted(optimal.funded ^ line.funded, key=lambda i: (-by_id[i].score, i)):
        c = by_id[pid]
        if pid in optimal.funded:
            amount = sum(optimal.amounts[pid].values(), Decimal(0))
            params = {
                "amount": str(amount),
                "requested": str(c.requested),
                "minimum": str(c.minimum),
            }
            out.append(Departure(pid, FUNDED_NOT_IN_LINE, params))
        else:
            out.append(Departure(pid, IN_LINE_NOT_FUNDED, {"requested": str(c.requested)}))
    return out
