r"""Learning curves of kernel ridge regression on a power-law spectrum (Bordelon, Canatar & Pehlevan, ICML 2020;
Canatar, Bordelon & Pehlevan, Nat. Commun. 12, 2914 (2021)): the ``kernel-curve`` family (:mod:`replica.kernel_curve`)."""

from __future__ import annotations

import sympy as sp

from ..parameters import ParameterSpec, integer, real
from .family import Equations, Family

__all__ = ["KERNEL_CURVE", "FAMILIES"]


def _solve_kernel_curve(P=None, modes=1000, decay=1.5, target_decay=1.5, ridge=1e-3, noise=0.05):
    from ..kernel_curve import solve_kernel_curve

    return solve_kernel_curve(P, modes=modes, decay=decay, target_decay=target_decay, ridge=ridge, noise=noise)


def kernel_curve_equations() -> Equations:
    r"""The self-consistent effective ridge :math:`\kappa`, :math:`\gamma` and the test error :math:`E_g`."""
    P, lam, kappa, sigma2, gamma, E_g = sp.symbols("P lambda kappa sigma^2 gamma E_g", nonnegative=True)
    k, M = sp.symbols("k M", integer=True, positive=True)
    eta, v = sp.IndexedBase("eta"), sp.IndexedBase("v")
    spectrum = sp.Eq(eta[k], k ** -sp.Symbol("decay", nonnegative=True))
    return Equations("kernel-curve", (
        ("effective ridge", sp.Eq(kappa, lam + kappa * sp.Sum(eta[k] / (P * eta[k] + kappa), (k, 1, M)))),
        ("gamma", sp.Eq(gamma, sp.Sum(P * eta[k] ** 2 / (P * eta[k] + kappa) ** 2, (k, 1, M)))),
        ("test error", sp.Eq(E_g, (sp.Sum(v[k] ** 2 * kappa**2 / (P * eta[k] + kappa) ** 2, (k, 1, M))
                                    + sigma2 * gamma) / (1 - gamma))),
        ("power-law spectrum", spectrum),
        ("target power (normalised to 1)", sp.Eq(v[k] ** 2, k ** -sp.Symbol("target_decay", nonnegative=True)
                                                 / sp.Sum(k ** -sp.Symbol("target_decay"), (k, 1, M)))),
    ))


KERNEL_CURVE = Family(
    name="kernel-curve",
    summary="learning curve of kernel ridge regression on a power-law spectrum: effective ridge kappa, E_g, its "
            "bias and noise parts",
    reference="Bordelon, Canatar & Pehlevan, ICML (2020); Canatar, Bordelon & Pehlevan, Nat. Commun. 12, 2914 (2021)",
    parameters=(
        ParameterSpec("P", "training-set sizes (default 13 sizes from 1 to 10 M)", kind="list",
                      item="integer", low=1, high=10**9),
        integer("modes", "number of kernel modes M", default=1000, low=1, high=10**7),
        real("decay", "spectrum eta_k = k^-decay (0: isotropic)", default=1.5, low=0.0, high=20.0),
        real("target_decay", "target power v_k^2 ~ k^-target_decay, sum 1", default=1.5, low=0.0, high=40.0),
        real("ridge", "ridge lambda", default=1e-3, low=0.0, high=1e12),
        real("noise", "label-noise variance sigma^2", default=0.05, low=0.0, high=1e12),
    ),
    solver=_solve_kernel_curve, equations=kernel_curve_equations)

FAMILIES = (KERNEL_CURVE,)
