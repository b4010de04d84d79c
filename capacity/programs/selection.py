"""Which program answers a margin question: the least-distance program by default, or a named cvxpy solver."""

from __future__ import annotations

import cvxpy as cp

from replica.errors import ParameterError

from .least_distance import LeastDistanceProgram
from .margin_programs import MaxMarginQP, SeparabilityLP

__all__ = ["DEFAULT_SOLVER", "available_solvers", "make_program"]

#: The default: the least-distance program (:class:`LeastDistanceProgram`: an interior point on the hull distance
#: first for large unconstrained instances, Lawson–Hanson NNLS otherwise; fastest on dense instances, see the README).
DEFAULT_SOLVER = "NNLS"


def available_solvers() -> list[str]:
    """Solver names accepted by :func:`make_program`: ``NNLS`` and the installed cvxpy solvers."""
    return [DEFAULT_SOLVER, *cp.installed_solvers()]


def make_program(n: int, max_patterns: int, *, kappa: float, solver: str | None = None, nonnegative: bool = False,
                 relative_gap: float | None = None, absolute_gap: float | None = None, method: str | None = None):
    """A program with ``certify(signed_patterns, kappa)`` for instances of dimension ``n``.

    Parameters
    ----------
    n, max_patterns : int
        Dimension and largest number of rows (cvxpy programs are compiled for that many).
    kappa : float
        Margin the program will be asked about: ``0`` selects the feasibility LP among cvxpy programs, ``> 0`` the
        max-margin QP (the NNLS program answers both).
    solver : str, optional
        ``"NNLS"`` (default) or a cvxpy solver name such as ``"CLARABEL"`` or ``"HIGHS"``.
    nonnegative : bool
        Sign-constrained weights :math:`w \\ge 0`.
    relative_gap : float, optional
        For the least-distance program: the relative width of the margin bracket at which its interior point stops
        (:class:`LeastDistanceProgram`; its default if ``None``). cvxpy programs ignore it.
    absolute_gap : float, optional
        Likewise, the absolute width at which it stops.
    method : str, optional
        For the least-distance program: ``"auto"`` (default), ``"active-set"`` or ``"interior-point"``
        (:data:`~capacity.programs.least_distance.METHODS`). cvxpy programs ignore it.
    """
    solver = (solver or DEFAULT_SOLVER).upper()
    if solver not in available_solvers():
        raise ParameterError("solver", f"must be one of {available_solvers()}; got {solver!r}")
    if solver == DEFAULT_SOLVER:
        options = {name: value for name, value in (("relative_gap", relative_gap), ("absolute_gap", absolute_gap),
                                                   ("method", method)) if value is not None}
        return LeastDistanceProgram(n, nonnegative=nonnegative, **options)
    kind = SeparabilityLP if kappa == 0.0 else MaxMarginQP
    return kind(n, max_patterns, solver, nonnegative=nonnegative)
