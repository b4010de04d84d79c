r"""Empirical thresholds with confidence intervals, and their extrapolation to :math:`N \to \infty`.

* :func:`median_interval` — distribution-free interval for a median from order statistics: with
  :math:`B \sim \mathrm{Bin}(n, 1/2)`, :math:`[X_{(j)}, X_{(k)}]` covers the median with probability
  :math:`\Pr(j \le B < k)`; valid (conservative) for discrete data such as critical pattern counts.
* :func:`threshold_estimates` — per size, the median critical load of the instances with that interval.
  Instances whose critical load is unknown (a doubtful verdict) enter the interval at both extremes, so they
  widen it instead of biasing it; instances above the search range count as :math:`+\infty`. A critical load
  :math:`(P^* - 1/2)/N` stands for a load somewhere in :math:`((P^* - 1)/N, P^*/N]`, so the interval is widened
  by half that lattice spacing, :math:`1/(2N)`, on each side: when every instance has the same :math:`P^*`
  (a handful of patterns at a large margin) the interval is one lattice cell, never a point.
* :func:`extrapolate` — weighted least squares :math:`\alpha_{1/2}(N) = \alpha_\infty + a/N`, with the
  covariance inflated by :math:`\chi^2/\mathrm{dof}` when that exceeds one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from replica.errors import ParameterError
from replica.serialization import json_safe
from replica.validation import check_real

__all__ = ["standard_error_of_mean", "separable_fraction", "median_interval", "ThresholdEstimate", "threshold_estimates", "Extrapolation", "extrapolate",
           "proportion_interval"]


def standard_error_of_mean(values) -> float:
    """Standard error of the mean of ``values`` (sample standard deviation over the square root of the count);
    nan with fewer than two values."""
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else math.nan


def proportion_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (``scipy.stats.binomtest``)."""
    if trials <= 0:
        return (0.0, 1.0)
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def separable_fraction(verdicts: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Empirical probability of separability per pattern count, with Wilson intervals.

    Parameters
    ----------
    verdicts : pandas.DataFrame
        Columns ``n``, ``p`` and ``verdict`` (as from :func:`capacity.experiments.separability_trials`).

    Returns
    -------
    pandas.DataFrame
        Per ``(n, p)``: ``alpha`` = p/n, ``trials`` (certified ones), ``separable``, ``doubtful`` (excluded from the
        fraction and reported), ``fraction``, ``lower``, ``upper``.
    """
    rows = []
    for (n, p), group in verdicts.groupby(["n", "p"], sort=True):
        separable = int((group.verdict == "separable").sum())
        doubtful = int((group.verdict == "doubtful").sum())
        trials = len(group) - doubtful
        lower, upper = proportion_interval(separable, trials, confidence)
        rows.append(dict(n=int(n), p=int(p), alpha=p / n, trials=trials, separable=separable, doubtful=doubtful,
                         fraction=separable / trials if trials else np.nan, lower=lower, upper=upper))
    return pd.DataFrame(rows)


def median_interval(samples, confidence: float = 0.95) -> tuple[float, float, float]:
    """Sample median and a distribution-free confidence interval for the population median.

    Returns ``(median, lower, upper)``; ``nan`` entries of ``samples`` are not allowed (see
    :func:`threshold_estimates` for unknown values).
    """
    confidence = check_real("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    if n == 0:
        raise ParameterError("samples", "must contain at least one value")
    median = float(np.median(x))
    # smallest symmetric j with P(j <= B <= n - j - 1) >= confidence, B ~ Bin(n, 1/2) (0-based order stats)
    best = None
    for j in range(n // 2, -1, -1):
        coverage = stats.binom.cdf(n - j - 1, n, 0.5) - stats.binom.cdf(j - 1, n, 0.5)
        if coverage >= confidence:
            best = j
            break
    if best is None:
        return median, -math.inf, math.inf
    return median, float(x[best]), float(x[n - best - 1])


@dataclass(frozen=True)
class ThresholdEstimate:
    """Median critical load at one size, with its interval and the bookkeeping of the trials."""

    n: int
    estimate: float
    lower: float
    upper: float
    confidence: float
    trials: int
    doubtful: int
    above_range: int

    def to_dict(self) -> dict:
        return json_safe(self)


def threshold_estimates(critical: pd.DataFrame, confidence: float = 0.95) -> list[ThresholdEstimate]:
    """Per-size median critical load with a distribution-free interval (see module docstring)."""
    out = []
    for n, group in critical.groupby("n", sort=True):
        known = group.loc[group.verdict == "certified", "alpha_star"].to_numpy(float)
        above = int((group.verdict == "above_search_range").sum())
        doubtful = int((group.verdict == "doubtful").sum())
        base = np.concatenate([known, np.full(above, np.inf)])
        low_fill = np.concatenate([base, np.full(doubtful, -np.inf)])
        high_fill = np.concatenate([base, np.full(doubtful, np.inf)])
        estimate = float(np.median(base)) if base.size else math.nan
        _, lower, _ = median_interval(low_fill, confidence)
        _, _, upper = median_interval(high_fill, confidence)
        cell = 0.5 / float(n)  # half the spacing of the lattice (P* - 1/2)/N
        out.append(ThresholdEstimate(int(n), estimate, lower - cell, upper + cell, confidence, len(group), doubtful,
                                     above))
    return out


@dataclass(frozen=True)
class Extrapolation:
    r"""Fit :math:`\alpha(N) = \alpha_\infty + a/N` to per-size estimates.

    Attributes
    ----------
    alpha_inf, stderr : float
        The intercept and its standard error.
    lower, upper : float
        Confidence interval for :math:`\alpha_\infty`.
    slope : float
        The :math:`1/N` coefficient (every number is ``nan`` with a single size, where none is made).
    chi2, dof : float, int
        Goodness of fit; the covariance is inflated by ``chi2/dof`` when above one.
    method : str
    """

    alpha_inf: float
    stderr: float
    lower: float
    upper: float
    confidence: float
    slope: float
    chi2: float
    dof: int
    method: str

    def to_dict(self) -> dict:
        return json_safe(self)


def extrapolate(estimates: list[ThresholdEstimate], confidence: float = 0.95) -> Extrapolation:
    """Extrapolate per-size thresholds to :math:`N \\to \\infty` by weighted least squares in :math:`1/N`.

    Each estimate's standard error is its interval's half-width over the normal quantile. One size cannot be
    extrapolated: with a single usable size every number of the result is ``nan`` and ``method`` says so, so a
    comparison with it is inconclusive (:func:`capacity.compare.compare`).

    Raises
    ------
    ParameterError
        If no estimate has a finite interval.
    """
    usable = [e for e in estimates if math.isfinite(e.lower) and math.isfinite(e.upper) and math.isfinite(e.estimate)]
    if not usable:
        raise ParameterError("estimates", "no size has a finite confidence interval (too few certified trials)")
    z = stats.norm.ppf(0.5 + confidence / 2)
    x = np.array([1.0 / e.n for e in usable])
    y = np.array([e.estimate for e in usable])
    sigma = np.array([max((e.upper - e.lower) / (2 * stats.norm.ppf(0.5 + e.confidence / 2)), 1e-12) for e in usable])
    if len(usable) == 1:
        return Extrapolation(math.nan, math.nan, math.nan, math.nan, confidence, math.nan, math.nan, 0,
                             f"not extrapolated: only N = {usable[0].n} has a finite interval, and one size "
                             "cannot be extrapolated to N -> inf")
    design = np.column_stack([np.ones_like(x), x]) / sigma[:, None]
    coef, *_ = np.linalg.lstsq(design, y / sigma, rcond=None)
    covariance = np.linalg.inv(design.T @ design)
    chi2 = float(np.sum(((y - (coef[0] + coef[1] * x)) / sigma) ** 2))
    dof = len(usable) - 2
    if dof > 0 and chi2 / dof > 1:
        covariance *= chi2 / dof
    stderr = float(np.sqrt(covariance[0, 0]))
    return Extrapolation(float(coef[0]), stderr, float(coef[0] - z * stderr), float(coef[0] + z * stderr),
                         confidence, float(coef[1]), chi2, dof, "weighted least squares in 1/N")
