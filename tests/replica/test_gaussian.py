"""The symbolic Gaussian layer: derivatives, closed forms, tail-stable numerics (checked against mpmath)."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from replica.errors import ReplicaError
from replica.symbolic import GaussianMean, H, LogH, compile_expression, gauss_hermite, tidy_tails

x, z, a, b = sp.symbols("x z a b", real=True)


def mp_log_h(value):
    return float(mpmath.log(mpmath.erfc(mpmath.mpf(value) / mpmath.sqrt(2)) / 2))


@pytest.mark.parametrize("value", [-40.0, -5.0, 0.0, 1.0, 10.0, 30.0, 200.0])
def test_log_h_and_its_derivative_are_accurate_in_the_tails(value):
    log_h = compile_expression(LogH(x), (x,))
    slope = compile_expression(sp.diff(LogH(x), x), (x,))
    assert log_h(value) == pytest.approx(mp_log_h(value), rel=1e-12, abs=1e-300)
    exact_slope = float(mpmath.diff(lambda t: mpmath.log(mpmath.erfc(t / mpmath.sqrt(2)) / 2), value))
    assert slope(value) == pytest.approx(exact_slope, rel=1e-10, abs=1e-300)


def test_h_matches_erfc_definition():
    assert sp.simplify(H(x).rewrite(sp.erfc) - sp.erfc(x / sp.sqrt(2)) / 2) == 0
    assert sp.simplify(sp.diff(H(x).rewrite(sp.erfc), x) - sp.diff(H(x), x)) == 0


def test_gaussian_mean_is_linear_and_differentiates_under_the_integral():
    mean = GaussianMean(3 * a * LogH(a + z) + 2, z)
    assert mean == 3 * a * GaussianMean(LogH(a + z), z) + 2
    derivative = sp.diff(GaussianMean(LogH(a * z + b), z), b)
    assert derivative.has(GaussianMean)
    assert derivative - GaussianMean(sp.diff(LogH(a * z + b), b), z) == 0
    assert GaussianMean(LogH(a * z), z).free_symbols == {a}


@settings(max_examples=15, deadline=None)
@given(st.floats(-4, 4))
def test_closed_form_of_polynomial_times_step_matches_quadrature(kappa):
    expr = GaussianMean((z + b) ** 2 * sp.Heaviside(z + b), z).doit()
    value = float(expr.subs(b, kappa).rewrite(sp.erfc).evalf())
    reference, _ = integrate.quad(lambda t: (t + kappa) ** 2 * np.exp(-t * t / 2) / np.sqrt(2 * np.pi), -kappa, np.inf,
                                  epsabs=0, epsrel=1e-13)
    assert value == pytest.approx(reference, rel=1e-10)


def test_tidy_tails_removes_one_minus_h():
    expr = tidy_tails(1 - sp.erfc(x / sp.sqrt(2)) / 2)
    assert expr == H(-x)


def test_gauss_hermite_moments():
    nodes, weights = gauss_hermite(50)
    assert weights.sum() == pytest.approx(1.0, abs=1e-14)
    for k, double_factorial in [(1, 1), (2, 3), (3, 15), (4, 105)]:
        assert weights @ nodes ** (2 * k) == pytest.approx(double_factorial, rel=1e-12)


@pytest.mark.parametrize("slope,offset", [(1.0, 0.3), (30.0, -0.5), (1e5, 1.0)])
def test_compiled_mean_of_log_h_matches_adaptive_quadrature(slope, offset):
    compiled = compile_expression(GaussianMean(LogH(a * z + b), z), (a, b))
    centre = -offset / slope
    reference = sum(
        integrate.quad(lambda t: np.exp(-t * t / 2) / np.sqrt(2 * np.pi) * mp_log_h(slope * t + offset), lo, hi,
                       epsabs=1e-13, epsrel=1e-12, limit=200)[0]
        for lo, hi in [(-12, centre), (centre, 12)]
    )
    assert compiled(slope, offset) == pytest.approx(reference, rel=1e-9)


def test_compiling_with_missing_arguments_is_an_error():
    with pytest.raises(ReplicaError, match="not among the arguments"):
        compile_expression(a + b, (a,))
