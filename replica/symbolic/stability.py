r"""Replica-symmetric stability: the replicon (de Almeida–Thouless) eigenvalue.

For a prior with replicon factor :math:`F_P(q)` and a channel :math:`\ln Z_{out}(\omega, V)`, the RS saddle is
stable against replica-symmetry breaking while

.. math:: \lambda_{rep} = 1 - \alpha\, F_P(q)\, \int Dz\, \big[\partial_\omega^2 \ln Z_{out}(\sqrt q z, 1-q)\big]^2 > 0

(de Almeida & Thouless 1978; for the spherical perceptron :math:`F_P = (1-q)^2`, Gardner & Derrida 1988).
At capacity (:math:`q \to 1`) the margin constraint gives :math:`\lambda_{rep} = 1 - \alpha_c(\kappa)\,\Phi(\kappa)`:
positive for :math:`\kappa > 0`, zero at :math:`\kappa = 0`, negative for :math:`\kappa < 0`.
"""

from __future__ import annotations

import sympy as sp

from .asymptotics import leading_coefficient, log_h_leading_order
from .gaussian import GaussianMean
from .limits import evaluate_means
from .symbols import V, epsilon, omega, q, z

__all__ = ["replicon", "replicon_at_capacity"]


def _drop_null_deltas(expr, variable):
    """Remove ``f(x) * DiracDelta(g(x))`` terms whose cofactor vanishes where ``g`` does."""
    kept = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        deltas = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.DiracDelta)]
        if deltas:
            cofactor = term / sp.Mul(*deltas)
            zero_at = sp.solve(deltas[0].args[0], variable)
            if zero_at and all(sp.simplify(cofactor.subs(variable, x0)) == 0 for x0 in zero_at):
                continue
        kept += term
    return kept


def _squared_curvature(channel):
    r""":math:`[\partial_\omega^2 \ln Z_{out}(\omega, V)]^2` as an expression in :math:`\omega, V`."""
    return sp.diff(channel.log_partition(omega, V), omega, 2) ** 2


def replicon(prior, channel, alpha):
    r"""The replicon eigenvalue :math:`\lambda_{rep}(q)` at finite overlap, as a sympy expression."""
    curvature = _squared_curvature(channel).subs({omega: sp.sqrt(q) * z, V: 1 - q})
    return 1 - alpha * prior.replicon_factor(q) * GaussianMean(curvature, z)


def replicon_at_capacity(prior, channel, alpha):
    r"""The replicon eigenvalue in the limit :math:`q \to 1`, derived from the channel's leading-order form.

    The channel's :math:`\ln Z_{out}` is replaced by its :math:`V \to 0` leading term (see
    :mod:`replica.symbolic.asymptotics`), differentiated twice in :math:`\omega` (delta terms that multiply a
    vanishing factor are dropped), squared, multiplied by the prior's factor, and averaged at
    :math:`\omega = z`.
    """
    leading = log_h_leading_order(channel.log_partition(omega, epsilon), epsilon)
    second = _drop_null_deltas(sp.diff(leading, omega, 2), omega)
    squared = sp.expand(second**2).replace(lambda e: e.is_Pow and isinstance(e.base, sp.Heaviside),
                                           lambda e: e.base)
    factor = prior.replicon_factor(1 - epsilon)
    weight = leading_coefficient(sp.expand(factor * squared) / epsilon, epsilon)
    return 1 - alpha * evaluate_means(GaussianMean(weight.subs(omega, z), z))
