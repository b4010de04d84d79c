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

from ..errors import ReplicaError
from .asymptotics import leading_order_forms, log_h_leading_order
from .gaussian import GaussianMean
from .limits import evaluate_means
from .symbols import V, epsilon, field, omega, q, z

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


def _square_steps(expr):
    """Expand a square and use :math:`\theta^2 = \theta`."""
    return sp.expand(expr).replace(lambda e: e.is_Pow and isinstance(e.base, sp.Heaviside), lambda e: e.base)


def _prior_factor_near_one(prior, conjugate_scaling: dict):
    r"""The prior's replicon factor as :math:`q \to 1`, divided by :math:`\epsilon^2`, at leading order.

    Eliminated conjugates: :math:`F_P(1-\epsilon)/\epsilon^2` directly (one for the spherical prior). Otherwise
    the weight's variance :math:`\partial_b^2 \ln Z_P(b)` is derived from the prior's
    :meth:`~replica.models.priors.Prior.site_log_partition` at :math:`b = \sqrt{\hat q} z` with every conjugate
    at its divergence :math:`t/\epsilon^p`, after the leading-order forms of
    :mod:`replica.symbolic.asymptotics` (for sign-constrained weights: variance :math:`\epsilon\,\theta(z)/s`,
    zero for the weights pinned at the bound).
    """
    if not conjugate_scaling:
        return sp.limit(prior.replicon_factor(1 - epsilon) / epsilon**2, epsilon, 0, "+")
    site = prior.site_log_partition(field)
    if site is None:
        raise ReplicaError(f"the {prior.name} prior does not declare site_log_partition, needed for the replicon "
                           "at q -> 1 when its conjugates are not eliminated")
    diverging = {c: t / epsilon**p for c, (t, p) in conjugate_scaling.items()}
    conjugate = prior.conjugates[0]  # the overlap's conjugate sets the field b = sqrt(q_hat) z
    in_z = leading_order_forms(site.subs(field, sp.sqrt(conjugate) * z).subs(diverging), epsilon)
    variance = _drop_null_deltas(sp.diff(in_z, z, 2), z) / diverging[conjugate]
    squared = _square_steps(variance**2)
    return evaluate_means(GaussianMean(sp.limit(squared / epsilon**2, epsilon, 0, "+"), z))


def replicon_at_capacity(prior, channel, alpha, conjugate_scaling: dict | None = None):
    r"""The replicon eigenvalue in the limit :math:`q \to 1`, derived from leading-order forms.

    The channel's :math:`\ln Z_{out}` is replaced by its :math:`V \to 0` leading term (see
    :mod:`replica.symbolic.asymptotics`), differentiated twice in :math:`\omega` (delta terms that multiply a
    vanishing factor are dropped), squared and averaged at :math:`\omega = z`; it diverges as
    :math:`\epsilon^{-2}`. The prior's factor vanishes as :math:`\epsilon^2` (:func:`_prior_factor_near_one`),
    and the product of the two leading coefficients is the limit.

    Parameters
    ----------
    prior, channel
        The model's parts.
    alpha : sympy expression
        The load (usually the capacity).
    conjugate_scaling : dict, optional
        ``{conjugate: (t, p)}`` from the :math:`q \to 1` limit when the conjugates are not eliminated
        (:attr:`~replica.symbolic.limits.CapacityCondition.conjugate_scaling`).
    """
    leading = log_h_leading_order(channel.log_partition(omega, epsilon), epsilon)
    second = _drop_null_deltas(sp.diff(leading, omega, 2), omega)
    channel_factor = sp.limit(_square_steps(second**2) * epsilon**2, epsilon, 0, "+")
    prior_factor = _prior_factor_near_one(prior, conjugate_scaling or {})
    if not (prior_factor.is_finite and prior_factor.is_positive):
        raise ReplicaError(f"the {prior.name} prior's replicon factor does not vanish like (1-q)^2 as q -> 1 "
                           f"(leading coefficient {prior_factor}); no finite replicon at capacity")
    return 1 - alpha * prior_factor * evaluate_means(GaussianMean(channel_factor.subs(omega, z), z))
