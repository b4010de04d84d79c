r"""Tree committee and parity machines (Barkai, Hansel & Kanter 1990; Barkai, Hansel & Sompolinsky 1992; Monasson &
Zecchina 1995): the ``committee`` family (:mod:`replica.tree_machine`), whose free entropy the engine derives from
the tree channel."""

from __future__ import annotations

import sympy as sp

from ..parameters import choice, integer
from .family import Equations, Family

__all__ = ["COMMITTEE", "FAMILIES"]


def _solve_committee(K=3, rule="committee"):
    from ..tree_machine import solve_committee

    return solve_committee(K, rule)


def committee_equations(K=3, rule="committee") -> Equations:
    r"""The engine's reduced free entropy :math:`\phi(q)` and saddle point of the tree machine, and the RS capacity
    :math:`\alpha_c^{RS} = 1/\mathbb E\,C` of the :math:`q \to 1` limit."""
    from ..tree_machine import tree_free_entropy

    saddle, _ = tree_free_entropy(rule, K)
    cost = sp.Function("E_t")(sp.Symbol("C"))
    return Equations("committee", (
        ("reduced free entropy phi(q) (spherical weights per branch, conjugates eliminated)", saddle.reduced),
        ("saddle point: dphi/dq", sp.Eq(saddle.stationarity, 0)),
        ("RS capacity (q -> 1): one over the mean squared distance to the storing representations",
         sp.Eq(sp.Symbol("alpha_c^RS"), 1 / cost)),
    ))


COMMITTEE = Family(
    name="committee",
    summary="tree committee or parity machine: RS capacity (q -> 1), large-K law, replicon at capacity and alpha_AT",
    reference="Barkai, Hansel & Kanter (1990); Barkai, Hansel & Sompolinsky (1992); Monasson & Zecchina (1995)",
    parameters=(integer("K", "hidden units (odd for the committee)", default=3, low=1, high=10**7),
                choice("rule", "output rule", ("committee", "parity"), default="committee")),
    solver=_solve_committee, equations=committee_equations, derive_parameters=("K", "rule"))

FAMILIES = (COMMITTEE,)
