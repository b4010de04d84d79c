r"""The max margin of a large instance as the distance from the origin to the convex hull of its rows.

For rows :math:`a_\mu = \sigma^\mu\xi^\mu` (:math:`\mu = 1..P`, dimension :math:`N`) the max margin is the
distance from the origin to their convex hull (the minimax theorem; Gilbert 1966, Keerthi *et al.* 2000):

.. math:: \kappa_{\max} = \max_{|w|=1}\min_\mu a_\mu\cdot w
          = \min_{\lambda\in\Delta_P} \Bigl|\sum_\mu \lambda_\mu a_\mu\Bigr|
          \quad\text{when positive},\qquad
          \Delta_P = \{\lambda \ge 0,\ \textstyle\sum_\mu\lambda_\mu = 1\},

and the instance is not separable exactly when that distance is 0, the minimiser then being a Farkas
certificate. Every iterate is a certificate of its own: :math:`w = A^\top\lambda` bounds the max margin from
below by :math:`\min_\mu a_\mu\cdot w/|w|`, and :math:`\lambda` from above by :math:`|A^\top\lambda|`
(:mod:`capacity.programs.certificates`), so the method may stop as soon as the bracket decides the question.

The quadratic program :math:`\min \tfrac12|A^\top\lambda|^2` over :math:`\Delta_P` is solved by Mehrotra's
predictor–corrector interior-point method (Mehrotra 1992; Nocedal & Wright, *Numerical Optimization*, 2006,
§16.6). With dual slacks :math:`s \ge 0` and the multiplier :math:`\nu` of :math:`\sum\lambda = 1`, each Newton
step solves

.. math:: (AA^\top + \Lambda^{-1}S)\,\Delta\lambda - \mathbf 1\,\Delta\nu = r, \qquad \mathbf 1^\top\Delta\lambda = r_p,

whose :math:`P\times P` matrix is inverted through the Woodbury identity with the :math:`N\times N` matrix
:math:`K = I + A^\top S^{-1}\Lambda A`: one symmetric rank-:math:`P` update (BLAS ``dsyrk``, :math:`PN^2` flops)
and one Cholesky factorisation per iteration, about 15 iterations in all; the first
:data:`SINGLE_PRECISION_ITERATIONS` form and factor :math:`K` in float32, whose directions are accurate enough that
far from the optimum. Lawson–Hanson's active set (:mod:`capacity.programs.least_distance`) instead adds one support
vector per pivot with level-2 updates, about :math:`N` pivots near capacity; at :math:`N = 1000`, :math:`P = 2N`
the interior point is about four times faster (``benchmarks/bench_gardner.py``). A pool of implicit rows with
structure (the associative memory's Kronecker rows) supplies :math:`K` without forming its rows
(:meth:`~capacity.programs.RowPool.weighted_gram`), so the same method serves it.

The interior point does not reach the 1e-11 bracket of the active set: it stops at a relative gap of
``relative_gap`` once the verdict is certified, or where rounding stalls it. A bracket that does not decide the
question goes back to the active set (:class:`~capacity.programs.LeastDistanceProgram`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve

from replica.errors import ParameterError

from .active_set import LiveLeastDistance, PatternRows, RowPool
from .certificates import (
    Certificate, certifies_not_separable, certifies_separable, decide, lower_bound_from_scores,
    trivial_certificate, upper_bound_from_combination,
)

__all__ = ["HullDistance", "nearest_hull_point", "hull_certificate", "certify_implicit_rows"]

#: Fraction of the distance to the boundary of the positive orthant taken by each step.
STEP_FRACTION = 0.99
#: The starting point: uniform multipliers, and slacks :math:`a_\mu\cdot w - \nu` whose smallest is this.
START_SLACK = 1.0
#: Iterations whose Newton matrix is formed and factored in single precision (the early directions need no more;
#: at N = 1000 this saves about 15 % of the time and no iteration, where 8-9 cost unseparable instances more).
SINGLE_PRECISION_ITERATIONS = 6


@dataclass(frozen=True)
class HullDistance:
    r"""The best certificates found by :func:`nearest_hull_point`.

    Attributes
    ----------
    lower, upper : float
        Certified bounds on :math:`\kappa_{\max}` (rounding allowance included); ``-inf``/``inf`` if none.
    weights : ndarray or None
        The :math:`w = A^\top\lambda` behind ``lower`` (``None`` if no iterate separated the rows).
    multipliers : ndarray
        The :math:`\lambda \in \Delta_P` behind ``upper``.
    iterations : int
    status : str
        ``"decided"`` (the bracket answers the question within ``relative_gap``), ``"stalled"`` (rounding stopped
        progress) or ``"iteration_limit"``.
    """

    lower: float
    upper: float
    weights: np.ndarray | None
    multipliers: np.ndarray
    iterations: int
    status: str


def nearest_hull_point(rows, kappa: float = 0.0, *, relative_gap: float = 1e-4, absolute_gap: float = 0.0,
                       max_iterations: int = 60) -> HullDistance:
    r"""Certified bracket of the max margin of ``rows`` by the interior-point method of the module docstring.

    Parameters
    ----------
    rows : ndarray of shape (P, N), or RowPool
        The rows :math:`a_\mu` (:math:`P \ge 1`), as an array or as a pool of implicit rows
        (:class:`~capacity.programs.RowPool`: its scores, combinations and weighted Gram matrices are all the
        method uses, so a pool with structure, such as the associative memory's, never forms its rows).
    kappa : float
        The margin asked about: the method stops once the bracket decides it (a separator with margin
        :math:`\ge\kappa`, strictly above 0 at :math:`\kappa = 0`, and a bracket narrower than ``relative_gap``
        times its lower end or than ``absolute_gap``; or multipliers that exclude :math:`\kappa`).
    relative_gap : float
        Relative width of the bracket at which a separable answer stops.
    absolute_gap : float
        Width of the bracket at which a separable answer stops whatever its relative width (a margin close to 0
        needs many iterations to be known to a relative ``relative_gap``, and a search for :math:`P^*` does not
        need it: :func:`capacity.prefix_search.margin_resolution`).
    max_iterations : int

    Returns
    -------
    HullDistance
    """
    pool = rows if isinstance(rows, RowPool) else PatternRows(rows)
    p = pool.candidate_count()
    if p == 0:
        raise ParameterError("rows", "needs at least one row (an instance without rows is trivially separable)")
    largest = pool.largest_row_norm()
    lam = np.full(p, 1.0 / p)
    w = pool.combination(lam)
    scores = pool.scores(w)
    nu = float(scores.min()) - START_SLACK
    slack = scores - nu
    best_lower, best_weights = -math.inf, None
    best_upper, best_multipliers = math.inf, lam
    status, iteration = "iteration_limit", 0
    for iteration in range(1, max_iterations + 1):
        lower = lower_bound_from_scores(scores, w, largest)
        upper = upper_bound_from_combination(w, float(lam.sum()), largest)
        if lower > best_lower:
            best_lower, best_weights = lower, w
        if upper < best_upper:
            best_upper, best_multipliers = upper, lam
        if certifies_not_separable(kappa, best_upper) or (
                certifies_separable(kappa, best_lower)
                and best_upper - best_lower <= max(relative_gap * best_lower, absolute_gap)):
            status = "decided"
            break
        step = _newton_step(pool, lam, slack, nu, scores, iteration <= SINGLE_PRECISION_ITERATIONS)
        if step is None:
            status = "stalled"
            break
        d_lam, d_nu, d_slack = step
        lam, nu, slack = lam + d_lam, nu + d_nu, slack + d_slack
        w = pool.combination(lam)
        scores = pool.scores(w)
    return HullDistance(best_lower, best_upper, best_weights, best_multipliers, iteration, status)


def hull_certificate(rows, kappa: float = 0.0, *, relative_gap: float = 1e-4,
                     absolute_gap: float = 0.0) -> tuple[Certificate, HullDistance]:
    """The verdict of :func:`nearest_hull_point`'s certified bracket on margin ``kappa`` (solver ``"IPM"``)."""
    hull = nearest_hull_point(rows, kappa, relative_gap=relative_gap, absolute_gap=absolute_gap)
    return decide(kappa, hull.lower, hull.upper, "IPM", hull.status), hull


def certify_implicit_rows(pool: RowPool, kappa: float = 0.0) -> Certificate:
    r"""Certified verdict on a pool of implicit rows: the interior point first, constraint generation by the live
    active set (:class:`~capacity.programs.LiveLeastDistance`, cold) for a bracket it leaves undecided.

    Neither method forms more than a working set of rows; the interior point's cost per iteration is the pool's
    :meth:`~capacity.programs.RowPool.weighted_gram` and one Cholesky factorisation of order :math:`N`. Only the
    verdict is asked for, so the interior point stops at the first iterate that certifies it (the bracket of a
    separable answer may then be wide).
    """
    if pool.candidate_count() == 0:
        return trivial_certificate("IPM")
    certificate, _ = hull_certificate(pool, kappa, relative_gap=math.inf)
    if certificate.certified:
        return certificate
    second = LiveLeastDistance(pool).certify(kappa)
    return dataclasses.replace(second, solver=f"{certificate.solver}->{second.solver}",
                               solver_status=f"{certificate.solver_status}->{second.solver_status}")


def _newton_step(pool, lam, slack, nu, scores, single_precision=False):
    r"""One Mehrotra predictor–corrector step, already scaled to stay inside the orthant; ``None`` if the
    Woodbury matrix cannot be factored or the step has become negligible (rounding). With ``single_precision`` the
    Woodbury matrix is formed and factored in float32 (in float64 again if that factorisation fails)."""
    p = lam.size
    dual_residual = nu + slack - scores          # -(A A^T lam - nu 1 - s)
    primal_residual = 1.0 - lam.sum()
    gap = float(lam @ slack) / p
    inverse_scaling = lam / slack                # diagonal of (Lambda^{-1} S)^{-1}
    factor = _woodbury_factor(pool, inverse_scaling, single_precision)
    if factor is None and single_precision:
        factor = _woodbury_factor(pool, inverse_scaling, False)
    if factor is None:
        return None

    def apply_inverse(vector):                   # (A A^T + D)^{-1} v by the Woodbury identity
        scaled = inverse_scaling * vector
        return scaled - inverse_scaling * pool.scores(cho_solve(factor, pool.combination(scaled), check_finite=False))

    ones = apply_inverse(np.ones(p))
    ones_total = float(ones.sum())
    if not (math.isfinite(ones_total) and ones_total > 0.0):   # 1^T M^{-1} 1 > 0 for the positive definite M
        return None

    def direction(complementarity):
        solved = apply_inverse(dual_residual + complementarity / lam)
        d_nu = (primal_residual - float(solved.sum())) / ones_total
        d_lam = solved + d_nu * ones
        return d_lam, d_nu, (complementarity - slack * d_lam) / lam

    d_lam, _, d_slack = direction(-lam * slack)                      # affine-scaling predictor
    length = _step_length(lam, d_lam, slack, d_slack)
    predicted_gap = float((lam + length * d_lam) @ (slack + length * d_slack)) / p
    centring = (predicted_gap / gap) ** 3 if gap > 0 else 0.0
    d_lam, d_nu, d_slack = direction(centring * gap - lam * slack - d_lam * d_slack)   # corrector
    length = STEP_FRACTION * _step_length(lam, d_lam, slack, d_slack)
    if not (np.all(np.isfinite(d_lam)) and np.all(np.isfinite(d_slack)) and math.isfinite(d_nu)) or length < 1e-12:
        return None
    return length * d_lam, length * d_nu, length * d_slack


def _woodbury_factor(pool, inverse_scaling, single_precision):
    r"""Cholesky factor of :math:`K = I + A^\top \mathrm{diag}(\theta) A`, or ``None`` if it fails."""
    normal = pool.weighted_gram(inverse_scaling, single_precision=single_precision)
    if single_precision:
        normal = normal.astype(np.float32, copy=False)
    normal[np.diag_indices(pool.n)] += 1.0
    try:
        factor, lower = cho_factor(normal, lower=True, check_finite=False)
    except (LinAlgError, ValueError):
        return None
    return factor.astype(np.float64, copy=False), lower   # the solves stay in double precision


def _step_length(lam, d_lam, slack, d_slack) -> float:
    """Largest step in [0, 1] that keeps ``lam`` and ``slack`` non-negative."""
    with np.errstate(divide="ignore", invalid="ignore"):
        to_lam = np.where(d_lam < 0, -lam / d_lam, np.inf)
        to_slack = np.where(d_slack < 0, -slack / d_slack, np.inf)
    return float(min(1.0, to_lam.min(), to_slack.min()))
