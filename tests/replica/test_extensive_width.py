"""Extensive-width networks: Hermite kernel g, the scalar channel, the closure, its regimes and the CLI."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

import replica
from replica.errors import ParameterError
from replica.extensive_width import (
    activation_function, feature_onsets, model_size_scaling, perfect_recovery_alpha, readouts, scalar_channel,
    scaling_table, size_surface, solve_extensive_width, solve_overlaps,
)


def _gauss_mean(function):
    """E f(z) by adaptive quadrature (independent of the library's Gauss-Hermite rule)."""
    return quad(lambda z: function(z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -np.inf, np.inf,
                epsabs=1e-13, epsrel=1e-12, limit=400)[0]


def test_hermite_kernel_matches_direct_gaussian_means():
    tanh = activation_function("tanh")
    mu1 = _gauss_mean(lambda z: z * np.tanh(2 * z))
    assert tanh.slope == pytest.approx(mu1, rel=1e-10)
    assert tanh.g(0.0) == pytest.approx(0.0, abs=1e-14) and tanh.g(0.0, 1) == pytest.approx(0.0, abs=1e-14)
    assert tanh.g(1.0) == pytest.approx(_gauss_mean(lambda z: tanh(z) ** 2), rel=1e-7)  # Parseval
    assert tanh.g(1.0, 1) == pytest.approx(_gauss_mean(lambda z: tanh.derivative(z) ** 2), rel=1e-7)  # Price
    # g(q) = E sigma(u) sigma(q u + sqrt(1 - q^2) u') by nested adaptive quadrature
    for q in (0.3, 0.8, 0.97):
        def inner(u, q=q):
            return tanh(u) * _gauss_mean(lambda w: tanh(q * u + math.sqrt(1 - q * q) * w))
        assert tanh.g(q) == pytest.approx(_gauss_mean(inner), abs=1e-10)
    quadratic = activation_function("quadratic")
    q = np.linspace(0, 1, 7)
    np.testing.assert_allclose(quadratic.g(q), 2 * q**2, atol=1e-12)


def test_scalar_channel_is_the_global_maximiser():
    channel, tanh = scalar_channel("tanh"), activation_function("tanh")
    assert 0 < channel.lambda_s < channel.lambda_e and 0.5 < channel.q_jump < 1
    q = np.linspace(0, 1 - 1e-7, 2_000_001)
    for lam in (0.5 * channel.lambda_s, 0.999 * channel.lambda_e, 1.001 * channel.lambda_e, 40.0, 2000.0):
        brute = q[np.argmax(lam * tanh.g(q) + q + np.log1p(-q))]
        assert float(channel.overlap(lam)) == pytest.approx(brute, abs=2e-6)
    # at lambda_e the upper branch is stationary and ties with q = 0 (free-entropy comparison)
    qe, lam = channel.q_jump, channel.lambda_e
    assert lam * tanh.g(qe, 1) == pytest.approx(qe / (1 - qe), rel=1e-6)
    assert lam * tanh.g(qe) + qe + math.log1p(-qe) == pytest.approx(0.0, abs=1e-8)
    # the quadratic activation has a continuous transition at 1 / g''(0) = 1/4
    quadratic = scalar_channel("quadratic")
    assert quadratic.continuous and quadratic.lambda_e == pytest.approx(0.25, rel=1e-5)
    assert float(quadratic.overlap(1.0)) == pytest.approx(0.75, rel=1e-6)  # q = 1 - 1/(4 lambda)


def test_closure_fixed_point_and_effective_width():
    params = dict(beta=1.0, kappa=0.5, Delta=0.1, d=1000)
    channel = scalar_channel("tanh")
    previous = math.inf
    for alpha in (0.01, 0.1, 1.0, 10.0):
        solution = solve_overlaps(alpha, **params)
        v2 = readouts(500, 1.0) ** 2
        lam = alpha * 1000 * v2 / (0.1 + solution.gen_error)
        assert solution.k_c == int(np.sum(lam > channel.lambda_e))
        tanh = activation_function("tanh")
        expected = np.sum(v2 * np.where(solution.overlaps > 0, tanh.g(1.0) - tanh.g(solution.overlaps), tanh.g(1.0)))
        assert solution.gen_error == pytest.approx(expected, rel=1e-9)
        assert solution.gen_error < previous  # more data, less error
        previous = solution.gen_error
    fast = solve_overlaps(1.0, beta=1.0, kappa=10.0, d=1000)  # k = 10^4 features
    assert fast.overlaps.size == 10_000 and fast.residual < 1e-12


def test_refinement_and_perfect_recovery_match_their_expansions():
    # all features learnt: eps = kappa (Delta + eps) / alpha to leading order, i.e. kappa Delta / (alpha - kappa)
    alpha = 1e8
    solution = solve_overlaps(alpha, beta=1.0, kappa=0.5, Delta=0.1, d=200)
    assert solution.k_c == 100
    assert solution.gen_error == pytest.approx(0.5 * 0.1 / (alpha - 0.5), rel=1e-3)
    # noiseless: the decoupled closure recovers perfectly exactly from alpha = kappa
    for name in ("tanh", "quadratic"):
        assert solve_overlaps(0.45, beta=1.0, kappa=0.4, Delta=0.0, d=200, activation=name).gen_error == 0
        assert solve_overlaps(3e-2, beta=1.0, kappa=0.4, Delta=0.0, d=200, activation=name).gen_error > 0
    assert perfect_recovery_alpha(0.5) == {"bayes_optimal": 0.375, "decoupled": 0.5}


def test_feature_onsets_bracket_the_jump():
    onsets = feature_onsets([3], beta=1.0, kappa=0.5, Delta=0.1, d=500)
    jump = onsets.n_over_d2_jump.iloc[0]
    assert onsets.n_over_d2_spinodal.iloc[0] < jump
    below, above = (solve_overlaps(jump * f, beta=1.0, kappa=0.5, Delta=0.1, d=500).overlaps[2] for f in (0.999, 1.001))
    assert below == 0 and above > scalar_channel("tanh").q_jump * 0.99


def test_scaling_exponents_are_measured_not_assumed():
    table = scaling_table([2.0], [0.5], [0.1], d=1000, points=50)
    row = table.iloc[0]
    assert row.learning_exponent == pytest.approx(1 / (2 * 2.0) - 1, abs=0.02)
    assert row.refinement_exponent == pytest.approx(-1.0, abs=0.02)
    assert row.collapse_spread < 0.1 * row.collapse_constant


def test_report_and_errors():
    report = solve_extensive_width(beta=1.0, kappa=0.5, n_over_d2=1.0)
    assert report.status == "success" and report.quantities["k_c"] == report.quantities["overlaps_summary"]["learnt"]
    with pytest.raises(ParameterError, match="beta"):
        solve_overlaps(1.0, beta=-0.1)  # any beta >= 0 is a readout profile; a negative one is not
    with pytest.raises(ParameterError, match="activation"):
        activation_function("relu6")


def test_any_readout_profile_at_finite_width():
    """beta <= 1/2 is allowed at finite k = kappa d (the readouts are normalised over k features): beta = 0 is the
    homogeneous network, whose identical features are learnt all at once; at beta = 0.3 (the authors' HMC setting,
    Delta = 0.04, d = 200, kappa = 0.5) the effective width grows and the error falls along the budget. The scaling
    laws still need beta > 1/2 and say why."""
    homogeneous = [solve_extensive_width(beta=0.0, kappa=0.5, n_over_d2=a, Delta=0.04, d=200) for a in (0.5, 2.0)]
    assert [r.quantities["k_c"] for r in homogeneous] == [0, 100]
    staircase = [solve_extensive_width(beta=0.3, kappa=0.5, n_over_d2=a, Delta=0.04, d=200) for a in (0.2, 0.5, 1, 2)]
    assert all(r.status == "success" for r in staircase)
    errors, widths = [r.quantities["gen_error"] for r in staircase], [r.quantities["k_c"] for r in staircase]
    assert all(a > b for a, b in zip(errors, errors[1:])) and all(a < b for a, b in zip(widths, widths[1:]))
    with pytest.raises(ParameterError, match="beta > 1/2"):
        replica.family("extensive-width-scaling").solve(beta=0.3)


# --- model size (a student of width m) and readout profiles -------------------------------------------------------

def test_a_student_of_width_k_c_errs_exactly_as_the_full_one_and_wider_never_hurts():
    params = dict(beta=1.0, kappa=2.0, Delta=0.05, d=500)
    full = solve_overlaps(20.0, **params)
    assert 3 < full.k_c < full.overlaps.size
    # the unlearnt features enter lambda_i through Delta + eps either way: the two closures are the same equation
    assert solve_overlaps(20.0, width=full.k_c, **params).gen_error == pytest.approx(full.gen_error, rel=1e-12)
    assert solve_overlaps(20.0, width=full.overlaps.size, **params).gen_error == full.gen_error
    table = size_surface([20.0], np.unique(np.geomspace(1, 1000, 30).round().astype(int)), **params)
    assert np.all(np.diff(table.gen_error) <= 1e-15)
    v2 = readouts(1000, 1.0) ** 2
    g1 = float(activation_function("tanh").g(1.0))
    narrow = solve_overlaps(20.0, width=5, **params)
    assert narrow.unlearnable_error == pytest.approx(g1 * v2[5:].sum(), rel=1e-12)
    assert narrow.k_c <= 5 and narrow.overlaps.size == 5


def test_model_size_exponent_approaches_one_minus_two_beta():
    small, large = (model_size_scaling(alpha, beta=1.0, kappa=5.0, Delta=0.01, d=1000) for alpha in (10.0, 100.0))
    assert small["size_points"] >= 10 and large["size_points"] >= 15
    assert abs(large["size_exponent"] + 1) < 0.05  # measured -0.965 (k_c = 557), -0.941 at the smaller budget
    assert abs(large["size_exponent"] + 1) < abs(small["size_exponent"] + 1)
    assert large["optimal_width"] <= large["k_c"]
    assert large["one_shot_error"] == pytest.approx(large["full_width_error"], rel=1e-12)
    steeper = model_size_scaling(100.0, beta=1.5, kappa=5.0, Delta=0.01, d=1000)["size_exponent"]
    assert -2.2 < steeper < -1.7  # 1 - 2 beta = -2, approached from above as k_c grows (k_c = 75 here)


def test_user_readouts_are_ordered_and_scale_with_the_noise():
    v = readouts(300, 0.8)
    shuffled = np.random.default_rng(0).permutation(v) * np.where(np.arange(300) % 2, -1, 1)
    base = solve_overlaps(2.0, readout=v, Delta=0.1, d=400, width=50)
    assert solve_overlaps(2.0, readout=shuffled, Delta=0.1, d=400, width=50).gen_error == pytest.approx(
        base.gen_error, rel=1e-12)
    assert base.gen_error == pytest.approx(solve_overlaps(2.0, beta=0.8, kappa=0.75, Delta=0.1, d=400,
                                                          width=50).gen_error, rel=1e-12)
    # the error is in the units of sum v_i^2: readouts times c with noise times c^2 give c^2 times the error
    scaled = solve_overlaps(2.0, readout=3 * v, Delta=0.9, d=400, width=50)
    assert scaled.gen_error == pytest.approx(9 * base.gen_error, rel=1e-9)


def test_readouts_from_a_file(tmp_path):
    v = readouts(40, 1.2)
    text, binary = tmp_path / "v.txt", tmp_path / "v.npy"
    np.savetxt(text, v)
    np.save(binary, v)
    expected = solve_overlaps(1.0, readout=v, d=100).gen_error
    for path in (text, binary):
        report = replica.family("extensive-width").solve(readouts=str(path), d=100)
        assert report.quantities["gen_error"] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ParameterError, match="readouts"):
        solve_overlaps(1.0, readout=np.zeros(5))
    with pytest.raises(ParameterError, match="readouts"):
        replica.family("extensive-width").solve(readouts=str(tmp_path / "missing.txt"))
    with pytest.raises(ParameterError, match="width"):
        solve_overlaps(1.0, readout=v, width=41)


@pytest.mark.parametrize("density", ["gaussian", "uniform", "pareto"])
def test_readout_densities_are_normalised_decreasing_quantile_profiles(density):
    v = readouts(1000, 1.0, density)
    assert np.sum(v**2) == pytest.approx(1.0) and np.all(np.diff(v) <= 0) and v[-1] > 0
    if density == "pareto":  # ordered Pareto values of exponent 1/beta fall like i^-beta
        assert v[9] / v[99] == pytest.approx(10.0, rel=0.05)
    if density == "uniform":
        assert v[0] / v[499] == pytest.approx((1 - 0.5 / 1000) / (1 - 499.5 / 1000))
