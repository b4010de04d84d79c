"""The Gaussian measure of a storing set (replica.set_measure) and the finite-overlap theory it gives tree machines
declared by an activation (replica.tree_machine.TreeTheory.of_storing_set)."""

import functools
import math

import mpmath
import numpy as np
import pytest
from scipy.stats import truncnorm

import replica
from replica.field_sets import BooleanRule, TreelikeNetwork
from replica.set_measure import (log_interval_mass, orthant_union_log_partition, piece_union_log_partition,
                                 truncated_moments)
from replica.tree_machine import TreeTheory

#: Far tails on both sides, a narrow interval, one across zero, half-lines.
INTERVALS = [(-np.inf, -40.0), (30.0, 31.0), (-1.0, 2.0), (5.0, 5.000001), (-38.0, -37.5), (10.0, np.inf),
             (-3.0, np.inf), (0.0, 1e-9)]


@functools.lru_cache
def _mass_and_moments(a, b):
    """Mass, mean and second moment of the standard normal on [a, b] by mpmath quadrature at 30 digits, on panels
    of width 0.1 (an infinite end is cut where the density has fallen by e^-40 or more from the finite end)."""
    mpmath.mp.dps = 30
    reach = min(12.0, 60.0 / max(1.0, abs(a if np.isfinite(a) else b)))
    low = a if np.isfinite(a) else b - reach
    high = b if np.isfinite(b) else a + reach
    edges = mpmath.linspace(low, high, max(2, int((high - low) / 0.1) + 1))
    mass, first, second = (mpmath.quad(lambda x: x**power * mpmath.npdf(x), edges) for power in (0, 1, 2))
    return mass, first / mass, second / mass


def test_interval_masses_keep_their_relative_accuracy_far_in_the_tails():
    lower, upper = np.array(INTERVALS).T
    exact = [float(mpmath.log(_mass_and_moments(a, b)[0])) for a, b in INTERVALS]
    np.testing.assert_allclose(log_interval_mass(lower, upper), exact, rtol=1e-11)
    assert log_interval_mass(2.0, 2.0) == -np.inf and log_interval_mass(3.0, 1.0) == -np.inf


def test_truncated_moments_are_the_truncated_normal_s():
    lower, upper = np.array(INTERVALS).T
    _, mean, second = truncated_moments(lower, upper)
    for (a, b), m, s in zip(INTERVALS, mean, second):
        _, first, raw = _mass_and_moments(a, b)
        assert m == pytest.approx(float(first), rel=1e-10, abs=1e-12)
        assert s == pytest.approx(float(raw), rel=1e-10)
    middle = truncnorm(-1.0, 2.0)
    assert mean[2] == pytest.approx(middle.mean(), rel=1e-12)
    assert second[2] - mean[2] ** 2 == pytest.approx(middle.var(), rel=1e-12)


@pytest.mark.parametrize("variance", [1.0, 0.05, 1e-4])
def test_the_quadrature_of_pieces_is_the_orthants_closed_form(variance):
    """The parity rule's two quadrants as pieces (boxes) against the orthants' product of truncated normals,
    including field vectors many standard deviations outside the set (ln Z far below the smallest double)."""
    rule = BooleanRule("parity", 2)
    omega = np.array([[0.3, 0.7], [-1.2, 0.4], [2.0, -0.05], [-0.8, -0.8], [0.02, -0.6], [3.0, -2.5]])
    smallest = 0.0
    for label in (1, -1):
        closed = orthant_union_log_partition(rule.representations(label), omega, variance)
        quadrature = piece_union_log_partition(rule.pieces(label), omega, variance)
        np.testing.assert_allclose(quadrature.log_z, closed.log_z, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(quadrature.gradient, closed.gradient, rtol=1e-6, atol=1e-8 / variance)
        np.testing.assert_allclose(quadrature.hessian, closed.hessian, rtol=1e-5, atol=1e-7 / variance)
        smallest = min(smallest, closed.log_z.min())
    assert smallest < (-1e4 if variance == 1e-4 else -3.0)


def test_derivatives_of_a_relu_network_s_measure_are_its_finite_differences():
    """The gradient, Hessian and heat-equation variance derivative of ln Z for the pieces of
    sign(relu(h1) - relu(h2)) against central differences, and Z itself against Monte Carlo."""
    pieces = TreelikeNetwork("Max(h, 0)", 2, "alternating").pieces(1)
    omega = np.array([[0.4, -0.3], [-0.5, 0.2], [1.1, 0.9], [-0.2, -0.6]])
    variance, step = 0.3, 1e-5

    def measure(points, v=variance):
        return piece_union_log_partition(pieces, points, v)

    at = measure(omega)
    for k in range(2):
        shift = np.zeros(2)
        shift[k] = step
        plus, minus = measure(omega + shift), measure(omega - shift)
        np.testing.assert_allclose(at.gradient[:, k], (plus.log_z - minus.log_z) / (2 * step), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(at.hessian[:, :, k], (plus.gradient - minus.gradient) / (2 * step),
                                   rtol=1e-5, atol=1e-6)
    along_variance = (measure(omega, variance + step).log_z - measure(omega, variance - step).log_z) / (2 * step)
    np.testing.assert_allclose(at.variance_derivative(), along_variance, rtol=1e-5, atol=1e-7)
    rng = np.random.default_rng(0)
    fields = omega[0] + math.sqrt(variance) * rng.standard_normal((400_000, 2))
    stored = np.maximum(fields[:, 0], 0) > np.maximum(fields[:, 1], 0)
    standard_error = math.sqrt(stored.mean() * (1 - stored.mean()) / len(stored))
    assert math.exp(at.log_z[0]) == pytest.approx(stored.mean(), abs=4 * standard_error)


@pytest.mark.parametrize("kappa", [0.0, 0.5])
def test_a_linear_pair_is_gardner_s_perceptron_at_every_overlap(kappa):
    """sign(h1 + h2) with a margin is one field (h1 + h2)/sqrt 2 >= kappa: the pieces' overlap, saddle and
    replicon are the perceptron's (Gardner 1988; Gardner & Derrida 1988): at the perceptron's saddle overlap the
    pair's stationary load is the load, and the replicons agree."""
    gardner = replica.theory("gardner")
    capacity = float(gardner.alpha_c(kappa=kappa))
    pair = TreeTheory.of_storing_set(TreelikeNetwork("h", 2, "ones", kappa), capacity, order=6)
    for load in (0.5 * capacity, 0.9 * capacity):
        reference = gardner.saddle_point(load, kappa=kappa)
        overlap = float(reference["q"])
        assert pair.stationary_load(overlap) == pytest.approx(load, rel=1e-6)
        assert pair.replicon(overlap, load) == pytest.approx(float(reference["replicon"]), rel=1e-5)


def test_the_absolute_value_pair_is_the_parity_machine_turned_by_45_degrees():
    """|h1| > |h2| iff (h1 + h2)(h1 - h2) > 0: the alternating |h| network is the K = 2 parity machine in rotated
    fields, so its free entropy, stationarity and replicon are the parity's at every overlap (Barkai, Hansel &
    Kanter 1990), computed here by quadrature of its pieces instead of the orthants' closed form."""
    network = TreelikeNetwork("abs(h)", 2, "alternating")
    assert not network.negation_symmetric
    turned = TreeTheory.of_storing_set(network, capacity=5.5, order=8)
    parity = TreeTheory("parity", 2, order=8)
    for overlap, load in [(0.3, 2.0), (0.7, 3.5)]:
        assert turned.free_entropy(overlap, load) == pytest.approx(parity.free_entropy(overlap, load), rel=1e-6)
        assert turned.stationarity(overlap, load) == pytest.approx(parity.stationarity(overlap, load), rel=1e-4)
        assert turned.replicon(overlap, load) == pytest.approx(parity.replicon(overlap, load), rel=1e-3)


def test_an_alternating_relu_pair_averages_both_labels_in_its_replicon():
    """sign(relu(h1) - relu(h2)) stores label +1 on {h1 > 0, h1 > h2}, a convex set, and -1 on its mirror image
    under swapping the branches: its solution space is convex, so the replicon stays positive along the saddle up
    to capacity. Taking the label +1 alone (valid for an odd activation, not here: the swap permutes the replicon's
    matrix) would wrongly break replica symmetry before capacity."""
    network = TreelikeNetwork("Max(h, 0)", 2, "alternating")
    assert not network.negation_symmetric
    theory = TreeTheory.of_storing_set(network, capacity=1.34, order=6)
    assert theory.labels == (1, -1)
    one_label = TreeTheory.of_storing_set(network, capacity=1.34, order=6)
    one_label.labels = (1,)
    for overlap in (0.9, 0.99):
        load = theory.stationary_load(overlap)
        assert 1.0 < load < 1.34
        assert theory.replicon(overlap, load) > 0.1
        assert one_label.stationary_load(overlap) == pytest.approx(load, rel=1e-9)  # the free entropy agrees
    assert one_label.replicon(0.99, theory.stationary_load(0.99)) < -0.05
