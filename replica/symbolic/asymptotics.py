r"""Leading-order asymptotics that sympy does not know.

The rule used by the :math:`q \to 1` limit: for :math:`x = s/\sqrt{\epsilon} + o(1/\sqrt{\epsilon})` with
:math:`\epsilon \to 0^+`,

.. math:: \ln H(x) = -\frac{x^2}{2}\,\theta(s) + O(\ln \epsilon),

because :math:`\ln H(x) \approx -x^2/2 - \ln(x\sqrt{2\pi})` for :math:`x \to +\infty` and
:math:`\ln H(x) \to 0` for :math:`x \to -\infty` (Gardner 1988; Engel & Van den Broeck 2001, ch. 6); and for
:math:`x = s/\epsilon + o(1/\epsilon)`,

.. math:: \ln 2\cosh x = |x| + O(e^{-2|x|})

(the :math:`q \to 1` limit of binary weights, Gardner & Derrida 1988).
"""

from __future__ import annotations

import sympy as sp

from ..errors import ReplicaError
from .gaussian import GaussianMean, LogH, LogTwoCosh

__all__ = ["leading_coefficient", "log_h_leading_order", "leading_order_forms"]


def log_h_leading_order(expr, eps):
    r"""Replace every :math:`\ln H(x)` whose argument diverges like :math:`\epsilon^{-1/2}` by :math:`-x^2\theta(s)/2`.

    Parameters
    ----------
    expr : sympy expression
    eps : sympy.Symbol
        The small positive parameter.
    """

    def leading(argument):
        scale = sp.limit(argument * sp.sqrt(eps), eps, 0, "+")
        if scale.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or scale == 0:
            raise ReplicaError(f"ln H({argument}) does not diverge like eps^(-1/2) as {eps} -> 0")
        return -argument**2 / 2 * sp.Heaviside(scale)

    return expr.replace(LogH, leading)


def leading_order_forms(expr, eps):
    r"""Apply every leading-order rule: :func:`log_h_leading_order` and :math:`\ln 2\cosh x \to |x|`."""

    def absolute(argument):
        scale = sp.limit(argument * eps, eps, 0, "+")
        if scale.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or scale == 0:
            raise ReplicaError(f"ln 2cosh({argument}) does not diverge like 1/eps as {eps} -> 0")
        return sp.Abs(argument)

    return log_h_leading_order(expr, eps).replace(LogTwoCosh, absolute)


def leading_coefficient(expr, eps):
    r"""The coefficient :math:`c = \lim_{\epsilon\to 0^+} \epsilon\, f(\epsilon)` of a :math:`1/\epsilon` divergence.

    Gaussian means are handled under the integral sign (dominated convergence), after
    :func:`log_h_leading_order`; Heaviside factors, which do not depend on :math:`\epsilon`, are held fixed
    while the limit is taken.
    """
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        if term.has(GaussianMean):
            coefficient, mean = term.as_independent(GaussianMean, as_Add=False)
            if not isinstance(mean, GaussianMean):
                raise ReplicaError(f"cannot take the limit of a non-linear function of a Gaussian mean: {term}")
            inner = leading_order_forms(mean.integrand, eps)
            steps = sorted(inner.atoms(sp.Heaviside), key=sp.default_sort_key)
            held = {step: sp.Dummy("theta") for step in steps}
            limit = sp.limit(sp.expand(eps * coefficient * inner.xreplace(held)), eps, 0, "+")
            total += GaussianMean(sp.factor(limit.xreplace({v: k for k, v in held.items()})), mean.variable)
        else:
            total += sp.limit(eps * term, eps, 0, "+")
    return total
