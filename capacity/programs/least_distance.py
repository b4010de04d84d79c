r"""The max-margin program solved as a least-distance problem by non-negative least squares.

The max-margin QP of the perceptron (Gardner 1988), :math:`\min |w|` subject to :math:`a_\mu\cdot w \ge 1` (and :math:`w \ge 0`
for sign-constrained weights), is a *least-distance program* :math:`\min |w|` s.t. :math:`G w \ge h`. Lawson &
Hanson (*Solving Least Squares Problems*, 1974, ch. 23) solve it through the non-negative least-squares problem

.. math:: \min_{u \ge 0} \left| E u - f \right|, \qquad E = \begin{pmatrix} G^\top \\ h^\top \end{pmatrix},\quad
          f = (0, \dots, 0, 1)^\top,

with residual :math:`r = E u - f`: if :math:`r = 0` the constraints are inconsistent and :math:`u` is a Farkas
certificate (:math:`G^\top u = 0`, :math:`h^\top u = 1`); otherwise :math:`w = -r_{1..N}/r_{N+1}` is the
minimum-norm solution and :math:`\kappa_{\max} = 1/|w|`. One active-set solve therefore gives both the separator
and the multipliers, for :math:`\kappa = 0` and every :math:`\kappa > 0` alike.

Here :math:`G = A` (rows :math:`a_\mu = \sigma^\mu\xi^\mu`), :math:`h = 1`; with ``nonnegative``,
:math:`G = (A; I_N)`, :math:`h = (1; 0)`. The dense active-set method (:func:`scipy.optimize.nnls`) works on the
:math:`(N+1)\times P` matrix directly, where a general sparse interior-point solver factors a
:math:`(N+P)`-dimensional KKT system with a dense block; ``benchmarks/bench_gardner.py`` measures the difference.
As for every program here, the verdict comes from certificates recomputed from ``w`` and ``u``
(:mod:`capacity.programs.certificates`), never from the solver; an undecided verdict is solved again with the
cvxpy max-margin QP (:class:`~capacity.programs.margin_programs.MaxMarginQP`) and stays ``DOUBTFUL`` if that does
not decide it either.

Large instances without sign constraints (:math:`N \ge` :data:`INTERIOR_POINT_MIN_DIMENSION`) are first given to
the interior-point method of :mod:`capacity.programs.interior_point` (the same program as the distance from the
origin to the convex hull of the rows), which is about four times faster at :math:`N = 1000` and stops as soon as
its certificates decide; the active set answers what it leaves undecided.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from replica.errors import ParameterError
from replica.least_distance import least_distance_system, solve_least_distance_system
from replica.validation import check_int, check_real

from .certificates import (
    Certificate, Verdict, decide, margin_lower_bound, margin_upper_bound, signed_rows, trivial_certificate,
)
from .interior_point import hull_certificate
from .margin_programs import MaxMarginQP

__all__ = ["LeastDistanceProgram", "INTERIOR_POINT_MIN_DIMENSION", "METHODS"]

#: Dimension from which ``method="auto"`` tries the interior point first (at N = 300 the two methods take the same
#: time; below, the active set is faster).
INTERIOR_POINT_MIN_DIMENSION = 400

#: Ways of solving the program: ``"auto"`` (interior point first for large unconstrained instances), ``"active-set"``
#: (Lawson–Hanson only) and ``"interior-point"`` (interior point first whatever the size; not for sign constraints).
METHODS = ("auto", "active-set", "interior-point")


class LeastDistanceProgram:
    r"""Certified max-margin verdicts for instances of dimension ``n`` via Lawson–Hanson NNLS.

    Parameters
    ----------
    n : int
        Dimension of the weights.
    nonnegative : bool
        Sign-constrained weights :math:`w \ge 0`.
    max_iterations_per_column : int
        Active-set iterations allowed per column of :math:`E` (scipy's default is 3).
    fallback_solver : str or None
        cvxpy solver for the max-margin QP when the NNLS output does not certify a verdict; ``None`` disables it.
    method : {"auto", "active-set", "interior-point"}
        See :data:`METHODS`. Every verdict is certified whichever method found it; the certificate's ``solver``
        says which (``"IPM"``, ``"NNLS"``, or ``"IPM->NNLS"`` when the interior point left it undecided).
    relative_gap : float
        Relative width of the certified margin bracket at which the interior point stops on a separable instance
        (NNLS brackets to about 1e-11 whatever this is).
    absolute_gap : float
        Width of the bracket at which the interior point stops as well, whatever its relative width (``0``: only
        ``relative_gap`` counts).
    """

    solver = "NNLS"

    def __init__(self, n: int, *, nonnegative: bool = False, max_iterations_per_column: int = 10,
                 fallback_solver: str | None = "CLARABEL", method: str = "auto", relative_gap: float = 1e-4,
                 absolute_gap: float = 0.0):
        self.n = check_int("n", n, 1)
        self.nonnegative = bool(nonnegative)
        self.max_iterations_per_column = check_int("max_iterations_per_column", max_iterations_per_column, 1)
        self.fallback_solver = fallback_solver
        if method not in METHODS:
            raise ParameterError("method", f"must be one of {list(METHODS)}; got {method!r}")
        if method == "interior-point" and self.nonnegative:
            raise ParameterError("method", "the interior point solves unconstrained weights only; use 'active-set' "
                                           "or 'auto' with nonnegative=True")
        self.method = method
        self.relative_gap = check_real("relative_gap", relative_gap, 0.0, low_open=True)
        self.absolute_gap = check_real("absolute_gap", absolute_gap, 0.0)

    @property
    def uses_interior_point(self) -> bool:
        """Whether verdicts are first sought by the interior point (:data:`METHODS`)."""
        if self.nonnegative or self.method == "active-set":
            return False
        return self.method == "interior-point" or self.n >= INTERIOR_POINT_MIN_DIMENSION

    def least_distance_system(self, signed_patterns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""The NNLS data :math:`(E, f)` of the least-distance program for rows ``signed_patterns``:
        :math:`G = A`, :math:`h = 1` (with ``nonnegative``, :math:`G = (A; I)`, :math:`h = (1; 0)`)."""
        p = signed_patterns.shape[0]
        if not self.nonnegative:
            return least_distance_system(signed_patterns, np.ones(p))
        return least_distance_system(np.vstack([signed_patterns, np.eye(self.n)]),
                                     np.concatenate([np.ones(p), np.zeros(self.n)]))

    def certify(self, signed_patterns, kappa: float = 0.0) -> Certificate:
        r"""Decide, with a certificate, whether :math:`\max_{|w|=1}\min_\mu a_\mu\cdot w \ge \kappa`.

        Parameters
        ----------
        signed_patterns : ndarray, shape (p, n)
            Rows :math:`a_\mu = \sigma^\mu\xi^\mu`.
        kappa : float
            The margin asked about (:math:`\ge 0`).

        Returns
        -------
        Certificate
            Verdict and the certified bracket of the instance's max margin (tight to about 1e-11 when NNLS
            decides, to ``relative_gap`` or ``absolute_gap`` when the interior point does, looser where rounding
            stalled it: ``solver_status`` ``"stalled"``).
        """
        return self.certify_with_solution(signed_patterns, kappa)[0]

    def certify_with_solution(self, signed_patterns, kappa: float = 0.0):
        r""":meth:`certify`, with the solution the certificate was recomputed from.

        Returns
        -------
        (Certificate, weights, multipliers)
            ``weights`` is a separator :math:`w` (``None`` if none was found): the minimum-norm one from NNLS, the
            hull point :math:`A^\top\lambda` (the same direction up to the bracket's width) from the interior
            point. ``multipliers`` are the :math:`u \ge 0` of the rows (the Farkas certificate when inconsistent).
            Both are ``None`` when the verdict came from the cvxpy fallback or the instance has no rows.
        """
        kappa = check_real("kappa", kappa, 0.0)
        signed_patterns = signed_rows(signed_patterns, self.n)
        p = signed_patterns.shape[0]
        if p == 0:
            return trivial_certificate(self.solver), None, None
        first = None
        if self.uses_interior_point:
            first, weights, u = self._certify_by_interior_point(signed_patterns, kappa)
            if first.certified:
                return first, weights, u
        certificate, weights, u = self._certify_by_nnls(signed_patterns, kappa)
        if first is not None:
            certificate = dataclasses.replace(certificate, solver=f"{first.solver}->{certificate.solver}",
                                              solver_status=f"{first.solver_status}->{certificate.solver_status}")
        if certificate.certified or self.fallback_solver is None:
            return certificate, weights, u
        qp = MaxMarginQP(self.n, p, self.fallback_solver, nonnegative=self.nonnegative)
        second = qp.certify(signed_patterns, kappa)
        return dataclasses.replace(second, solver=f"{certificate.solver}->{second.solver}",
                                   solver_status=f"{certificate.solver_status}->{second.solver_status}"), None, None

    def _certify_by_interior_point(self, signed_patterns: np.ndarray, kappa: float):
        # the interior point's multipliers are all positive, so a Farkas certificate from it certifies no shorter
        # prefix than its own (capacity.prefix_search); NNLS's, on N + 1 rows, sometimes does
        certificate, hull = hull_certificate(signed_patterns, kappa, relative_gap=self.relative_gap,
                                             absolute_gap=self.absolute_gap)
        return certificate, hull.weights, hull.multipliers

    def _certify_by_nnls(self, signed_patterns: np.ndarray, kappa: float):
        system, target = self.least_distance_system(signed_patterns)
        try:
            weights, u = solve_least_distance_system(system, target,
                                                     maxiter=self.max_iterations_per_column * system.shape[1])
        except RuntimeError as error:  # iteration limit
            return (Certificate(Verdict.DOUBTFUL, -math.inf, math.inf, self.solver, "iteration_limit", str(error)),
                    None, None)
        p = signed_patterns.shape[0]
        sign = {"nonnegative": self.nonnegative}
        lower = margin_lower_bound(signed_patterns, weights, **sign)
        upper = margin_upper_bound(signed_patterns, u[:p], qp_dual=True, **sign)
        status = "separated" if weights is not None else "inconsistent"
        if self.nonnegative and weights is not None:
            weights = np.clip(weights, 0.0, None)
        return decide(kappa, lower, upper, self.solver, status), weights, u[:p]
