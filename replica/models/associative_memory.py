r"""The linear associative memory (factual recall; Giorlandino, Goldt & Maillard 2026): the ``lam`` family.

Its capacity comes from Gardner's :math:`q \to 1` argument applied to :math:`p` associations of :math:`p` fields each
(:mod:`replica.lam`): the equations below are the storing set (:class:`replica.field_sets.CompetitorSet`) and its
expected squared distance, the capacity condition, the cost :math:`F(p, \kappa)` with its minimiser, and the
large-:math:`p` law.
"""

from __future__ import annotations

import sympy as sp

from ..parameters import integer, real
from .family import Equations, Family

__all__ = ["LAM", "FAMILIES"]


def _solve_lam(d=30, kappa=0.0, h=None, samples=100_000, seed=0, recall=1):
    from ..lam import solve_lam

    return solve_lam(d, kappa, h=h, samples=samples, seed=seed, recall=recall)


def lam_equations() -> Equations:
    r"""The :math:`q \to 1` capacity condition of the memory, the cost :math:`F` and its minimiser, the 1/2 law."""
    d, p, kappa, xi = sp.symbols("d p kappa xi", positive=True)
    z0 = sp.Symbol("z_0", real=True)
    nu = sp.Symbol("nu", integer=True, positive=True)
    z_nu = sp.Indexed(sp.IndexedBase("z"), nu)
    expectation = sp.Function("E_z")
    cost = sp.Function("F")(p, kappa)
    excess = sp.Max(kappa - z0 + z_nu - xi, 0)
    h_0, h_nu = sp.Symbol("h_0", real=True), sp.Indexed(sp.IndexedBase("h"), nu)
    alpha = sp.Symbol("alpha_c", positive=True)
    storing = sp.Symbol("C")
    return Equations("lam", (
        ("stored iff the fields h (correct h_0, competitors h_nu, nu = 1..p-1) lie in the polyhedron C",
         sp.Ge(h_0 - h_nu, kappa)),
        ("RS capacity (Gardner's q -> 1 limit): the mean squared distance of the Gaussian fields z to C, "
         "alpha = p/d^2", sp.Eq(1 / alpha, expectation(sp.Function("dist")(sp.Symbol("z"), storing) ** 2))),
        ("capacity condition (p associations of p fields, d^2 weights)",
         sp.Eq(d**2 / p, cost)),
        ("cost: mean squared distance of the fields to the feasible set",
         sp.Eq(cost, expectation(xi**2 + sp.Sum(excess**2, (nu, 1, p - 1))))),
        ("minimising shift xi of the correct score", sp.Eq(xi, sp.Sum(excess, (nu, 1, p - 1)))),
        ("large-p law", sp.Eq(sp.Limit(p * sp.log(p) / d**2, d, sp.oo), sp.Rational(1, 2))),
    ))


LAM = Family(
    name="lam",
    summary="linear associative memory (factual recall): optimal and Hebbian storage capacity p_c",
    reference="Giorlandino, Goldt & Maillard (2026); E. Gardner, J. Phys. A 21, 257 (1988)",
    parameters=(
        integer("d", "memory dimension d (d x d weights)", default=30, low=2, high=10**6),
        real("kappa", "margin at unit score variance", default=0.0, low=0.0, high=10.0),
        integer("h", "hidden width of a two-layer memory W2 W1 (default: one layer)", low=1, high=10**6),
        integer("samples", "Monte Carlo samples of F(p, kappa)", default=100_000, low=100, high=10**7),
        integer("seed", "seed of the Monte Carlo samples", default=0, low=0, high=2**63 - 1),
        integer("recall", "top-k recall: the correct target need only rank among the k best scores (k > 1: a union "
                          "of polyhedra, RS an estimate)", default=1, low=1, high=10**4),
    ),
    solver=_solve_lam, equations=lam_equations)

FAMILIES = (LAM,)
