r"""Saddle-point equations by symbolic differentiation, and elimination of the conjugates.

The equations are :math:`\partial\phi/\partial x = 0` for every order parameter and conjugate :math:`x`. The
conjugates enter only the prior's term, so their equations are solved for the conjugates as functions of
:math:`q` when sympy can (it can for the spherical prior); the branch on which the prior's Gaussian integrals
converge is kept. Substituting gives the reduced free entropy :math:`\phi(q)`, whose derivative equals
:math:`\partial\phi/\partial q` at the conjugates' saddle (envelope theorem).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..errors import ModelDeclarationError
from .free_entropy import FreeEntropy
from .gaussian import GaussianMean, integrate_by_parts
from .symbols import q, to_latex

__all__ = ["SaddlePoint", "derive_saddle_point", "fixed_point_form"]

_PROBE_OVERLAPS = (sp.Rational(1, 5), sp.Rational(1, 2), sp.Rational(4, 5))


@dataclass(frozen=True)
class SaddlePoint:
    """Saddle-point equations of an RS free entropy.

    Attributes
    ----------
    free_entropy : FreeEntropy
    gradient : dict
        :math:`\\partial\\phi/\\partial x` for every variable :math:`x`, unsimplified.
    conjugate_solution : dict
        Each conjugate as a function of ``q`` (the admissible branch); empty when the conjugate equations are
        not algebraic (a prior with a Gaussian mean in its term, e.g. Ising).
    reduced : sympy expression or None
        :math:`\\phi(q)` with the conjugates eliminated (``None`` without elimination).
    stationarity : sympy expression or None
        :math:`d\\phi/dq` of the reduced free entropy; the saddle point is its root.
    fixed_point : dict
        The saddle-point equations solved each for its partner variable: the overlap from its conjugate's
        equation and the conjugate from the overlap's (both are linear in the partner), e.g. for Ising
        :math:`q = \\int Dz \\tanh^2(\\sqrt{\\hat q} z)`, :math:`\\hat q = -2\\alpha\\, \\partial_q \\psi_{out}`. Empty
        when the conjugates were eliminated.
    inner_equations : dict
        Conjugates without a partner order parameter, each with the equation :math:`\\partial\\phi/\\partial x = 0`
        that fixes it given the others (solved by a root search inside the fixed-point map), e.g. the precision
        :math:`\\hat A` of the sign-constrained prior. Empty otherwise.
    """

    free_entropy: FreeEntropy
    gradient: dict
    conjugate_solution: dict
    reduced: sp.Expr | None
    stationarity: sp.Expr | None
    fixed_point: dict
    inner_equations: dict = field(default_factory=dict)

    @property
    def eliminated(self) -> bool:
        return self.reduced is not None

    def latex(self) -> str:
        lines = [
            r"\frac{\partial \phi}{\partial %s} = %s = 0" % (to_latex(x), to_latex(g))
            for x, g in self.gradient.items()
        ]
        lines += [r"%s = %s" % (to_latex(c), to_latex(v)) for c, v in self.conjugate_solution.items()]
        if self.eliminated:
            lines.append(r"\phi(q) = %s" % to_latex(self.reduced))
        lines += [r"%s = %s" % (to_latex(x), to_latex(v)) for x, v in self.fixed_point.items()]
        lines += [r"0 = %s \quad \text{(fixes } %s)" % (to_latex(e), to_latex(x))
                  for x, e in self.inner_equations.items()]
        return "\n".join(lines)


def _admissible(solution, conditions) -> bool:
    for probe in _PROBE_OVERLAPS:
        for condition in conditions:
            value = sp.N(condition.subs(solution).subs(q, probe))
            if not (value.is_real and value > 0):
                return False
    return True


def _simplify_in_overlap(expr):
    """Simplify an expression of the overlap using 0 < q < 1 (sympy cannot be told q < 1 directly).

    The expression is rewritten in ``u = 1 - q > 0``, where square roots of squares and logarithms of
    quotients simplify, and then written back in ``q``.
    """
    u = sp.Dummy("u", positive=True)
    in_u = sp.refine(sp.factor(expr, deep=True).subs(q, 1 - u), sp.Q.positive(1 - u))
    in_u = sp.simplify(sp.expand_log(sp.simplify(in_u), force=True))
    return sp.expand(sp.apart(in_u, u)).subs(u, 1 - q) if in_u.is_rational_function(u) else sp.expand(in_u).subs(u, 1 - q)


def derive_saddle_point(free_entropy: FreeEntropy, convergence_conditions=()) -> SaddlePoint:
    """Differentiate the free entropy and eliminate the conjugates.

    Parameters
    ----------
    free_entropy : FreeEntropy
    convergence_conditions : sequence of sympy expressions
        Expressions in the conjugates that must be positive on the admissible branch.

    The conjugate equations are solved as the polynomial system of their numerators; a candidate is kept when
    every declared convergence condition is positive and no denominator vanishes, at several probe overlaps.

    Raises
    ------
    ModelDeclarationError
        If the conjugate equations have no admissible solution, or more than one.
    """
    phi = free_entropy.expression
    gradient = {x: sp.diff(phi, x) for x in free_entropy.variables}
    conjugates = free_entropy.conjugates
    if any(gradient[c].has(GaussianMean) for c in conjugates):
        mapping, inner = fixed_point_form(free_entropy, gradient)
        return SaddlePoint(free_entropy, gradient, {}, None, None, mapping, inner)
    # Solve the polynomial system of numerators (fast), then drop roots where a denominator vanishes.
    fractions = [sp.fraction(sp.together(gradient[c])) for c in conjugates]
    candidates = sp.solve([numerator for numerator, _ in fractions], conjugates, dict=True)
    conditions = tuple(convergence_conditions) + tuple(d**2 for _, d in fractions if d.has(*conjugates))
    admissible = [s for s in candidates if _admissible(s, conditions)]
    if len(admissible) != 1:
        raise ModelDeclarationError(
            f"the conjugate equations for {[str(c) for c in conjugates]} have {len(admissible)} admissible "
            f"solutions (of {len(candidates)}); the prior's declaration is inconsistent"
        )
    solution = {c: _simplify_in_overlap(v) for c, v in admissible[0].items()}
    entropic = _simplify_in_overlap(free_entropy.entropic.subs(solution))
    reduced = entropic + (phi - free_entropy.entropic)
    stationarity = sp.diff(reduced, q)
    return SaddlePoint(free_entropy, gradient, solution, reduced, stationarity, {})


def _solve_linear(equation, variable):
    """Solve ``equation = 0`` for ``variable``, in which it must be linear."""
    slope = sp.diff(equation, variable)
    if slope == 0 or slope.has(variable):
        raise ModelDeclarationError(f"the saddle-point equation {equation} = 0 is not linear in {variable}")
    return -equation.subs(variable, 0) / slope


def fixed_point_form(free_entropy: FreeEntropy, gradient: dict) -> tuple[dict, dict]:
    """Each order parameter from its conjugate's equation and each conjugate from its order parameter's.

    Gaussian integration by parts is applied to the conjugate's equation (the prior's side), where it turns
    :math:`\\mathbb{E}[z\\tanh(\\sqrt{\\hat q}z)]/\\sqrt{\\hat q}` into the regular :math:`1 - \\mathbb{E}[\\tanh^2]`.
    Conjugates beyond the first ``len(order_parameters)`` have no partner; their own equations are returned
    separately (second value), to be solved for them inside the map.

    Raises
    ------
    ModelDeclarationError
        If there are fewer conjugates than order parameters, or an equation is not linear in its partner.
    """
    orders, conjugates = free_entropy.order_parameters, free_entropy.conjugates
    if len(conjugates) < len(orders):
        raise ModelDeclarationError(f"each order parameter needs a conjugate; got {orders} and {conjugates}")
    mapping = {}
    for order, conjugate in zip(orders, conjugates):
        mapping[order] = _solve_linear(integrate_by_parts(gradient[conjugate]), order)
        mapping[conjugate] = _solve_linear(gradient[order], conjugate)
    inner = {extra: integrate_by_parts(gradient[extra]) for extra in conjugates[len(orders):]}
    return mapping, inner
