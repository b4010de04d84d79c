r"""Bayes-optimal error of the noisy quadratic network at extensive width (Maillard, Troiani, Martin, Krzakala &
Zdeborová, NeurIPS 2024, "Bayes-optimal learning of an extensive-width neural network from quadratically many
samples").

Model, in the units of :mod:`replica.extensive_width` (activation ``quadratic``, homogeneous readouts
:math:`v_i = 1/\sqrt k`, :math:`\beta = 0`): :math:`y = \sum_{i\le k} (h_i^2 - 1)/\sqrt k + \sqrt\Delta\,z`,
:math:`h_i = w_i\cdot x/\sqrt d`, :math:`k = \kappa d`, :math:`n = \alpha d^2`. With :math:`S = W^\top W/k`
(a :math:`d\times d` Wishart matrix of mean :math:`I`), :math:`y = \frac{\sqrt k}d(x^\top Sx - \operatorname{Tr}S)
+ \sqrt\Delta z`, and a predictor :math:`\hat S` errs on the noiseless output by
:math:`\epsilon = 2\kappa\,\frac1d\|S - \hat S\|_F^2` (so :math:`\epsilon = g(1) = 2` with no data, as in the
decoupled closure).

Theory. Learning :math:`S` from the :math:`n` observations is a generalised linear model in a rotationally invariant
matrix; its replica-symmetric free entropy reduces to matrix denoising, :math:`Y = S + \hat q^{-1/2}\,\xi` with
:math:`\xi` a GOE matrix of semicircle variance 1, whose MMSE is given by the spectral density :math:`\rho` of
:math:`Y` alone (Bun, Allez, Bouchaud & Potters 2016; Maillard et al. 2022):

.. math:: \operatorname{mmse}(\hat q) = \frac1{\hat q} - \frac{4\pi^2}{3\hat q^2}\int\rho(x)^3\,dx .

:math:`\rho` is the free convolution of the Marchenko–Pastur law of :math:`S` (ratio :math:`1/\kappa`, mean 1;
R-transform :math:`1/(1 - g/\kappa)`) with a semicircle of variance :math:`\sigma^2 = 1/\hat q` (R-transform
:math:`\sigma^2 g`). Inverting :math:`z = R(g) + 1/g` gives the cubic for the Stieltjes transform (derived by us),

.. math:: \sigma^2 g^3 - (z + \kappa\sigma^2)g^2 + (\kappa z - \kappa + 1)g - \kappa = 0,

and :math:`\rho(x) = \max\operatorname{Im} g(x + i0)/\pi`; the edges of its support are the real roots of the
cubic's discriminant in :math:`z` (a quartic, computed with sympy). The state evolution of the Gaussian channel
closes the system,

.. math:: \hat q = \frac{4\kappa\alpha}{\epsilon + \Delta},\qquad \epsilon = 2\kappa\operatorname{mmse}(\hat q),

(in the units above: the authors' :math:`\hat q(\text{mmse} + \Delta'/2) = 2\alpha` with their noise
:math:`\Delta' = \Delta/\kappa`). Checks (tests): no data gives :math:`\epsilon = 2`; at large :math:`\alpha` the error
falls as :math:`\Delta D/n` with :math:`D/d^2 = \kappa - \kappa^2/2` the dimension of rank-:math:`k` PSD matrices
(least squares on a :math:`D`-dimensional manifold); as :math:`\Delta \to 0` the error vanishes from
:math:`\alpha = \kappa - \kappa^2/2` (:math:`1/2` for :math:`\kappa \ge 1`), the noiseless perfect-recovery threshold
of the same paper.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.integrate import quad

from .errors import ConvergenceError
from .solvers import find_root
from .validation import check_real

__all__ = ["spectral_density", "support_edges", "denoising_mmse", "quadratic_bayes_error", "closure_comparison",
           "QUADRATIC_G1"]

#: :math:`g(1) = \mathbb E[(z^2 - 1)^2]`: the error with no data.
QUADRATIC_G1 = 2.0


@lru_cache(maxsize=1)
def _discriminant_coefficients():
    """The discriminant of the Stieltjes cubic as a quartic in z, coefficients as functions of (sigma^2, kappa)."""
    import sympy as sp

    g, z, s, k = sp.symbols("g z s kappa")
    cubic = s * g**3 - (z + k * s) * g**2 + (k * z - k + 1) * g - k
    quartic = sp.Poly(sp.discriminant(cubic, g), z)
    return [sp.lambdify((s, k), c, "math") for c in quartic.all_coeffs()]


def _stieltjes_roots(x, sigma2: float, kappa: float) -> np.ndarray:
    """Roots of the cubic at z = x + i0 for an array of x, shape (len(x), 3), from batched companion matrices."""
    z = np.asarray(x, dtype=complex) + 1e-12j
    a = np.full_like(z, sigma2)
    b, c, d = -(z + kappa * sigma2), kappa * z - kappa + 1, np.full_like(z, -kappa)
    companion = np.zeros((z.size, 3, 3), dtype=complex)
    companion[:, 0, :] = -np.stack([b / a, c / a, d / a], axis=1)
    companion[:, 1, 0] = companion[:, 2, 1] = 1.0
    return np.linalg.eigvals(companion)


def spectral_density(x, sigma2: float, kappa: float) -> np.ndarray:
    r"""Density of Marchenko–Pastur (ratio :math:`1/\kappa`, mean 1) :math:`\boxplus` semicircle (variance
    :math:`\sigma^2 > 0`) at the points ``x``: :math:`\max\operatorname{Im} g/\pi` over the cubic's roots."""
    roots = _stieltjes_roots(np.atleast_1d(x), sigma2, kappa)
    return np.maximum(roots.imag.max(axis=1), 0.0) / math.pi


def support_edges(sigma2: float, kappa: float) -> np.ndarray:
    """Edges of the support of :func:`spectral_density`: the real roots of the discriminant quartic where the
    density changes between zero and positive, in increasing order (two or four)."""
    coefficients = [f(sigma2, kappa) for f in _discriminant_coefficients()]
    roots = np.roots(coefficients)
    real = np.sort(roots[np.abs(roots.imag) <= 1e-9 * (1 + np.abs(roots.real))].real)
    if real.size not in (2, 4):
        raise ConvergenceError(f"the support of the spectral density has {real.size} edges at sigma^2 = {sigma2:g}, "
                               f"kappa = {kappa:g}")
    return real


def denoising_mmse(q_hat: float, kappa: float) -> float:
    r"""MMSE of :math:`S` from :math:`Y = S + \hat q^{-1/2}\xi`, per :math:`\frac1d\|\cdot\|_F^2`: the integral of
    :math:`\rho^3` over each support interval by adaptive quadrature (its edges from :func:`support_edges`)."""
    sigma2 = 1.0 / q_hat
    edges = support_edges(sigma2, kappa)
    integral = sum(quad(lambda x: float(spectral_density(x, sigma2, kappa)[0]) ** 3, lo, hi, epsabs=1e-13,
                        epsrel=1e-10, limit=200)[0] for lo, hi in zip(edges[::2], edges[1::2]))
    return sigma2 - 4 * math.pi**2 / 3 * sigma2**2 * integral


def quadratic_bayes_error(n_over_d2: float, kappa: float, Delta: float) -> dict:
    r"""The Bayes-optimal error :math:`\epsilon` of the noisy quadratic network (module docstring): the root in
    :math:`\log\hat q` of :math:`\hat q(\epsilon(\hat q) + \Delta) = 4\kappa\alpha`, whose left side increases with
    :math:`\hat q`. Returns ``gen_error``, ``q_hat`` and ``mmse`` (of :math:`S`). ``Delta`` must be positive: the
    noiseless error is zero from the threshold on (:func:`replica.extensive_width.perfect_recovery_alpha`)."""
    alpha = check_real("n_over_d2", n_over_d2, 0.0, 1e6, low_open=True)
    kappa = check_real("kappa", kappa, 0.0, 100.0, low_open=True)
    Delta = check_real("Delta", Delta, 0.0, 100.0, low_open=True)

    def balance(log_q):
        q_hat = math.exp(log_q)
        return math.log(q_hat * (2 * kappa * denoising_mmse(q_hat, kappa) + Delta)) - math.log(4 * kappa * alpha)

    low, high = math.log(1e-8), math.log(4 * kappa * alpha / Delta) + 1.0  # q_hat (eps + Delta) >= q_hat Delta
    log_q = find_root(balance, low, high, what="q_hat of the quadratic network")
    q_hat = math.exp(log_q)
    mmse = denoising_mmse(q_hat, kappa)
    return {"gen_error": 2 * kappa * mmse, "q_hat": q_hat, "mmse": mmse}


def closure_comparison(n_over_d2_values, kappa: float, Delta: float) -> pd.DataFrame:
    r"""The exact Bayes-optimal error against the decoupled (leave-one-out) closure of
    :mod:`replica.extensive_width` at the same parameters (quadratic activation, homogeneous readouts): one row per
    budget with ``exact``, ``decoupled`` and their ``ratio``. The closure counts :math:`kd` unknowns where the
    rank-:math:`k` PSD matrix has :math:`kd - k^2/2`, so at large budgets the ratio tends to
    :math:`1/(1 - \kappa/2)`; near the recovery threshold it is off by much more."""
    from .extensive_width import solve_overlaps

    rows = []
    for alpha in np.atleast_1d(n_over_d2_values):
        exact = quadratic_bayes_error(float(alpha), kappa, Delta)["gen_error"]
        decoupled = solve_overlaps(float(alpha), beta=0.0, kappa=kappa, Delta=Delta, d=max(2, round(100 / kappa)),
                                   activation="quadratic").gen_error
        rows.append({"n_over_d2": float(alpha), "exact": exact, "decoupled": decoupled, "ratio": decoupled / exact})
    return pd.DataFrame(rows)
