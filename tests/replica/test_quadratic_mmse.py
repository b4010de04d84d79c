"""The noisy quadratic network's exact Bayes-optimal error (Maillard et al. 2024) against its limits: the spectral
density's moments, no data, the least-squares law at large budgets, the noiseless threshold, and the decoupled
closure it corrects."""

import numpy as np
import pytest
from scipy.integrate import quad

import replica
from replica.extensive_width import perfect_recovery_alpha
from replica.quadratic_mmse import (
    closure_comparison, denoising_mmse, quadratic_bayes_error, spectral_density, support_edges,
)


@pytest.mark.parametrize("kappa, sigma2", [(0.5, 0.5), (0.5, 0.02), (2.0, 0.3), (1.0, 0.1)])
def test_density_is_marchenko_pastur_plus_semicircle(kappa, sigma2):
    edges = support_edges(sigma2, kappa)

    def moment(power):
        return sum(quad(lambda x: float(spectral_density(x, sigma2, kappa)[0]) * x**power, lo, hi, limit=200)[0]
                   for lo, hi in zip(edges[::2], edges[1::2]))

    # free cumulants add: mean 1, variance 1/kappa (Wishart of ratio 1/kappa) + sigma^2 (semicircle)
    assert moment(0) == pytest.approx(1, abs=1e-8)
    assert moment(1) == pytest.approx(1, abs=1e-8)
    assert moment(2) == pytest.approx(1 + 1 / kappa + sigma2, abs=1e-7)
    outside = np.array([edges[0] - 0.01, edges[-1] + 0.01])
    assert np.all(spectral_density(outside, sigma2, kappa) < 1e-6)


def test_denoising_mmse_lies_between_zero_and_the_prior_variance():
    values = [denoising_mmse(q, 0.5) for q in (1e-3, 0.1, 1.0, 10.0, 1e3)]
    assert all(0 < v < 1 / 0.5 for v in values)  # the prior variance of S per entry is 1/kappa
    assert np.all(np.diff(values) < 0)
    assert values[0] == pytest.approx(1 / 0.5, rel=5e-3)
    # small noise 1/q: the error per unit noise is the dimension of rank-k PSD matrices, (kappa - kappa^2/2) d^2,
    # per kappa d^2 (the units of (1/d)|S|_F^2)
    assert values[-1] * 1e3 == pytest.approx((0.5 - 0.5**2 / 2) / 0.5, rel=2e-3)


@pytest.mark.parametrize("kappa", [0.25, 0.5])
def test_large_budget_error_is_least_squares_on_the_psd_manifold(kappa):
    # eps ~ Delta D / n with D / d^2 = kappa - kappa^2 / 2: independent of the theory's normalisation of the noise
    for alpha, rel in ((50.0, 0.01), (200.0, 0.003)):
        eps = quadratic_bayes_error(alpha, kappa, 0.1)["gen_error"]
        assert eps * alpha / 0.1 == pytest.approx(kappa - kappa**2 / 2, rel=rel)


def test_no_data_gives_the_output_variance():
    assert quadratic_bayes_error(1e-4, 0.5, 0.1)["gen_error"] == pytest.approx(2.0, rel=1e-3)


@pytest.mark.parametrize("kappa", [0.25, 0.5, 2.0])
def test_noiseless_limit_recovers_from_the_dimension_count(kappa):
    threshold = perfect_recovery_alpha(kappa)["bayes_optimal"]  # kappa - kappa^2/2, 1/2 beyond kappa = 1
    below = quadratic_bayes_error(threshold - 0.02, kappa, 1e-7)["gen_error"]
    above = quadratic_bayes_error(threshold + 0.02, kappa, 1e-7)["gen_error"]
    assert below > 1e-2 and above < 1e-4
    # and the decoupled closure's threshold alpha = kappa lies above it (kd unknowns counted instead of kd - k^2/2)
    assert perfect_recovery_alpha(kappa)["decoupled"] > threshold


def test_the_decoupled_closure_overestimates_the_error_and_tends_to_the_dimension_ratio():
    table = closure_comparison([0.05, 0.35, 1.0, 20.0], 0.5, 0.1)
    assert np.all(table.ratio > 1)
    assert table.ratio.iloc[1] > 3  # near the threshold the closure is far off
    assert table.ratio.iloc[-1] == pytest.approx(1 / (1 - 0.5 / 2), rel=0.03)


def test_extensive_width_report_shows_both_errors():
    report = replica.family("extensive-width").solve(activation="quadratic", beta=0.0, Delta=0.1, n_over_d2=0.5)
    assert report.quantities["exact_gen_error"] == pytest.approx(quadratic_bayes_error(0.5, 0.5, 0.1)["gen_error"])
    assert report.quantities["exact_gen_error"] < report.quantities["gen_error"]
    assert "exact_gen_error" not in replica.family("extensive-width").solve(activation="quadratic", beta=1.0).quantities
