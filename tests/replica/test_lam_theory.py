"""Linear associative memory (replica.lam): the q -> 1 capacity formula, its Monte Carlo, the Hebbian theory."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from replica.errors import ParameterError
from replica.lam import competitor_cost, optimal_capacity, scores_at_capacity
from tests.catalogue import LAWS


def _brute_force_cost(p, kappa, samples, seed):
    """All p - 1 competitors drawn, xi* by bisection on xi = sum (c - xi)_+ (independent of the library's sort)."""
    rng = np.random.default_rng(seed)
    gaps = kappa - rng.standard_normal((samples, 1)) + rng.standard_normal((samples, p - 1))
    low, high = np.zeros(samples), np.maximum(gaps.max(axis=1), 0.0)
    for _ in range(60):
        middle = (low + high) / 2
        too_small = np.sum(np.clip(gaps - middle[:, None], 0, None), axis=1) > middle
        low, high = np.where(too_small, middle, low), np.where(too_small, high, middle)
    xi = (low + high) / 2
    cost = xi**2 + np.sum(np.clip(gaps - xi[:, None], 0, None) ** 2, axis=1)
    return cost.mean(), cost.std(ddof=1) / math.sqrt(samples), xi


@pytest.mark.parametrize("kappa", [0.0, 1.0, 2.5])
def test_one_competitor_cost_has_a_closed_form(kappa):
    a = kappa / math.sqrt(2)
    mean, sem = competitor_cost(2, kappa, samples=200_000)
    assert abs(mean - ((a * a + 1) * norm.cdf(a) + a * norm.pdf(a))) < 4 * sem


@pytest.mark.parametrize("p, kappa", [(40, 0.0), (300, 0.0), (300, 1.0)])
def test_order_statistics_sampler_matches_brute_force(p, kappa):
    mean, sem = competitor_cost(p, kappa, samples=40_000, seed=1)
    reference, reference_sem, _ = _brute_force_cost(p, kappa, 40_000, seed=2)
    assert abs(mean - reference) < 4 * math.hypot(sem, reference_sem)


def test_capacity_solves_its_equation_and_approaches_the_one_half_law():
    ratios = []
    for d in (10, 100, 1000, 10_000):
        result = optimal_capacity(d, samples=20_000)
        p_c = result["p_c"]
        assert p_c * result["F"] == pytest.approx(d * d, rel=1e-3)  # the interpolated crossing of p F(p) = d^2
        ratios.append(result["p_c_log_p_c_over_d2"])
    # decreasing towards the 1/2 law from above (Giorlandino, Goldt & Maillard 2026); the size of the correction
    # (relative order ln ln p / ln p, 0.19 at d = 1e4) has no independent value to compare with, so it is not tested
    assert all(a > b for a, b in zip(ratios, ratios[1:])) and ratios[-1] > LAWS["memory_optimal"][0]


def test_margin_lowers_capacity_and_impossible_margins_are_refused():
    assert optimal_capacity(20, 1.0, samples=20_000)["p_c"] < optimal_capacity(20, 0.0, samples=20_000)["p_c"]
    with pytest.raises(ParameterError, match="kappa"):
        optimal_capacity(5, 9.0, samples=1000)


def test_scores_at_capacity_lift_the_correct_score_above_the_competitors():
    scores = scores_at_capacity(100, 0.5, samples=20_000)
    assert np.all(scores.correct - scores.top_competitor >= 0.5 - 1e-12)  # every competitor at least kappa below
    _, _, lift = _brute_force_cost(100, 0.5, 20_000, seed=3)  # the correct score is z_0 + xi*, E z_0 = 0
    assert abs(scores.correct.mean() - lift.mean()) < 4 * math.hypot(scores.correct.std(), lift.std()) / math.sqrt(20_000)
    assert np.all(scores.pushed >= 0) and scores.pushed.mean() > 1  # several competitors sit at the margin
