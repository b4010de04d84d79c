r"""Compile symbolic expressions into vectorised numpy functions.

Special functions map to their tail-stable scipy implementations (:class:`~replica.symbolic.gaussian.H` to
``ndtr(-x)``, :class:`~replica.symbolic.gaussian.LogH` to ``log_ndtr(-x)``,
:class:`~replica.symbolic.gaussian.LogTwoCosh` to ``logaddexp(x, -x)``). Each
:class:`~replica.symbolic.gaussian.GaussianMean` that survives simplification is evaluated by Gauss–Hermite
quadrature with the probabilists' weight :math:`e^{-z^2/2}`:

.. math:: \int Dz\, f(z) \approx \sum_{i=1}^{n} w_i f(z_i), \qquad \sum_i w_i = 1,

broadcast over any array shape of the parameters (the nodes occupy a trailing axis). A mean nested in another
(a two-dimensional Gaussian integral, such as a channel whose label is itself averaged over its noise) is the
tensor product of the two rules: the inner integrand is compiled with the outer variable as one more argument
and evaluated on the outer nodes, so its own nodes occupy a second trailing axis.

Integrands containing :math:`\ln H(a z + b)` have a boundary layer of width :math:`1/|a|` around
:math:`z_0 = -b/a`; near :math:`q \to 1` it becomes a kink that Gauss–Hermite resolves only algebraically.
:math:`\tanh(a z + b)` and :math:`\ln 2\cosh(a z + b)` (binary weights, :math:`a = \sqrt{\hat q}`) have the
same structure, with complex poles :math:`\pi/(2|a|)` from the real axis.
For such integrands the compiler instead builds a composite Gauss–Legendre rule on :math:`[-12, 12]` (the
Gaussian mass outside is below :math:`10^{-32}`) whose panel edges are a uniform grid plus points at
:math:`z_0 \pm 2^j/|a|`, placed separately for every parameter point, so that accuracy stays uniform up to
:math:`q = 1 - 10^{-10}`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.special as sc
import sympy as sp

from ..errors import ReplicaError
from .gaussian import GaussianMean, H, LogAddExp, LogH, LogTwoCosh

__all__ = ["compile_expression", "CompiledExpression", "gauss_hermite", "layered_rule", "numeric_modules"]

DEFAULT_NODES = 201
#: Parameter points evaluated together in an expression with nested means (bounds the node arrays' memory).
NESTED_BLOCK = 8

_NUMERIC_FUNCTIONS = {
    "H": lambda x: sc.ndtr(-x),
    "LogH": lambda x: sc.log_ndtr(-x),
    "LogTwoCosh": lambda x: np.logaddexp(x, -x),
    "TailRatio": lambda x: 2.0 / sc.erfcx(x / np.sqrt(2.0)),
    "LogAddExp": np.logaddexp,
    "Heaviside": lambda x, h0=0.5: np.heaviside(x, h0),
    "erf": sc.erf,
    "erfc": sc.erfc,
}
_MODULES = [_NUMERIC_FUNCTIONS, "scipy", "numpy"]


def numeric_modules() -> list:
    """The ``sympy.lambdify`` modules of this compiler (tail-stable special functions first), for code that
    lambdifies its own integrands."""
    return list(_MODULES)


@lru_cache(maxsize=16)
def gauss_hermite(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of ``n_nodes``-point Gauss–Hermite quadrature for the standard normal measure.

    The weights sum to one, so ``weights @ f(nodes)`` approximates :math:`\\mathbb{E}_z f(z)`; the rule is exact
    for polynomials of degree below ``2 * n_nodes``.
    """
    nodes, weights = sc.roots_hermitenorm(n_nodes)
    return nodes, weights / weights.sum()


#: Half-width of the truncated z-domain of the composite rule.
SPAN = 12.0
_UNIFORM_EDGES = np.linspace(-SPAN, SPAN, 13)
_LAYER_OFFSETS = np.array([-32.0, -8.0, -2.0, -0.5, 0.0, 0.5, 2.0, 8.0, 32.0])


def layered_rule(centres, widths, order: int):
    """Composite Gauss–Legendre nodes and normal-density weights resolving layers at ``centres``.

    Parameters
    ----------
    centres, widths : list of ndarray
        Layer positions and widths (one pair per ``ln H`` term), broadcast to the grid's shape.
    order : int
        Total order; each panel gets ``max(8, order // 12)`` Gauss–Legendre nodes.

    Returns
    -------
    nodes, weights : ndarray
        Shape ``grid_shape + (n_nodes,)``; ``sum(weights * f(nodes))`` approximates the Gaussian mean.
    """
    shape = np.broadcast_shapes(*[c.shape for c in centres], *[w.shape for w in widths])
    pieces = [np.broadcast_to(_UNIFORM_EDGES, shape + _UNIFORM_EDGES.shape)]
    for centre, width in zip(centres, widths):
        pieces.append(np.broadcast_to(centre, shape)[..., None]
                      + np.broadcast_to(width, shape)[..., None] * _LAYER_OFFSETS)
    edges = np.sort(np.clip(np.concatenate(pieces, axis=-1), -SPAN, SPAN), axis=-1)
    left, right = edges[..., :-1, None], edges[..., 1:, None]
    x, w = np.polynomial.legendre.leggauss(max(8, order // 12))
    nodes = (left + right) / 2 + (right - left) / 2 * x
    weights = (right - left) / 2 * w * np.exp(-nodes**2 / 2) / np.sqrt(2 * np.pi)
    return nodes.reshape(shape + (-1,)), weights.reshape(shape + (-1,))


@dataclass(frozen=True)
class _CompiledMean:
    """One Gaussian mean: its integrand and, if it has boundary layers, their positions and widths."""

    integrand: object
    layers: tuple  # of (centre function, width function)

    def __call__(self, arrays, order):
        expanded = [a[..., None] for a in arrays]
        if self.layers:
            centres = [np.asarray(c(*arrays), float) for c, _ in self.layers]
            widths = [np.abs(np.asarray(w(*arrays), float)) for _, w in self.layers]
            nodes, weights = layered_rule(centres, widths, order)
            values = np.broadcast_to(self.integrand(*expanded, nodes), nodes.shape)
            return np.sum(values * weights, axis=-1)
        nodes, weights = gauss_hermite(order)
        values = np.broadcast_to(self.integrand(*expanded, nodes), arrays[0].shape + nodes.shape)
        return values @ weights


#: Functions whose argument ``a z + b`` makes a layer of width 1/|a| at z = -b/a in a Gaussian mean.
_LAYERED = (H, LogH, LogTwoCosh, sp.tanh)


def _layers(mean, arguments):
    """Centres and widths of the boundary layers of a Gaussian mean's integrand.

    ``H``, ``ln H``, ``ln 2cosh`` and ``tanh`` of :math:`a z + b`: a layer of width :math:`1/|a|` at :math:`-b/a`.
    :class:`~replica.symbolic.gaussian.LogAddExp` of two exponents differing by :math:`c z^2 + b z + d` (a
    spike-and-slab posterior, a mixture of label densities): the weights switch at each real root :math:`z_0` over a
    width :math:`1/|2 c z_0 + b|`.
    """
    z = mean.variable
    compile_ = functools.partial(sp.lambdify, arguments, modules=_MODULES)
    known = set(arguments)
    layers = []
    for term in sorted(mean.integrand.atoms(*_LAYERED), key=sp.default_sort_key):
        argument = sp.expand(term.args[0])
        slope = argument.coeff(z, 1)
        offset = sp.expand(argument - slope * z)
        if slope.has(z) or offset.has(z) or slope == 0 or not (slope.free_symbols | offset.free_symbols) <= known:
            continue  # not linear in z, or a term of an inner mean that also depends on its own variable
        layers.append((compile_(-offset / slope), compile_(1 / slope)))
    for term in sorted(mean.integrand.atoms(LogAddExp), key=sp.default_sort_key):
        difference = sp.expand(term.args[1] - term.args[0])
        curvature, slope, offset = (difference.coeff(z, k) for k in (2, 1, 0))
        if (sp.expand(difference - curvature * z**2 - slope * z - offset) != 0
                or not (curvature.free_symbols | slope.free_symbols | offset.free_symbols) <= known):
            continue
        if curvature == 0:
            if slope != 0:
                layers.append((compile_(-offset / slope), compile_(1 / slope)))
            continue
        # the exponents cross where curvature z^2 + slope z + offset = 0; no crossing: one panel-wide layer at the
        # vertex
        root = sp.sqrt(sp.Max(slope**2 - 4 * curvature * offset, 0)) / (2 * curvature)
        for crossing in (-slope / (2 * curvature) + root, -slope / (2 * curvature) - root):
            width = 1 / (sp.Abs(2 * curvature * crossing + slope) + 1 / SPAN)
            layers.append((compile_(crossing), compile_(width)))
    return tuple(layers)


def _outermost_means(expression) -> set:
    """The Gaussian means of ``expression`` that are not inside another one."""
    if isinstance(expression, GaussianMean):
        return {expression}
    return set().union(*(_outermost_means(arg) for arg in expression.args)) if expression.args else set()


class TailRatio(sp.Function):
    r""":math:`e^{-x^2/2}/H(x) = 2/\mathrm{erfcx}(x/\sqrt2)`, for code generation only (see :func:`stable_tail_ratios`)."""


def stable_tail_ratios(expression):
    r"""Rewrite :math:`\exp(c\,[\ln H(x) + x^2/2] + r)` as :math:`\mathrm{TailRatio}(x)^{-c}\, e^{r}`.

    Derivatives of :math:`\ln H` produce :math:`\exp(-x^2/2 - \ln H(x))` and its powers; evaluated as written,
    the two terms of the exponent cancel catastrophically when :math:`|x|` is large (each is about
    :math:`x^2/2`), and overflow past :math:`x^2 \sim 10^{3}` in squares. ``2/erfcx(x/sqrt 2)`` is the same
    number without cancellation (the inverse Mills ratio times :math:`\sqrt{2\pi}`).
    """

    def rewrite(power):
        exponent = sp.expand(power.args[0])
        for log_h in sorted(exponent.atoms(LogH), key=sp.default_sort_key):
            c = exponent.coeff(log_h)
            if not (c.is_number and c.is_negative):
                continue
            x = log_h.args[0]
            rest = sp.expand(exponent - c * (log_h + x**2 / 2))
            if not rest.has(log_h):
                return TailRatio(x) ** (-c) * sp.exp(rest)
        return power

    return expression.replace(lambda e: isinstance(e, sp.exp) and e.has(LogH), rewrite)


@dataclass(frozen=True)
class CompiledExpression:
    """A numeric function of ``arguments`` compiled from ``expression``.

    Call it with one array-like per argument; arguments broadcast against each other. Gaussian means are
    evaluated with ``n_nodes``-point Gauss–Hermite quadrature.
    """

    expression: sp.Expr
    arguments: tuple
    n_nodes: int
    _outer: object
    _integrands: tuple

    def __call__(self, *values):
        if len(values) != len(self.arguments):
            names = ", ".join(str(a) for a in self.arguments)
            raise TypeError(f"expected {len(self.arguments)} arguments ({names}), got {len(values)}")
        arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in values])
        if any(isinstance(mean.integrand, CompiledExpression) for mean in self._integrands) and arrays[0].size > 1:
            # nested means hold (points x outer nodes x inner nodes) arrays: evaluate a block of points at a time
            shape, flat = arrays[0].shape, [a.ravel() for a in arrays]
            blocks = [self._evaluate([a[i:i + NESTED_BLOCK] for a in flat])
                      for i in range(0, flat[0].size, NESTED_BLOCK)]
            return np.concatenate(blocks).reshape(shape)
        out = self._evaluate(arrays)
        return out[()] if out.ndim == 0 else np.array(out)

    def _evaluate(self, arrays):
        means = [mean(arrays, self.n_nodes) for mean in self._integrands]
        return np.broadcast_to(self._outer(*arrays, *means), arrays[0].shape)


def compile_expression(expression, arguments, n_nodes: int = DEFAULT_NODES) -> CompiledExpression:
    """Compile a sympy expression, possibly containing Gaussian means, into a vectorised numpy function.

    Parameters
    ----------
    expression : sympy expression
        The expression; its free symbols must all be among ``arguments``.
    arguments : sequence of sympy.Symbol
        The positional arguments of the compiled function, in order.
    n_nodes : int
        Number of Gauss–Hermite nodes used for each Gaussian mean.

    Raises
    ------
    ReplicaError
        If the expression has free symbols that are not arguments.

    Notes
    -----
    A Gaussian mean nested in another is compiled recursively (tensor-product quadrature), so its cost is the
    product of the two rules' sizes per parameter point.
    """
    arguments = tuple(arguments)
    expression = sp.sympify(expression)
    missing = expression.free_symbols - set(arguments)
    if missing:
        raise ReplicaError(
            f"cannot compile: symbols {sorted(map(str, missing))} are not among the arguments "
            f"{[str(a) for a in arguments]}"
        )
    means = sorted(_outermost_means(expression), key=sp.default_sort_key)
    placeholders = [sp.Dummy(f"mean{i}") for i in range(len(means))]
    integrands = []
    for mean in means:
        inner_arguments = arguments + (mean.variable,)
        if mean.integrand.has(GaussianMean):
            integrand = compile_expression(mean.integrand, inner_arguments, n_nodes)
        else:
            integrand = sp.lambdify(inner_arguments, stable_tail_ratios(mean.integrand), modules=_MODULES)
        integrands.append(_CompiledMean(integrand, _layers(mean, arguments)))
    outer = sp.lambdify(arguments + tuple(placeholders),
                        stable_tail_ratios(expression.xreplace(dict(zip(means, placeholders)))), modules=_MODULES)
    return CompiledExpression(expression, arguments, n_nodes, outer, tuple(integrands))


