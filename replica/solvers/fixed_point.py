r"""Damped fixed-point iteration of saddle-point equations, vectorised over a parameter grid.

Iterates :math:`x \leftarrow (1 - \gamma)\,x + \gamma\, F(x)` for every grid point at once; a point stops moving
once its step :math:`\max_k |F_k(x) - x_k| / (1 + |x_k|)` falls below the tolerance, so converged points are not
disturbed by the others. Damping :math:`\gamma < 1` is the standard cure for the oscillations of replica
fixed-point maps (e.g. Krauth & Mézard 1989 for the binary perceptron).
"""

from __future__ import annotations

import numpy as np

from .result import Solution, Status

__all__ = ["damped_iteration"]


def _step(state: dict, new: dict) -> np.ndarray:
    return np.max([np.abs(new[k] - state[k]) / (1 + np.abs(state[k])) for k in state], axis=0)


def damped_iteration(update, initial: dict, *, damping: float = 0.5, tol: float = 1e-12, max_iter: int = 10_000,
                     throw: bool = False) -> Solution:
    """Solve ``x = update(x)`` by damped iteration, elementwise over the arrays in ``initial``.

    Parameters
    ----------
    update : callable
        Maps a dict of arrays (one per unknown) to a dict of arrays of the same shape.
    initial : dict of array_like
        Starting point; the arrays are broadcast together.
    damping : float
        Weight :math:`\\gamma \\in (0, 1]` of the new iterate.
    tol : float
        Tolerance on the relative step.
    max_iter : int
    throw : bool
        Raise :class:`~replica.errors.ConvergenceError` unless every point converged.

    Returns
    -------
    Solution
        The fixed point; ``residual`` is the relative step at the returned point and ``n_iter`` the iterations
        each point needed. Points that did not converge carry their status and ``nan`` values.
    """
    keys = list(initial)
    arrays = np.broadcast_arrays(*[np.asarray(initial[k], dtype=float) for k in keys])
    state = {k: a.copy() for k, a in zip(keys, arrays)}
    shape = arrays[0].shape
    done = np.zeros(shape, dtype=bool)
    n_iter = np.zeros(shape, dtype=int)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            new = update(state)
            step = _step(state, new)
            finished = ~done & (step < tol)
            done |= finished | ~np.isfinite(step)
            moving = ~done
            n_iter += moving | finished
            if not moving.any():
                break
            for k in keys:
                state[k] = np.where(moving, (1 - damping) * state[k] + damping * new[k], state[k])
        residual = _step(state, update(state))
    status = np.full(shape, int(Status.MAX_ITERATIONS))
    status[residual < max(tol, 10 * tol)] = Status.SUCCESS
    status[~np.isfinite(residual)] = Status.NONFINITE
    values = {k: np.where(status == Status.SUCCESS, v, np.nan) for k, v in state.items()}
    solution = Solution(values, status, n_iter, residual)
    return solution.raise_on_failure() if throw else solution
