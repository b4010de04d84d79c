r"""Weight priors (measures): each declares its replica-symmetric entropic term with explicit conjugates.

A prior supplies the entropic part :math:`\phi_P(q, \hat q, \dots)` of the RS free entropy per weight, the
conjugate order parameters it introduces, the conditions under which its Gaussian integrals converge (used to
pick the right branch when the conjugates are eliminated), and the factor it contributes to the replicon
eigenvalue. Everything else is derived by the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import sympy as sp

from ..symbolic.gaussian import GaussianMean, LogH, LogTwoCosh
from ..symbolic.symbols import A_hat, Q_hat, field, q_hat, z

__all__ = ["Prior", "SphericalPrior", "IsingPrior", "SignConstrainedPrior"]


class Prior(ABC):
    """A weight measure, declared by its replica-symmetric entropic term."""

    name: str = ""
    #: Whether the weights are discrete: then the free entropy counts solutions and must be non-negative, and
    #: the capacity is at most the load where it vanishes (Krauth & Mezard 1989).
    discrete: bool = False
    #: For q -> 1 when the conjugates cannot be eliminated: each conjugate diverges like t / eps**power.
    conjugate_divergence: dict = {}
    #: Whether the weights are sign-constrained (w >= 0): finite-size checks then add that constraint.
    nonnegative: bool = False
    #: Narrower ranges for the channel's parameters with this prior, where the numerics are trusted only within
    #: them (name -> (smallest, largest) value); the model's parameter ranges apply them.
    parameter_limits: dict = {}

    @property
    def parameters(self) -> tuple:
        """The prior's own parameters (:class:`~replica.parameters.ParameterSpec`); none by default."""
        return ()

    @property
    @abstractmethod
    def conjugates(self) -> tuple[sp.Symbol, ...]:
        """Conjugate order parameters introduced by the prior's delta-function constraints."""

    @abstractmethod
    def entropic_term(self, q) -> sp.Expr:
        """RS entropic term per weight as a function of the overlap ``q`` and :attr:`conjugates`."""

    @abstractmethod
    def convergence_conditions(self) -> tuple[sp.Expr, ...]:
        """Expressions that must be positive for the prior's Gaussian integrals to converge."""

    @abstractmethod
    def replicon_factor(self, q) -> sp.Expr:
        """The prior's factor in the replicon eigenvalue (see :func:`replica.symbolic.stability`)."""

    def site_log_partition(self, b) -> sp.Expr | None:
        r"""The field-dependent part of :math:`\ln Z_P(b)` for one weight in the field :math:`b = \sqrt{\hat q} z`.

        Its second derivative is the weight's variance, whose squared mean is the replicon factor. Declaring it
        lets the engine derive the replicon at :math:`q \to 1` when the conjugates are not eliminated
        (:func:`replica.symbolic.stability.replicon_at_capacity`); ``None`` if not declared.
        """
        return None


class SphericalPrior(Prior):
    r"""Weights on the sphere :math:`|w|^2 = N` (Gardner 1988).

    With :math:`\hat Q` the Lagrange multiplier of the norm and :math:`\hat q` the conjugate of the overlap,
    the single-weight integral :math:`\int dw\, e^{-(\hat Q + \hat q) w^2/2 + \sqrt{\hat q} z w}` gives

    .. math::

        \phi_P(q, \hat q, \hat Q) = \frac{\hat Q}{2} + \frac{q \hat q}{2} - \frac12 \ln(\hat Q + \hat q)
            + \frac{\hat q}{2(\hat Q + \hat q)} - \frac12 ,

    the constant chosen so that :math:`\phi_P = 0` at :math:`q = 0` (no constraint, volume fraction one).
    Extremising over both conjugates gives :math:`\tfrac12\ln(1-q) + q/(2(1-q))` (Gardner 1988).
    The replicon factor is :math:`(1-q)^2` (Gardner & Derrida 1988).
    """

    name = "spherical"

    @property
    def conjugates(self):
        return (q_hat, Q_hat)

    def entropic_term(self, q):
        precision = Q_hat + q_hat
        return Q_hat / 2 + q * q_hat / 2 - sp.log(precision) / 2 + q_hat / (2 * precision) - sp.S.Half

    def convergence_conditions(self):
        return (Q_hat + q_hat,)

    def replicon_factor(self, q):
        return (1 - q) ** 2


class IsingPrior(Prior):
    r"""Binary weights :math:`w_i = \pm 1` (Gardner & Derrida 1988; Krauth & Mézard 1989).

    .. math:: \phi_P(q, \hat q) = -\frac{\hat q (1 - q)}{2} + \int Dz\, \ln 2\cosh(\sqrt{\hat q} z)

    (Gardner & Derrida 1988; Krauth & Mézard 1989): the free entropy counts solutions, :math:`\ln 2` per weight at zero load. As
    :math:`q \to 1`, :math:`\hat q \sim t/\epsilon^2`. The replicon factor is
    :math:`\int Dz\, (1 - \tanh^2 \sqrt{\hat q} z)^2`.
    """

    name = "ising"
    discrete = True
    conjugate_divergence = {q_hat: 2}
    #: The zero-entropy load approaches the q -> 1 load as the margin grows (relative gap 1.6e-4 at kappa = 20,
    #: 1e-5 near kappa = 45); the saddle point is resolved in double precision only up to about 1e-5 below the
    #: q -> 1 load, so the capacity is computed up to kappa = 40. Below kappa = -4.5 the saddle-point map overflows
    #: (loads above 1e5). Both ends are checked against an mpmath solution.
    parameter_limits = {"kappa": (-4.0, 40.0)}

    @property
    def conjugates(self):
        return (q_hat,)

    def entropic_term(self, q):
        return -q_hat * (1 - q) / 2 + GaussianMean(LogTwoCosh(sp.sqrt(q_hat) * z), z)

    def convergence_conditions(self):
        return (q_hat,)

    def replicon_factor(self, q):
        return GaussianMean((1 - sp.tanh(sp.sqrt(q_hat) * z) ** 2) ** 2, z)


class SignConstrainedPrior(Prior):
    r"""Sign-constrained weights :math:`w_i \ge 0` on the sphere :math:`|w|^2 = N` (Amit, Campbell & Wong 1989).

    With :math:`\hat A = \hat Q + \hat q` the precision of one weight, the single-weight integral over the half
    line, :math:`\int_0^\infty dw\, e^{-\hat A w^2/2 + b w} = \sqrt{2\pi/\hat A}\, e^{b^2/2\hat A}\,
    H(-b/\sqrt{\hat A})` with :math:`b = \sqrt{\hat q} z`, gives the spherical term plus a Gaussian mean of
    :math:`\ln H`:

    .. math::

        \phi_P(q, \hat q, \hat A) = \frac{\hat A - \hat q}{2} + \frac{q\hat q}{2} - \frac12\ln\hat A
            + \frac{\hat q}{2\hat A} + \int Dz\, \ln H\!\left(-\sqrt{\hat q/\hat A}\, z\right) + \ln 2 - \frac12,

    zero at :math:`q = 0` (the volume fraction of the orthant's part of the sphere). As :math:`q \to 1`,
    :math:`\hat q \sim t/\epsilon^2` and :math:`\hat A \sim s/\epsilon`: the extremum :math:`t = s = 1/2` gives
    :math:`\alpha_c(\kappa) = \alpha_{\rm Gardner}(\kappa)/2`, and half the weights vanish at capacity. The
    variance of a weight is :math:`\partial_b^2 \ln Z_P`, with
    :math:`\ln Z_P(b) = b^2/2\hat A + \ln H(-b/\sqrt{\hat A})` up to constants.
    """

    name = "sign-constrained"
    conjugate_divergence = {q_hat: 2, A_hat: 1}
    nonnegative = True

    @property
    def conjugates(self):
        return (q_hat, A_hat)

    def entropic_term(self, q):
        return ((A_hat - q_hat) / 2 + q * q_hat / 2 - sp.log(A_hat) / 2 + q_hat / (2 * A_hat)
                + GaussianMean(LogH(-sp.sqrt(q_hat / A_hat) * z), z) + sp.log(2) - sp.S.Half)

    def convergence_conditions(self):
        return (A_hat, q_hat)

    def site_log_partition(self, b):
        return b**2 / (2 * A_hat) + LogH(-b / sp.sqrt(A_hat))

    def replicon_factor(self, q):
        variance = sp.diff(self.site_log_partition(field), field, 2)
        return GaussianMean(variance.subs(field, sp.sqrt(q_hat) * z) ** 2, z)
