r"""The least-distance program :math:`\min |w|` subject to :math:`Gw \ge g`, by non-negative least squares.

Lawson & Hanson (*Solving Least Squares Problems*, 1974, ch. 23): with :math:`E = (G^\top; g^\top)` and
:math:`f = (0, \dots, 0, 1)^\top`, solve :math:`\min_{u \ge 0}|Eu - f|` and let :math:`r = Eu - f`. If :math:`r = 0`
the constraints are inconsistent (:math:`u` is a Farkas certificate: :math:`G^\top u = 0`, :math:`g^\top u = 1`);
otherwise :math:`w = -r_{1..n}/r_{n+1}` is the minimum-norm solution. The same program projects a point onto a
polyhedron (:mod:`replica.field_sets`) and certifies max-margin verdicts (:mod:`capacity.programs.least_distance`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

__all__ = ["least_distance_system", "solve_least_distance_system", "least_distance"]


def least_distance_system(matrix: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The NNLS data :math:`(E, f)` of :math:`\min|w|` s.t. ``matrix`` :math:`w \ge` ``offset``."""
    rows, n = matrix.shape
    system = np.empty((n + 1, rows))
    system[:n] = matrix.T
    system[n] = offset
    target = np.zeros(n + 1)
    target[n] = 1.0
    return system, target


def solve_least_distance_system(system: np.ndarray, target: np.ndarray, maxiter: int | None = None):
    r"""``(w, u)`` from the NNLS data: the minimum-norm solution (``None`` if the constraints are inconsistent)
    and the non-negative multipliers :math:`u`."""
    u, _ = nnls(system, target, maxiter=maxiter)
    residual = system @ u - target
    n = system.shape[0] - 1
    weights = -residual[:n] / residual[n] if residual[n] < 0 else None
    return weights, u


def least_distance(matrix, offset, maxiter: int | None = None):
    r"""The minimum-norm :math:`w` with :math:`Gw \ge g`, or ``None`` if there is none (Farkas)."""
    matrix = np.atleast_2d(np.asarray(matrix, dtype=float))
    offset = np.asarray(offset, dtype=float).ravel()
    return solve_least_distance_system(*least_distance_system(matrix, offset), maxiter=maxiter)[0]
