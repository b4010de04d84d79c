r"""Vectorised root finding on a bracket (Chandrupatla's method via ``scipy.optimize.elementwise``)."""

from __future__ import annotations

import numpy as np

from ..errors import ConvergenceError
from .result import Solution, Status

__all__ = ["find_roots", "find_root"]

# scipy.optimize.elementwise status codes -> ours
_SCIPY_STATUS = {0: Status.SUCCESS, -1: Status.NO_BRACKET, -2: Status.MAX_ITERATIONS, -3: Status.NONFINITE}


def find_roots(function, lower, upper, args=(), *, xatol=1e-14, xrtol=4 * np.finfo(float).eps,
               max_iter=200, throw=False) -> Solution:
    """Solve ``function(x, *args) = 0`` elementwise for ``x`` in ``[lower, upper]``.

    Parameters
    ----------
    function : callable
        Vectorised: takes arrays and returns an array of the broadcast shape.
    lower, upper : array_like
        The bracket; the function must change sign across it.
    args : tuple of array_like
        Extra arguments, broadcast against the bracket.
    xatol, xrtol : float
        Absolute and relative tolerance on the root.
    max_iter : int
        Iteration limit.
    throw : bool
        Raise :class:`~replica.errors.ConvergenceError` if any point fails, instead of returning its status.

    Returns
    -------
    Solution
        ``value["x"]`` holds the roots; the residual is :math:`|f(x)|`. Points that failed carry their status
        and ``nan`` as the root.
    """
    from scipy.optimize import elementwise  # imported on first use: scipy.optimize costs 0.2 s at start-up

    lower, upper, *args = np.broadcast_arrays(np.asarray(lower, float), np.asarray(upper, float),
                                              *[np.asarray(a, float) for a in args])
    with np.errstate(all="ignore"):
        result = elementwise.find_root(function, (lower, upper), args=tuple(args),
                                       tolerances=dict(xatol=xatol, xrtol=xrtol), maxiter=max_iter)
    status = np.vectorize(lambda s: int(_SCIPY_STATUS.get(int(s), Status.NONFINITE)), otypes=[int])(result.status)
    converged_to_nan = (status == Status.SUCCESS) & ~np.isfinite(result.f_x)
    status = np.where(converged_to_nan, int(Status.NONFINITE), status)  # a "root" where f is nan is no root
    roots = np.where(status == Status.SUCCESS, result.x, np.nan)
    solution = Solution({"x": roots}, status, np.asarray(result.nit), np.abs(np.asarray(result.f_x)))
    return solution.raise_on_failure() if throw else solution


def find_root(function, lower: float, upper: float, *, what: str, xtol: float = 1e-12, rtol: float = 1e-14,
              max_iter: int = 200) -> float:
    """The root of a scalar ``function`` on ``[lower, upper]`` (Brent's method), or a
    :class:`~replica.errors.ConvergenceError` naming ``what`` was sought and why it was not found.

    A bracket without a sign change, a non-finite value at an end or an iteration limit is a failure of the
    computation (reported as such), not an invalid input.
    """
    from scipy.optimize import brentq

    ends = [float(function(lower)), float(function(upper))]
    status = Status.SUCCESS
    if not all(np.isfinite(ends)):
        status = Status.NONFINITE
    elif ends[0] * ends[1] > 0:
        status = Status.NO_BRACKET
    root, iterations = np.nan, 0
    if status == Status.SUCCESS:
        root, info = brentq(function, lower, upper, xtol=xtol, rtol=rtol, maxiter=max_iter, full_output=True,
                            disp=False)
        iterations = info.iterations
        if not info.converged:
            status = Status.MAX_ITERATIONS
    solution = Solution({"x": np.array(root)}, np.array(int(status)), np.array(iterations),
                        np.array(abs(float(function(root))) if np.isfinite(root) else np.nan))
    if not solution.success:
        raise ConvergenceError(f"{what} not found on [{lower:.6g}, {upper:.6g}]: {solution.message}", result=solution)
    return float(root)
