r"""Convex programs deciding whether an instance is separable, each verdict certified.

* :class:`SeparabilityLP` — :math:`\kappa = 0`: find :math:`w` with :math:`a_\mu\cdot w \ge 1` (homogeneous, so
  any positive right-hand side is equivalent; Gardner 1988). Feasible: the returned :math:`w` certifies a
  positive margin. Infeasible: the solver's Farkas multipliers certify that no margin above
  :data:`~capacity.programs.certificates.FARKAS_TOLERANCE` exists.
* :class:`MaxMarginQP` — :math:`\min |w|^2` s.t. :math:`a_\mu\cdot w \ge 1`; :math:`\kappa_{\max} = 1/|w^*|`.
  Primal and dual solutions bracket :math:`\kappa_{\max}`, which answers the question for any :math:`\kappa > 0`.

Both are built once for a dimension ``n`` and a row budget ``max_patterns`` as parametrised (DPP) cvxpy
problems; an instance with fewer rows fills the rest with the trivial constraint :math:`0 \ge 0`, so cvxpy
compiles the problem once and every further solve only updates parameter values. The solver's status is
recorded, but the verdict comes from the recomputed certificates alone
(:mod:`capacity.programs.certificates`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from abc import ABC, abstractmethod

import cvxpy as cp
import numpy as np

from replica.errors import ParameterError
from replica.validation import check_int, check_real

from ..native_output import redirect_native_stdout
from .certificates import (
    Certificate, Verdict, decide, margin_lower_bound, margin_upper_bound, signed_rows, trivial_certificate,
)

__all__ = ["MarginProgram", "SeparabilityLP", "MaxMarginQP"]


def _silence_highs_banner() -> None:
    """Create the process's first HiGHS object with native stdout closed.

    HiGHS prints a copyright banner to the C-level standard output once per process, when its first solver
    object is made; that would corrupt ``--json`` output and clutter notebooks.
    """
    try:
        import highspy
    except ImportError:  # HiGHS is optional for cvxpy; nothing to silence
        return
    with open(os.devnull, "w") as devnull, redirect_native_stdout(devnull.fileno()):
        highspy.Highs()


_silence_highs_banner()


class MarginProgram(ABC):
    """A parametrised cvxpy program for instances of dimension ``n`` with at most ``max_patterns`` rows.

    Parameters
    ----------
    n : int
        Dimension of the weights.
    max_patterns : int
        Largest number of constraints an instance may have.
    solver : str, optional
        A cvxpy solver name; the class default otherwise.
    nonnegative : bool
        Sign-constrained weights: add :math:`w \\ge 0` (the certificates then use the orthant's bounds).
    """

    default_solver: str = ""
    #: Solver used when the primary solver's output cannot be certified.
    fallback_solver: str = "HIGHS"
    #: Extra keyword arguments per solver name.
    solver_options: dict = {}

    def __init__(self, n: int, max_patterns: int, solver: str | None = None, *, nonnegative: bool = False):
        self.n = check_int("n", n, 1)
        self.nonnegative = bool(nonnegative)
        self.max_patterns = check_int("max_patterns", max_patterns, 1)
        self.solver = solver or self.default_solver
        if self.solver not in cp.installed_solvers():
            raise ParameterError("solver", f"{self.solver!r} is not installed; installed: {cp.installed_solvers()}")
        self._rows = cp.Parameter((self.max_patterns, self.n), name="signed_patterns")
        self._rhs = cp.Parameter(self.max_patterns, name="rhs")
        self._w = cp.Variable(self.n, name="w")
        self._constraint = self._rows @ self._w >= self._rhs
        constraints = [self._constraint, self._w >= 0] if self.nonnegative else [self._constraint]
        self._problem = cp.Problem(self._objective(self._w), constraints)

    @abstractmethod
    def _objective(self, w): ...

    @abstractmethod
    def _bracket(self, signed_patterns: np.ndarray, status: str) -> tuple[float, float]:
        """Certified (lower, upper) bounds on the max margin from the solved problem."""

    def _load(self, signed_patterns: np.ndarray) -> None:
        p = signed_patterns.shape[0]
        if p > self.max_patterns:
            raise ParameterError("p", f"must lie in [0, {self.max_patterns}] for this program; got {p}")
        rows = np.zeros((self.max_patterns, self.n))
        rows[:p] = signed_patterns
        rhs = np.zeros(self.max_patterns)
        rhs[:p] = 1.0
        self._rows.value = rows
        self._rhs.value = rhs

    def certify(self, signed_patterns, kappa: float = 0.0) -> Certificate:
        r"""Decide, with a certificate, whether :math:`\max_{|w|=1}\min_\mu a_\mu\cdot w \ge \kappa`.

        The primary solver is tried first; if its output does not certify either answer (an error, an
        ``unknown`` or inaccurate status, or a bracket that does not decide), the problem is solved again with
        :attr:`fallback_solver`. The verdict stays ``DOUBTFUL`` if neither certifies it.

        Parameters
        ----------
        signed_patterns : ndarray, shape (p, n)
            Rows :math:`a_\mu = \sigma^\mu\xi^\mu`.
        kappa : float
            The margin asked about (:math:`\ge 0`).
        """
        kappa = check_real("kappa", kappa, 0.0)
        signed_patterns = signed_rows(signed_patterns, self.n)
        self._load(signed_patterns)
        if signed_patterns.shape[0] == 0:
            return trivial_certificate(self.solver)
        certificate = self._certify_with(self.solver, signed_patterns, kappa)
        fallback = self.fallback_solver
        if certificate.certified or not fallback or fallback == self.solver:
            return certificate
        second = self._certify_with(fallback, signed_patterns, kappa)
        return dataclasses.replace(second, solver=f"{self.solver}->{fallback}",
                                   solver_status=f"{certificate.solver_status}->{second.solver_status}")

    def _certify_with(self, solver: str, signed_patterns: np.ndarray, kappa: float) -> Certificate:
        try:
            with warnings.catch_warnings():  # "may be inaccurate": the status is recorded, the bracket decides
                warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
                self._problem.solve(solver=solver, **self.solver_options.get(solver, {}))
            status = str(self._problem.status)
        except (cp.error.SolverError, ValueError) as error:  # cvxpy raises ValueError on an "unknown" status
            return Certificate(Verdict.DOUBTFUL, -math.inf, math.inf, solver, "solver_error", str(error)[:200])
        lower, upper = self._bracket(signed_patterns, status)
        return decide(kappa, lower, upper, solver, status)

    def _multipliers(self, p: int):
        dual = self._constraint.dual_value
        return None if dual is None else np.asarray(dual)[:p]


class SeparabilityLP(MarginProgram):
    """The :math:`\\kappa = 0` feasibility LP :math:`a_\\mu\\cdot w \\ge 1` (Cover 1965; Gardner 1988).

    Clarabel (interior point) is the default: on these degenerate zero-objective LPs HiGHS sometimes ends with an
    ``unknown`` status (see ``benchmarks/bench_gardner.py`` and the README's performance section).
    """

    default_solver = "CLARABEL"

    def _objective(self, w):
        return cp.Minimize(0)

    def certify(self, signed_patterns, kappa: float = 0.0) -> Certificate:
        if kappa != 0.0:
            raise ParameterError("kappa", f"the feasibility LP answers only kappa = 0; got {kappa} "
                                          "(use MaxMarginQP for kappa > 0)")
        return super().certify(signed_patterns, 0.0)

    def _bracket(self, signed_patterns, status):
        p = signed_patterns.shape[0]
        sign = {"nonnegative": self.nonnegative}
        if status.startswith("optimal"):
            return margin_lower_bound(signed_patterns, self._w.value, **sign), math.inf
        if status.startswith("infeasible"):
            return -math.inf, margin_upper_bound(signed_patterns, self._multipliers(p), **sign)
        return -math.inf, math.inf


class MaxMarginQP(MarginProgram):
    r"""The max-margin QP :math:`\min \tfrac12|w|^2` s.t. :math:`a_\mu\cdot w \ge 1`; :math:`\kappa_{\max} = 1/|w^*|`."""

    default_solver = "CLARABEL"

    def _objective(self, w):
        return cp.Minimize(0.5 * cp.sum_squares(w))

    def _bracket(self, signed_patterns, status):
        p = signed_patterns.shape[0]
        multipliers = self._multipliers(p)
        sign = {"nonnegative": self.nonnegative}
        if status.startswith("optimal"):
            return (margin_lower_bound(signed_patterns, self._w.value, **sign),
                    margin_upper_bound(signed_patterns, multipliers, qp_dual=True, **sign))
        if status.startswith("infeasible"):
            return -math.inf, margin_upper_bound(signed_patterns, multipliers, **sign)
        return -math.inf, math.inf
