"""Confidence intervals that keep their promise, and the 1/N extrapolation."""

import numpy as np
import pandas as pd
import pytest

from capacity.estimates import (
    ThresholdEstimate, extrapolate, median_interval, separable_fraction, threshold_estimates,
)
from replica.errors import ParameterError


def test_median_interval_covers_at_the_stated_rate():
    rng = np.random.default_rng(0)
    hits = 0
    repeats = 2000
    for _ in range(repeats):
        _, lo, hi = median_interval(rng.exponential(size=41))
        hits += lo <= np.log(2) <= hi
    # distribution-free and conservative: coverage >= 95% up to Monte Carlo error (3 s.e. ~ 1.5%)
    assert hits / repeats > 0.95 - 0.015


def test_doubtful_trials_widen_the_interval():
    base = dict(n=10, kappa=0.0, seed=0, n_solves=1, seconds=0.0)
    certified = [dict(base, trial=t, p_star=20 + t, alpha_star=(19.5 + t) / 10, verdict="certified")
                 for t in range(30)]
    doubtful = [dict(base, trial=30 + t, p_star=None, alpha_star=np.nan, verdict="doubtful") for t in range(6)]
    clean = threshold_estimates(pd.DataFrame(certified))[0]
    widened = threshold_estimates(pd.DataFrame(certified + doubtful))[0]
    assert widened.doubtful == 6
    assert widened.lower <= clean.lower and widened.upper >= clean.upper
    assert (widened.upper - widened.lower) > (clean.upper - clean.lower)


def test_extrapolation_recovers_a_known_intercept():
    estimates = [ThresholdEstimate(n, 2.0 + 3.0 / n, 2.0 + 3.0 / n - 0.01, 2.0 + 3.0 / n + 0.01, 0.95, 100, 0, 0)
                 for n in (20, 40, 80, 160)]
    fit = extrapolate(estimates)
    assert fit.alpha_inf == pytest.approx(2.0, abs=1e-10)
    assert fit.slope == pytest.approx(3.0, abs=1e-8)
    assert fit.lower < 2.0 < fit.upper


def test_extrapolation_needs_a_finite_interval():
    with pytest.raises(ParameterError, match="estimates"):
        extrapolate([ThresholdEstimate(10, 2.0, -np.inf, np.inf, 0.95, 3, 3, 0)])


def test_separable_fraction_counts_and_intervals():
    verdicts = pd.DataFrame({"n": 5, "p": [10] * 8 + [20] * 4,
                             "verdict": ["separable"] * 3 + ["not_separable"] * 4 + ["doubtful"]
                                        + ["not_separable"] * 4})
    table = separable_fraction(verdicts)
    first = table.iloc[0]
    assert (first.p, first.alpha, first.trials, first.separable, first.doubtful) == (10, 2.0, 7, 3, 1)
    assert first.fraction == pytest.approx(3 / 7)
    assert first.lower < 3 / 7 < first.upper
    assert table.iloc[1].fraction == 0.0 and table.iloc[1].upper > 0.0


def test_one_size_is_not_extrapolated_and_its_comparison_is_inconclusive():
    from capacity.compare import compare

    single = extrapolate([ThresholdEstimate(10, 2.0, 1.5, 2.5, 0.95, 30, 0, 0)])
    assert np.isnan(single.alpha_inf) and np.isnan(single.lower) and "one size" in single.method
    verdict = compare("alpha_c", 2.0, single)
    assert verdict.verdict == "inconclusive" and verdict.agree is False


def test_compare_decides_on_both_sides_of_the_interval():
    """Agreement iff the theory value is inside the extrapolated interval [lower, upper] (closed)."""
    from capacity.compare import compare

    estimates = [ThresholdEstimate(n, 2.0 + 3.0 / n, 2.0 + 3.0 / n - 0.02, 2.0 + 3.0 / n + 0.02, 0.95, 100, 0, 0)
                 for n in (20, 40, 80)]
    fit = extrapolate(estimates)
    inside = compare("alpha_c", 2.0, fit)
    assert inside.agree and inside.verdict == "agree" and abs(inside.deviation) < 1e-6
    for outside in (fit.lower - 1e-9, fit.upper + 1e-9, 2.0 * 1.05):
        rejected = compare("alpha_c", outside, fit)
        assert not rejected.agree and rejected.verdict == "disagree"
    assert compare("alpha_c", fit.lower, fit).agree and compare("alpha_c", fit.upper, fit).agree


def test_verify_refuses_a_single_size():
    from capacity.checks.perceptron import verify

    with pytest.raises(ParameterError, match="two different sizes"):
        verify("gardner", ns=(1,), trials=5)
    with pytest.raises(ParameterError, match="two different sizes"):
        verify("gardner", ns=(20, 20), trials=5)


def test_proportion_interval_is_wilsons():
    """Wilson (1927): centre (k + z^2/2)/(n + z^2), half-width z sqrt(k(n - k)/n + z^2/4)/(n + z^2)."""
    from scipy.stats import norm

    from capacity.estimates import proportion_interval

    z = norm.ppf(0.975)
    for k, n in ((0, 10), (3, 7), (50, 100), (99, 100)):
        centre = (k + z * z / 2) / (n + z * z)
        half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
        assert proportion_interval(k, n) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert proportion_interval(0, 0) == (0.0, 1.0)


def test_identical_critical_prefixes_give_one_lattice_cell_not_a_point():
    """At a large margin every instance can have the same P*; the median of (P* - 1/2)/N is then known only to
    within the lattice cell ((P* - 1)/N, P*/N], never to zero width (which made verify report DISAGREE with
    certainty at kappa = 5, N = 20)."""
    base = dict(n=20, kappa=5.0, seed=0, n_solves=1, seconds=0.0, p_star=2, alpha_star=1.5 / 20, verdict="certified")
    (estimate,) = threshold_estimates(pd.DataFrame([dict(base, trial=t) for t in range(20)]))
    assert (estimate.lower, estimate.upper) == pytest.approx((1 / 20, 2 / 20), abs=1e-15)


def test_verify_refuses_sizes_that_store_only_a_few_patterns():
    from capacity.checks.perceptron import verify

    with pytest.raises(ParameterError, match=r"n: at kappa = 5 .* use sizes N >= 130"):
        verify("gardner", kappa=5.0, ns=(20, 40), trials=5)
