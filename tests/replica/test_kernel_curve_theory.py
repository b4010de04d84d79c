"""Kernel ridge regression learning curves (replica.kernel_curve): the kappa equation, exact isotropic limits, the
mode split, bad input."""

import numpy as np
import pytest

from replica.errors import ParameterError
from replica.kernel_curve import (effective_ridge, isotropic_interpolator_error, kernel_spectrum, learning_curve,
                                  mode_errors, power_law_problem)


@pytest.mark.parametrize("p, ridge", [(5, 1e-3), (50, 1e-1), (400, 1e-6), (50, 0.0), (10_000, 1e-12)])
def test_effective_ridge_solves_its_equation(p, ridge):
    eigenvalues, _ = power_law_problem(300, 1.7, 1.0)
    kappa = effective_ridge(eigenvalues, p, ridge)
    if ridge == 0 and p >= eigenvalues.size:
        assert kappa == 0.0
    else:
        assert kappa > 0
        assert kappa == pytest.approx(ridge + kappa * np.sum(eigenvalues / (p * eigenvalues + kappa)), rel=1e-10)


def test_isotropic_ridgeless_curve_is_the_closed_form_and_peaks_at_p_equal_m():
    eigenvalues, power = power_law_problem(100, 0.0, 0.0)
    curve = learning_curve(eigenvalues, power, [20, 50, 99, 100, 101, 300], noise=0.5).set_index("P")
    for p in (20, 50, 99):  # ||v||^2 (1 - P/M) + sigma^2 P/(M - P)
        assert curve.E_g[p] == pytest.approx(1 - p / 100 + 0.5 * p / (100 - p), rel=1e-10)
    for p in (101, 300):  # sigma^2 M/(P - M)
        assert curve.E_g[p] == pytest.approx(0.5 * 100 / (p - 100), rel=1e-10)
    assert np.isinf(curve.E_g[100]) and curve.gamma[100] == pytest.approx(1.0)
    # the exact finite-P means differ by one in the denominators (inverse-Wishart means)
    assert isotropic_interpolator_error(100, 50, noise=0.5) == pytest.approx(0.5 + 0.5 * 50 / 49)
    assert isotropic_interpolator_error(100, 300, noise=0.5) == pytest.approx(0.5 * 100 / 199)
    assert np.isinf(isotropic_interpolator_error(100, 101, noise=0.5))
    noiseless = learning_curve(eigenvalues, power, [100], noise=0.0)
    assert noiseless.E_g.iloc[0] == 0.0  # no noise, every mode fixed by the data


def test_ridge_to_zero_is_continuous_away_from_the_peak_and_modes_sum_to_the_total():
    eigenvalues, power = power_law_problem(200, 1.5, 2.0)
    for p in (30, 150, 260):
        ridgeless = learning_curve(eigenvalues, power, [p], noise=0.1).E_g.iloc[0]
        assert learning_curve(eigenvalues, power, [p], ridge=1e-11, noise=0.1).E_g.iloc[0] == pytest.approx(
            ridgeless, rel=1e-6)
    errors = mode_errors(eigenvalues, power, 80, ridge=1e-2, noise=0.1)
    assert errors["total"].sum() == pytest.approx(errors["E_g"], rel=1e-12)
    # fluctuation of every mode = P eta_k^2/(P eta_k + kappa)^2 (sigma^2 + E_g)
    weight = 80 * eigenvalues**2 / (80 * eigenvalues + errors["kappa"]) ** 2
    np.testing.assert_allclose(errors["fluctuation"], weight * (0.1 + errors["E_g"]), rtol=1e-12)


def test_large_ridge_shrinks_each_mode_by_its_own_factor():
    eigenvalues, power = power_law_problem(50, 1.0, 1.0)
    errors = mode_errors(eigenvalues, power, 10, ridge=1e6)
    np.testing.assert_allclose(errors["kappa"], 1e6, rtol=1e-4)
    np.testing.assert_allclose(errors["total"], power * (1e6 / (10 * eigenvalues + 1e6)) ** 2, rtol=1e-4)


def test_bad_input_names_the_parameter():
    with pytest.raises(ParameterError, match="eigenvalues"):
        mode_errors([1.0, -0.5], [0.5, 0.5], 10)
    with pytest.raises(ParameterError, match="target_power"):
        mode_errors([1.0, 0.5], [1.0], 10)
    with pytest.raises(ParameterError, match="ridge"):
        learning_curve([1.0], [1.0], [10], ridge=-1.0)
    with pytest.raises(ParameterError, match="P"):
        effective_ridge([1.0], 0, 0.1)
    with pytest.raises(ParameterError, match="kernel"):
        kernel_spectrum(lambda x, y: -x @ y.T - 1.0, np.eye(3))


def test_solve_kernel_curve_at_the_largest_ridge_predicts_nothing():
    """lambda -> infinity shrinks the predictor to zero: E_g -> sum_k v_k^2 = 1 (the target power is normalised),
    to first order in P eta / lambda; the effective ridge tends to lambda + sum_k eta_k. The largest allowed ridge
    once broke the root bracket (rounding in lambda + sum eta - lambda)."""
    from replica.kernel_curve import power_law_problem, solve_kernel_curve

    eigenvalues, _ = power_law_problem(100, 1.5, 1.5)
    report = solve_kernel_curve([10, 100], modes=100, decay=1.5, target_decay=1.5, ridge=1e12, noise=0.05)
    assert report.status == "success"
    np.testing.assert_allclose(report.quantities["E_g"], 1.0, atol=1e-9)
    np.testing.assert_allclose(report.quantities["kappa"], 1e12 + eigenvalues.sum(), rtol=1e-12)
