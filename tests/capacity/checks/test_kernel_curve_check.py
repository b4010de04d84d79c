"""The kernel-curve check: finite-P ridge regression (closed form and cvxpy) against the learning curve, the
interpolation peak against the exact finite-P means, and its command line."""

import json

import numpy as np
import pytest

from capacity.cli import main
from capacity.checks.kernel_curve import (kernel_trials, ridge_coefficients, ridge_coefficients_cvxpy, sphere_pool,
                                          verify_kernel_curve)
from replica.kernel_curve import (KERNELS, isotropic_interpolator_error, kernel_spectrum, learning_curve,
                                  mode_errors, pool_target, power_law_problem)


def test_mode_errors_match_simulation_and_the_other_split_is_rejected():
    eigenvalues, power = power_law_problem(200, 1.5, 1.5)
    trials = 400
    run = kernel_trials(eigenvalues, np.sqrt(power), [100], ridge=1e-3, noise=0.05, trials=trials, cvxpy_trials=0)
    measured = run["modes"][100].mean(0)[:10]
    errors = mode_errors(eigenvalues, power, 100, ridge=1e-3, noise=0.05)
    f, b = errors["fluctuation"][:10], errors["shrinkage"][:10]
    se = np.sqrt((2 * f**2 + 4 * f * b) / trials)
    assert np.all(np.abs(measured - errors["total"][:10]) < 4 * se)
    # splitting E_g as [v_k^2 kappa^2 + sigma^2 P eta_k^2] / ((P eta_k + kappa)^2 (1 - gamma)) has the same sum but
    # gives the well-learned modes sigma^2/(P(1 - gamma)) instead of (sigma^2 + E_g)/P: 30% too small here
    other = (b + 0.05 * 100 * eigenvalues[:10] ** 2 / (100 * eigenvalues[:10] + errors["kappa"]) ** 2) / (
        1 - errors["gamma"])
    # averaged over the ten modes (relative SE a few %): the measured errors sit on the theory, ~40% above the other
    assert measured.mean() / errors["total"][:10].mean() == pytest.approx(1.0, abs=0.1)
    assert measured.mean() / other.mean() > 1.25


def test_closed_form_cvxpy_and_the_kernel_formula_give_one_predictor():
    points, values = sphere_pool(300, 6, seed=1)
    kernel = lambda x, y: KERNELS["laplace"](x, y, 1.0)  # noqa: E731
    eigenvalues, eigenfunctions = kernel_spectrum(kernel, points)
    power, unreachable = pool_target(eigenfunctions, values)
    assert power.sum() + unreachable == pytest.approx(np.mean(values**2))
    index = np.random.default_rng(0).choice(300, 40, replace=False)
    for ridge in (1e-2, 0.0):
        c = ridge_coefficients(eigenfunctions[index], eigenvalues, values[index], ridge)
        gram = kernel(points[index], points[index])
        direct = kernel(points, points[index]) @ np.linalg.lstsq(gram + ridge * np.eye(40), values[index],
                                                                 rcond=None)[0]
        np.testing.assert_allclose(eigenfunctions @ c, direct, atol=1e-7)
        c_cvx, status = ridge_coefficients_cvxpy(eigenfunctions[index], eigenvalues, values[index], ridge)
        assert status == "optimal"
        np.testing.assert_allclose(c_cvx, c, rtol=1e-4, atol=1e-6)


def test_interpolation_peak_simulations_match_the_exact_means():
    eigenvalues, power = power_law_problem(40, 0.0, 0.0)
    run = kernel_trials(eigenvalues, np.sqrt(power), [10, 30, 50, 120], noise=0.25, trials=200, cvxpy_trials=0)
    means = run["instances"].groupby("P").E_g.agg(["mean", "std"])
    for p, row in means.iterrows():
        exact = isotropic_interpolator_error(40, p, noise=0.25)
        assert abs(row["mean"] - exact) < 4 * row["std"] / np.sqrt(200)
    # and the theory misses them by the finite-P denominators (|P - M| against |P - M| - 1): visible at P = 50
    theory = learning_curve(eigenvalues, power, [50], noise=0.25).E_g.iloc[0]
    assert theory == pytest.approx(1.0) and isotropic_interpolator_error(40, 50, noise=0.25) == pytest.approx(10 / 9)


def test_verify_kernel_curve_agrees_on_all_three_experiments():
    result = verify_kernel_curve(trials=30, seed=3)
    assert result.status == "success", result.message
    assert all(result.tables[name].agree.all() for name in ("curve", "modes", "peak", "pool"))
    assert np.isinf(result.theory["E_g_at_interpolation_peak"])
    assert not result.tables["curve"].cvxpy.str.contains("DISAGREE|doubtful \\(").any()
    # the ridge-1e-3 curve has its own (finite) peak at P = M = 200
    curve = result.to_frame("curve").set_index("P")
    assert curve.theory[200] > curve.theory[100] and curve["mean"][200] > curve["mean"][100]


def test_cli_kernel_curve(capfd):
    assert main(["solve", "kernel-curve", "--set", "modes=100", "--set", "decay=0", "--set", "target_decay=0",
                 "--set", "ridge=0", "--set", "noise=0.5", "--set", "P=50", "--set", "P=200", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["quantities"]["E_g"] == pytest.approx([1.0, 0.5])
    assert main(["verify", "kernel-curve", "--trials", "20", "--set", "P=20", "--set", "P=60", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "success" and [row["P"] for row in payload["tables"]["curve"]] == [20, 60]
    assert payload["model"] == "kernel-curve" and payload["params"]["trials"] == 20 and "quantities" in payload
    assert main(["solve", "kernel-curve", "--set", "decay=-1"]) == 2
    assert "decay" in capfd.readouterr().err
    assert main(["verify", "kernel-curve", "--set", "kernel=cosine"]) == 2
    assert "kernel" in capfd.readouterr().err
