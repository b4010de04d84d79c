"""Solver outcomes in one vocabulary: ``status``, ``message``, ``n_iter``, ``residual``, ``success``.

A :class:`Solution` holds arrays (solvers are vectorised over parameter grids): one status per grid point, so a
point that failed is visible as such instead of silently carrying a number.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from ..errors import ConvergenceError
from ..serialization import json_safe

__all__ = ["Status", "Solution"]


class Status(enum.IntEnum):
    """Outcome of a numerical solve at one point."""

    SUCCESS = 0
    MAX_ITERATIONS = 1
    NO_BRACKET = 2
    NONFINITE = 3
    INACCURATE = 4

    @property
    def message(self) -> str:
        return {
            Status.SUCCESS: "converged",
            Status.MAX_ITERATIONS: "iteration limit reached before the tolerance",
            Status.NO_BRACKET: "the equation does not change sign on the search interval: no root there",
            Status.NONFINITE: "the equation evaluated to a non-finite number",
            Status.INACCURATE: "the root is not determined to the stated accuracy: the residual "
                               "at a refined quadrature exceeds the tolerance (increase n_nodes), or the equation "
                               "is too flat there (a marginal fixed point near a capacity) for double precision",
        }[self]


@dataclass(frozen=True)
class Solution:
    """Result of a vectorised solve.

    Attributes
    ----------
    value : dict of str to ndarray
        Named outputs (order parameters and derived quantities), one entry per grid point.
    status : ndarray of int
        :class:`Status` code per grid point.
    n_iter : ndarray of int
        Iterations per grid point.
    residual : ndarray of float
        Absolute residual of the solved equation per grid point.
    """

    value: dict
    status: np.ndarray
    n_iter: np.ndarray
    residual: np.ndarray

    @property
    def success(self) -> bool:
        return bool(np.all(self.status == Status.SUCCESS))

    @property
    def message(self) -> str:
        codes, counts = np.unique(np.asarray(self.status), return_counts=True)
        total = int(np.size(self.status))
        parts = [f"{count}/{total} {Status(code).message}" for code, count in zip(codes, counts)]
        return "; ".join(parts)

    def __getitem__(self, name):
        return self.value[name]

    def raise_on_failure(self) -> "Solution":
        """Return ``self`` if every point converged, else raise :class:`~replica.errors.ConvergenceError`."""
        if not self.success:
            raise ConvergenceError(f"solver did not converge everywhere: {self.message}", result=self)
        return self

    def to_dict(self) -> dict:
        """JSON-safe dictionary (numbers and lists)."""
        return json_safe({"value": self.value, "status": self.status, "message": self.message,
                          "n_iter": self.n_iter, "residual": self.residual, "success": self.success})

    def __repr__(self) -> str:
        names = ", ".join(self.value)
        return (f"Solution(success={self.success}, message={self.message!r}, "
                f"max_residual={np.max(self.residual):.3g}, values=[{names}])")
