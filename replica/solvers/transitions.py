r"""Where branches of fixed points end or exchange: spinodals and equal-potential crossings along the load."""

from __future__ import annotations

from .roots import find_root

__all__ = ["spinodal", "crossing"]


def spinodal(residual, low: float, high: float, span: tuple, *, xtol: float, what: str = "the spinodal") -> float:
    r"""The load where a branch of fixed points ends: the root in :math:`\alpha \in [low, high]` of
    :math:`\min_{q \in span} r(q, \alpha)`, the depth of the residual's dip below zero (positive once the stable and
    unstable roots inside ``span`` have merged and disappeared).

    ``residual(q, load)`` is scalar; the minimum over ``span`` is found by bounded Brent minimisation
    (``xatol`` 1e-12) and the load by :func:`~replica.solvers.roots.find_root`, which reports a bracket without a
    sign change as a :class:`~replica.errors.ConvergenceError`.
    """
    from scipy import optimize

    def depth(load):
        return optimize.minimize_scalar(lambda x: float(residual(x, load)), bounds=span, method="bounded",
                                        options={"xatol": 1e-12}).fun

    return find_root(depth, low, high, what=what, xtol=xtol)


def crossing(gap, low: float, high: float, *, xtol: float, what: str) -> float:
    """The load in ``[low, high]`` where ``gap(load)`` (a difference of two branches' potentials) changes sign."""
    return find_root(gap, low, high, what=what, xtol=xtol)
