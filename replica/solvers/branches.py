r"""Branches of fixed points of one order parameter: a scan for every root, and continuation of one branch.

Both work on a residual :math:`r(q, \alpha)` whose roots are the fixed points (:math:`G(q) - q` for a fixed-point
map): a root where :math:`r` goes from positive to negative is stable (the iteration is attracted to it).
"""

from __future__ import annotations

import numpy as np

from .roots import find_roots

__all__ = ["sign_changes", "warm_root", "follow_branch"]


def sign_changes(residual, loads, grid, *, block: int = 64):
    """Every bracketed root of ``residual(q, load)`` on ``grid``, for every load, by one vectorised scan.

    The residual is evaluated on the loads x grid array in blocks of ``block`` loads (bounding the memory of the
    loads x grid x quadrature-node arrays).

    Returns
    -------
    rows, columns : ndarray of int
        Load index and grid index of every sign change (a root lies in ``[grid[j], grid[j + 1]]``).
    stable : ndarray of bool
        Whether the residual goes from positive to negative there.
    beyond, below : ndarray of int
        Loads whose residual is still positive at the last grid point (a stable root closer to the upper end than
        the grid resolves) and already negative at the first (one below the first grid point).
    """
    rows, columns, stable, beyond, below = [], [], [], [], []
    for start in range(0, loads.size, block):
        q_grid, load_grid = np.meshgrid(grid, loads[start:start + block])
        with np.errstate(all="ignore"):
            values = residual(q_grid, load_grid)
        signs = np.sign(values)  # a product of the values themselves can overflow at huge loads
        change = np.isfinite(values[:, :-1]) & np.isfinite(values[:, 1:]) & (signs[:, :-1] * signs[:, 1:] < 0)
        i, j = np.nonzero(change)
        rows.append(i + start)
        columns.append(j)
        stable.append(values[i, j] > 0)
        beyond.append(np.flatnonzero(np.isfinite(values[:, -1]) & (values[:, -1] > 0)) + start)
        below.append(np.flatnonzero(np.isfinite(values[:, 0]) & (values[:, 0] < 0)) + start)
    return tuple(np.concatenate(x) for x in (rows, columns, stable, beyond, below))


def warm_root(residual, guess: float, step: float, lower: float, upper: float):
    """The stable root of ``residual`` nearest ``guess``, or ``None`` if there is none nearby.

    A bracket is searched from ``[guess - step, guess + step]``, widening geometrically within
    ``[lower, upper]`` (``scipy.optimize.elementwise.bracket_root``), then refined by Chandrupatla's method.
    Returns ``(root, status, evaluations, residual)``; ``None`` where no bracket is found or the bracketed root is
    unstable (the followed branch has ended).
    """
    from scipy.optimize import elementwise  # imported on first use: scipy.optimize costs 0.2 s at start-up

    low, high = max(guess - step, lower), min(guess + step, upper)
    with np.errstate(all="ignore"):
        bracket = elementwise.bracket_root(residual, low, high, xmin=lower, xmax=upper, factor=2.0)
    if not bracket.success:
        return None
    left, right = float(bracket.bracket[0]), float(bracket.bracket[1])
    if not (float(bracket.f_bracket[0]) > 0 > float(bracket.f_bracket[1])):
        return None
    root = find_roots(residual, left, right)
    return float(root["x"]), int(root.status), int(bracket.nfev) + int(root.n_iter) + 2, float(root.residual)


def follow_branch(residual_at, loads, start: float, step: float, lower: float, upper: float, restart):
    """Follow one branch of stable roots along ``loads``, warm-starting each search at the previous root.

    Parameters
    ----------
    residual_at : callable
        ``residual_at(load)`` returns the vectorised residual in ``q`` at that load.
    loads : ndarray
    start : float
        The overlap the first search starts from.
    step : float
        Initial half-width of each bracket search.
    lower, upper : float
        The overlaps searched.
    restart : callable
        ``restart(load, current) -> (root, status, evaluations, residual)`` where the branch has ended (no stable
        root near the previous one): e.g. a damped iteration that lands on another branch.

    Returns
    -------
    list of tuple
        Per load ``(root, status, evaluations, residual, jumped)``; ``jumped`` marks a restart that moved by more
        than ``step``. A failed load keeps the previous root as the next start.
    """
    from .result import Status

    current, records = start, []
    for load in loads:
        record = warm_root(residual_at(load), current, step, lower, upper)
        jumped = False
        if record is None:
            record = restart(load, current)
            jumped = abs(record[0] - current) > step
        records.append((*record, jumped))
        current = record[0] if record[1] == Status.SUCCESS else current
    return records
