r"""Gaussian measures as sympy objects.

Notation (Gardner 1988): :math:`Dz = e^{-z^2/2}/\sqrt{2\pi}\,dz`, :math:`H(x) = \int_x^\infty Dz`.

* :class:`H` — the Gaussian tail, with derivative :math:`H'(x) = -e^{-x^2/2}/\sqrt{2\pi}`.
* :class:`LogH` — :math:`\ln H(x)` as a function of its own, whose derivative is written as
  :math:`-\exp(-x^2/2 - \ln H(x))/\sqrt{2\pi}`. Compiled with ``scipy.special.log_ndtr`` this stays accurate
  deep in the tails, where ``log(erfc(.))`` underflows (past :math:`x \approx 27`) and the ratio
  :math:`\varphi(x)/H(x)` is 0/0.
* :class:`GaussianMean` — :math:`\mathbb{E}_z[f(z)] = \int Dz\, f(z)`, linear, differentiable under the integral,
  printed as :math:`\int \mathcal{D}z\,[\dots]`, evaluated in closed form by :meth:`GaussianMean.doit` when sympy
  can integrate the integrand (polynomials times Heaviside factors, for instance) and otherwise left for
  quadrature (:mod:`replica.symbolic.codegen`).
"""

from __future__ import annotations

import sympy as sp
from sympy.core.function import ArgumentIndexError

__all__ = ["H", "LogH", "LogTwoCosh", "LogAddExp", "GaussianMean", "normal_density", "tidy_tails", "integrate_by_parts"]


def normal_density(x):
    r"""The standard normal density :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}` as a sympy expression."""
    return sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)


class H(sp.Function):
    r"""Gaussian tail :math:`H(x) = \int_x^\infty Dz = \tfrac12\,\mathrm{erfc}(x/\sqrt2)`."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.Half
        if x is sp.S.Infinity:
            return sp.S.Zero
        if x is sp.S.NegativeInfinity:
            return sp.S.One
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return -normal_density(self.args[0])

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sp.erfc(x / sp.sqrt(2)) / 2

    def _latex(self, printer):
        return r"H\left(%s\right)" % printer._print(self.args[0])


class LogH(sp.Function):
    r""":math:`\ln H(x)`, kept as one function so that numerics can use ``log_ndtr``.

    Its derivative is :math:`-\exp(-x^2/2 - \ln H(x))/\sqrt{2\pi} = -\varphi(x)/H(x)` (minus the inverse Mills
    ratio), written without a quotient so that it stays finite for large :math:`x`.
    """

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return -sp.log(2)
        if x is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        x = self.args[0]
        return -sp.exp(-x**2 / 2 - LogH(x)) / sp.sqrt(2 * sp.pi)

    def _eval_rewrite_as_H(self, x, **kwargs):
        return sp.log(H(x))

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sp.log(sp.erfc(x / sp.sqrt(2)) / 2)

    def _latex(self, printer):
        return r"\ln H\left(%s\right)" % printer._print(self.args[0])


class LogTwoCosh(sp.Function):
    r""":math:`\ln(2\cosh x)`, the single-weight free entropy of a :math:`\pm 1` weight in a field :math:`x`.

    Kept as one function so that numerics can evaluate it as ``logaddexp(x, -x)`` (no overflow of
    :math:`\cosh`); its derivative is :math:`\tanh x`.
    """

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.log(2)
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sp.tanh(self.args[0])

    def _eval_rewrite_as_cosh(self, x, **kwargs):
        return sp.log(2 * sp.cosh(x))

    def _latex(self, printer):
        return r"\ln 2\cosh\left(%s\right)" % printer._print(self.args[0])


class LogAddExp(sp.Function):
    r""":math:`\ln(e^a + e^b)`, e.g. the log-partition of a two-component (spike-and-slab) weight.

    Compiled as ``numpy.logaddexp`` (no overflow); its derivatives :math:`e^{a - \ln(e^a + e^b)}` and
    :math:`e^{b - \ln(e^a+e^b)}` are the two components' posterior weights, never above one.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        if argindex not in (1, 2):
            raise ArgumentIndexError(self, argindex)
        return sp.exp(self.args[argindex - 1] - self)

    def _latex(self, printer):
        a, b = (printer._print(x) for x in self.args)
        return r"\ln\left(e^{%s} + e^{%s}\right)" % (a, b)


class GaussianMean(sp.Expr):
    r"""Expectation over a standard normal variable, :math:`\mathbb{E}_z f(z) = \int Dz\, f(z)`.

    Parameters
    ----------
    integrand : sympy expression
        :math:`f(z)`.
    variable : sympy.Symbol
        The integration variable :math:`z`.

    Notes
    -----
    Construction applies linearity: sums are split and factors free of ``variable`` are pulled out, so an
    integrand that does not depend on ``variable`` is returned as it is. Differentiation with respect to a
    parameter is done under the integral sign.
    """

    is_commutative = True

    def __new__(cls, integrand, variable):
        integrand = sp.sympify(integrand)
        if not isinstance(variable, sp.Symbol):
            raise TypeError(f"GaussianMean variable must be a sympy Symbol, got {variable!r}")
        if not integrand.has(variable):
            return integrand
        if integrand.is_Add:
            return sp.Add(*[cls(term, variable) for term in integrand.args])
        constant, dependent = integrand.as_independent(variable, as_Add=False)
        if constant != 1:
            return constant * cls(dependent, variable)
        return sp.Expr.__new__(cls, integrand, variable)

    @property
    def integrand(self):
        return self.args[0]

    @property
    def variable(self):
        return self.args[1]

    @property
    def free_symbols(self):
        return self.integrand.free_symbols - {self.variable}

    def _eval_derivative(self, symbol):
        if symbol == self.variable:
            return sp.S.Zero
        return GaussianMean(sp.diff(self.integrand, symbol), self.variable)

    def doit(self, **hints):
        integrand = self.integrand.doit(**hints) if hints.get("deep", True) else self.integrand
        closed = _closed_form_mean(integrand, self.variable)
        return closed if closed is not None else GaussianMean(integrand, self.variable)

    def _latex(self, printer):
        return r"\int \mathcal{D}%s\, \left[%s\right]" % (
            printer._print(self.variable),
            printer._print(self.integrand),
        )

    def _sympystr(self, printer):
        return "E_%s[%s]" % (printer._print(self.variable), printer._print(self.integrand))


def _heaviside_limits(integrand, z):
    """Turn Heaviside factors linear in ``z`` into integration limits.

    Returns ``(rest, lower, upper)`` or ``None`` if a Heaviside factor is not linear in ``z`` with a coefficient
    of known sign.
    """
    lower, upper = sp.S.NegativeInfinity, sp.S.Infinity
    rest = sp.S.One
    for factor in sp.Mul.make_args(integrand):
        base, power = factor.as_base_exp()
        if isinstance(base, sp.Heaviside) and base.has(z) and power.is_positive:
            argument = sp.expand(base.args[0])
            slope = argument.coeff(z, 1)
            offset = sp.simplify(argument - slope * z)
            if slope.has(z) or offset.has(z) or slope.is_zero is not False:
                return None
            edge = -offset / slope
            if slope.is_positive:
                lower = edge if lower is sp.S.NegativeInfinity else sp.Max(lower, edge)
            elif slope.is_negative:
                upper = edge if upper is sp.S.Infinity else sp.Min(upper, edge)
            else:
                return None
        else:
            rest *= factor
    return rest, lower, upper


def _closed_form_mean(integrand, z):
    """Closed form of ``E_z[integrand]`` by sympy integration, or ``None`` when sympy cannot do it."""
    if integrand.has(LogH) or integrand.has(GaussianMean):
        return None
    split = _heaviside_limits(integrand, z)
    if split is None:
        return None
    rest, lower, upper = split
    if rest.has(sp.Heaviside):
        return None
    result = sp.integrate(rest * normal_density(z), (z, lower, upper))
    if result.has(sp.Integral):
        return None
    return tidy_tails(result)


def integrate_by_parts(expr):
    r"""Gaussian integration by parts (Stein's lemma): :math:`\mathbb{E}_z[z f(z)] = \mathbb{E}_z[f'(z)]`.

    Applied to every Gaussian mean whose integrand has a single factor :math:`z`; it removes the apparent
    :math:`0/0` of forms like :math:`\mathbb{E}[z\tanh(\sqrt{\hat q} z)]/\sqrt{\hat q}` at
    :math:`\hat q = 0`.
    """

    def rule(integrand, z):
        rest, has_z = sp.S.One, False
        for factor in sp.Mul.make_args(integrand):
            if factor == z and not has_z:
                has_z = True
            else:
                rest *= factor
        if has_z:
            return GaussianMean(sp.diff(rest, z), z)
        return GaussianMean(integrand, z)

    def expanded(integrand, z):
        return GaussianMean(sp.expand(integrand, power_exp=False, power_base=False, log=False), z)

    return sp.expand(expr.replace(GaussianMean, expanded).replace(GaussianMean, rule), power_exp=False)


def tidy_tails(expr):
    r"""Rewrite error functions as Gaussian tails and choose the form without cancellation.

    ``erf``/``erfc`` become :class:`H`; then every :math:`H(x)` is written either as it is or as
    :math:`1 - H(-x)`, whichever gives the shorter expression. Short forms here are also the numerically stable
    ones: :math:`(1+\kappa^2)\,H(-\kappa)` instead of :math:`(1+\kappa^2)(1 - H(\kappa))`, which loses every
    digit for large negative :math:`\kappa`.
    """
    expr = expr.replace(sp.erfc, lambda x: 2 * H(sp.sqrt(2) * x))
    expr = expr.replace(sp.erf, lambda x: 1 - 2 * H(sp.sqrt(2) * x))
    expr = sp.expand(expr)

    def cost(e):
        return (len(sp.Add.make_args(e)), sp.count_ops(e))

    for tail in sorted(expr.atoms(H), key=sp.default_sort_key):
        flipped = sp.expand(expr.xreplace({tail: 1 - H(-tail.args[0])}))
        if cost(flipped) < cost(expr):
            expr = flipped
    return sp.factor_terms(sp.collect(expr, list(expr.atoms(H))))
