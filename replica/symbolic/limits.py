r"""The :math:`q \to 1` limit of the RS free entropy: the capacity condition.

Write :math:`q = 1 - \epsilon`. Near :math:`\epsilon = 0` the reduced free entropy diverges as
:math:`\phi \approx c(\alpha)/\epsilon`; the saddle point can reach :math:`q = 1` only where the coefficient
vanishes, :math:`c(\alpha_c) = 0`. For the spherical perceptron (Gardner 1988)

.. math:: c = \frac12 - \frac{\alpha}{2}\int_{-\kappa}^{\infty} Dt\,(t+\kappa)^2
    \quad\Rightarrow\quad
    \alpha_c(\kappa)^{-1} = \int_{-\kappa}^{\infty} Dt\,(t+\kappa)^2 = (1+\kappa^2)\Phi(\kappa) + \kappa\varphi(\kappa).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..errors import ReplicaError
from .asymptotics import leading_coefficient
from .gaussian import tidy_tails
from .saddle_point import SaddlePoint
from .symbols import alpha, epsilon, q, to_latex

__all__ = ["CapacityCondition", "q_to_one", "evaluate_means"]


@dataclass(frozen=True)
class CapacityCondition:
    """The capacity derived from the :math:`q \\to 1` limit.

    Attributes
    ----------
    leading_coefficient : sympy expression
        :math:`c(\\alpha) = \\lim_{\\epsilon \\to 0} \\epsilon\\,\\phi(1 - \\epsilon)`.
    alpha_c_integral : sympy expression
        The solution of :math:`c(\\alpha) = 0` with Gaussian means unevaluated.
    alpha_c : sympy expression
        The same with Gaussian means in closed form where sympy could integrate them.
    conjugate_scaling : dict
        For conjugates that were not eliminated: ``{conjugate: (t, p)}``, the conjugate diverging as
        :math:`t/\\epsilon^p` at the extremum (empty when the conjugates were eliminated).
    """

    leading_coefficient: sp.Expr
    alpha_c_integral: sp.Expr
    alpha_c: sp.Expr
    conjugate_scaling: dict = field(default_factory=dict)

    def latex(self) -> str:
        return "\n".join([
            r"\lim_{\epsilon\to 0} \epsilon\,\phi(1-\epsilon) = %s" % to_latex(self.leading_coefficient),
            r"\alpha_c = %s = %s" % (to_latex(self.alpha_c_integral), to_latex(self.alpha_c)),
        ])


def q_to_one(saddle: SaddlePoint, conjugate_divergence: dict | None = None) -> CapacityCondition:
    """Take the :math:`q \\to 1` limit of the free entropy and solve for the critical load.

    With eliminated conjugates the reduced free entropy is expanded directly. Otherwise each conjugate is
    rescaled as :math:`\\hat x = t_x/\\epsilon^{p_x}` (the prior's declared divergence), the leading coefficient
    is computed in closed form and extremised over the :math:`t_x` (for Ising, :math:`t = 2/\\pi` and
    :math:`\\alpha = 4/\\pi`; Gardner & Derrida 1988).

    Raises
    ------
    ReplicaError
        If the leading coefficient does not have exactly one positive root in the load, or a conjugate's
        divergence is not declared.
    """
    scaling = {}
    if saddle.eliminated:
        near_one = saddle.reduced.subs(q, 1 - epsilon)
        coefficient = sp.expand(leading_coefficient(near_one, epsilon), deep=False)
    else:
        coefficient, scaling = _extremised_coefficient(saddle, conjugate_divergence or {})
    if sp.diff(coefficient, alpha, 2) != 0:
        raise ReplicaError(f"the q -> 1 coefficient {coefficient} is not affine in the load")
    slope = coefficient.coeff(alpha, 1)
    intercept = coefficient.coeff(alpha, 0)
    if slope == 0:
        raise ReplicaError("the q -> 1 coefficient does not depend on the load: no capacity")
    root = -intercept / slope
    return CapacityCondition(coefficient, root, evaluate_means(root), scaling)


def _extremised_coefficient(saddle: SaddlePoint, divergence: dict):
    conjugates = saddle.free_entropy.conjugates
    missing = [c for c in conjugates if c not in divergence]
    if missing:
        raise ReplicaError(f"the prior does not declare how {missing} diverge as q -> 1 (conjugate_divergence)")
    scaled = {c: sp.Symbol(f"t_{c.name}", positive=True) for c in conjugates}
    near_one = saddle.free_entropy.expression.subs(q, 1 - epsilon)
    near_one = near_one.subs({c: scaled[c] / epsilon ** divergence[c] for c in conjugates})
    coefficient = sp.expand(leading_coefficient(near_one, epsilon).doit(), deep=False)
    stationary = sp.solve([sp.diff(coefficient, t) for t in scaled.values()], list(scaled.values()), dict=True)
    if len(stationary) != 1:
        raise ReplicaError(f"the q -> 1 coefficient {coefficient} has {len(stationary)} stationary points in "
                           f"the rescaled conjugates")
    extremum = stationary[0]
    scaling = {c: (sp.simplify(extremum[scaled[c]]), divergence[c]) for c in conjugates}
    return sp.expand(coefficient.subs(extremum)), scaling


def evaluate_means(expr):
    """Evaluate the Gaussian means of a quotient in closed form, tidying numerator and denominator apart."""
    numerator, denominator = sp.fraction(expr)
    return tidy_tails(numerator.doit()) / tidy_tails(denominator.doit())
