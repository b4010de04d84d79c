r"""Learning curves of kernel ridge regression from the kernel's spectrum (Bordelon, Canatar & Pehlevan 2020).

Bordelon, Canatar & Pehlevan, ICML (2020); Canatar, Bordelon & Pehlevan, Nat. Commun. 12, 2914 (2021).

Conventions. The kernel has Mercer decomposition :math:`K(x, x') = \sum_k \eta_k\phi_k(x)\phi_k(x')` with
:math:`\phi_k` orthonormal under the data distribution. The target is :math:`f^*(x) = \sum_k v_k\phi_k(x)` (the
papers write :math:`v_k = \sqrt{\eta_k}\,\bar w_k`), and the :math:`P` training labels are
:math:`y_\mu = f^*(x_\mu) + \epsilon_\mu` with noise variance :math:`\sigma^2`. The predictor minimises
:math:`\sum_\mu (f(x_\mu) - y_\mu)^2 + \lambda\|f\|_{\mathcal H}^2`, i.e. :math:`\hat f(x) = k(x)^\top(K + \lambda I)^{-1}y`
(unnormalised Gram matrix). The test error is :math:`E_g = \mathbb E_x[(\hat f(x) - f^*(x))^2]` (no test noise).

Theory. The effective ridge :math:`\kappa` solves

.. math:: \kappa = \lambda + \kappa\sum_k \frac{\eta_k}{P\eta_k + \kappa},
    \qquad \gamma = \sum_k \frac{P\eta_k^2}{(P\eta_k + \kappa)^2},

and the test error is

.. math:: E_g = \frac{1}{1-\gamma}\left[\sum_k v_k^2\frac{\kappa^2}{(P\eta_k+\kappa)^2} + \sigma^2\gamma\right],

split into modes by :func:`mode_errors`.

At :math:`\lambda = 0` with :math:`M` modes, :math:`\kappa = 0` for :math:`P \ge M` and :math:`\gamma = M/P`: the error
of the interpolator diverges at :math:`P = M` when :math:`\sigma^2 > 0` (the interpolation peak). For isotropic
Gaussian features the exact finite-:math:`P` means are known (Breiman & Freedman 1983; Hastie, Montanari, Rosset &
Tibshirani 2022): :func:`isotropic_interpolator_error`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ParameterError
from .report import Report
from .solvers import find_root
from .validation import check_int, check_real, check_real_array

__all__ = ["effective_ridge", "learning_curve", "leave_one_out_curve", "mode_errors", "power_law_problem", "kernel_spectrum", "pool_target",
           "isotropic_interpolator_error", "solve_kernel_curve", "solve_leave_one_out", "default_sizes", "KERNELS"]


def _check_problem(eigenvalues, target_power, noise, ridge):
    eigenvalues = check_real_array("eigenvalues", eigenvalues, 0.0, None, low_open=True)
    if eigenvalues.ndim != 1 or eigenvalues.size == 0:
        raise ParameterError("eigenvalues", f"must be a non-empty 1-d array of positive numbers; got shape "
                                            f"{eigenvalues.shape}")
    target_power = check_real_array("target_power", target_power, 0.0, None)
    if target_power.shape != eigenvalues.shape:
        raise ParameterError("target_power", f"must have one entry v_k^2 per eigenvalue ({eigenvalues.size}); got "
                                             f"shape {target_power.shape}")
    return (eigenvalues, target_power, check_real("noise", noise, 0.0, 1e12),
            check_real("ridge", ridge, 0.0, 1e12))


def effective_ridge(eigenvalues, p: float, ridge: float) -> float:
    r"""The effective ridge :math:`\kappa(P)`: the root of :math:`\kappa(1 - \sum_k\eta_k/(P\eta_k+\kappa)) = \lambda`.

    The left side is convex in :math:`\kappa`, vanishes at 0 and grows without bound, so for :math:`\lambda > 0` the
    positive root is unique and bracketed by :math:`(0, \lambda + \sum_k\eta_k]` (searched up to twice that, where
    rounding cannot hide the sign change). At :math:`\lambda = 0` the root is
    :math:`\kappa = 0` when :math:`P \ge M` (every mode is fixed by the data) and otherwise the positive root of
    :math:`\sum_k\eta_k/(P\eta_k+\kappa) = 1`.

    Parameters
    ----------
    eigenvalues : array of positive floats
    p : float
        Number of training points, positive.
    ridge : float
        :math:`\lambda \ge 0`.
    """
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    p = check_real("P", p, 0.0, 1e15, low_open=True)
    ridge = check_real("ridge", ridge, 0.0, 1e12)
    top = ridge + eigenvalues.sum()
    if ridge > 0:
        def excess(log_kappa):
            kappa = np.exp(log_kappa)
            return kappa * (1.0 - np.sum(eigenvalues / (p * eigenvalues + kappa))) - ridge
        low = np.log(ridge) - 1.0
        while excess(low) > 0:  # tiny ridge with many modes: the root is below lambda
            low -= 5.0
        # the root is just below lambda + sum(eta), where the excess is a difference of nearly equal numbers when
        # lambda is large (rounding can give it either sign): 2 (lambda + sum(eta)) is safely above the root
        return float(np.exp(find_root(excess, low, np.log(2 * top), what="the effective ridge kappa", xtol=1e-14,
                                      rtol=1e-14)))
    if p >= eigenvalues.size:
        return 0.0

    def saturation(log_kappa):
        return np.sum(eigenvalues / (p * eigenvalues + np.exp(log_kappa))) - 1.0
    low = np.log(eigenvalues.min()) - 1.0
    while saturation(low) < 0:
        low -= 5.0
    return float(np.exp(find_root(saturation, low, np.log(top), what="the effective ridge kappa (ridgeless, P < M)",
                                  xtol=1e-14, rtol=1e-14)))


def mode_errors(eigenvalues, target_power, p: float, *, ridge: float = 0.0, noise: float = 0.0) -> dict:
    r"""The mode-wise test errors :math:`E_k` at :math:`P` training points, with :math:`\kappa` and :math:`\gamma`.

    .. math:: E_k = \underbrace{v_k^2\frac{\kappa^2}{(P\eta_k+\kappa)^2}}_{\text{shrinkage}}
        + \underbrace{\frac{P\eta_k^2}{(P\eta_k+\kappa)^2}\,(\sigma^2 + E_g)}_{\text{fluctuation}},
        \qquad E_g = \sum_k E_k = \frac{B + \sigma^2\gamma}{1-\gamma},\quad
        B = \sum_k v_k^2\frac{\kappa^2}{(P\eta_k+\kappa)^2}:

    each mode is shrunk towards zero, and fluctuates with the label noise plus the error left on all modes, which acts
    on it as noise (Canatar, Bordelon & Pehlevan 2021, their mode errors in the :math:`v_k` convention). The
    fluctuation part is why well-learned modes carry an error :math:`\approx(\sigma^2 + E_g)/P` rather than
    :math:`\sigma^2/P`.

    Returns ``{"kappa", "gamma", "E_g", "shrinkage" (array), "fluctuation" (array), "total" (array)}``. At the
    interpolation peak (:math:`\lambda = 0`, :math:`P = M`) the error is infinite unless the labels are noiseless.
    """
    eigenvalues, target_power, noise, ridge = _check_problem(eigenvalues, target_power, noise, ridge)
    kappa = effective_ridge(eigenvalues, p, ridge)
    denominator = (p * eigenvalues + kappa) ** 2
    gamma = float(np.sum(p * eigenvalues**2 / denominator))
    # kappa = 0 (lambda = 0, P >= M): every mode is fixed by the data and nothing is shrunk, even at gamma = 1
    shrinkage = target_power * kappa**2 / denominator if kappa > 0 else np.zeros_like(target_power)
    driving = noise + shrinkage.sum()
    if gamma < 1.0 - 1e-15:
        e_g = (shrinkage.sum() + noise * gamma) / (1.0 - gamma)
    else:
        e_g = np.inf if driving > 0 else 0.0
    with np.errstate(invalid="ignore"):
        fluctuation = p * eigenvalues**2 / denominator * (noise + e_g)
    return {"kappa": kappa, "gamma": gamma, "E_g": float(e_g), "shrinkage": shrinkage, "fluctuation": fluctuation,
            "total": shrinkage + fluctuation}


def learning_curve(eigenvalues, target_power, sizes, *, ridge: float = 0.0, noise: float = 0.0) -> pd.DataFrame:
    r"""The theory's learning curve: one row per training-set size :math:`P`.

    Columns ``P``, ``kappa``, ``gamma``, ``bias`` (the target's part :math:`B/(1-\gamma)`), ``variance`` (the label
    noise's part :math:`\sigma^2\gamma/(1-\gamma)`) and ``E_g`` (their sum); see :func:`mode_errors`.
    """
    sizes = check_real_array("P", np.atleast_1d(sizes), 0.0, 1e15, low_open=True)
    rows = []
    for p in sizes:
        errors = mode_errors(eigenvalues, target_power, p, ridge=ridge, noise=noise)
        gamma, e_g = errors["gamma"], errors["E_g"]
        variance = noise * gamma / (1.0 - gamma) if gamma < 1.0 - 1e-15 else (np.inf if noise > 0 else 0.0)
        rows.append({"P": float(p), "kappa": errors["kappa"], "gamma": gamma,
                     "bias": e_g - variance if np.isfinite(e_g) else (0.0 if noise > 0 else e_g),
                     "variance": variance, "E_g": e_g})
    return pd.DataFrame(rows)


def leave_one_out_curve(eigenvalues, target_power, sizes, *, ridge: float, noise: float = 0.0) -> pd.DataFrame:
    r"""The theory's leave-one-out statistics of kernel ridge regression: one row per training-set size :math:`P`.

    With the smoother :math:`S = K(K+\lambda I)^{-1}`, the training residuals are :math:`r = (I - S)y` and the exact
    leave-one-out residuals :math:`r_\mu/(1 - S_{\mu\mu})`. In the theory's limit the diagonal of
    :math:`I - S = \lambda(K + \lambda I)^{-1}` concentrates on

    .. math:: \overline{1 - S_{\mu\mu}} = \frac{\lambda}{\kappa}
        = 1 - \frac1P\sum_k\frac{P\eta_k}{P\eta_k + \kappa},

    (the κ equation divided by κ: one minus the effective degrees of freedom per point), and the leave-one-out error
    estimates the test error on a noisy label, while the training error is shrunk by the same factor squared:

    .. math:: E_\text{loo} = E_g + \sigma^2, \qquad E_\text{train} = \Big(\frac\lambda\kappa\Big)^2(E_g + \sigma^2)

    (Canatar, Bordelon & Pehlevan, Nat. Commun. 12, 2914 (2021), their training error; the leave-one-out form is the
    generalised cross-validation identity of Craven & Wahba 1979 in the same limit). Columns ``P``, ``kappa``,
    ``one_minus_S`` (:math:`\lambda/\kappa`), ``E_g``, ``loo_error``, ``train_error``. Needs :math:`\lambda > 0`.
    """
    check_real("ridge", ridge, 0.0, 1e12, low_open=True)
    curve = learning_curve(eigenvalues, target_power, sizes, ridge=ridge, noise=noise)
    shrink = ridge / curve.kappa
    return pd.DataFrame({"P": curve.P, "kappa": curve.kappa, "one_minus_S": shrink, "E_g": curve.E_g,
                         "loo_error": curve.E_g + noise, "train_error": shrink**2 * (curve.E_g + noise)})


def power_law_problem(modes: int, decay: float, target_decay: float) -> tuple[np.ndarray, np.ndarray]:
    r"""A power-law spectrum :math:`\eta_k = k^{-b}` and target power :math:`v_k^2 \propto k^{-a}` with
    :math:`\sum_k v_k^2 = 1`, :math:`k = 1..M`. ``decay = 0`` gives the isotropic (linear-regression) problem."""
    modes = check_int("modes", modes, 1, 10**7)
    decay = check_real("decay", decay, 0.0, 20.0)
    target_decay = check_real("target_decay", target_decay, 0.0, 40.0)
    k = np.arange(1, modes + 1, dtype=float)
    power = k ** -target_decay
    return k ** -decay, power / power.sum()


def _rbf(x, y, width):
    squared = np.sum(x**2, 1)[:, None] + np.sum(y**2, 1)[None, :] - 2 * x @ y.T
    return np.exp(-np.maximum(squared, 0.0) / (2 * width**2))


def _laplace(x, y, width):
    squared = np.sum(x**2, 1)[:, None] + np.sum(y**2, 1)[None, :] - 2 * x @ y.T
    return np.exp(-np.sqrt(np.maximum(squared, 0.0)) / width)


#: Kernels by name: ``kernel(x, y, width)`` on rows of ``x`` and ``y``.
KERNELS = {"rbf": _rbf, "laplace": _laplace}


def kernel_spectrum(kernel, pool) -> tuple[np.ndarray, np.ndarray]:
    r"""Mercer decomposition of a kernel under the uniform distribution on a finite ``pool`` of points.

    With :math:`M` pool points the integral operator is :math:`K_{pool}/M`; its eigenpairs give
    :math:`\eta_k` and the eigenfunctions :math:`\phi_k(x_i) = \sqrt M\,u_{ik}`, orthonormal under the uniform measure
    (the experiment of Bordelon et al. 2020 on an MNIST pool).

    Parameters
    ----------
    kernel : callable
        ``kernel(x, y)`` returning the Gram matrix between the rows of ``x`` and ``y``.
    pool : ndarray, shape (M, d)

    Returns
    -------
    eigenvalues : ndarray, shape (M',)
        Positive eigenvalues, descending (numerically null directions, below ``1e-12`` times the largest, dropped).
    eigenfunctions : ndarray, shape (M, M')
        :math:`\phi_k(x_i)`.
    """
    pool = np.asarray(pool, dtype=float)
    if pool.ndim != 2 or len(pool) < 2:
        raise ParameterError("pool", f"must be an array of shape (M, d) with M >= 2; got shape {pool.shape}")
    gram = np.asarray(kernel(pool, pool), dtype=float)
    if gram.shape != (len(pool), len(pool)) or not np.allclose(gram, gram.T, atol=1e-10 * np.abs(gram).max()):
        raise ParameterError("kernel", "must return a symmetric (M, M) Gram matrix on the pool")
    values, vectors = np.linalg.eigh(gram / len(pool))
    if values.min() < -1e-8 * values.max():
        raise ParameterError("kernel", f"is not positive semi-definite on the pool (eigenvalue {values.min():.3g})")
    keep = values > 1e-12 * values.max()
    order = np.argsort(values[keep])[::-1]
    return values[keep][order], np.sqrt(len(pool)) * vectors[:, keep][:, order]


def pool_target(eigenfunctions, values) -> tuple[np.ndarray, float]:
    r"""Target power :math:`v_k^2` of a function given by its ``values`` on the pool, and the power left outside the
    kept modes, :math:`\frac1M\sum_i f(x_i)^2 - \sum_k v_k^2` (an error no predictor in the kernel's span removes).

    :math:`v_k = \frac1M\sum_i f(x_i)\phi_k(x_i)` for the eigenfunctions of :func:`kernel_spectrum`.
    """
    eigenfunctions = np.asarray(eigenfunctions, dtype=float)
    values = check_real_array("values", values)
    if values.shape != (len(eigenfunctions),):
        raise ParameterError("values", f"must hold one target value per pool point ({len(eigenfunctions)}); got "
                                       f"shape {values.shape}")
    coefficients = eigenfunctions.T @ values / len(values)
    power = coefficients**2
    return power, max(float(np.mean(values**2) - power.sum()), 0.0)


def isotropic_interpolator_error(modes: int, p: int, *, signal: float = 1.0, noise: float = 0.0) -> float:
    r"""Exact mean test error of the minimum-norm least-squares interpolator for isotropic Gaussian features.

    :math:`x\sim\mathcal N(0, I_M)`, :math:`\|v\|^2 =` ``signal``: for :math:`P \le M-2`,
    :math:`E_g = \|v\|^2(1 - P/M) + \sigma^2 P/(M - P - 1)`; for :math:`P \ge M+2`, :math:`E_g = \sigma^2 M/(P - M - 1)`
    (the mean of an inverse Wishart matrix; Hastie, Montanari, Rosset & Tibshirani, Ann. Stat. 50 (2022), Thm. 1 and
    its finite-sample form). The theory gives the same with :math:`M - P` and :math:`P - M` in the denominators; the
    mean is infinite for :math:`|P - M| \le 1` when :math:`\sigma^2 > 0`.
    """
    modes = check_int("modes", modes, 1, 10**7)
    p = check_int("P", p, 1, 10**9)
    signal = check_real("signal", signal, 0.0, 1e12)
    noise = check_real("noise", noise, 0.0, 1e12)
    if abs(p - modes) <= 1:
        return np.inf if noise > 0 else (signal * (1 - p / modes) if p < modes else 0.0)
    if p < modes:
        return signal * (1 - p / modes) + noise * p / (modes - p - 1)
    return noise * modes / (p - modes - 1)


def default_sizes(modes: int) -> list[int]:
    """Thirteen training-set sizes spaced geometrically from 1 to :math:`10M`."""
    return np.unique(np.geomspace(1, 10 * modes, 13).round().astype(int)).tolist()


def solve_kernel_curve(P=None, *, modes: int = 1000, decay: float = 1.5, target_decay: float = 1.5,
                       ridge: float = 1e-3, noise: float = 0.05) -> Report:
    """The learning curve of a power-law problem (:func:`power_law_problem`) at the training-set sizes ``P``
    (default :func:`default_sizes`)."""
    sizes = default_sizes(modes) if P is None else P
    eigenvalues, target_power = power_law_problem(modes, decay, target_decay)
    curve = learning_curve(eigenvalues, target_power, sizes, ridge=ridge, noise=noise)
    peak = ridge == 0 and noise > 0 and np.any(curve.P == modes)
    quantities = {name: curve[name].tolist() for name in curve.columns}
    return Report("kernel-curve",
                  {"P": [int(p) for p in curve.P], "modes": modes, "decay": decay, "target_decay": target_decay,
                   "ridge": ridge, "noise": noise},
                  quantities, "warning" if peak else "success",
                  "interpolation peak: E_g is infinite at P = M with ridge 0 and noise > 0" if peak else
                  "kappa = lambda + kappa sum_k eta_k/(P eta_k + kappa) (Bordelon, Canatar & Pehlevan 2020)")


def solve_leave_one_out(N=None, *, modes: int = 400, decay: float = 1.5, target_decay: float = 1.5,
                        ridge: float = 1e-3, noise: float = 0.05) -> Report:
    r"""Leave-one-out statistics of a linearised model trained with the square loss on :math:`N` points
    (:func:`leave_one_out_curve`), in the per-sample convention of :mod:`capacity.influence`: the objective
    :math:`\frac1N\sum_i\frac12(f(x_i) - y_i)^2 + \frac\lambda2|\delta|^2` is kernel ridge regression with ridge
    :math:`N\lambda`, so the theory is evaluated at :math:`\lambda' = N\lambda` for each :math:`N` (default: eight
    sizes from 50 to :math:`4M`)."""
    sizes = np.unique(np.geomspace(50, 4 * modes, 8).round().astype(int)).tolist() if N is None else list(N)
    eigenvalues, target_power = power_law_problem(modes, decay, target_decay)
    ridge = check_real("ridge", ridge, 0.0, 1e6, low_open=True)
    rows = pd.concat([leave_one_out_curve(eigenvalues, target_power, [n], ridge=n * ridge, noise=noise)
                      for n in sizes], ignore_index=True).rename(columns={"P": "N"})
    rows["N"] = rows.N.astype(int)
    return Report("influence",
                  {"N": rows.N.tolist(), "modes": modes, "decay": decay, "target_decay": target_decay, "ridge": ridge,
                   "noise": noise},
                  {name: rows[name].tolist() for name in rows.columns}, "success",
                  "mean(1 - S_ii) = N lambda / kappa, leave-one-out error = E_g + sigma^2 (Canatar, Bordelon & "
                  "Pehlevan 2021; Sun & Valaee 2026 for the dual influence)")
