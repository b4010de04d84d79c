r"""Extensive-width two-layer networks, Bayes-optimal (Nguyen & Barbier 2026; Maillard, Troiani, Martin, Krzakala &
Zdeborová 2024): the ``extensive-width`` and ``extensive-width-scaling`` families (:mod:`replica.extensive_width`).

The equations are the leave-one-out closure: each feature is a single-feature problem at signal-to-noise
:math:`\lambda_i`, whose overlap maximises :math:`\phi_\lambda(q)`, and the error closes the system.
"""

from __future__ import annotations

import sympy as sp

from ..parameters import ParameterSpec, choice, file, integer, real
from .family import Equations, Family

__all__ = ["EXTENSIVE_WIDTH", "EXTENSIVE_WIDTH_SCALING", "EXTENSIVE_WIDTH_SIZE", "FAMILIES"]

REFERENCE = "Nguyen & Barbier (2026); Maillard, Troiani, Martin, Krzakala & Zdeborova, NeurIPS (2024)"


def _solve(beta=1.0, kappa=0.5, n_over_d2=1.0, Delta=0.1, d=1000, activation="tanh", density="power-law",
           readouts=None, width=None):
    from ..extensive_width import solve_extensive_width

    return solve_extensive_width(beta=beta, kappa=kappa, n_over_d2=n_over_d2, Delta=Delta, d=d, activation=activation,
                                 density=density, readouts=readouts, width=width)


def _solve_size(beta=1.0, kappa=0.5, n_over_d2=10.0, Delta=0.1, d=1000, activation="tanh", density="power-law",
                readouts=None, width=None):
    from ..extensive_width import solve_extensive_width_size

    return solve_extensive_width_size(beta=beta, kappa=kappa, n_over_d2=n_over_d2, Delta=Delta, d=d,
                                      activation=activation, density=density, readouts=readouts, width=width)


def _solve_scaling(beta=1.0, kappa=0.5, Delta=0.1, d=1000, points=80, activation="tanh"):
    from ..extensive_width import solve_extensive_width_scaling

    return solve_extensive_width_scaling(beta=beta, kappa=kappa, Delta=Delta, d=d, points=points,
                                         activation=activation)


def closure_equations(family: str = "extensive-width", scaling: bool = False, size: bool = False) -> Equations:
    r"""Single-feature free entropy, its stationarity, the signal-to-noise of feature :math:`i`, the closure, the
    readouts and the Hermite series of :math:`g`; with ``scaling`` also the effective-width laws, with ``size`` the
    student of width :math:`m` (the features beyond it as noise)."""
    q, lam, eps, Delta, n, d, beta = sp.symbols("q lambda epsilon Delta n d beta", nonnegative=True)
    i, j, k, ell = sp.symbols("i j k ell", integer=True, positive=True)
    g, mu, v, q_i = sp.Function("g"), sp.IndexedBase("mu"), sp.IndexedBase("v"), sp.IndexedBase("q")
    phi = lam * g(q) + q + sp.log(1 - q)
    sections = [
        ("single-feature free entropy (x 2)", sp.Eq(sp.Function("phi_lambda")(q), phi)),
        ("its stationary points", sp.Eq(sp.diff(phi, q), 0)),
        ("signal-to-noise of feature i", sp.Eq(sp.Indexed(sp.IndexedBase("lambda"), i),
                                               n / d * v[i] ** 2 / (Delta + eps))),
        ("closure: Bayes-optimal error", sp.Eq(eps, sp.Sum(v[i] ** 2 * (g(1) - g(q_i[i])), (i, 1, k)))),
        ("readouts", sp.Eq(v[i], i**-beta / sp.sqrt(sp.Sum(j ** (-2 * beta), (j, 1, k))))),
        ("activation kernel (Hermite coefficients mu)", sp.Eq(g(q), sp.Sum(mu[ell] ** 2 * q**ell / sp.factorial(ell),
                                                                            (ell, 1, sp.oo)))),
    ]
    if size:
        m, g1 = sp.Symbol("m", integer=True, positive=True), sp.Symbol("g(1)", positive=True)
        delta_eff = sp.Symbol("Delta_eff", nonnegative=True)
        sections[2] = ("signal-to-noise of feature i <= m", sp.Eq(sp.Indexed(sp.IndexedBase("lambda"), i),
                                                                 n / d * v[i] ** 2 / (delta_eff + eps)))
        sections[3] = ("closure over the student's m features", sp.Eq(eps, sp.Sum(v[i] ** 2 * (g(1) - g(q_i[i])),
                                                                                  (i, 1, m))))
        sections += [("features beyond the width act as noise",
                      sp.Eq(delta_eff, Delta + g1 * sp.Sum(v[i] ** 2, (i, m + 1, k)))),
                     ("error of the width-m student", sp.Eq(sp.Symbol("epsilon_m"),
                                                            eps + g1 * sp.Sum(v[i] ** 2, (i, m + 1, k))))]
    if scaling:
        k_c = sp.Symbol("k_c", positive=True)
        sections += [("effective width (learning regime)", sp.Eq(k_c, sp.Symbol("c") * (n / d) ** (1 / (2 * beta)))),
                     ("error in the learning regime", sp.Eq(eps, sp.Symbol("C") * k_c * d / n))]
    return Equations(family, tuple(sections))


BETA = real("beta", "power-law exponent of the readouts v_i ~ i^-beta (0: homogeneous)", default=1.0, low=0.0,
            high=10.0)
SCALING_BETA = real("beta", "power-law exponent of the readouts", default=1.0, low=0.5, high=10.0, low_open=True,
                    note="the scaling laws need beta > 1/2: below, the readouts' power is not summable as k grows")
KAPPA = real("kappa", "width ratio k/d", default=0.5, low=0.0, high=100.0, low_open=True)
DELTA = real("Delta", "label-noise variance", default=0.1, low=0.0, high=100.0)
DIMENSION = integer("d", "input dimension", default=1000, low=2, high=10**7)
ACTIVATION = choice("activation", "activation", ("tanh", "quadratic"), default="tanh")
DENSITY = choice("density", "readout profile: power law i^-beta, or the quantiles of |N(0,1)|, U[0,1], a Pareto law "
                            "of exponent 1/beta", ("power-law", "gaussian", "uniform", "pareto"), default="power-law")
READOUTS = file("readouts", "a file of readouts v_i (.npy, or text: one number per entry), replacing beta, kappa "
                            "and density")

EXTENSIVE_WIDTH = Family(
    name="extensive-width",
    summary="Bayes-optimal error, feature overlaps and effective width k_c of a width-kappa*d two-layer teacher",
    reference=REFERENCE,
    parameters=(BETA, KAPPA, real("n_over_d2", "data budget n/d^2", default=1.0, low=0.0, high=1e12, low_open=True),
                DELTA, DIMENSION, ACTIVATION, DENSITY, READOUTS,
                integer("width", "student width m (default: the teacher's k); the features beyond act as noise",
                        low=1, high=10**7)),
    solver=_solve, equations=closure_equations)

EXTENSIVE_WIDTH_SIZE = Family(
    name="extensive-width-size",
    summary="model-size scaling: error of a width-m student at one budget, fitted exponent against 1 - 2 beta, "
            "optimal width and the one-shot error of a width-k_c student",
    reference=REFERENCE,
    parameters=(BETA, KAPPA, real("n_over_d2", "data budget n/d^2", default=10.0, low=0.0, high=1e12, low_open=True),
                DELTA, DIMENSION, ACTIVATION, DENSITY, READOUTS,
                ParameterSpec("width", "student widths m (default 40 from 1 to k)", kind="list", item="integer",
                              low=1, high=10**7)),
    solver=_solve_size, equations=lambda: closure_equations("extensive-width-size", size=True))

EXTENSIVE_WIDTH_SCALING = Family(
    name="extensive-width-scaling",
    summary="fitted scaling exponents of the error and the collapse constant eps n / (k_c d)",
    reference=REFERENCE,
    parameters=(SCALING_BETA, KAPPA, DELTA, DIMENSION,
                integer("points", "budgets on the scaling grid", default=80, low=2, high=10**7), ACTIVATION),
    solver=_solve_scaling,
    equations=lambda: closure_equations("extensive-width-scaling", scaling=True))

FAMILIES = (EXTENSIVE_WIDTH, EXTENSIVE_WIDTH_SCALING, EXTENSIVE_WIDTH_SIZE)
