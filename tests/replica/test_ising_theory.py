"""Binary perceptron: the engine's q -> 1 answer is produced and rejected; the zero-entropy load is reported."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate
from scipy.stats import norm

import replica
from replica.symbolic.symbols import kappa
from tests.catalogue import published

ISING_ALPHA_KM = published("ising-perceptron", "alpha_c", kappa=0.0)
ISING_ALPHA_Q1 = published("ising-perceptron", "alpha_q1", kappa=0.0).value


@pytest.fixture(scope="module")
def ising():
    return replica.theory("ising-perceptron")


def test_q_to_one_load_is_four_over_pi_symbolically():
    derived = replica.derive("ising-perceptron").capacity.alpha_c
    assert sp.simplify(derived.subs(kappa, 0) - 4 / sp.pi) == 0


def test_q_to_one_load_is_two_over_pi_times_gardner_for_every_margin():
    """The Ising entropic term contributes 1/pi instead of 1/2 to the q -> 1 coefficient (Gardner & Derrida)."""
    ising = replica.derive("ising-perceptron").capacity.alpha_c
    gardner = replica.derive("gardner").capacity.alpha_c
    assert sp.simplify(ising - 2 / sp.pi * gardner) == 0


def test_zero_entropy_capacity_is_krauth_mezard(ising):
    value, tolerance = ISING_ALPHA_KM.value, ISING_ALPHA_KM.tolerance
    found = ising.zero_entropy_load(kappa=0.0)
    assert found.success
    assert float(found["alpha"]) == pytest.approx(value, abs=tolerance)
    assert float(ising.alpha_c(kappa=0.0)) == pytest.approx(ISING_ALPHA_Q1, rel=1e-14)


def test_zero_entropy_load_does_not_depend_on_the_quadrature_order():
    loads = [float(replica.theory("ising-perceptron", n).zero_entropy_load(kappa=0.0)["alpha"]) for n in (201, 401)]
    assert loads[0] == pytest.approx(loads[1], abs=1e-10)


def test_fixed_points_have_small_residuals_and_satisfy_the_equations(ising):
    solution = ising.saddle_point(np.array([0.1, 0.5, 0.83, 1.1]), kappa=0.0)
    assert solution.success and np.all(solution.residual < 1e-10)
    for q_value, q_hat in zip(solution["q"], solution["q_hat"]):
        # q = E tanh^2(sqrt(q_hat) z), recomputed by adaptive quadrature
        expected, _ = integrate.quad(lambda t: np.tanh(np.sqrt(q_hat) * t) ** 2 * norm.pdf(t), -np.inf, np.inf,
                                     epsabs=1e-13)
        assert q_value == pytest.approx(expected, abs=1e-10)


def test_entropy_derivative_in_load_is_the_energetic_term(ising):
    a, h = 0.6, 1e-5
    up, down = ising.saddle_point(a + h, kappa=0.0), ising.saddle_point(a - h, kappa=0.0)
    mid = ising.saddle_point(a, kappa=0.0)
    qv = float(mid["q"])
    energetic, _ = integrate.quad(lambda t: norm.logsf(-np.sqrt(qv) * t / np.sqrt(1 - qv)) * norm.pdf(t),
                                  -np.inf, np.inf, epsabs=1e-13)
    fd = (float(up["free_entropy"]) - float(down["free_entropy"])) / (2 * h)
    assert fd == pytest.approx(energetic, rel=1e-6)


def test_entropy_starts_at_ln2_and_vanishes_at_capacity(ising):
    assert float(ising.saddle_point(1e-6, kappa=0.0)["free_entropy"]) == pytest.approx(np.log(2), abs=1e-5)
    at = ising.saddle_point(float(ising.zero_entropy_load(kappa=0.0)["alpha"]), kappa=0.0)
    assert float(at["free_entropy"]) == pytest.approx(0.0, abs=1e-10)


def test_rs_is_stable_at_krauth_mezard_and_unstable_towards_q_to_one(ising):
    loads = np.array([0.833, 1.2])
    replicon = ising.saddle_point(loads, kappa=0.0)["replicon"]
    assert replicon[0] > 0 > replicon[1]


def test_report_rejects_the_q_to_one_answer():
    report = replica.solve("ising-perceptron")
    q = report.quantities
    assert q["capacity_criterion"] == "zero-entropy" and q["alpha_q1_valid"] is False
    assert q["alpha_q1"] == pytest.approx(ISING_ALPHA_Q1, rel=1e-14)
    assert q["alpha_c"] == pytest.approx(ISING_ALPHA_KM.value, abs=ISING_ALPHA_KM.tolerance)
    assert q["rs_stability_at_capacity"] == "stable"
    assert "rejected" in report.message


def test_load_with_negative_entropy_is_flagged():
    with pytest.warns(replica.RSInstabilityWarning):
        report = replica.solve("ising-perceptron", alpha=1.1)
    assert report.status == "warning" and "entropy is negative" in report.message


def test_replicon_at_q_to_one_is_refused_with_a_clear_error(ising):
    with pytest.raises(replica.ReplicaError, match="saddle_point"):
        ising.replicon_at_capacity(kappa=0.0)


def test_root_and_damped_iteration_agree(ising):
    loads = np.array([0.2, 0.7, 1.0])
    by_root = ising.saddle_point(loads, kappa=0.0, method="root")
    damped = ising.saddle_point(loads, kappa=0.0, method="damped")
    assert by_root.success and damped.success
    np.testing.assert_allclose(by_root["q"], damped["q"], atol=1e-11)
    assert np.all(by_root.n_iter < damped.n_iter)
    with pytest.raises(replica.ParameterError, match="method"):
        ising.saddle_point(0.5, kappa=0.0, method="newton")


def _mp_entropy_at(load, margin, q_start, q_hat_start):
    """RS entropy of binary weights at its saddle point, solved independently with mpmath at 30 digits.

    Gardner & Derrida (1988): s = -q_hat (1 - q)/2 + E ln 2cosh(sqrt(q_hat) z) + alpha E ln H(u),
    u = (kappa - sqrt(q) t)/sqrt(1 - q), with q = E tanh^2(sqrt(q_hat) z) and
    q_hat = alpha/(1 - q) E [phi(u)/H(u)]^2. Returns s and ds/dalpha = E ln H(u) (the envelope theorem).
    """
    import mpmath as mp

    mp.mp.dps = 30
    root = mp.sqrt(2 * mp.pi)

    def mean(f):
        return mp.quad(lambda z: mp.exp(-z * z / 2) / root * f(z), [-mp.inf, -5, 0, 5, mp.inf])

    def tail(x):
        return mp.erfc(x / mp.sqrt(2)) / 2

    def field(q, t):
        return (margin - mp.sqrt(q) * t) / mp.sqrt(1 - q)

    def equations(q, q_hat):
        return (mean(lambda z: mp.tanh(mp.sqrt(q_hat) * z) ** 2) - q,
                load / (1 - q) * mean(lambda t: (mp.exp(-field(q, t) ** 2 / 2) / root / tail(field(q, t))) ** 2)
                - q_hat)

    q, q_hat = mp.findroot(equations, (mp.mpf(q_start), mp.mpf(q_hat_start)))
    energetic = mean(lambda t: mp.log(tail(field(q, t))))
    entropy = -q_hat * (1 - q) / 2 + mean(lambda z: mp.log(2 * mp.cosh(mp.sqrt(q_hat) * z))) + load * energetic
    return float(entropy), float(energetic)


@pytest.mark.parametrize("margin, digits", [(-4.0, 1e-12), (0.0, 1e-12), (40.0, 1e-9)])
def test_zero_entropy_load_against_an_independent_mpmath_solution(ising, margin, digits):
    """At the returned capacity the 30-digit entropy must vanish: its relative load error s / (alpha ds/dalpha)
    is below 1e-12 at kappa = -4 (the lower edge of the computed range) and 0, and 1e-9 at the upper edge
    kappa = 40 (measured: 1e-15, 4e-16 and 4e-11), where the zero-entropy load is within 1.5e-5 of the q -> 1
    load (below 1e-4, the search's first bracket)."""
    found = ising.zero_entropy_load(kappa=margin)
    assert found.success
    load = float(found["alpha"])
    saddle = ising.saddle_point(load, kappa=margin)
    entropy, slope = _mp_entropy_at(load, margin, float(saddle["q"]), float(saddle["q_hat"]))
    assert abs(entropy / (slope * load)) <= digits
    assert 1 - load / float(ising.alpha_c(kappa=margin)) < (1e-4 if margin > 20 else 1)


def test_margins_beyond_the_computed_range_are_refused():
    for outside in (41.0, -5.0):
        with pytest.raises(replica.ParameterError, match=r"kappa: must lie in \[-4, 40\]"):
            replica.solve("ising-perceptron", kappa=outside)
    assert replica.solve("gardner", kappa=41.0).status == "success"  # the limit belongs to binary weights only
