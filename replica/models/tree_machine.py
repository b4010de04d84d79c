r"""Tree machines: the ``committee`` family (committee and parity machines; Barkai, Hansel & Kanter 1990; Barkai,
Hansel & Sompolinsky 1992; Monasson & Zecchina 1995), whose free entropy the engine derives from the tree channel,
and the ``tree-machine`` family, a tree machine declared by any Boolean output rule or any activation
(Zavatone-Veth & Pehlevan 2021), whose capacity comes from its storing set (:mod:`replica.field_sets`)."""

from __future__ import annotations

import sympy as sp

from ..parameters import choice, flag, integer, real, text
from .family import Equations, Family

__all__ = ["COMMITTEE", "TREE_MACHINE", "FAMILIES", "distance_equations"]

#: Branches up to which the squared distance is printed as an explicit minimum over representations.
_EXPLICIT_K = 4


def _solve_committee(K=3, rule="committee"):
    from ..tree_machine import solve_committee

    return solve_committee(K, rule)


def committee_equations(K=3, rule="committee") -> Equations:
    r"""The engine's reduced free entropy :math:`\phi(q)` and saddle point of the tree machine, and the RS capacity
    :math:`\alpha_c^{RS} = 1/\mathbb E\,C` of the :math:`q \to 1` limit."""
    from ..field_sets import BooleanRule
    from ..tree_machine import tree_free_entropy

    saddle, _ = tree_free_entropy(rule, K)
    return Equations("committee", (
        ("reduced free entropy phi(q) (spherical weights per branch, conjugates eliminated)", saddle.reduced),
        ("saddle point: dphi/dq", sp.Eq(saddle.stationarity, 0)),
        *distance_equations(BooleanRule(rule, K)),
    ))


def distance_equations(field_set) -> tuple:
    r"""The :math:`q \to 1` limit of a storage problem with several fields per pattern, as titled sympy equations:
    the storing condition per label and :math:`1/\alpha_c = \tfrac12\sum_y \mathbb E_z\,\mathrm{dist}(z, C_y)^2`
    (:mod:`replica.field_sets`), the distance written out as a minimum over representations for a Boolean rule with
    few branches."""
    from ..field_sets import BooleanRule

    labels = (1,) if field_set.label_symmetric else (1, -1)
    alpha = sp.Symbol("alpha_c^RS", positive=True)
    expectation = sp.Function("E_z")
    sections = [(f"stored with label {y:+d} iff the fields lie in C_{'+' if y > 0 else '-'}", field_set.condition(y))
                for y in labels]
    distance = [sp.Function("dist")(sp.Symbol("z"), sp.Symbol(f"C_{'+' if y > 0 else '-'}")) ** 2 for y in labels]
    sections.append(("RS capacity (Gardner's q -> 1 limit): the mean squared distance of the Gaussian fields z to "
                     "the storing set", sp.Eq(1 / alpha, sp.Add(*[expectation(d) for d in distance]) / len(labels))))
    if isinstance(field_set, BooleanRule) and field_set.k <= _EXPLICIT_K:
        for y, d in zip(labels, distance):
            sections.append((f"squared distance: the cheapest internal representation (label {y:+d})",
                             sp.Eq(d, field_set.distance_expression(y))))
    return tuple(sections)


COMMITTEE = Family(
    name="committee",
    summary="tree committee or parity machine: RS capacity (q -> 1), large-K law, replicon at capacity and alpha_AT",
    reference="Barkai, Hansel & Kanter (1990); Barkai, Hansel & Sompolinsky (1992); Monasson & Zecchina (1995)",
    parameters=(integer("K", "hidden units (odd for the committee)", default=3, low=1, high=10**7),
                choice("rule", "output rule", ("committee", "parity"), default="committee")),
    solver=_solve_committee, equations=committee_equations, derive_parameters=("K", "rule"))


def _solve_tree_machine(K=3, rule=None, activation=None, readout="ones", kappa=0.0, samples=200_000, seed=0,
                        replicon=False):
    from ..tree_machine import solve_tree_machine

    return solve_tree_machine(K, rule, activation, readout, kappa, samples, seed, replicon)


def tree_machine_equations(K=3, rule=None, activation=None, readout="ones") -> Equations:
    r"""The storing condition and the :math:`q \to 1` capacity of a declared tree machine; for an activation, the
    infinite-width law with :math:`g'` derived by sympy."""
    from ..field_sets import H
    from ..tree_machine import storing_set

    field_set = storing_set(K, rule, activation, readout)
    sections = list(distance_equations(field_set))
    if activation is not None:
        g = field_set.activation
        z, xi, kappa = sp.Symbol("z", real=True), sp.Symbol("xi", real=True), sp.Symbol("kappa", nonnegative=True)
        slope = sp.diff(g, H).subs(H, z)
        variance = sp.Symbol("sigma_g", positive=True) ** 2
        sections += [
            ("activation and its derivative", sp.Eq(sp.Function("g")(z), g.subs(H, z))),
            ("infinite-width limit (K -> oo, centred readout): sigma_g^2 = Var g(z)",
             sp.Eq(sp.Symbol("alpha_oo"), sp.Function("E_z")(slope**2)
                   / sp.Function("E_xi")(sp.Max(kappa - sp.sqrt(variance) * xi, 0) ** 2))),
        ]
    return Equations("tree-machine", tuple(sections))


TREE_MACHINE = Family(
    name="tree-machine",
    summary="tree machine declared by a Boolean output rule or an activation: RS capacity from the storing set "
            "(q -> 1), infinite-width law",
    reference="E. Gardner (1988); Barkai, Hansel & Sompolinsky (1992); Zavatone-Veth & Pehlevan, PRE 103, L020301 "
              "(2021)",
    parameters=(integer("K", "hidden units (branches)", default=3, low=1, high=12),
                text("rule", "output rule of the hidden signs: committee, parity, and, or, or a truth table of 2^K "
                             "digits (digit i: output when unit k is + iff bit k of i is set); default committee"),
                text("activation", "activation g(h) in sympy (relu(h), abs(h), h**2, sign(h), ...); output "
                                   "sign(sum_k c_k g(h_k)); instead of a rule"),
                choice("readout", "readout c_k of an activation", ("ones", "alternating"), default="ones"),
                real("kappa", "margin (hidden fields for a rule, the output for an activation)", default=0.0,
                     low=0.0, high=10.0),
                integer("samples", "Monte Carlo samples of the field vector", default=200_000, low=100, high=10**8),
                integer("seed", "seed of the Monte Carlo samples", default=0, low=0, high=2**63 - 1),
                flag("replicon", "alpha_AT: the replicon along the RS saddle (a rule of K <= 2 signs; about a "
                                 "minute)")),
    solver=_solve_tree_machine, equations=tree_machine_equations,
    derive_parameters=("K", "rule", "activation", "readout"))

FAMILIES = (COMMITTEE, TREE_MACHINE)
