r"""Weight priors (measures): each declares its replica-symmetric entropic term with explicit conjugates.

A prior supplies the entropic part :math:`\phi_P(q, \hat q, \dots)` of the RS free entropy per weight, the
conjugate order parameters it introduces, the conditions under which its Gaussian integrals converge (used to
pick the right branch when the conjugates are eliminated), and the factor it contributes to the replicon
eigenvalue. Everything else is derived by the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import sympy as sp

from ..symbolic.symbols import Q_hat, q_hat

__all__ = ["Prior", "SphericalPrior"]


class Prior(ABC):
    """A weight measure, declared by its replica-symmetric entropic term."""

    name: str = ""

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


class SphericalPrior(Prior):
    r"""Weights on the sphere :math:`|w|^2 = N` (Gardner 1988).

    With :math:`\hat Q` the Lagrange multiplier of the norm and :math:`\hat q` the conjugate of the overlap,
    the single-weight integral :math:`\int dw\, e^{-(\hat Q + \hat q) w^2/2 + \sqrt{\hat q} z w}` gives

    .. math::

        \phi_P(q, \hat q, \hat Q) = \frac{\hat Q}{2} + \frac{q \hat q}{2} - \frac12 \ln(\hat Q + \hat q)
            + \frac{\hat q}{2(\hat Q + \hat q)} - \frac12 ,

    the constant chosen so that :math:`\phi_P = 0` at :math:`q = 0` (no constraint, volume fraction one).
    Extremising over both conjugates gives :math:`\tfrac12\ln(1-q) + q/(2(1-q))` (REFERENCE.md §1).
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
