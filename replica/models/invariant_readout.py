r"""Group-invariant linear readouts (Farrell, Bordelon, Trivedi & Pehlevan, ICLR 2022): the ``invariant`` family
(:mod:`replica.invariant`)."""

from __future__ import annotations

import sympy as sp

from ..parameters import file, integer
from .family import Equations, Family

__all__ = ["INVARIANT", "FAMILIES"]


def _solve_invariant(N=12, step=1, matrices=None):
    from ..invariant import solve_invariant

    return solve_invariant(matrices, N=N, step=step)


def invariant_equations() -> Equations:
    r"""Projector on the invariant readouts, :math:`N_0`, the capacity and Cover's count in dimension :math:`N_0`."""
    g, k, P, N0, G = sp.symbols("g k P N_0 |G|", integer=True, nonnegative=True)
    transposed = sp.Function("rho^T")  # the transposed action of group element g
    projector = sp.Symbol("Pi")
    return Equations("invariant", (
        ("projector on the invariant readouts", sp.Eq(projector, sp.Sum(transposed(g), (g, 1, G)) / G)),
        ("dimension of the fixed subspace", sp.Eq(N0, sp.Function("tr")(projector))),
        ("separable labellings of P orbits (Cover in dimension N_0)",
         sp.Eq(sp.Function("C")(P, N0), 2 * sp.Sum(sp.binomial(P - 1, k), (k, 0, N0 - 1)))),
        ("capacity", sp.Eq(sp.Symbol("P_c"), 2 * N0)),
    ))


INVARIANT = Family(
    name="invariant",
    summary="capacity P_c = 2 N_0 of group-invariant linear readouts (cyclic shifts by step, or a .npy group)",
    reference="Farrell, Bordelon, Trivedi & Pehlevan, ICLR (2022); T. M. Cover, IEEE Trans. Electron. Comput. (1965)",
    parameters=(
        integer("N", "dimension acted on by the cyclic shifts", default=12, low=1, high=10**4),
        integer("step", "shift step (divides N)", default=1, low=1, high=10**4),
        file("matrices", ".npy file of the group's matrices, shape (|G|, N, N) (replaces N and step)"),
    ),
    solver=_solve_invariant, equations=invariant_equations)

FAMILIES = (INVARIANT,)
