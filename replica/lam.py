r"""Storage capacity of linear associative memories (factual recall; Giorlandino, Goldt & Maillard 2026).

A memory :math:`W \in \mathbb{R}^{d\times d}` stores :math:`p` associations :math:`x_\mu \mapsto y_\mu` (entries
i.i.d. :math:`\mathcal N(0, 1/d)`) with margin :math:`\kappa` when :math:`y_\mu\cdot W x_\mu \ge y_\nu\cdot W x_\mu
+ \kappa` for every :math:`\nu \ne \mu`, scores measured at the natural scale :math:`|W|_F = d` (unit variance).

Optimal memory (Gardner's argument)
-----------------------------------
In the *decoupled* model each input :math:`x_\mu` meets its own competitors :math:`y^{(\mu)}_\nu`, so the fields of
one association, :math:`u = y_\mu\cdot Wx_\mu` and :math:`v_\nu = y^{(\mu)}_\nu\cdot Wx_\mu`, are
:math:`p` i.i.d. standard Gaussians across the disorder, and the associations are :math:`p` independent
"patterns" for :math:`N = d^2` weights, each imposing :math:`p - 1` constraints :math:`u - v_\nu \ge \kappa` on
its :math:`p` fields. Gardner's :math:`q \to 1` limit (Gardner 1988) turns the energetic term into the mean squared
distance from the Gaussian field vector :math:`z` to the feasible set, :math:`1/\alpha_c = \mathbb{E}_z
\min\{|\lambda - z|^2 : \lambda_0 - \lambda_\nu \ge \kappa\}` with :math:`\alpha = p/d^2`. For a fixed shift
:math:`\xi = \lambda_0 - z_0` of the correct score the best competitor fields are
:math:`\lambda_\nu = \min(z_\nu, z_0 + \xi - \kappa)`, hence

.. math:: \frac{d^2}{p_c} = F(p_c, \kappa), \qquad F(p, \kappa) = \mathbb{E}\,\min_{\xi}\Big[\xi^2 +
          \sum_{\nu=1}^{p-1} (\kappa - z_0 + z_\nu - \xi)_+^2\Big],

the formula sketched in the factual-recall literature (Giorlandino, Goldt & Maillard 2026), which this derivation confirms. The minimiser solves
:math:`\xi = \sum_\nu (c_\nu - \xi)_+` with :math:`c_\nu = \kappa - z_0 + z_\nu`; with the :math:`c_\nu` sorted
decreasingly and :math:`S_k` the sum of the :math:`k` largest, :math:`\xi^* = \max(0, \max_k S_k/(k+1))` (each
:math:`S_k/(k+1)` is a lower bound, attained at the active set; the storing set and this projection are
:class:`~replica.field_sets.CompetitorSet`, shared with the other many-field storage problems). Only the largest
competitors are active, so the
top :math:`K` order statistics of the :math:`p - 1` Gaussians suffice; they are drawn exactly from uniform order
statistics, :math:`U_{(k)} = S^E_k/(S^E_K + R)` with exponential partial sums :math:`S^E` and
:math:`R \sim \Gamma(p - K)` (the Dirichlet representation of uniform spacings), and
:math:`K` is doubled until the :math:`K`-th competitor is inactive in every sample. For large :math:`p` the maximum
competitor is :math:`\approx \sqrt{2\ln p}` and :math:`F \approx 2 \ln p`, giving
:math:`p_c \ln p_c / d^2 \to 1/2` (Giorlandino, Goldt & Maillard 2026), approached slowly (the corrections are
of relative order :math:`\ln\ln p/\ln p`).

Hebbian memory
--------------
:math:`W = \sum_\rho y_\rho x_\rho^\top`. The score gap of association :math:`\mu` against competitor
:math:`\nu` is :math:`D_{\mu\nu} = (y_\mu - y_\nu)\cdot W x_\mu = \sum_\rho ((y_\mu - y_\nu)\cdot y_\rho)(x_\rho\cdot x_\mu)`.
Given the norms :math:`a = |x_\mu|^2` and :math:`b = |y_\mu|^2` (each :math:`\chi^2_d/d`), it is the signal
:math:`ab` plus a part shared by all competitors of :math:`\mu`, :math:`\sum_{\rho\ne\mu}(y_\mu\cdot y_\rho)
(x_\rho\cdot x_\mu)` (variance :math:`\sigma_A^2 = (p-1)ab/d^2`), and uncorrelated parts
:math:`-(y_\nu\cdot y_\mu)\,a - \sum_{\rho\ne\mu}(y_\nu\cdot y_\rho)(x_\rho\cdot x_\mu)` (variance
:math:`\sigma_B^2 = a^2 b/d + a(1 + 2/d)/d + (p-2)a/d^2`; the term :math:`\rho = \nu` contributes
:math:`|y_\nu|^2 x_\nu\cdot x_\mu`). Conditioning on the norms matters at finite :math:`d`: they rescale signal and
noise together, and treating their :math:`O(d^{-1/2})` fluctuations as additive noise underestimates the capacity
several-fold at :math:`d = 100`. Treating the rest as Gaussian and the associations as independent, with the margin
at the natural scale (:math:`|W|_F \approx \sqrt p`, so the gap must exceed :math:`\kappa\sqrt p/d`),

.. math:: P(\text{all stored}) \approx \Big[\mathbb{E}_{a, b, g}\, \Phi\Big(\frac{ab - \kappa\sqrt p/d +
          \sigma_A g}{\sigma_B}\Big)^{p-1}\Big]^p ,

with :math:`g` standard normal. The Hebbian capacity is the :math:`p` at which this is one half. To leading order
the largest of the :math:`p^2` gap fluctuations (variance :math:`2p/d^2`) is :math:`\sqrt{(2p/d^2)\, 2\ln p^2}`,
so all associations are stored while :math:`8 p\ln p/d^2 < 1`: :math:`p \ln p/d^2 \to 1/8`, four times below the
optimal memory (approached slowly: 0.134 at :math:`d = 10^6`).

Two-layer memory
----------------
:math:`W = W_2 W_1` with hidden width :math:`h` is any matrix of rank :math:`\le h`. For :math:`h \ge d` it is the
one-layer memory. For :math:`h = 1`, :math:`W = uv^\top` scores target :math:`\nu` against input :math:`\mu` by
:math:`(y_\nu\cdot u)(v\cdot x_\mu)`; association :math:`\mu` is stored only if :math:`y_\mu\cdot u` is the strict
largest (:math:`v\cdot x_\mu > 0`) or smallest (:math:`v \cdot x_\mu < 0`) projection of all targets, so at most
two associations are stored (original model; in the decoupled model every input has its own competitors and this
argument does not apply). For :math:`1 < h < d` no theory is derived here; the rank constraint makes the problem
non-convex (no Gardner volume over a convex set), and the dependence on :math:`h` is measured, as certified lower
bounds, by :mod:`capacity.two_layer_memory`. A parameter count (:math:`h(2d - h)` in place of :math:`d^2`) is not a
substitute: at :math:`d = 10` the measured rank-4 lower bound already exceeds it.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import scipy.special as sc

from .errors import ParameterError, ReplicaError
from .field_sets import competitor_projection
from .report import Report
from .solvers import find_root
from .symbolic.codegen import gauss_hermite
from .validation import check_int, check_real

__all__ = ["competitor_cost", "optimal_capacity", "hebbian_success_probability", "hebbian_capacity", "solve_lam",
           "capacity_curve", "scores_at_capacity", "DEFAULT_SAMPLES"]

#: Monte Carlo samples of the field vector (relative standard error of F about 1e-3).
DEFAULT_SAMPLES = 100_000
#: Competitors drawn individually up to this many; beyond, only the largest K (exact order statistics).
DIRECT_COMPETITORS = 64
_MAX_TOP = 4096


class _FieldSampler:
    """Common random numbers for the fields of one association, for any number of competitors.

    The same underlying uniforms serve every ``p``, so :math:`F(p)` is a smooth, increasing function of ``p``
    within one sampler and root searches in ``p`` see no sampling noise from one ``p`` to the next.
    """

    def __init__(self, samples: int, seed: int):
        self.rng = np.random.default_rng(seed)
        self.samples = samples
        self.correct = self.rng.standard_normal(samples)
        self.direct = self.rng.standard_normal((samples, DIRECT_COMPETITORS))
        self.rest = self.rng.random(samples)
        self._spacing_stream = np.random.default_rng([seed, 1])
        self.spacings = np.empty((samples, 0))

    def _partial_sums(self, k: int) -> np.ndarray:
        """Partial sums of i.i.d. exponentials, extended in blocks from their own stream (so they do not depend
        on the order in which columns were first needed)."""
        while self.spacings.shape[1] < k:
            block = np.cumsum(self._spacing_stream.standard_exponential((self.samples, 64)), axis=1)
            offset = self.spacings[:, -1:] if self.spacings.shape[1] else 0.0
            self.spacings = np.concatenate([self.spacings, block + offset], axis=1)
        return self.spacings[:, :k]

    def largest(self, competitors: int, k: int) -> np.ndarray:
        """The ``k`` largest of ``competitors`` i.i.d. standard normals per sample, decreasing."""
        if competitors <= DIRECT_COMPETITORS:
            return -np.sort(-self.direct[:, :competitors], axis=1)
        k = min(k, competitors, _MAX_TOP)
        remainder = sc.gammaincinv(competitors + 1 - k, self.rest)  # sum of the other n + 1 - k spacings
        sums = self._partial_sums(k)
        uniform = sums / (sums[:, -1:] + remainder[:, None])
        return -sc.ndtri(uniform)


def _optimal_fields(sampler: _FieldSampler, p: int, kappa: float, recall: int = 1):
    r"""The largest competitor fields, :math:`\xi^*` and the minimal cost per sample, with enough order statistics
    that the last one kept is inactive everywhere. With top-``recall`` recall the ``recall - 1`` largest
    competitors are exempt (:class:`~replica.field_sets.CompetitorSet`)."""
    competitors = p - 1
    if competitors < recall:
        zeros = np.zeros(sampler.samples)
        return np.empty((sampler.samples, 0)), zeros, zeros
    k = max(64, 2 * recall)
    while True:
        top = sampler.largest(competitors, k)
        shift, cost = competitor_projection((kappa - sampler.correct[:, None] + top)[:, recall - 1:])
        if top.shape[1] == competitors or np.all(kappa - sampler.correct + top[:, -1] <= shift):
            return top, shift, cost
        if k >= _MAX_TOP:
            raise ReplicaError(f"more than {_MAX_TOP} competitors are active at p = {p}, kappa = {kappa}: "
                               "the margin is too large for the order-statistics sampler")
        k *= 2


def _cost_samples(sampler: _FieldSampler, p: int, kappa: float, recall: int = 1) -> np.ndarray:
    return _optimal_fields(sampler, p, kappa, recall)[2]


def competitor_cost(p: int, kappa: float = 0.0, *, samples: int = DEFAULT_SAMPLES, seed: int = 0,
                    recall: int = 1) -> tuple[float, float]:
    r""":math:`F(p, \kappa)` of the module's capacity equation, by Monte Carlo: ``(mean, standard error)``.

    For :math:`p = 2` it is :math:`(a^2 + 1)\Phi(a) + a\varphi(a)`, :math:`a = \kappa/\sqrt2` (one competitor:
    :math:`\tfrac12\mathbb{E}\,c_+^2` with :math:`c \sim \mathcal N(\kappa, 2)`). With top-``recall`` recall
    the ``recall - 1`` largest competitors are exempt.
    """
    p = check_int("p", p, 1)
    kappa = check_real("kappa", kappa, -10.0, 10.0)
    samples = check_int("samples", samples, 100, 10**7)
    recall = check_int("recall", recall, 1, 10**4)
    cost = _cost_samples(_FieldSampler(samples, seed), p, kappa, recall)
    return float(cost.mean()), float(cost.std(ddof=1) / math.sqrt(samples))


def optimal_capacity(d: int, kappa: float = 0.0, *, samples: int = DEFAULT_SAMPLES, seed: int = 0,
                     recall: int = 1) -> dict:
    r"""RS capacity :math:`p_c` of the decoupled model: the root of :math:`p\,F(p, \kappa) = d^2`.

    :math:`pF(p)` is evaluated at whole :math:`p` with common random numbers (so it increases with :math:`p`), the
    crossing bracketed by doubling and bisection, and :math:`p_c` interpolated linearly between the two whole
    numbers around it. ``recall`` :math:`= k` asks only that the correct target rank among the :math:`k` best
    (top-:math:`k` recall, a union of polyhedra: the RS value is then an estimate). Its standard error propagates that of :math:`F`:
    :math:`\delta p_c = p_c\, (\delta F/F) / (1 + \partial\ln F/\partial\ln p)`.

    Returns
    -------
    dict
        ``p_c``, ``standard_error``, ``p_c_log_p_c_over_d2`` (:math:`p_c\ln p_c/d^2`, which tends to 1/2),
        ``correction`` (its distance from 1/2), ``F`` at the crossing and ``samples``.
    """
    d = check_int("d", d, 2, 10**6)
    kappa = check_real("kappa", kappa, -10.0, 10.0)
    samples = check_int("samples", samples, 100, 10**7)
    recall = check_int("recall", recall, 1, 10**4)
    sampler = _FieldSampler(samples, seed)
    target = float(d) ** 2
    cache = {}

    def load(p):  # p F(p) - d^2 and the samples of F
        if p not in cache:
            cost = _cost_samples(sampler, p, kappa, recall)
            cache[p] = (p * cost.mean() - target, cost)
        return cache[p]

    first = recall + 1  # fewer associations are stored for free (every target ranks among the top recall)
    if load(first)[0] > 0:
        raise ParameterError("kappa", f"at d = {d} the margin {kappa:g} leaves no room for {first} associations "
                                      f"({first} F({first}) > d^2); lower kappa or raise d")
    low, high = first, 2 * first
    while load(high)[0] <= 0:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if load(middle)[0] <= 0 else (low, middle)
    h_low, cost_low = load(low)
    h_high, cost_high = load(high)
    p_c = low + h_low / (h_low - h_high)
    f_low, f_high = cost_low.mean(), cost_high.mean()
    f_c = f_low + (p_c - low) * (f_high - f_low)
    elasticity = (f_high - f_low) * p_c / f_c
    relative = cost_low.std(ddof=1) / math.sqrt(samples) / f_low
    ratio = p_c * math.log(p_c) / target
    return {"p_c": float(p_c), "standard_error": float(p_c * relative / (1 + elasticity)),
            "p_c_log_p_c_over_d2": float(ratio), "correction": float(ratio - 0.5), "F": float(f_c),
            "samples": samples}


@lru_cache(maxsize=8)
def _squared_norm_rule(d: int, nodes: int):
    r"""Nodes and weights for the mean over :math:`|x|^2 \sim \chi^2_d/d`: generalised Gauss–Laguerre up to
    :math:`d = 100` (its weights overflow beyond), then the Wilson–Hilferty cube
    :math:`(1 - 2/9d + \sqrt{2/9d}\, g)^3` of a Gaussian :math:`g` (relative error :math:`O(d^{-3/2})`)."""
    if d <= 100:
        x, w = sc.roots_genlaguerre(nodes, d / 2 - 1)
        return 2 * x / d, w / w.sum()
    g, w = gauss_hermite(nodes)
    return (1 - 2 / (9 * d) + np.sqrt(2 / (9 * d)) * g) ** 3, w


def hebbian_success_probability(p, d: int, kappa: float = 0.0, *, nodes: int = 101, norm_nodes: int = 40):
    r"""Gaussian-theory probability that the Hebbian memory stores all ``p`` associations (module docstring).

    Vectorised over ``p`` (real values allowed, for root finding). The means over the two squared norms use
    ``norm_nodes``-point generalised Gauss–Laguerre rules, the mean over the shared fluctuation ``nodes``-point
    Gauss–Hermite, and :math:`(p-1)\ln\Phi` is exponentiated only inside the mean.
    """
    d = check_int("d", d, 2, 10**8)
    kappa = check_real("kappa", kappa, 0.0, 100.0)
    p = np.asarray(p, dtype=float)
    if np.any(p < 2):
        raise ParameterError("p", "must be at least 2 (one association has no competitor)")
    norms, norm_weights = _squared_norm_rule(d, norm_nodes)
    g, weights = gauss_hermite(nodes)
    pp = p[..., None, None, None]
    a, b = norms[:, None, None], norms[None, :, None]
    shared = np.sqrt((pp - 1) * a * b) / d
    own = np.sqrt(a**2 * b / d + a * (1 + 2 / d) / d + (pp - 2) * a / d**2)
    argument = (a * b - kappa * np.sqrt(pp) / d + shared * g) / own
    one = np.einsum("...ijk,i,j,k->...", np.exp((pp - 1) * sc.log_ndtr(argument)), norm_weights, norm_weights,
                    weights)
    return np.exp(p * np.log(one))


def hebbian_capacity(d: int, kappa: float = 0.0) -> float:
    """The load at which :func:`hebbian_success_probability` is one half (root in :math:`\\ln p`)."""
    d = check_int("d", d, 2, 10**7)
    kappa = check_real("kappa", kappa, 0.0, 100.0)
    if hebbian_success_probability(2.0, d, kappa) < 0.5:
        raise ParameterError("d", f"the Hebbian memory already fails two associations half of the time at d = {d}, "
                                  f"kappa = {kappa:g}")
    high = float(d) ** 2
    while hebbian_success_probability(high, d, kappa) > 0.5:
        high *= 2
    root = find_root(lambda x: float(hebbian_success_probability(math.exp(x), d, kappa)) - 0.5,
                     math.log(2.0), math.log(high), what="the Hebbian capacity (success probability 1/2)", xtol=1e-12)
    return math.exp(root)


def _hebbian_or_reason(d: int, kappa: float) -> tuple[dict, str]:
    """``hebbian_p_c`` and its ``p ln p / d^2`` (nan where the Hebbian memory cannot hold two associations), and
    ``"ok"`` or why not."""
    try:
        hebbian = hebbian_capacity(d, kappa)
    except ParameterError as error:
        return {"hebbian_p_c": math.nan, "hebbian_p_c_log_p_c_over_d2": math.nan}, f"Hebbian memory: {error}"
    return {"hebbian_p_c": hebbian, "hebbian_p_c_log_p_c_over_d2": hebbian * math.log(hebbian) / d**2}, "ok"


def solve_lam(d: int = 100, kappa: float = 0.0, *, h: int | None = None, samples: int = DEFAULT_SAMPLES,
              seed: int = 0, recall: int = 1) -> Report:
    r"""``p_c``, ``p_c_log_p_c_over_d2`` and ``hebbian_p_c`` (with the optimal capacity's standard error).

    ``alpha_c = p_c / d^2`` is the capacity per weight, the common name of every family's capacity.

    With ``h`` (the width :math:`h` of a two-layer memory :math:`W_2 W_1`, see "Two-layer memory" above):
    :math:`h \ge d` gives the one-layer answer, :math:`h = 1` the exact ``p_c = 2`` (original model, at most two
    associations), and :math:`1 < h < d` a ``"warning"`` report without ``p_c``: no theory is derived there, only
    the bounds ``p_c_lower_bound = 2 <= p_c <= p_c_upper_bound`` (the one-layer capacity); the empirical dependence on :math:`h` comes from
    ``replica verify lam --set h=...`` (:mod:`capacity.two_layer_memory`).

    With ``recall`` :math:`= k > 1` (top-:math:`k` recall) the storing set is a union of polyhedra
    (:class:`~replica.field_sets.CompetitorSet`): ``p_c`` is the RS estimate, the status ``warning``, and no Hebbian
    value is given (its theory is for top-1 recall).
    """
    kappa = check_real("kappa", kappa, 0.0, 10.0)
    recall = check_int("recall", recall, 1, 10**4)
    params = {"d": d, "kappa": kappa, "samples": samples, "seed": seed, "recall": recall}
    optimal = optimal_capacity(d, kappa, samples=samples, seed=seed, recall=recall)
    quantities = {"p_c": optimal["p_c"], "p_c_standard_error": optimal["standard_error"],
                  "p_c_log_p_c_over_d2": optimal["p_c_log_p_c_over_d2"], "correction_to_one_half": optimal["correction"]}
    quantities["alpha_c"] = optimal["p_c"] / d**2
    if recall > 1:
        if h is not None:
            raise ParameterError("recall", f"top-k recall is solved for the one-layer memory; got h = {h}")
        return Report("lam", params, quantities, "warning",
                      f"top-{recall} recall: the storing set is a union of polyhedra (the {recall - 1} largest "
                      f"competitors exempt), so p_c is the RS estimate (no Hebbian theory for top-k recall)")
    if h is not None:
        hidden = check_int("h", h, 1, 10**6)
        params["h"] = hidden
        if hidden == 1 and d > 1:
            return Report("lam", params, {"p_c": 2.0, "p_c_standard_error": 0.0, "alpha_c": 2.0 / d**2}, "success",
                          "h = 1: W = u v^T stores an association only if its target's projection on u is the "
                          "largest or the smallest of all targets' (original model; exact, at most 2)")
        if hidden < d:
            return Report("lam", params,
                          {"p_c_lower_bound": 2.0, "p_c_upper_bound": optimal["p_c"]}, "warning",
                          f"empirical only: no theory is derived for 1 < h < d (here h = {hidden}, d = {d}); the "
                          "capacity lies between 2 (h = 1) and the one-layer p_c. Measure it with "
                          f"`replica verify lam --set d={d} --set h={hidden}`")
        quantities["note"] = f"h = {hidden} >= d: W2 W1 ranges over all d x d matrices (one-layer capacity)"
    hebbian, message = _hebbian_or_reason(d, kappa)
    quantities.update(hebbian)
    return Report("lam", params, quantities, "success", message)


def capacity_curve(dimensions, kappa: float = 0.0, *, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> pd.DataFrame:
    """:func:`optimal_capacity` and :func:`hebbian_capacity` for each ``d``: the approach to the 1/2 and 1/8 laws."""
    rows = []
    for d in dimensions:
        optimal = optimal_capacity(int(d), kappa, samples=samples, seed=seed)
        hebbian, _ = _hebbian_or_reason(int(d), kappa)
        rows.append({"d": int(d), **{k: v for k, v in optimal.items() if k != "samples"}, **hebbian})
    return pd.DataFrame(rows)


def scores_at_capacity(p: int, kappa: float = 0.0, *, samples: int = 20_000, seed: int = 0) -> pd.DataFrame:
    r"""Predicted scores of one association at capacity (the :math:`q \to 1` minimiser), per sample.

    The correct score is lifted to :math:`\lambda_0 = z_0 + \xi^*`; competitors keep their Gaussian score unless it
    would come within :math:`\kappa` of it, where they are pushed down to :math:`\lambda_0 - \kappa`: the optimal
    memory lifts each correct score just above the extreme-value threshold of its competitors. Returns
    ``correct`` (:math:`\lambda_0`), ``top_competitor`` (:math:`\max_\nu \lambda_\nu`) and ``pushed`` (the number
    of competitors at the margin).
    """
    p = check_int("p", p, 2)
    kappa = check_real("kappa", kappa, -10.0, 10.0)
    sampler = _FieldSampler(check_int("samples", samples, 100, 10**7), seed)
    top, shift, _ = _optimal_fields(sampler, p, kappa)
    correct = sampler.correct + shift
    return pd.DataFrame({"correct": correct, "top_competitor": np.minimum(top[:, 0], correct - kappa),
                         "pushed": np.sum(top > (correct - kappa)[:, None], axis=1)})
