"""Gardner's spherical perceptron: derived equations, published values, identities, stability."""

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import replica
from replica.symbolic import H, normal_density
from replica.symbolic.symbols import kappa, q
from tests.catalogue import CATALOGUE, published


@pytest.fixture(scope="module")
def gardner():
    return replica.theory("gardner")


def closed_form(k):
    """Gardner (1988): alpha_c^{-1} = (1 + k^2) Phi(k) + k phi(k)."""
    return 1.0 / ((1 + k**2) * norm.cdf(k) + k * norm.pdf(k))


def test_derived_capacity_equals_the_closed_form_symbolically():
    derived = replica.derive("gardner").capacity.alpha_c
    reference = 1 / ((1 + kappa**2) * H(-kappa) + kappa * normal_density(kappa))
    difference = (derived - reference).rewrite(sp.erfc)
    assert sp.simplify(difference) == 0


def test_reduced_free_entropy_has_the_textbook_entropic_term():
    d = replica.derive("gardner")
    entropic = d.saddle_point.reduced - sp.Symbol("alpha", positive=True) * d.free_entropy.energetic
    assert sp.simplify(entropic - (sp.log(1 - q) / 2 + q / (2 * (1 - q)))) == 0


@pytest.mark.parametrize("entry", [e for e in CATALOGUE if e.family == "gardner"], ids=lambda e: e.label)
def test_published_capacities_from_the_compiled_theory(gardner, entry):
    """The catalogue's Gardner values from the compiled theory directly (tests/test_catalogue.py: via solve)."""
    assert gardner.alpha_c(**entry.params) == pytest.approx(entry.value, abs=entry.tolerance)


@settings(max_examples=30, deadline=None)
@given(st.floats(-6, 20))
def test_capacity_matches_closed_form_on_random_margins(gardner, k):
    assert gardner.alpha_c(kappa=k) == pytest.approx(closed_form(k), rel=1e-11)


@pytest.mark.parametrize("k", [-30.0, -20.0, -8.0, 8.0, 1e3, 1e6])
def test_capacity_is_accurate_at_the_ends_of_the_margin_range(gardner, k):
    mpmath.mp.dps = 60
    kk = mpmath.mpf(k)
    integral = (1 + kk**2) * mpmath.ncdf(kk) + kk * mpmath.npdf(kk)
    assert gardner.alpha_c(kappa=k) == pytest.approx(float(1 / integral), rel=1e-6)


def test_capacity_is_vectorised(gardner):
    grid = np.linspace(-2, 3, 12).reshape(3, 4)
    values = gardner.alpha_c(kappa=grid)
    assert values.shape == (3, 4)
    np.testing.assert_allclose(values, closed_form(grid), rtol=1e-12)


def test_stationarity_is_the_derivative_of_the_free_entropy(gardner):
    rng = np.random.default_rng(1)
    for _ in range(10):
        qv, av, kv = rng.uniform(0.05, 0.9), rng.uniform(0.1, 1.5), rng.uniform(-0.5, 1.5)
        h = 1e-6
        fd = (gardner.free_entropy(qv + h, av, kappa=kv) - gardner.free_entropy(qv - h, av, kappa=kv)) / (2 * h)
        assert gardner.stationarity(qv, av, kappa=kv) == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_free_entropy_derivative_in_load_is_the_energetic_term(gardner):
    """Envelope theorem: d phi*/d alpha = int Dz ln H(...) at the saddle point."""
    k, a, h = 0.5, 0.6, 1e-5
    up, down, mid = (gardner.saddle_point(x, kappa=k) for x in (a + h, a - h, a))
    fd = (up["free_entropy"] - down["free_entropy"]) / (2 * h)
    energetic = (mid["free_entropy"] - gardner.free_entropy(mid["q"], 0.0, kappa=k)) / a
    assert fd == pytest.approx(energetic, rel=1e-6)


def test_small_load_limit(gardner):
    """q ~ alpha R(kappa)^2 as alpha -> 0 with R the inverse Mills ratio; R(0)^2 = 2/pi."""
    for k in (0.0, 1.0, -1.0):
        ratio = norm.pdf(k) / norm.sf(k)
        a = 1e-5
        assert gardner.saddle_point(a, kappa=k)["q"] / a == pytest.approx(ratio**2, rel=1e-3)


def test_overlap_approaches_one_at_capacity_with_small_residuals(gardner):
    for k in (0.0, 1.0, 3.0):
        loads = gardner.alpha_c(kappa=k) * np.array([0.2, 0.5, 0.9, 0.99, 0.999, 0.9999, 1 - 1e-8])
        solution = gardner.saddle_point(loads, kappa=k)
        assert solution.success, solution.message
        assert np.all(solution.residual < 1e-10)
        assert np.all(np.diff(solution["q"]) > 0)
        assert 1 - solution["q"][-1] < 1e-7


def test_saddle_point_satisfies_the_conjugate_equations(gardner):
    solution = gardner.saddle_point(1.2, kappa=0.0)
    qv, qh, Qh = solution["q"], solution["q_hat"], solution["Q_hat"]
    # dphi/dq_hat = dphi/dQ_hat = 0 for the spherical prior (Gardner 1988)
    precision = Qh + qh
    assert qv / 2 - qh / (2 * precision**2) == pytest.approx(0, abs=1e-12)
    assert 0.5 - 1 / (2 * precision) - qh / (2 * precision**2) == pytest.approx(0, abs=1e-12)


def test_replicon_at_capacity_follows_gardner_derrida(gardner):
    k = np.array([-1.0, -0.5, 0.0, 0.5, 2.0])
    expected = 1 - closed_form(k) * norm.cdf(k)  # 1 - alpha_c Phi(kappa)
    np.testing.assert_allclose(gardner.replicon_at_capacity(kappa=k), expected, rtol=1e-12, atol=1e-15)
    assert gardner.replicon_at_capacity(kappa=0.0) == pytest.approx(0.0, abs=1e-15)


def test_finite_load_replicon_tends_to_its_capacity_value(gardner):
    """The gap closes like sqrt(1 - q), i.e. by about sqrt(10)^2 = 10 over two decades of 1 - alpha/alpha_c."""
    for k in (-0.5, 0.0, 1.0):
        limit = gardner.replicon_at_capacity(kappa=k)
        gaps = [abs(gardner.saddle_point(gardner.alpha_c(kappa=k) * (1 - d), kappa=k)["replicon"] - limit)
                for d in (1e-3, 1e-5)]
        assert gaps[1] < 5e-3
        assert 5 < gaps[0] / gaps[1] < 20


def test_inverse_capacity_curve(gardner):
    loads = np.array([0.1, 0.5, 1.0, 2.0, 3.0])
    margins = gardner.invert_capacity(loads)
    assert margins.success
    np.testing.assert_allclose(gardner.alpha_c(kappa=margins["kappa"]), loads, rtol=1e-10)
    assert margins["kappa"][3] == pytest.approx(0.0, abs=1e-10)


def test_negative_margin_warns_that_rs_is_unstable():
    with pytest.warns(replica.RSInstabilityWarning, match="unstable"):
        report = replica.solve("gardner", kappa=-0.5)
    assert report.status == "warning"
    assert report.quantities["rs_stability_at_capacity"] == "unstable"
    entry = published("gardner", "alpha_c", kappa=-0.5)
    assert report.quantities["alpha_c"] == pytest.approx(entry.value, abs=entry.tolerance)


def test_positive_margin_is_stable_and_zero_is_marginal():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert replica.solve("gardner", kappa=1.0).quantities["rs_stability_at_capacity"] == "stable"
        assert replica.solve("gardner", kappa=0.0).quantities["rs_stability_at_capacity"] == "marginal"


@pytest.mark.parametrize("params,name,fragment", [
    (dict(kappa=0.0, alpha=2.0), "alpha", "(0, 2)"),
    (dict(kappa=-31.0), "kappa", "[-30, 1e+06]"),
    (dict(kappa=float("nan")), "kappa", "finite"),
    (dict(kappa="abc"), "kappa", "real number"),
    (dict(margin=1.0), "margin", "parameters: alpha, kappa"),
])
def test_bad_parameters_name_the_parameter_and_range(params, name, fragment):
    with pytest.raises(replica.ParameterError) as info:
        replica.solve("gardner", **params)
    assert info.value.name == name and fragment in str(info.value)


def test_saddle_point_too_close_to_capacity_reports_a_status_not_a_number(gardner):
    k = 3.0  # 1 - q ~ 0.91 (1 - alpha/alpha_c): at 1e-11 below capacity the root lies beyond q = 1 - 1e-10
    solution = gardner.saddle_point(gardner.alpha_c(kappa=k) * (1 - 1e-11), kappa=k)
    assert not solution.success
    assert np.isnan(solution["q"])
    with pytest.raises(replica.ConvergenceError):
        solution.raise_on_failure()


def test_capacity_and_replicon_in_the_far_tails_against_mpmath(gardner):
    """alpha_c^{-1} = (1 + k^2) Phi(k) + k phi(k) at 50 digits (mpmath) over the whole allowed range of margins: the
    double-precision closed form loses digits for very negative margins (the two terms cancel), down to a relative
    error of 2e-8 at kappa = -30 (measured), so the tolerance is 1e-7 there and 1e-12 for kappa >= -5."""
    import mpmath as mp

    mp.mp.dps = 50
    for k in (-30.0, -20.0, -10.0, -5.0, 0.0, 5.0, 30.0, 1e3, 1e6):
        exact = 1 / ((1 + mp.mpf(k) ** 2) * mp.ncdf(k) + k * mp.npdf(k))
        tolerance = 1e-12 if k >= -5 else 1e-7
        assert float(gardner.alpha_c(kappa=k)) == pytest.approx(float(exact), rel=tolerance)
        replicon = 1 - exact * mp.ncdf(k)
        assert float(gardner.replicon_at_capacity(kappa=k)) == pytest.approx(float(replicon), rel=tolerance,
                                                                              abs=1e-15)
