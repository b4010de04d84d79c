r"""Assembly of the replica-symmetric free entropy from a model's parts.

.. math:: \phi(q, \hat q, \dots) = \phi_P(q, \hat q, \dots) + \alpha \int Dz\, \ln Z_{out}(\sqrt q z, 1 - q)

(Gardner 1988; Engel & Van den Broeck, *Statistical Mechanics of Learning*, 2001, ch. 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .symbols import alpha, q, to_latex, z

__all__ = ["FreeEntropy", "assemble_free_entropy"]


@dataclass(frozen=True)
class FreeEntropy:
    """The RS free entropy of a model, with its parts kept apart for inspection.

    Attributes
    ----------
    entropic : sympy expression
        The prior's term, a function of ``q`` and the conjugates.
    energetic : sympy expression
        The per-pattern term (without the load), a Gaussian mean.
    order_parameters, conjugates, parameters : tuple of sympy.Symbol
        The overlap(s), their conjugates, and the model's parameters including the load ``alpha``.
    """

    entropic: sp.Expr
    energetic: sp.Expr
    order_parameters: tuple
    conjugates: tuple
    parameters: tuple

    @property
    def expression(self) -> sp.Expr:
        return self.entropic + alpha * self.energetic

    @property
    def variables(self) -> tuple:
        return self.order_parameters + self.conjugates

    def latex(self) -> str:
        return r"\phi = " + to_latex(self.expression)


def assemble_free_entropy(prior, channel, *, bayes_optimal: bool = False) -> FreeEntropy:
    """Assemble the RS free entropy of a prior and a per-pattern channel.

    With ``bayes_optimal`` the channel enters through its Nishimori term :math:`\\Psi_{out}(q; \\rho)` at the
    prior's second moment :math:`\\rho` (:mod:`replica.models.teacher`).
    """
    parameters = (alpha,) + tuple(spec.symbol for spec in (*prior.parameters, *channel.parameters))
    energetic = (channel.nishimori_term(q, prior.second_moment) if bayes_optimal
                 else channel.energetic_term(q, z))
    return FreeEntropy(
        entropic=prior.entropic_term(q),
        energetic=energetic,
        order_parameters=(q,),
        conjugates=tuple(prior.conjugates),
        parameters=parameters,
    )
