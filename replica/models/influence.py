r"""Influence functions and leave-one-out for linearised models (Sun & Valaee 2026, "Extending Kernel Trick to
Influence Functions", arXiv:2605.11239): the ``influence`` family.

Its theory is the leave-one-out statistics of the square loss predicted by the kernel learning-curve theory
(:func:`replica.kernel_curve.solve_leave_one_out`); its equations also show the dual form of the influence of
removing a set of training points, which :mod:`capacity.influence` computes and the ``influence`` check
(:mod:`capacity.checks.influence`) verifies against retraining.
"""

from __future__ import annotations

import sympy as sp

from ..parameters import ParameterSpec, integer, real
from .family import Equations, Family
from .kernel_regression import kernel_curve_equations

__all__ = ["INFLUENCE", "FAMILIES", "influence_equations"]


def _solve_influence(N=None, modes=400, decay=1.5, target_decay=1.5, ridge=1e-3, noise=0.05):
    from ..kernel_curve import solve_leave_one_out

    return solve_leave_one_out(N, modes=modes, decay=decay, target_decay=target_decay, ridge=ridge, noise=noise)


def influence_equations() -> Equations:
    r"""The dual influence (Newton step of the retained objective through the kernel) and the leave-one-out theory
    (the kernel-curve equations at ridge :math:`N\lambda`)."""
    n, lam, kappa, sigma2, e_g = sp.symbols("N lambda kappa sigma^2 E_g", positive=True)
    retained = sp.Symbol("n_S", integer=True, positive=True)
    everything = sp.Symbol("n", integer=True, positive=True)
    c, b = sp.MatrixSymbol("c", everything, 1), sp.MatrixSymbol("b", everything, 1)
    kernel, cross = sp.MatrixSymbol("K_SS", retained, retained), sp.MatrixSymbol("K_S", retained, everything)
    root, embed = sp.MatrixSymbol("R_S", retained, retained), sp.MatrixSymbol("E_S", everything, retained)
    system = lam * sp.Identity(retained) + root * kernel * root / n
    delta, jac = sp.MatrixSymbol("Delta_delta", sp.Symbol("P"), 1), sp.MatrixSymbol("J", everything, sp.Symbol("P"))
    # the kernel-curve equations at P = N points and kernel ridge N lambda
    theory = [(title, expr.subs({symbol: {"P": n, "lambda": n * lam}[symbol.name] for symbol in expr.free_symbols
                                 if symbol.name in ("P", "lambda")}))
              for title, expr in kernel_curve_equations().sections[:3]]
    return Equations("influence", (
        ("parameter change (dual)", sp.Eq(delta, jac.T * c)),
        ("dual coefficients", sp.Eq(c, (b - embed * root * system.inverse() * root * cross * b / n) / lam)),
        *theory,
        ("mean of 1 - S_ii", sp.Eq(sp.Symbol(r"\overline{1 - S_{ii}}"), n * lam / kappa)),
        ("leave-one-out error", sp.Eq(sp.Symbol("E_loo"), e_g + sigma2)),
        ("training error", sp.Eq(sp.Symbol("E_train"), (n * lam / kappa) ** 2 * (e_g + sigma2))),
    ))


INFLUENCE = Family(
    name="influence",
    summary="leave-one-out of linearised models (square loss): mean 1 - S_ii = N lambda/kappa and the leave-one-out "
            "error E_g + sigma^2 from the kernel spectrum; its check computes influences in the dual and retrains",
    reference="Sun & Valaee, arXiv:2605.11239 (2026); Canatar, Bordelon & Pehlevan, Nat. Commun. 12, 2914 (2021)",
    parameters=(
        ParameterSpec("N", "training-set sizes (default 8 sizes from 50 to 4 modes)", kind="list", item="integer",
                      low=1, high=10**8),
        integer("modes", "number of kernel modes M", default=400, low=1, high=10**7),
        real("decay", "spectrum eta_k = k^-decay (0: isotropic)", default=1.5, low=0.0, high=20.0),
        real("target_decay", "target power v_k^2 ~ k^-target_decay, sum 1", default=1.5, low=0.0, high=40.0),
        real("ridge", "ridge lambda of the per-sample objective (kernel ridge N lambda)", default=1e-3, low=0.0,
             high=1e6, low_open=True),
        real("noise", "label-noise variance sigma^2", default=0.05, low=0.0, high=1e12),
    ),
    solver=_solve_influence, equations=influence_equations)

FAMILIES = (INFLUENCE,)
