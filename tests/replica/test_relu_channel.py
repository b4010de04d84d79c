"""The ReLU teacher channel: its nested (two-dimensional) Gaussian means against independent evaluations."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, special, stats

from replica.models.teacher import Delta, ReluTeacher
from replica.symbolic.codegen import compile_expression
from replica.symbolic.gaussian import GaussianMean, LogH
from replica.symbolic.symbols import V, omega, q, xi, y, z


def test_nested_means_are_tensor_product_quadrature():
    a, b, u = sp.symbols("a b u", positive=True)
    nested = compile_expression(GaussianMean(GaussianMean(LogH(a * z + b * xi + 1), xi), z), (a, b))
    rotated = compile_expression(GaussianMean(LogH(sp.sqrt(a**2 + b**2) * u + 1), u), (a, b))
    a_values, b_values = np.array([0.3, 2.0, 30.0]), np.array([1.0, 0.1, 40.0])
    np.testing.assert_allclose(nested(a_values, b_values), rotated(a_values, b_values), rtol=1e-12)
    moment = compile_expression(GaussianMean(GaussianMean((a * z * xi + z**2) ** 2, xi), z), (a,))
    np.testing.assert_allclose(moment(np.array([0.0, 1.5])), [3.0, 1.5**2 + 3.0], rtol=1e-12)


def _label_entropy(delta):
    """h(Y) of y = max(0, x) + sqrt(delta) n at q = 0, by adaptive quadrature of the written-out density."""
    def log_density(label):
        spike = stats.norm.logpdf(label, 0, np.sqrt(delta)) - np.log(2)
        slab = stats.norm.logpdf(label, 0, np.sqrt(1 + delta)) + special.log_ndtr(label / np.sqrt(delta * (1 + delta)))
        return np.logaddexp(spike, slab)
    edge = 14 * np.sqrt(1 + delta)
    value, _ = integrate.quad(lambda t: -np.exp(log_density(t)) * log_density(t), -edge, edge, points=[0.0],
                              limit=500, epsabs=1e-13)
    return value


@pytest.fixture(scope="module")
def relu_terms():
    channel = ReluTeacher()
    potential = channel.nishimori_term(q, 1)
    return (compile_expression(potential, (q, Delta)), compile_expression(sp.diff(potential, q), (q, Delta)),
            compile_expression(channel.generalisation_error(q, 1), (q, Delta)))


@pytest.mark.parametrize("delta", [0.01, 0.5])
def test_relu_potential_at_zero_overlap_is_minus_the_label_entropy(relu_terms, delta):
    potential, _, _ = relu_terms
    assert potential(1e-14, delta) == pytest.approx(-_label_entropy(delta), abs=1e-9)


def test_relu_potential_derivative_matches_finite_differences_and_the_nishimori_identity(relu_terms):
    r"""d Psi/dq = (1/2) E_z int dy Z_out g_out^2 on the Nishimori line (Barbier et al. 2019), with g_out the
    omega-derivative of the declared ln Z_out: an identity between two different integrands."""
    potential, derivative, _ = relu_terms
    channel = ReluTeacher()
    g_out = sp.diff(channel.label_log_partition(y, omega, V), omega)
    w, variance = sp.sqrt(q) * z, 1 - q
    inactive_label, active_label = sp.sqrt(Delta) * xi, w + sp.sqrt(variance + Delta) * xi
    centre = (w * Delta + active_label * variance) / (variance + Delta)
    spread = sp.sqrt(variance * Delta / (variance + Delta))
    inactive = sp.exp(LogH(w / sp.sqrt(variance))) * GaussianMean(
        (g_out**2).subs({y: inactive_label, omega: w, V: variance}), xi)
    active = GaussianMean(sp.exp(LogH(-centre / spread)) * (g_out**2).subs({y: active_label, omega: w, V: variance}),
                          xi)
    identity = compile_expression(GaussianMean(inactive + active, z) / 2, (q, Delta))
    for overlap, delta in [(0.05, 0.01), (0.5, 0.01), (0.95, 0.01), (0.5, 0.5)]:
        step = 1e-5
        finite_difference = (potential(overlap + step, delta) - potential(overlap - step, delta)) / (2 * step)
        assert derivative(overlap, delta) == pytest.approx(finite_difference, rel=1e-6)
        assert derivative(overlap, delta) == pytest.approx(float(identity(overlap, delta)), rel=1e-7)


def test_relu_generalisation_error_limits(relu_terms):
    _, _, error = relu_terms
    delta = 0.1
    assert error(1e-14, delta) == pytest.approx((np.pi - 1) / (2 * np.pi) + delta, abs=1e-9)  # Var max(0, x) + Delta
    assert error(1 - 1e-12, delta) == pytest.approx(delta, abs=1e-5)


def test_relu_gamp_tracks_state_evolution_and_the_solved_fixed_point():
    """GAMP with g_out differentiated from the declared ln Z_out, at N = 2000, against the replica solution."""
    from capacity.checks.glm import verify_glm

    check = verify_glm("gaussian", "relu", 1.0, n=2000, trials=4, iterations=12, Delta=0.01)
    assert check.theory["branch"] == "unique" and check.theory["n_fixed_points"] == 1
    assert check.agree, check.message
    trajectory = check.tables["trajectory"]
    gaps = np.abs(trajectory.amp_mean - trajectory.state_evolution)[1:]
    # three standard errors of the 4-instance mean; GAMP's finite-N bias is O(1/N) = 5e-4, far below them
    assert np.all(gaps <= 3 * trajectory.amp_standard_error[1:])
    assert trajectory.state_evolution.iloc[-1] == pytest.approx(check.theory["overlap"], abs=1e-3)
