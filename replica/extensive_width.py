r"""Extensive-width two-layer networks, Bayes-optimal: feature overlaps, error, effective width (Nguyen & Barbier 2026).

Teacher :math:`y = \sum_{i=1}^k v_i\,\sigma(w_i\cdot x/\sqrt d) + \sqrt\Delta\,z` with :math:`k = \kappa d` orthogonal
rows of norm :math:`\sqrt d`, known readouts :math:`v_i = i^{-\beta}/\sqrt{\sum_{j\le k} j^{-2\beta}}`, and
:math:`n = \alpha d^2` samples (Nguyen & Barbier 2026). Here :math:`\kappa` is the width ratio :math:`k/d` (the
reference's :math:`\gamma`), as on the command line.

Leave-one-out decoupling
------------------------
Seen from feature :math:`i`, the label is :math:`v_i\sigma(w_i\cdot x/\sqrt d)` plus a noise made of the label noise
and the part of the other features the posterior has not explained, of variance :math:`\Delta + \epsilon` (to
leading order the missing contribution of one feature is negligible). Each feature is then a single-feature
Bayes-optimal problem: :math:`n` observations of :math:`\sigma(w\cdot x/\sqrt d)` at signal-to-noise
:math:`v_i^2/(\Delta + \epsilon)`, for :math:`d` unknowns. Writing :math:`g(q) = \mathbb E[\sigma(u)\sigma(u')]`
(standard Gaussians of correlation :math:`q`; the Hermite series :math:`\sum_\ell \mu_\ell^2 q^\ell/\ell!`), its free
entropy per unknown at overlap :math:`q` with the teacher row is the energy :math:`\tfrac12\lambda g(q)` gained in the
:math:`n/d` observations per unknown plus the entropy :math:`\tfrac12[q + \ln(1 - q)]` of the spherical prior at
overlap :math:`q`, with

.. math:: \lambda_i = \frac{n}{d}\,\frac{v_i^2}{\Delta + \epsilon}.

So the overlap :math:`m(\lambda)` maximises :math:`\phi_\lambda(q) = \lambda g(q) + q + \ln(1 - q)` on
:math:`[0, 1)`, with stationary points :math:`q = r/(1+r)`, :math:`r = \lambda g'(q)`. The error closes the system,

.. math:: q_i = m(\lambda_i), \qquad \epsilon = \sum_i v_i^2\,[g(1) - g(q_i)],

:math:`\epsilon` being the Bayes-optimal error on the noiseless teacher output.

Solution
--------
:math:`m` is a fixed function of one variable. Where :math:`g = O(q^3)` (``tanh``: the linear part removed, odd)
:math:`\phi_\lambda` has a second maximum only beyond the spinodal :math:`\lambda_s = \min_q \Lambda(q)`,
:math:`\Lambda(q) = q/((1-q) g'(q))` (the :math:`\lambda` at which :math:`q` is stationary), and it beats
:math:`q = 0` beyond :math:`\lambda_e`, the root of :math:`\phi_\lambda(q_+(\lambda)) = 0` (free-entropy comparison):
a first-order jump of size :math:`q_+(\lambda_e)`. Where :math:`g` starts at :math:`q^2` (quadratic) the transition is
continuous at :math:`\lambda_e = \lambda_s = 1/g''(0)`. Above :math:`\lambda_e`, :math:`m` is the inverse of the
increasing branch of :math:`\Lambda`, tabulated once in :math:`t = -\ln(1 - q)` (to :math:`1 - q = e^{-40}`) and
inverted by a monotone spline, so the closure for :math:`10^4` features costs a few spline evaluations.
:math:`\epsilon \mapsto \sum_i v_i^2[g(1) - g(q_i(\epsilon))] - \epsilon` is strictly decreasing (a larger error
lowers every :math:`\lambda_i`), so the fixed point is unique and found by bisection; when it falls on a jump (one
feature exactly at its threshold) the report says so and gives the residual.

Consequences: feature :math:`i` is learnt when :math:`(n/d)v_i^2 \ge \lambda_e(\Delta + \epsilon)`, hence the
effective width :math:`k_c = \#\{q_i > 0\} \propto (n/d)^{1/(2\beta)}`; the unlearnt tail gives
:math:`\epsilon \propto k_c^{1 - 2\beta} \propto k_c d/n` while :math:`k_c < k`, and once all features are learnt
:math:`1 - q_i \approx (\Delta + \epsilon)d/(n v_i^2 g'(1))` gives :math:`\epsilon \approx \kappa(\Delta+\epsilon)/\alpha
\propto 1/n` (refinement). In the noiseless case the same expansion gives perfect recovery
(:math:`\epsilon = 0`) exactly when :math:`\alpha \ge \kappa`: the decoupled system counts :math:`kd` unknowns. The
exact Bayes-optimal threshold for quadratic activation (Maillard, Troiani, Martin, Krzakala & Zdeborová 2024) is
lower, :math:`\alpha = \kappa - \kappa^2/2`, the dimension of rank-:math:`k` PSD matrices over :math:`d^2`: the
decoupling misses the :math:`k^2/2` rotations among features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numpy.polynomial import polynomial as P
from numpy.polynomial.hermite_e import hermegauss
from scipy.interpolate import PchipInterpolator

from .errors import ParameterError
from .solvers import find_root
from .report import Report
from .validation import check_int, check_real

__all__ = ["ACTIVATIONS", "HermiteActivation", "activation_function", "ScalarChannel", "scalar_channel", "readouts",
           "ExtensiveWidthSolution", "solve_overlaps", "user_readouts", "READOUT_DENSITIES", "size_surface",
           "model_size_scaling", "solve_extensive_width_size", "overlap_path", "feature_onsets", "fit_scaling",
           "scaling_table", "budget_range", "solve_extensive_width", "solve_extensive_width_scaling",
           "perfect_recovery_alpha"]

#: Hermite terms kept (the tanh coefficients' squares sum to E[sigma^2] within 1e-8 by then).
HERMITE_TERMS = 200
_QUADRATURE_NODES = 300
#: The tabulated upper branch reaches 1 - q = exp(-MAX_T).
MAX_T = 40.0


#: Activations by name: (function, its derivative, whether to remove its linear Hermite part, description).
ACTIVATIONS = {
    "tanh": (lambda x: np.tanh(2 * x), lambda x: 2 * (1 - np.tanh(2 * x) ** 2), True,
             "tanh(2x) - mu_1 x (the authors' choice: linear part removed)"),
    "quadratic": (lambda x: x**2 - 1, lambda x: 2 * x, False, "x^2 - 1 (matrix sensing of a rank-k PSD matrix)"),
}


@dataclass(frozen=True)
class HermiteActivation:
    r"""An activation through its normalised Hermite coefficients :math:`c_\ell = \mu_\ell/\sqrt{\ell!}`.

    ``g(q)`` :math:`= \sum_\ell c_\ell^2 q^\ell` and its derivatives are polynomials (exact for polynomial
    activations, truncated at :data:`HERMITE_TERMS` otherwise). Calling it evaluates :math:`\sigma(x)` (with the
    removed linear part ``slope`` subtracted); :meth:`derivative` gives :math:`\sigma'(x)`.
    """

    name: str
    coefficients: np.ndarray
    slope: float

    def __call__(self, x):
        return ACTIVATIONS[self.name][0](x) - self.slope * x

    def derivative(self, x):
        return ACTIVATIONS[self.name][1](x) - self.slope

    def g(self, q, derivative: int = 0):
        """:math:`g^{(j)}(q)` for ``derivative`` j."""
        return P.polyval(q, P.polyder(self.coefficients**2, derivative) if derivative else self.coefficients**2)

    def gap_to_one(self, s):
        r""":math:`g(1) - g(1 - s)`, by a Taylor expansion at :math:`q = 1` where :math:`s < 10^{-3}` (no cancellation)."""
        s = np.asarray(s, dtype=float)
        direct = self.g(1.0) - self.g(1.0 - s)
        taylor = sum((-1) ** (j + 1) * self.g(1.0, j) / math.factorial(j) * s**j for j in range(1, 6))
        return np.where(s < 1e-3, taylor, direct)


@lru_cache(maxsize=None)
def activation_function(name: str) -> HermiteActivation:
    """The named activation of :data:`ACTIVATIONS` with its Hermite coefficients (Gauss–Hermite quadrature)."""
    if name not in ACTIVATIONS:
        raise ParameterError("activation", f"must be one of {', '.join(ACTIVATIONS)}; got {name!r}")
    function, _, remove_linear, _ = ACTIVATIONS[name]
    nodes, weights = hermegauss(_QUADRATURE_NODES)
    weights = weights / weights.sum()
    values = function(nodes)
    slope = float(np.sum(weights * nodes * values)) if remove_linear else 0.0
    values = values - slope * nodes
    coefficients = np.empty(HERMITE_TERMS + 1)
    previous, current = np.zeros_like(nodes), np.ones_like(nodes)
    for ell in range(HERMITE_TERMS + 1):  # normalised probabilists' Hermite recurrence
        coefficients[ell] = np.sum(weights * values * current)
        previous, current = current, (nodes * current - math.sqrt(ell) * previous) / math.sqrt(ell + 1)
    coefficients[np.abs(coefficients) < 1e-14] = 0.0
    return HermiteActivation(name, coefficients, slope)


class ScalarChannel:
    r"""The single-feature problem: :math:`m(\lambda) = \arg\max_{q\in[0,1)} \lambda g(q) + q + \ln(1-q)`.

    Attributes
    ----------
    lambda_s, lambda_e : float
        Spinodal (the upper branch appears) and equilibrium threshold (it beats :math:`q = 0`).
    q_jump : float
        The overlap just above :math:`\lambda_e` (0 for a continuous transition).
    """

    def __init__(self, act: HermiteActivation, points: int = 4000):
        self.activation = act
        t = np.linspace(1e-6, MAX_T, points)
        t = np.concatenate([np.geomspace(1e-6, 1.0, points // 4, endpoint=False), t[t >= 1.0]])
        s = np.exp(-t)
        q = 1.0 - s
        slope = act.g(q, 1)
        if np.any(slope <= 0):
            raise ParameterError("activation", f"{act.name}: g'(q) must be positive on (0, 1)")
        log_lambda = np.log(q) - np.log(s) - np.log(slope)
        lowest = int(np.argmin(log_lambda))
        branch_t, branch_log_lambda = t[lowest:], log_lambda[lowest:]
        if np.any(np.diff(branch_log_lambda) <= 0):
            raise ParameterError("activation", f"{act.name}: Lambda(q) is not increasing beyond its minimum; the "
                                 "scalar channel has more than one upper branch")
        self.lambda_s = float(np.exp(branch_log_lambda[0]))
        branch = PchipInterpolator(branch_log_lambda, branch_t, extrapolate=False)

        def free_entropy(log_lam):
            t_up = float(branch(log_lam))
            q_up = -math.expm1(-t_up)
            return math.exp(log_lam) * float(act.g(q_up)) + q_up - t_up  # ln(1 - q) = -t

        if lowest == 0 or free_entropy(branch_log_lambda[0]) >= 0:
            self.lambda_e, self.continuous = self.lambda_s, True
        else:
            self.lambda_e = math.exp(find_root(free_entropy, branch_log_lambda[0], branch_log_lambda[-1],
                                               what="the jump lambda_e (zero of phi_lambda on the upper branch)",
                                               xtol=1e-13))
            self.continuous = False
        self._branch = branch
        self._log_lambda_max = float(branch_log_lambda[-1])
        self.q_jump = 0.0 if self.continuous else float(-math.expm1(-float(branch(math.log(self.lambda_e)))))

    def upper_branch(self, lam) -> np.ndarray:
        r""":math:`-\ln(1 - q_+(\lambda))` on the upper branch (nan below :math:`\lambda_s`; asymptotic beyond the table)."""
        log_lam = np.log(np.asarray(lam, dtype=float))
        t = self._branch(np.clip(log_lam, None, self._log_lambda_max))
        # beyond the table 1 - q = 1/(lambda g'(1)) to relative order e^-40
        far = log_lam > self._log_lambda_max
        return np.where(far, log_lam + math.log(float(self.activation.g(1.0, 1))), t)

    def overlap(self, lam) -> np.ndarray:
        """Equilibrium overlap :math:`m(\\lambda)` (0 below :math:`\\lambda_e`)."""
        lam = np.asarray(lam, dtype=float)
        learnt = lam > self.lambda_e
        t = self.upper_branch(np.where(learnt, lam, self.lambda_e * 2))
        return np.where(learnt, -np.expm1(-t), 0.0)

    def error_contribution(self, lam) -> np.ndarray:
        """:math:`g(1) - g(m(\\lambda))`, accurate for :math:`m` close to 1."""
        lam = np.asarray(lam, dtype=float)
        learnt = lam > self.lambda_e
        t = self.upper_branch(np.where(learnt, lam, self.lambda_e * 2))
        return np.where(learnt, self.activation.gap_to_one(np.exp(-t)), float(self.activation.g(1.0)))


@lru_cache(maxsize=None)
def scalar_channel(name: str) -> ScalarChannel:
    """The (cached) scalar channel of a named activation."""
    return ScalarChannel(activation_function(name))


def readouts(k: int, beta: float, density: str = "power-law") -> np.ndarray:
    r"""Readouts normalised to :math:`\sum_i v_i^2 = 1`, in decreasing order of :math:`|v_i|`.

    ``power-law``: :math:`v_i = i^{-\beta}/\sqrt{\sum_{j\le k} j^{-2\beta}}` (Nguyen & Barbier 2026; ``beta = 0``
    the homogeneous network). The other densities give :math:`|v_i|` at the quantiles :math:`(i - \tfrac12)/k` of a
    distribution (the typical profile of :math:`k` readouts drawn from it, reproducible): ``gaussian``
    (:math:`|z|`, :math:`z\sim\mathcal N(0,1)`), ``uniform`` (on :math:`[0, 1]`), ``pareto`` (tail
    :math:`P(|v| > t) = t^{-1/\beta}` for :math:`t \ge 1`, whose ordered values behave like :math:`i^{-\beta}`).
    ``beta`` is used by ``power-law`` and ``pareto`` only."""
    k = check_int("k", k, 1, 10**7)
    upper = 1.0 - (np.arange(1, k + 1) - 0.5) / k  # decreasing quantile levels
    if density == "power-law":
        v = np.arange(1, k + 1, dtype=float) ** (-beta)
    elif density == "gaussian":
        from scipy.special import ndtri

        v = ndtri(0.5 + upper / 2)
    elif density == "uniform":
        v = upper
    elif density == "pareto":
        v = (1.0 - upper) ** (-beta) if beta > 0 else np.ones(k)
    else:
        raise ParameterError("density", f"must be one of {', '.join(READOUT_DENSITIES)}; got {density!r}")
    return v / np.linalg.norm(v)


#: Readout profiles (:func:`readouts`).
READOUT_DENSITIES = ("power-law", "gaussian", "uniform", "pareto")


def user_readouts(values) -> np.ndarray:
    r"""A user's readout vector (an array, or a file: ``.npy`` or text with one number per entry), checked finite
    and not all zero, in decreasing order of :math:`|v_i|` (a student of width :math:`m` holds the :math:`m`
    largest). It is not rescaled: the error is in the units of :math:`\sum_i v_i^2`."""
    if isinstance(values, (str, bytes)) or hasattr(values, "__fspath__"):
        path = str(values)
        try:
            values = np.load(path) if path.endswith(".npy") else np.loadtxt(path, ndmin=1)
        except (OSError, ValueError) as error:
            raise ParameterError("readouts", f"cannot read numbers from {path!r}: {error}") from None
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0 or not np.all(np.isfinite(v)) or not np.any(v):
        raise ParameterError("readouts", "must be a non-empty vector of finite numbers, not all zero")
    if v.size > 10**6:
        raise ParameterError("readouts", f"at most 1e6 features per solve; got {v.size}")
    return v[np.argsort(-np.abs(v), kind="stable")]


#: Smallest readout exponent of the scaling laws: for beta <= 1/2 the readouts' power is not summable as k -> infinity
#: (every feature carries O(1/k)), so there is no learning regime with an exponent to fit.
SCALING_BETA = 0.5


def _check(beta, kappa, Delta, d):
    beta = check_real("beta", beta, 0.0, 10.0)  # any profile at finite k = kappa d (beta = 0: homogeneous readouts)
    kappa = check_real("kappa", kappa, 0.0, 100.0, low_open=True)
    Delta = check_real("Delta", Delta, 0.0, 100.0)
    d = check_int("d", d, 2, 10**7)
    k = max(1, round(kappa * d))
    if k > 10**6:
        raise ParameterError("kappa", f"kappa * d: at most 1e6 features per solve; got k = {k}")
    return beta, kappa, Delta, d, k


@dataclass(frozen=True)
class ExtensiveWidthSolution:
    """Fixed point of the closure at one data budget.

    ``overlaps`` are the :math:`q_i` in the order of the readouts; ``residual`` is
    :math:`|\\sum_i v_i^2[g(1) - g(q_i)] - \\epsilon|` (nonzero only when the fixed point sits on a jump, with
    ``at_jump`` the feature at its threshold).
    """

    n_over_d2: float
    gen_error: float
    overlaps: np.ndarray
    k_c: int
    residual: float
    at_jump: int | None
    iterations: int
    width: int | None = None
    unlearnable_error: float = 0.0


def solve_overlaps(n_over_d2: float, *, beta: float = 1.0, kappa: float = 0.5, Delta: float = 0.1, d: int = 1000,
                   activation: str = "tanh", width: int | None = None, readout=None,
                   density: str = "power-law") -> ExtensiveWidthSolution:
    r"""Solve :math:`q_i = m(\lambda_i)`, :math:`\epsilon = \sum_i v_i^2[g(1) - g(q_i)]` by bisection in :math:`\epsilon`.

    ``readout`` (a vector or a file, :func:`user_readouts`) replaces the profile of ``beta``, ``kappa`` and
    ``density`` (:func:`readouts`). A student of ``width`` :math:`m < k` holds the :math:`m` largest readouts; the
    features beyond cannot be learnt and act as extra label noise (Nguyen & Barbier 2026, their account of
    model-size scaling),

    .. math:: \Delta_\text{eff} = \Delta + g(1)\sum_{i>m} v_i^2,

    the closure runs over the :math:`m` features at noise :math:`\Delta_\text{eff}`, and the error on the noiseless
    teacher output is its :math:`\epsilon` plus the unlearnable part :math:`g(1)\sum_{i>m}v_i^2`
    (``unlearnable_error``)."""
    if readout is None:
        beta, kappa, Delta, d, k = _check(beta, kappa, Delta, d)
        v2_all = readouts(k, beta, density) ** 2
    else:
        Delta = check_real("Delta", Delta, 0.0, 100.0)
        d = check_int("d", d, 2, 10**7)
        v2_all = user_readouts(readout) ** 2
        k = v2_all.size
    width = k if width is None else check_int("width", width, 1, k)
    alpha = check_real("n_over_d2", n_over_d2, 0.0, 1e12, low_open=True)
    channel = scalar_channel(activation)
    g1 = float(channel.activation.g(1.0))
    v2, unlearnable = v2_all[:width], g1 * float(v2_all[width:].sum())
    solution = _closure(alpha, v2, Delta + unlearnable, d, channel)
    return ExtensiveWidthSolution(alpha, solution.gen_error + unlearnable, solution.overlaps, solution.k_c,
                                  solution.residual, solution.at_jump, solution.iterations, width, unlearnable)


def _closure(alpha: float, v2: np.ndarray, Delta: float, d: int, channel) -> ExtensiveWidthSolution:
    """The closure over the features of powers ``v2`` at noise ``Delta`` (see :func:`solve_overlaps`)."""
    per_feature = alpha * d * v2  # (n/d) v_i^2
    k = v2.size

    def excess(eps):
        return float(np.dot(v2, channel.error_contribution(per_feature / (Delta + eps)))) - eps

    low, high = 0.0, float(channel.activation.g(1.0)) * float(v2.sum())  # excess(high) <= 0: each term <= v_i^2 g(1)
    iterations = 0
    if Delta == 0:
        low = 1e-300
        if excess(low) <= 0:  # noiseless and every feature refined: perfect recovery
            overlaps = np.ones(k)
            return ExtensiveWidthSolution(alpha, 0.0, overlaps, k, 0.0, None, 0)
    while high - low > 1e-15 * max(high, 1e-300) and iterations < 200:
        iterations += 1
        middle = 0.5 * (low + high) if Delta > 0 or high / low < 4 else math.sqrt(low * high)
        if excess(middle) > 0:
            low = middle
        else:
            high = middle
    eps = high
    lam = per_feature / (Delta + eps)
    overlaps = channel.overlap(lam)
    residual = abs(excess(eps))
    at_jump = None
    if residual > 1e-9 * max(eps, 1e-12):
        at_jump = int(np.argmin(np.abs(lam / channel.lambda_e - 1)))
    return ExtensiveWidthSolution(alpha, eps, overlaps, int(np.count_nonzero(overlaps)), residual, at_jump,
                                  iterations)


def overlap_path(n_over_d2_values, **params) -> pd.DataFrame:
    """:func:`solve_overlaps` along a grid of ``n_over_d2``: one row per budget (``gen_error``, ``k_c``, ...)."""
    rows = []
    for alpha in n_over_d2_values:
        solution = solve_overlaps(float(alpha), **params)
        rows.append({"n_over_d2": solution.n_over_d2, "gen_error": solution.gen_error, "k_c": solution.k_c,
                     "mean_overlap": float(solution.overlaps.mean()), "residual": solution.residual,
                     "at_jump": solution.at_jump, "overlaps": solution.overlaps})
    return pd.DataFrame(rows)


def feature_onsets(features, *, beta: float = 1.0, kappa: float = 0.5, Delta: float = 0.1, d: int = 1000,
                   activation: str = "tanh") -> pd.DataFrame:
    r"""Data budget at which feature ``i`` (1-based) jumps on, and its spinodal, self-consistently.

    The jump is the smallest :math:`\alpha` with :math:`q_i > 0` at the fixed point, i.e. where
    :math:`\alpha d v_i^2 = \lambda_e(\Delta + \epsilon(\alpha))`; the spinodal budget solves the same with
    :math:`\lambda_s` (the upper branch exists as a metastable state from there). Both by bisection in
    :math:`\log\alpha`; the jump size is :math:`q_+(\lambda_e)`.
    """
    beta, kappa, Delta, d, k = _check(beta, kappa, Delta, d)
    channel = scalar_channel(activation)
    v2 = readouts(k, beta) ** 2
    rows = []
    for i in features:
        i = check_int("feature", i, 1, k)

        def margin(log_alpha, threshold):
            solution = solve_overlaps(math.exp(log_alpha), beta=beta, kappa=kappa, Delta=Delta, d=d,
                                      activation=activation)
            return math.exp(log_alpha) * d * v2[i - 1] - threshold * (Delta + solution.gen_error)

        onset = {}
        for name, threshold in (("n_over_d2_jump", channel.lambda_e), ("n_over_d2_spinodal", channel.lambda_s)):
            # margin is increasing in alpha (epsilon decreases with alpha)
            low, high = math.log(1e-12), math.log(1e9)
            onset[name] = math.exp(find_root(lambda x: margin(x, threshold), low, high,
                                             what=f"the {name} budget of feature {i}", xtol=1e-10))
        rows.append({"feature": i, **onset, "jump_size": channel.q_jump})
    return pd.DataFrame(rows)


def fit_scaling(path: pd.DataFrame, k: int) -> dict:
    r"""Fitted exponents of :math:`\epsilon(n)` in the feature-learning (:math:`3 \le k_c < k/2`) and refinement
    (:math:`k_c = k`) regimes, and the collapse constant :math:`c = \epsilon n/(k_c d)` (mean and spread over the
    feature-learning points). ``nan`` where a regime has fewer than three points."""
    learning = path[(path.k_c >= 3) & (path.k_c < k / 2)]
    refining = path[path.k_c == k]

    def slope(frame):
        if len(frame) < 3:
            return math.nan
        return float(np.polyfit(np.log(frame.n_over_d2), np.log(frame.gen_error), 1)[0])

    return {"learning_exponent": slope(learning), "refinement_exponent": slope(refining),
            "learning_points": len(learning), "refinement_points": len(refining)}


def _collapse(path: pd.DataFrame, k: int, d: int) -> tuple[float, float]:
    learning = path[(path.k_c >= 3) & (path.k_c < k / 2)]
    if learning.empty:
        return math.nan, math.nan
    ratio = learning.gen_error * learning.n_over_d2 * d / learning.k_c  # eps n / (k_c d) with n = alpha d^2
    return float(ratio.mean()), float(ratio.std(ddof=1)) if len(ratio) > 1 else math.nan


def budget_range(beta: float, kappa: float, Delta: float, d: int, activation: str = "tanh") -> tuple:
    r"""Budgets :math:`n/d^2` spanning both regimes: from a tenth of the first feature's onset
    (:math:`\lambda_e(\Delta + g(1))/(d v_1^2)`) to a hundred times the last one's (:math:`\lambda_e\Delta/(d v_k^2)`,
    with :math:`\Delta` floored at 1e-3 since the noiseless error vanishes there)."""
    channel = scalar_channel(activation)
    v2 = readouts(max(1, round(kappa * d)), beta) ** 2
    first = channel.lambda_e * (Delta + float(channel.activation.g(1.0))) / (d * v2[0])
    last = channel.lambda_e * max(Delta, 1e-3) / (d * v2[-1])
    return first / 10, max(last * 100, first * 1e3)


def scaling_table(betas, kappas, deltas, *, d: int = 1000, points: int = 80, activation: str = "tanh",
                  n_over_d2_range=None) -> pd.DataFrame:
    r"""Fitted exponents and collapse constant for every combination of ``beta``, ``kappa`` and ``Delta``.

    Expected: learning exponent :math:`1/(2\beta) - 1`, refinement exponent :math:`-1`. The budgets default to
    :func:`budget_range` for each combination. The laws need :math:`\beta >` :data:`SCALING_BETA`.
    """
    rows = []
    for beta in betas:
        check_real("beta", beta, SCALING_BETA, 10.0, low_open=True)
        for kappa in kappas:
            for Delta in deltas:
                bounds = n_over_d2_range or budget_range(beta, kappa, Delta, d, activation)
                grid = np.geomspace(*bounds, points)
                path = overlap_path(grid, beta=beta, kappa=kappa, Delta=Delta, d=d, activation=activation)
                k = max(1, round(kappa * d))
                constant, spread = _collapse(path, k, d)
                rows.append({"beta": beta, "kappa": kappa, "Delta": Delta, "d": d, **fit_scaling(path, k),
                             "expected_learning_exponent": 1 / (2 * beta) - 1, "collapse_constant": constant,
                             "collapse_spread": spread})
    return pd.DataFrame(rows)


def size_surface(n_over_d2_values, widths, **params) -> pd.DataFrame:
    r"""The error of a student of width :math:`m` at data budget :math:`n/d^2` (:func:`solve_overlaps` with
    ``width``) over a grid: one row per (budget, width), columns ``n_over_d2``, ``width``, ``gen_error``, ``k_c``
    (features learnt), ``unlearnable_error`` and ``at_jump``."""
    rows = []
    for alpha in np.atleast_1d(n_over_d2_values):
        for width in np.atleast_1d(widths):
            solution = solve_overlaps(float(alpha), width=int(width), **params)
            rows.append({"n_over_d2": solution.n_over_d2, "width": int(width), "gen_error": solution.gen_error,
                         "k_c": solution.k_c, "unlearnable_error": solution.unlearnable_error,
                         "at_jump": solution.at_jump})
    return pd.DataFrame(rows)


#: A width is optimal at a budget when its error is within this relative tolerance of the full-width error (a
#: Bayes-optimal student never loses by being wider, so the optimum is the smallest width that reaches it).
OPTIMAL_WIDTH_TOLERANCE = 1e-3


def model_size_scaling(n_over_d2: float, widths=None, **params) -> dict:
    r"""Model-size scaling at one data budget: the error against the width :math:`m` (``table``), the fitted
    exponent of :math:`\epsilon(m)` over the widths with :math:`3 \le m \le k_c/4` (:math:`k_c` the full student's
    effective width; expected :math:`1 - 2\beta` for the power-law profile, since :math:`\sum_{i>m} i^{-2\beta}
    \propto m^{1-2\beta}` for :math:`m \ll k`), the optimal width (the smallest :math:`m` within
    :data:`OPTIMAL_WIDTH_TOLERANCE` of the full-width error) and the one-shot error of a student of width
    :math:`k_c`. Widths default to 40 geometric values from 1 to :math:`k`."""
    full = solve_overlaps(n_over_d2, **params)
    k = full.overlaps.size
    widths = np.unique(np.geomspace(1, k, 40).round().astype(int)) if widths is None else np.asarray(widths)
    table = size_surface([n_over_d2], np.unique(np.append(widths, [full.k_c or 1, k])), **params)
    fitted = table[(table.width >= 3) & (table.width <= full.k_c / 4)]
    exponent = float(np.polyfit(np.log(fitted.width), np.log(fitted.gen_error), 1)[0]) if len(fitted) >= 3 \
        else math.nan
    within = table[table.gen_error <= full.gen_error * (1 + OPTIMAL_WIDTH_TOLERANCE)]
    one_shot = float(table.set_index("width").gen_error[full.k_c or 1])
    return {"table": table, "size_exponent": exponent, "size_points": len(fitted), "full_width_error":
            full.gen_error, "k_c": full.k_c, "optimal_width": int(within.width.min()), "one_shot_error": one_shot}


def perfect_recovery_alpha(kappa: float) -> dict:
    r"""Noiseless perfect-recovery budgets :math:`n/d^2` for quadratic activation.

    ``bayes_optimal`` :math:`= \kappa - \kappa^2/2` for :math:`\kappa \le 1` (Maillard et al. 2024: the dimension of
    rank-:math:`\kappa d` PSD matrices over :math:`d^2`; :math:`1/2` for :math:`\kappa \ge 1`, full rank) and
    ``decoupled`` :math:`= \kappa` (the closure above; see the module docstring).
    """
    kappa = check_real("kappa", kappa, 0.0, 100.0, low_open=True)
    rank = min(kappa, 1.0)
    return {"bayes_optimal": rank - rank**2 / 2, "decoupled": kappa}


def solve_extensive_width(*, beta: float = 1.0, kappa: float = 0.5, n_over_d2: float = 1.0, Delta: float = 0.1,
                          d: int = 1000, activation: str = "tanh", density: str = "power-law", readouts=None,
                          width: int | None = None) -> Report:
    """``gen_error``, ``k_c`` and ``overlaps_summary`` at one data budget, with the thresholds of the scalar channel;
    a readout profile from ``density`` or a user's ``readouts``, and a student of ``width`` (see
    :func:`solve_overlaps`)."""
    solution = solve_overlaps(n_over_d2, beta=beta, kappa=kappa, Delta=Delta, d=d, activation=activation,
                              density=density, readout=readouts, width=width)
    channel = scalar_channel(activation)
    q = solution.overlaps
    learnt = q[q > 0]
    summary = {"k": int(q.size), "learnt": int(learnt.size), "mean": float(q.mean()),
               "min_learnt": float(learnt.min()) if learnt.size else math.nan,
               "max": float(q.max()), "first_10": [float(x) for x in q[:10]]}
    quantities = {"gen_error": solution.gen_error, "k_c": solution.k_c, "width": solution.width,
                  "unlearnable_error": solution.unlearnable_error, "overlaps_summary": summary,
                  "lambda_e": channel.lambda_e, "lambda_s": channel.lambda_s, "jump_size": channel.q_jump,
                  "residual": solution.residual, "iterations": solution.iterations}
    if activation == "quadratic":
        quantities["perfect_recovery_n_over_d2"] = perfect_recovery_alpha(kappa)
        if beta == 0 and density == "power-law" and readouts is None and width is None and Delta > 0:
            from .quadratic_mmse import quadratic_bayes_error

            # the exact Bayes-optimal error (Maillard et al. 2024) next to the decoupled closure's
            quantities["exact_gen_error"] = quadratic_bayes_error(n_over_d2, kappa, Delta)["gen_error"]
    params = {"beta": beta, "kappa": kappa, "n_over_d2": n_over_d2, "Delta": Delta, "d": d,
              "activation": activation, "density": density, "readouts": _readouts_label(readouts), "width": width}
    if solution.at_jump is not None:
        return Report("extensive-width", params, quantities, "warning",
                      f"the fixed point sits on the jump of feature {solution.at_jump + 1} (at its threshold "
                      f"lambda_e; residual {solution.residual:.2e}): the error is the value at the jump")
    return Report("extensive-width", params, quantities, "success", "ok")


def solve_extensive_width_scaling(*, beta: float = 1.0, kappa: float = 0.5, Delta: float = 0.1, d: int = 1000,
                                  points: int = 80, activation: str = "tanh") -> Report:
    """Fitted scaling exponents of the error and the collapse constant along ``n/d^2`` (:func:`budget_range`)."""
    row = scaling_table([beta], [kappa], [Delta], d=d, points=points, activation=activation).iloc[0]
    quantities = {key: (int(value) if key.endswith("points") else float(value)) for key, value in row.items()
                  if key not in ("beta", "kappa", "Delta", "d")}
    ok = quantities["learning_points"] >= 3 and quantities["refinement_points"] >= 3
    params = {"beta": beta, "kappa": kappa, "Delta": Delta, "d": d, "points": points, "activation": activation}
    return Report("extensive-width-scaling", params, quantities, "success" if ok else "failure",
                  "ok" if ok else "a regime has fewer than three points on the grid; widen it or add points")


def solve_extensive_width_size(*, beta: float = 1.0, kappa: float = 0.5, n_over_d2: float = 10.0, Delta: float = 0.1,
                               d: int = 1000, activation: str = "tanh", density: str = "power-law", readouts=None,
                               width=None) -> Report:
    """Model-size scaling at one budget (:func:`model_size_scaling`): the fitted exponent next to :math:`1 - 2\beta`,
    the optimal width, the one-shot error of a width-:math:`k_c` student and the error at each width."""
    scaling = model_size_scaling(n_over_d2, width, beta=beta, kappa=kappa, Delta=Delta, d=d, activation=activation,
                                 density=density, readout=readouts)
    table = scaling.pop("table")
    quantities = {**scaling, "widths": table.width.tolist(), "gen_error": table.gen_error.tolist(),
                  "learnt": table.k_c.tolist()}
    if readouts is None and density == "power-law":
        quantities["expected_size_exponent"] = 1 - 2 * beta
    params = {"beta": beta, "kappa": kappa, "n_over_d2": n_over_d2, "Delta": Delta, "d": d, "activation": activation,
              "density": density, "readouts": _readouts_label(readouts),
              "width": None if width is None else [int(m) for m in width]}
    if scaling["size_points"] < 3:
        return Report("extensive-width-size", params, quantities, "warning",
                      f"fewer than three widths between 3 and k_c/4 = {scaling['k_c'] / 4:g}: no size exponent "
                      f"(raise the budget n_over_d2 so that more features are learnt)")
    return Report("extensive-width-size", params, quantities, "success",
                  "features beyond the width act as noise Delta + g(1) sum_{i>m} v_i^2 (Nguyen & Barbier 2026)")


def _readouts_label(readouts):
    """How a report names the user's readouts: the file, or ``array`` (the values are in the caller's hands)."""
    if readouts is None:
        return None
    return str(readouts) if isinstance(readouts, (str, bytes)) or hasattr(readouts, "__fspath__") else "array"
