r"""Finite-d verification of the linear-associative-memory capacity (Giorlandino, Goldt & Maillard 2026).

For one instance (inputs :math:`x_\mu`, targets :math:`y_\mu`, and in the decoupled model each input's own
competitors :math:`y^{(\mu)}_\nu`, all entries :math:`\mathcal N(0, 1/d)`), storing the first :math:`p` associations
with margin :math:`\kappa` is the feasibility of :math:`p(p-1)` linear constraints on the :math:`d^2` entries of
:math:`W`:

.. math:: \big\langle W,\ (y_\mu - y_\nu)\, x_\mu^\top \big\rangle \ge \kappa\, |W|_F / d .

Each row is an outer product, scaled by :math:`d` so that the certified max-margin programs of
:mod:`capacity.programs` (which bound :math:`\max_{|w|=1}\min_k a_k\cdot w`) answer the question at the natural
score scale. There are many more rows than weights (:math:`p(p-1) \approx 56\,d^2` near capacity at
:math:`d = 20`), so the default verdict never forms them (:class:`AssociationRows`). Every row is a Kronecker
product :math:`d\,(y_\mu - y_\nu)\otimes x_\mu`, so the scores of all rows under one memory come from two matrix
products, and the interior point's Newton matrix :math:`\sum\theta_{\mu\nu}a_{\mu\nu}a_{\mu\nu}^\top =
d^2\sum_\mu M_\mu\otimes x_\mu x_\mu^\top` from one product of a :math:`d^2\times p` by a :math:`p\times d^2`
matrix (:meth:`AssociationRows.weighted_gram`); the interior point on the distance to the hull of the rows
(:mod:`capacity.programs.interior_point`) then decides a verdict in about 25 such steps, and what it leaves
undecided goes to constraint generation (:class:`~capacity.programs.LiveLeastDistance`: the least-distance
program on a working set of rows, the most violated row entering). A separator is certified against every row,
multipliers bound the margin from above whichever rows carry them. Constraints only accumulate as :math:`p` grows
(new associations add rows, and in the original model also a new competitor for every old one), so the first
infeasible :math:`p^*` is bracketed from the theory's :math:`p_c`
(:func:`capacity.prefix_search.first_unseparable_prefix`); a doubtful verdict ends that instance's search and is
reported, never counted. :func:`association_rows` materialises all rows with one ``einsum`` for the dense
programs (a cvxpy solver by name, and the fallback for an uncertified verdict).

The Hebbian memory :math:`W = \sum_\mu y_\mu x_\mu^\top` needs no solver: :func:`hebbian_trials` computes every
score gap at once and records whether all associations are stored.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.lam import hebbian_success_probability, optimal_capacity
from replica.parameters import ParameterSpec, flag
from replica.serialization import json_safe
from replica.validation import check_int, check_real

from ..estimates import standard_error_of_mean
from ..experiments import run_trials
from ..prefix_search import first_unseparable_prefix
from ..programs import DEFAULT_SOLVER, Verdict, available_solvers, make_program
from ..programs.active_set import RowPool
from ..programs.interior_point import certify_implicit_rows
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting

__all__ = ["association_gaps", "outer_rows", "association_rows", "AssociationRows", "draw_memory_instance", "LAMThreshold",
           "instance_threshold", "search_range", "lam_thresholds", "summarise_thresholds", "hebbian_trials",
           "lam_agreement", "verify_lam", "FINITE_D_ALLOWANCE", "CHECKS"]


def association_gaps(targets: np.ndarray, competitors: np.ndarray | None = None) -> np.ndarray:
    r"""Target gaps :math:`y_\mu - y_\nu` of every association :math:`\mu` against its :math:`p - 1` competitors.

    Parameters
    ----------
    targets : ndarray, shape (p, d)
    competitors : ndarray, shape (p, m, d) with m >= p - 1, optional
        The decoupled model's competitors of each input (the first ``p - 1`` are used); without them the
        competitors are the other targets (the original model).

    Returns
    -------
    ndarray, shape (p, p - 1, d)
    """
    p, d = targets.shape
    if competitors is None:
        return (targets[:, None, :] - targets[None, :, :])[~np.eye(p, dtype=bool)].reshape(p, p - 1, d)
    return targets[:, None, :] - competitors[:p, : p - 1, :]


def outer_rows(gaps: np.ndarray, inputs: np.ndarray, scale: float) -> np.ndarray:
    r"""Rows :math:`s\,\mathrm{vec}(g_{\mu\nu} x_\mu^\top)` (row-major) of every gap with its association's input.

    ``gaps`` has shape (p, p - 1, a) and ``inputs`` shape (p, b); the result has shape (p (p - 1), a b), the
    constraint rows of :math:`\langle M, g_{\mu\nu} x_\mu^\top\rangle \ge \dots` for an :math:`a\times b` matrix
    :math:`M`, built with one ``einsum``.
    """
    p, others, a = gaps.shape
    return scale * np.einsum("mnj,mk->mnjk", gaps, inputs).reshape(p * others, a * inputs.shape[1])


def association_rows(inputs: np.ndarray, targets: np.ndarray, competitors: np.ndarray | None = None) -> np.ndarray:
    r"""Constraint rows :math:`d\,\mathrm{vec}((y_\mu - y_\nu) x_\mu^\top)` for every :math:`\mu` and :math:`\nu \ne \mu`.

    Parameters
    ----------
    inputs, targets : ndarray, shape (p, d)
    competitors : ndarray, shape (p, m, d) with m >= p - 1, optional
        See :func:`association_gaps`.

    Returns
    -------
    ndarray, shape (p (p - 1), d^2)
    """
    return outer_rows(association_gaps(targets, competitors), inputs, inputs.shape[1])


class AssociationRows(RowPool):
    r"""The memory's constraint rows :math:`d\,\mathrm{vec}((y_\mu - y_\nu) x_\mu^\top)`, never materialised together.

    The candidates are the rows of the first ``p`` associations (:meth:`set_associations`); a row's id
    :math:`\mu M + \nu` (``M`` the instance's largest number of associations; :math:`\nu` the competitor: a target
    index in the original model, a competitor slot in the decoupled one) keeps its meaning as ``p`` changes. The
    scores of every row under one :math:`W` come from two matrix products,
    :math:`d\,(y_\mu - y_\nu)^\top W x_\mu = d\,(y_\mu^\top z_\mu - y_\nu^\top z_\mu)` with :math:`z_\mu = W x_\mu`, in
    :math:`O(p d^2 + p^2 d)` time and :math:`O(p^2)` memory instead of the :math:`p^2 d^2` of the rows.
    """

    def __init__(self, inputs: np.ndarray, targets: np.ndarray, competitors: np.ndarray | None = None):
        self.inputs, self.targets, self.competitors = inputs, targets, competitors
        self.capacity, self.d = inputs.shape
        self.n = self.d * self.d
        self.set_associations(self.capacity)

    def set_associations(self, p: int) -> None:
        """Make the rows of the first ``p`` associations the candidates."""
        self.p = int(p)
        mu, nu = np.divmod(np.arange(self.p * self.p), self.p)
        keep = (nu != mu) if self.competitors is None else (nu < self.p - 1)
        self._ids = (mu * self.capacity + nu)[keep]

    def _others(self, mu, nu):
        return self.targets[nu] if self.competitors is None else self.competitors[mu, nu]

    def candidate_count(self) -> int:
        return self._ids.size

    def ids(self, positions):
        return self._ids[np.asarray(positions, dtype=np.int64)]

    def positions(self, ids):
        mu, nu = np.divmod(np.asarray(ids, dtype=np.int64), self.capacity)
        p = self.p
        if self.competitors is None:
            valid = (mu < p) & (nu < p) & (nu != mu)
            position = mu * (p - 1) + nu - (nu > mu)
        else:
            valid = (mu < p) & (nu < p - 1)
            position = mu * (p - 1) + nu
        return np.where(valid, position, -1)

    def rows(self, ids):
        mu, nu = np.divmod(np.asarray(ids, dtype=np.int64), self.capacity)
        gaps = self.targets[mu] - self._others(mu, nu)
        return self.d * np.einsum("kj,kl->kjl", gaps, self.inputs[mu]).reshape(len(mu), self.n)

    def scores(self, w):
        p = self.p
        z = self.inputs[:p] @ w.reshape(self.d, self.d).T  # z_mu = W x_mu
        own = np.einsum("mj,mj->m", self.targets[:p], z)
        if self.competitors is None:
            table = own[:, None] - z @ self.targets[:p].T
            return self.d * table[~np.eye(p, dtype=bool)]
        return self.d * (own[:, None] - np.einsum("msj,mj->ms", self.competitors[:p, : p - 1], z)).ravel()

    def _competitor_weights(self, weights: np.ndarray):
        r"""Weights :math:`\theta_{\mu\nu}` of the candidates as a table over each association's competitors
        :math:`o_{\mu\nu}` (the other targets: a :math:`p\times p` table with zero diagonal; the decoupled model's
        own competitors: :math:`p\times(p-1)`, with those competitors), with :math:`t_\mu = \sum_\nu\theta_{\mu\nu}`
        and :math:`m_\mu = \sum_\nu\theta_{\mu\nu}o_{\mu\nu}`.

        Returns
        -------
        (t, m, table, competitors)
            ``competitors`` is ``None`` in the original model (they are the targets).
        """
        p = self.p
        table = np.asarray(weights, dtype=float).reshape(p, p - 1)
        if self.competitors is None:
            full = np.zeros((p, p))
            full[~np.eye(p, dtype=bool)] = table.ravel()
            return full.sum(axis=1), full @ self.targets[:p], full, None
        others = self.competitors[:p, : p - 1]
        return table.sum(axis=1), np.einsum("ms,msj->mj", table, others), table, others

    def combination(self, multipliers):
        r""":math:`\sum u_{\mu\nu}\, d\,\mathrm{vec}(g_{\mu\nu}x_\mu^\top) = d\,\mathrm{vec}(C^\top X)` with
        :math:`c_\mu = \sum_\nu u_{\mu\nu}(y_\mu - o_{\mu\nu}) = t_\mu y_\mu - m_\mu`, in :math:`O(p^2 d)`."""
        total, first, _, _ = self._competitor_weights(multipliers)
        gaps = total[:, None] * self.targets[: self.p] - first
        return self.d * (gaps.T @ self.inputs[: self.p]).ravel()

    def weighted_gram(self, weights, single_precision: bool = False):
        r""":math:`\sum\theta_{\mu\nu} a_{\mu\nu}a_{\mu\nu}^\top = d^2\sum_\mu M_\mu\otimes x_\mu x_\mu^\top` with
        :math:`M_\mu = \sum_\nu\theta_{\mu\nu}g_{\mu\nu}g_{\mu\nu}^\top = t_\mu y_\mu y_\mu^\top - y_\mu m_\mu^\top
        - m_\mu y_\mu^\top + S_\mu`: the rows are Kronecker products :math:`g\otimes x`, so the
        :math:`d^2\times d^2` matrix is one product of :math:`d^2\times p` by :math:`p\times d^2`, in
        :math:`O(p d^4 + p^2 d^2)` instead of the :math:`O(p^2 d^4)` of the materialised rows; with
        ``single_precision`` that product is taken in float32."""
        p, d = self.p, self.d
        total, first, table, others = self._competitor_weights(weights)
        y = self.targets[:p]
        target_products = np.einsum("mj,mk->mjk", y, y)
        if others is None:
            second = (table @ target_products.reshape(p, d * d)).reshape(p, d, d)
        else:
            second = np.einsum("ms,msj,msk->mjk", table, others, others)
        cross = np.einsum("mj,mk->mjk", y, first)
        blocks = total[:, None, None] * target_products - cross - cross.transpose(0, 2, 1) + second
        x = self.inputs[:p]
        products = np.einsum("mj,mk->mjk", x, x).reshape(p, d * d)
        blocks = blocks.reshape(p, d * d)
        if single_precision:
            blocks, products = blocks.astype(np.float32), products.astype(np.float32)
        gram = (blocks.T @ products).reshape(d, d, d, d)
        return (d * d) * np.ascontiguousarray(gram.transpose(0, 2, 1, 3)).reshape(d * d, d * d)

    def largest_row_norm(self) -> float:
        p = self.p
        x_norms = np.linalg.norm(self.inputs[:p], axis=1)
        if self.competitors is None:
            y = self.targets[:p]
            squared = np.einsum("ij,ij->i", y, y)
            gaps = squared[:, None] + squared[None, :] - 2 * y @ y.T
            np.fill_diagonal(gaps, 0.0)
            largest_gap = np.sqrt(np.clip(gaps, 0.0, None).max(axis=1))
        else:
            largest_gap = np.linalg.norm(self.targets[:p, None, :] - self.competitors[:p, : p - 1], axis=2).max(axis=1)
        return float(self.d * np.max(largest_gap * x_norms) * (1 + 1e-12))


def draw_memory_instance(d: int, max_associations: int, seed: int, trial: int, decoupled: bool):
    """Inputs, targets and (decoupled model) competitors of one instance; prefixes are the smaller instances."""
    rng = np.random.default_rng([seed, d, trial, int(decoupled)])
    scale = 1 / math.sqrt(d)
    inputs = rng.standard_normal((max_associations, d)) * scale
    targets = rng.standard_normal((max_associations, d)) * scale
    competitors = (rng.standard_normal((max_associations, max_associations - 1, d)) * scale) if decoupled else None
    return inputs, targets, competitors


@dataclass(frozen=True)
class LAMThreshold:
    """The first number of associations a memory cannot store, for one instance."""

    d: int
    trial: int
    seed: int
    kappa: float
    decoupled: bool
    p_star: int | None
    outcome: str
    solves: int
    seconds: float

    def to_dict(self) -> dict:
        return json_safe(asdict(self))


#: Largest number of row entries (rows x d^2) the dense fallback program may materialise (about 200 MB).
DENSE_FALLBACK_ENTRIES = 25_000_000
#: Row entries at the theory's p_c above which the verdicts work on the implicit rows (:class:`AssociationRows`)
#: instead of materialising them (constraint generation was measured equal to the dense NNLS program at d = 15,
#: about 1e6 entries, by ``benchmarks/bench_lam.py``; the interior point on the implicit rows is faster still).
IMPLICIT_ROWS_ENTRIES = 1_000_000


def instance_threshold(d, seed, trial, kappa, decoupled, max_associations, guess, solver,
                       implicit_rows: bool | None = None) -> LAMThreshold:
    """Certified first unstorable number of associations of one instance (:func:`draw_memory_instance`).

    With the default solver (``NNLS``) and more than :data:`IMPLICIT_ROWS_ENTRIES` row entries at the guess, the
    rows are never formed: every verdict comes from
    :func:`~capacity.programs.interior_point.certify_implicit_rows` on the instance's :class:`AssociationRows`
    (the interior point, whose Newton matrix is the Kronecker sum of :meth:`AssociationRows.weighted_gram`; the
    live active set by constraint generation for what it leaves undecided). A verdict neither certifies is
    decided again by the dense program (NNLS, then cvxpy) when the rows fit in :data:`DENSE_FALLBACK_ENTRIES`,
    and stays doubtful otherwise. Smaller instances, and a cvxpy solver by name, materialise the rows. Either
    way the search brackets the threshold from the theory's guess (:func:`~capacity.prefix_search.
    first_unseparable_prefix`). ``implicit_rows`` forces the choice (``None``: by size as above).
    """
    start = time.perf_counter()
    inputs, targets, competitors = draw_memory_instance(d, max_associations, seed, trial, decoupled)
    dense = make_program(d * d, max_associations * (max_associations - 1), kappa=kappa, solver=solver)

    def dense_verdict(p):
        return dense.certify(association_rows(inputs[:p], targets[:p], competitors), kappa).verdict

    if implicit_rows is None:
        implicit_rows = guess * (guess - 1) * d * d > IMPLICIT_ROWS_ENTRIES
    if not implicit_rows or (solver or DEFAULT_SOLVER).upper() != DEFAULT_SOLVER:
        p_star, outcome, solves = first_unseparable_prefix(dense_verdict, max_associations, guess)
    else:
        rows = AssociationRows(inputs, targets, competitors)

        def stored(p):
            rows.set_associations(p)
            verdict = certify_implicit_rows(rows, kappa).verdict
            if verdict is Verdict.DOUBTFUL and p * (p - 1) * d * d <= DENSE_FALLBACK_ENTRIES:
                verdict = dense_verdict(p)
            return verdict

        p_star, outcome, solves = first_unseparable_prefix(stored, max_associations, guess)
    return LAMThreshold(d, trial, seed, kappa, decoupled, p_star, outcome, solves, time.perf_counter() - start)


def search_range(d: int, kappa: float, *, samples: int, seed: int) -> tuple[int, int]:
    """Where an instance's threshold search starts (the theory's :math:`p_c(d, \\kappa)`, rounded) and the longest
    prefix it searches, :math:`2 p_c + 4\\sqrt{p_c} + 4` associations."""
    p_c = optimal_capacity(d, kappa, samples=samples, seed=seed)["p_c"]
    return round(p_c), int(2 * p_c + 4 * math.sqrt(p_c)) + 4


def lam_thresholds(dimensions, *, kappa: float = 0.0, trials: int = 10, decoupled: bool = False, seed: int = 0,
                   solver: str | None = None, n_jobs: int = 1, progress: bool = True, store=None,
                   scheduler: str | None = None, samples: int = 20_000) -> pd.DataFrame:
    """Certified :math:`p^*` per instance for each ``d``, searched from the theory's :math:`p_c(d, \\kappa)`.

    The search range is :func:`search_range`. Returns one row per instance
    (:class:`LAMThreshold` fields).
    """
    kappa = check_real("kappa", kappa, 0.0, 10.0)
    trials = check_int("trials", trials, 1, 10**6)
    tasks = []
    for d in dimensions:
        d = check_int("d", d, 2, 60)
        guess, max_associations = search_range(d, kappa, samples=samples, seed=seed)
        tasks += [(d, seed, trial, kappa, bool(decoupled), max_associations, guess, solver)
                  for trial in range(trials)]
    rows = run_trials(instance_threshold, tasks, n_jobs=n_jobs, progress=progress, store=store,
                      scheduler=scheduler,
                      description="memory instances")
    return pd.DataFrame(rows)


def summarise_thresholds(thresholds: pd.DataFrame, *, samples: int = 100_000, seed: int = 0) -> pd.DataFrame:
    r"""Per ``d``: the mean certified capacity :math:`p^* - 1/2` with its standard error and a 95% interval, the
    doubtful and out-of-range instance counts, and the theory's :math:`p_c(d, \kappa)` with its own error."""
    rows = []
    for (d, kappa, decoupled), group in thresholds.groupby(["d", "kappa", "decoupled"]):
        certified = group[group.outcome == "certified"].p_star.to_numpy(float) - 0.5
        theory = optimal_capacity(int(d), float(kappa), samples=samples, seed=seed)
        sem = standard_error_of_mean(certified)
        mean = certified.mean() if certified.size else math.nan
        rows.append({"d": int(d), "kappa": float(kappa), "decoupled": bool(decoupled), "instances": len(group),
                     "certified": int(certified.size), "doubtful": int((group.outcome == "doubtful").sum()),
                     "above_search_range": int((group.outcome == "above_search_range").sum()),
                     "p_star": mean, "standard_error": sem, "low": mean - 1.96 * sem, "high": mean + 1.96 * sem,
                     "theory_p_c": theory["p_c"], "theory_standard_error": theory["standard_error"],
                     "relative_gap": (mean - theory["p_c"]) / theory["p_c"]})
    return pd.DataFrame(rows)


#: Relative finite-d allowance between the certified threshold and the RS capacity (the theory is exact as
#: d -> infinity; at d = 5..15 the measured gaps are within 5%).
FINITE_D_ALLOWANCE = 0.1


def lam_agreement(summary: pd.DataFrame) -> tuple[bool, str]:
    r"""Whether every ``d`` agrees: :math:`|p^* - p_c| \le 3\sqrt{s_{p^*}^2 + s_{p_c}^2} + 0.1\,p_c`, with every
    instance certified (a doubtful or out-of-range instance is a failure to verify, not a data point)."""
    parts, agree = [], True
    for row in summary.itertuples():
        allowed = 3 * math.hypot(row.standard_error, row.theory_standard_error) + FINITE_D_ALLOWANCE * row.theory_p_c
        ok = bool(row.certified == row.instances and abs(row.p_star - row.theory_p_c) <= allowed)
        agree &= ok
        parts.append(f"d = {row.d}: p* = {row.p_star:.2f} ± {row.standard_error:.2f} "
                     f"({row.certified}/{row.instances} certified), theory {row.theory_p_c:.2f}: "
                     f"{'agree' if ok else 'disagree'}")
    return agree, "; ".join(parts)


def hebbian_trials(d: int, loads, *, kappa: float = 0.0, trials: int = 20, seed: int = 0) -> pd.DataFrame:
    r"""Fraction of Hebbian memories storing all associations, at each number of associations in ``loads``.

    Every score :math:`y_\nu\cdot W x_\mu` comes from one product :math:`X W^\top Y^\top` (computed in blocks of
    inputs), the gaps against the correct scores, and the margin at the natural scale :math:`\kappa |W|_F/d`. Returns
    per ``p`` the fraction stored with its binomial standard error and the Gaussian theory's probability
    (:func:`replica.lam.hebbian_success_probability`).
    """
    d = check_int("d", d, 2, 20_000)
    kappa = check_real("kappa", kappa, 0.0, 100.0)
    trials = check_int("trials", trials, 1, 10**6)
    rows = []
    for p in loads:
        p = check_int("p", p, 2, 10**6)
        stored = 0
        for trial in range(trials):
            rng = np.random.default_rng([seed, d, p, trial])
            inputs = rng.standard_normal((p, d)) / math.sqrt(d)
            targets = rng.standard_normal((p, d)) / math.sqrt(d)
            memory = targets.T @ inputs
            threshold = kappa * np.linalg.norm(memory) / d
            all_stored = True
            for start in range(0, p, 2048):
                block = slice(start, min(start + 2048, p))
                scores = (inputs[block] @ memory.T) @ targets.T  # scores[m, nu] = y_nu . W x_m
                own = np.arange(block.start, block.stop)
                correct = scores[np.arange(len(own)), own]
                scores[np.arange(len(own)), own] = -np.inf
                if np.any(correct - scores.max(axis=1) < threshold):
                    all_stored = False
                    break
            stored += all_stored
        fraction = stored / trials
        rows.append({"d": d, "p": p, "trials": trials, "fraction_stored": fraction,
                     "standard_error": math.sqrt(max(fraction * (1 - fraction), 0.25 / trials) / trials),
                     "theory": float(hebbian_success_probability(float(p), d, kappa))})
    return pd.DataFrame(rows)


def verify_lam(d=None, kappa: float = 0.0, *, h=None, trials: int = 10, seed: int = 0,
               solver: str = "NNLS", decoupled: bool = False, recall: int = 1,
               execution: Execution | None = None) -> Verification:
    r"""Certified finite-:math:`d` thresholds against the RS capacity :math:`p_c(d, \kappa)`, or, with hidden widths
    ``h`` (one ``d``), the two-layer memory's certified bounds, or, with ``recall`` :math:`= k > 1`, the exact
    top-:math:`k` thresholds at :math:`d = 2` (:func:`capacity.checks.top_k_recall.verify_top_k_recall`; ``d``
    defaults to (5, 10, 15), and to 2 with ``recall > 1``).

    One layer: :func:`lam_thresholds`, :func:`summarise_thresholds`, agreement by :func:`lam_agreement` (the theory
    is exact for the decoupled model; the original model shares competitors and is reported beside it). Two
    layers: no theory exists for :math:`1 < h < d`; the check is the consistency of the certified bounds, every
    rank-:math:`h` witness below the certified one-layer threshold (:mod:`capacity.two_layer_memory`).
    """
    execution = execution or Execution()
    recall = RECALL.check(recall)
    if recall > 1:
        from .top_k_recall import RECALL_DIMENSION, verify_top_k_recall

        if h is not None or kappa != 0:
            raise ParameterError("recall", f"top-k recall is checked for the one-layer memory at kappa = 0; got "
                                           f"h = {h}, kappa = {kappa}")
        return verify_top_k_recall(recall, dimensions=(RECALL_DIMENSION,) if d is None else D_SETTING.check(d),
                                   trials=trials, seed=seed, solver=solver, decoupled=decoupled,
                                   execution=execution)
    dimensions = D_SETTING.check((5, 10, 15) if d is None else d)
    kappa = KAPPA.check(kappa)
    experiment = {"model": "lam", "kappa": kappa, "seed": seed, "decoupled": bool(decoupled), "solver": solver}
    if h is not None:
        return _verify_two_layer(dimensions, H_SETTING.check(h), kappa, trials, seed, solver, bool(decoupled),
                                 execution, experiment)
    with execution.ensemble(experiment) as ensemble:
        thresholds = lam_thresholds(dimensions, kappa=kappa, trials=trials, decoupled=decoupled, seed=seed,
                                    solver=solver, **ensemble.options())
    summary = summarise_thresholds(thresholds, seed=seed)
    agree, message = lam_agreement(summary)
    params = {"d": dimensions, "kappa": kappa, "trials": trials, "seed": seed, "solver": solver,
              "decoupled": bool(decoupled)}
    return Verification("lam", params,
                        {"p_c": summary.theory_p_c.tolist(), "alpha_c": (summary.theory_p_c / summary.d**2).tolist()},
                        {"p_star": summary.p_star.tolist(), "p_star_standard_error": summary.standard_error.tolist()},
                        {"summary": summary, "instances": thresholds}, "success" if agree else "failure", message)


def _verify_two_layer(dimensions, widths, kappa, trials, seed, solver, decoupled, execution, experiment):
    from ..two_layer_memory import summarise_two_layer, two_layer_thresholds

    if len(dimensions) != 1:
        raise ParameterError("d", f"the two-layer memory is verified at one d at a time; got {dimensions}")
    d = dimensions[0]
    too_wide = [w for w in widths if w > d]
    if too_wide:
        raise ParameterError("h", f"every hidden width must lie in [1, d = {d}]; got {too_wide[0]}")
    with execution.ensemble({**experiment, "model": "lam-two-layer", "d": d}) as ensemble:
        thresholds = two_layer_thresholds(d, widths, kappa=kappa, trials=trials, decoupled=decoupled, seed=seed,
                                          solver=solver, **ensemble.options())
    summary = summarise_two_layer(thresholds)
    consistent = bool((thresholds.p_star_full.isna() | (thresholds.p_witness < thresholds.p_star_full)).all()
                      and (thresholds.full_outcome == "certified").all())
    message = ("empirical only (no theory for 1 < h < d): p_witness is a certified lower bound (an explicit "
               "rank-h memory stores that many), one_layer_p_star the certified one-layer threshold (an upper bound)")
    if not consistent:
        message = "a one-layer threshold was not certified or a witness exceeded it; " + message
    params = {"d": [d], "h": widths, "kappa": kappa, "trials": trials, "seed": seed, "solver": solver,
              "decoupled": decoupled}
    return Verification("lam", params, {}, {"consistent": consistent, "p_witness": summary.p_witness.tolist()},
                        {"summary": summary, "instances": thresholds}, "success" if consistent else "failure",
                        message)


D_SETTING = ParameterSpec("d", "memory dimensions d (default 5, 10, 15; 2 with recall > 1)", low=2, high=60,
                          kind="list", item="integer",
                          note="the certified program keeps QR factors of (d^2 + 1)^2 entries: 0.2 GB at d = 60")
H_SETTING = ParameterSpec("h", "hidden widths of a two-layer memory W2 W1 (with one d)", low=1, high=200,
                          kind="list", item="integer")
KAPPA = ParameterSpec("kappa", "margin at unit score variance", default=0.0, low=0.0, high=10.0)
#: The top-k check's recall: its instances grow with k (top-3 draws 30 associations at d = 2, a fraction of a
#: second an instance).
RECALL = ParameterSpec("recall", "top-k recall (k > 1: exact search at d = 2 over the union's pieces)", default=1,
                       low=1, high=3, kind="integer")


def _run(d=None, kappa=0.0, h=None, recall=1, trials=10, seed=0, solver="NNLS", decoupled=False, execution=None):
    return verify_lam(d, kappa, h=h, trials=trials, seed=seed, solver=solver, decoupled=decoupled, recall=recall,
                      execution=execution)


CHECKS = (Check("lam", "certified first unstorable number of associations per instance against p_c(d, kappa)",
                (D_SETTING, KAPPA, H_SETTING, RECALL),
                (trials_setting(10), seed_setting(), solver_setting(available_solvers(), "NNLS"),
                 flag("decoupled", "each input gets its own competitors (the model the theory solves)")),
                _run, smoke={"d": (4, 5), "trials": 3, "decoupled": True}),)
