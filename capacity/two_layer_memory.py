r"""Linear two-layer associative memories :math:`W = W_2 W_1` with hidden width :math:`h` (Giorlandino, Goldt & Maillard 2026).

The product ranges over the :math:`d\times d` matrices of rank at most :math:`h`, so storing :math:`p` associations
(:math:`y_\mu\cdot W x_\mu \ge y_\nu\cdot W x_\mu + \kappa|W|_F/d` for all :math:`\nu \ne \mu`, the convention of
:mod:`capacity.checks.lam`) is a rank-constrained, non-convex feasibility problem. What is exact:

* :math:`h \ge d`: every :math:`W` factorises, and the capacity is the one-layer capacity
  (:func:`replica.lam.optimal_capacity`, certified by :func:`capacity.checks.lam.lam_thresholds`);
* :math:`h = 1`, original model: :math:`W = u v^\top` scores target :math:`\nu` against input :math:`\mu` by
  :math:`(y_\nu\cdot u)(v\cdot x_\mu)`, so association :math:`\mu` is stored only if :math:`y_\mu\cdot u` is the
  strict largest (:math:`v\cdot x_\mu > 0`) or strict smallest (:math:`v\cdot x_\mu < 0`) of all targets'
  projections: at most **two** associations, and two generic ones always fit at :math:`\kappa = 0`;
* for every :math:`h`, the same instance's certified one-layer threshold is an upper bound.

For :math:`1 < h < d` no theory is derived here: the capacity's dependence on :math:`h` is **empirical only**,
measured as a certified *lower bound* per instance. :func:`factorised_memory` searches rank-:math:`h` memories by
alternating convex programs. Writing :math:`W = U M` with orthonormal columns :math:`U` (:math:`d\times h`) makes
:math:`|W|_F = |M|_F`, so with :math:`U` fixed the problem in :math:`M` is the soft-margin program

.. math:: \min_M \tfrac12 |M|_F^2 + C \sum_{\mu,\nu} \big(1 - d\,\langle M, U^\top(y_\mu - y_\nu)\,x_\mu^\top\rangle\big)_+ ,

then :math:`M = L Q` (orthonormal rows :math:`Q`) and the same program in :math:`A = U L` with :math:`Q` fixed
(rows :math:`(y_\mu - y_\nu)(Q x_\mu)^\top`), and :math:`A = U' L'` again. Each step starts from the previous
product, so the objective never increases; :math:`C` grows tenfold whenever it stalls (the hard-margin limit). The
start is the rank-:math:`h` truncation of the one-layer soft-margin solution. The search stops once the explicit
product stores every association: its margin is recomputed from :math:`W` with a rounding allowance
(:func:`capacity.programs.certificates.margin_lower_bound`), so a reported storage is a witness, never the solver's
word. A failed search proves nothing; :func:`two_layer_thresholds` therefore reports the largest :math:`p` with a
witness (a lower bound on the instance's capacity) next to the certified one-layer threshold (an upper bound).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass

import cvxpy as cp
import numpy as np
import pandas as pd

from replica.serialization import json_safe
from replica.validation import check_int, check_real

from .estimates import standard_error_of_mean
from .experiments import run_trials
from .programs.certificates import margin_lower_bound
from .checks.lam import association_gaps, draw_memory_instance, instance_threshold, outer_rows, search_range

__all__ = ["FactorisedMemory", "factorised_memory", "TwoLayerThreshold", "two_layer_thresholds",
           "summarise_two_layer"]

#: Soft-margin penalties tried, from the first to the hard-margin end.
FIRST_PENALTY, LAST_PENALTY = 1.0, 1e4
#: Relative decrease of the objective below which a penalty is considered stalled.
STALL = 1e-3


@dataclass(frozen=True)
class FactorisedMemory:
    """Outcome of :func:`factorised_memory`.

    Attributes
    ----------
    stored : bool
        Whether the product stores every association with the margin asked for (checked on the explicit product).
    margin : float
        Certified lower bound of the product's margin at the natural scale (:math:`\\min` gap :math:`\\cdot
        d/|W|_F`), best over the rounds.
    rounds : int
        Alternation rounds run (each solves two convex programs).
    outer, inner : ndarray
        :math:`W_2` (d, h) and :math:`W_1` (h, d) of the best product.
    """

    stored: bool
    margin: float
    rounds: int
    outer: np.ndarray
    inner: np.ndarray


class _SoftMargin:
    """The soft-margin program over ``n`` weights with ``m`` constraint rows, compiled once and re-solved."""

    def __init__(self, m: int, n: int):
        self.rows = cp.Parameter((m, n))
        self.penalty = cp.Parameter(nonneg=True)
        self.weights = cp.Variable(n)
        slack = cp.Variable(m, nonneg=True)  # an explicit slack keeps the program DPP (compiled once)
        self.problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(self.weights) + self.penalty * cp.sum(slack)),
                                  [slack >= 1 - self.rows @ self.weights])

    def solve(self, rows: np.ndarray, penalty: float) -> tuple[float, np.ndarray]:
        self.rows.value = rows
        self.penalty.value = penalty
        with warnings.catch_warnings():  # "inaccurate" solutions are fine: storage is checked on the product
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            self.problem.solve(solver="CLARABEL")
        if self.weights.value is None:
            raise RuntimeError(f"soft-margin program: solver status {self.problem.status}")
        return float(self.problem.value), np.asarray(self.weights.value)


def factorised_memory(inputs: np.ndarray, targets: np.ndarray, hidden: int, *, competitors=None,
                      kappa: float = 0.0, max_rounds: int = 60) -> FactorisedMemory:
    r"""Search a rank-``hidden`` memory :math:`W_2 W_1` storing all associations (alternating soft margins).

    Parameters
    ----------
    inputs, targets : ndarray, shape (p, d)
    hidden : int
        Hidden width :math:`h`, in [1, d].
    competitors : ndarray, shape (p, m, d), optional
        The decoupled model's competitors (:func:`capacity.checks.lam.association_gaps`).
    kappa : float
        Margin at the natural scale, in [0, 10].
    max_rounds : int
        Alternation rounds allowed.

    Returns
    -------
    FactorisedMemory
    """
    p, d = inputs.shape
    hidden = check_int("hidden", hidden, 1, d)
    kappa = check_real("kappa", kappa, 0.0, 10.0)
    max_rounds = check_int("max_rounds", max_rounds, 1, 10**4)
    gaps = association_gaps(targets, competitors)
    full_rows = outer_rows(gaps, inputs, d)
    _, start = _SoftMargin(*full_rows.shape).solve(full_rows, FIRST_PENALTY)
    left, values, right = np.linalg.svd(start.reshape(d, d))
    columns, right_factor = left[:, :hidden], values[:hidden, None] * right[:hidden]
    program = _SoftMargin(full_rows.shape[0], d * hidden)
    best = (-math.inf, columns, right_factor)
    penalty, previous = FIRST_PENALTY, math.inf
    for rounds in range(1, max_rounds + 1):
        _, flat = program.solve(outer_rows(gaps @ columns, inputs, d), penalty)
        rows_basis = np.linalg.qr(flat.reshape(hidden, d).T)[0].T  # M = R^T Q^T: its row space
        objective, flat = program.solve(outer_rows(gaps, inputs @ rows_basis.T, d), penalty)
        columns, upper = np.linalg.qr(flat.reshape(d, hidden))
        right_factor = upper @ rows_basis
        margin = margin_lower_bound(full_rows, (columns @ right_factor).ravel())
        if margin > best[0]:
            best = (margin, columns, right_factor)
        if margin > 0 and margin >= kappa:
            break
        if objective > previous * (1 - STALL):
            penalty *= 10
            previous = math.inf
            if penalty > LAST_PENALTY:
                break
        else:
            previous = objective
    margin, columns, right_factor = best
    return FactorisedMemory(bool(margin > 0 and margin >= kappa), float(margin), rounds, columns, right_factor)


@dataclass(frozen=True)
class TwoLayerThreshold:
    """Bracket of one instance's rank-``h`` capacity.

    ``p_witness`` is the largest number of associations a rank-``h`` product was found to store (a lower bound);
    ``p_star_full`` is the certified first number the one-layer memory cannot store (an upper bound, ``None`` with
    ``full_outcome`` saying why when the one-layer search did not certify it).
    """

    d: int
    hidden: int
    trial: int
    seed: int
    kappa: float
    decoupled: bool
    p_witness: int
    p_star_full: int | None
    full_outcome: str
    searches: int
    seconds: float

    def to_dict(self) -> dict:
        return json_safe(asdict(self))


def _two_layer_threshold(d, hidden, seed, trial, kappa, decoupled, max_associations, guess, solver):
    start = time.perf_counter()
    full = instance_threshold(d, seed, trial, kappa, decoupled, max_associations, guess, solver)
    if hidden >= d or full.p_star is None and full.outcome == "doubtful":
        # h >= d is the one-layer problem, certified exactly; a doubtful one-layer search leaves no bracket.
        witness = full.p_star - 1 if full.p_star is not None else 0
        return TwoLayerThreshold(d, hidden, trial, seed, kappa, decoupled, witness, full.p_star, full.outcome, 0,
                                 time.perf_counter() - start)
    inputs, targets, competitors = draw_memory_instance(d, max_associations, seed, trial, decoupled)
    # Bisection with a witness at `low` and none found (or none possible) at `high`.
    low, high, searches = 1, (full.p_star if full.p_star is not None else max_associations + 1), 0
    while high - low > 1:
        middle = (low + high) // 2
        searches += 1
        if factorised_memory(inputs[:middle], targets[:middle], hidden, kappa=kappa,
                             competitors=competitors).stored:
            low = middle
        else:
            high = middle
    return TwoLayerThreshold(d, hidden, trial, seed, kappa, decoupled, low, full.p_star, full.outcome, searches,
                             time.perf_counter() - start)


def two_layer_thresholds(d: int, widths, *, kappa: float = 0.0, trials: int = 10, decoupled: bool = False,
                         seed: int = 0, solver: str | None = None, n_jobs: int = 1, progress: bool = True,
                         store=None, scheduler: str | None = None, samples: int = 20_000) -> pd.DataFrame:
    """Per instance and hidden width: the rank-``h`` witness bound and the certified one-layer threshold.

    The instances are those of :func:`capacity.checks.lam.lam_thresholds` (same seeds), so the one-layer column is
    the same certified :math:`p^*`. Returns one row per (width, instance) (:class:`TwoLayerThreshold` fields).
    """
    d = check_int("d", d, 2, 60)
    kappa = check_real("kappa", kappa, 0.0, 10.0)
    trials = check_int("trials", trials, 1, 10**6)
    widths = [check_int("h", h, 1, d) for h in widths]
    guess, max_associations = search_range(d, kappa, samples=samples, seed=seed)
    tasks = [(d, h, seed, trial, kappa, bool(decoupled), max_associations, guess, solver)
             for h in widths for trial in range(trials)]
    rows = run_trials(_two_layer_threshold, tasks, n_jobs=n_jobs, progress=progress, store=store,
                      scheduler=scheduler,
                      description="two-layer memory instances")
    return pd.DataFrame(rows)


def summarise_two_layer(thresholds: pd.DataFrame) -> pd.DataFrame:
    r"""Per hidden width: mean witness bound and mean certified one-layer threshold, with standard errors, and
    their ratio (the fraction of the one-layer capacity a rank-``h`` memory was shown to reach)."""
    rows = []
    for (d, hidden, kappa, decoupled), group in thresholds.groupby(["d", "hidden", "kappa", "decoupled"]):
        witness = group.p_witness.to_numpy(float)
        full = group[group.full_outcome == "certified"].p_star_full.to_numpy(float) - 0.5
        rows.append({"d": int(d), "hidden": int(hidden), "kappa": float(kappa), "decoupled": bool(decoupled),
                     "instances": len(group), "p_witness": witness.mean(),
                     "p_witness_standard_error": standard_error_of_mean(witness),
                     "one_layer_p_star": full.mean() if full.size else math.nan,
                     "one_layer_standard_error": standard_error_of_mean(full),
                     "fraction_of_one_layer": witness.mean() / full.mean() if full.size else math.nan})
    return pd.DataFrame(rows)
