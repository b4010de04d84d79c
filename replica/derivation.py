"""Everything the engine derives for a model, computed once and cached."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import sympy as sp

from . import derivation_cache
from .models import Model, get_model
from .symbolic import (
    CapacityCondition, FreeEntropy, SaddlePoint, assemble_free_entropy, derive_saddle_point, q_to_one, replicon,
    replicon_at_capacity,
)
from .symbolic.symbols import alpha, to_latex

__all__ = ["Derivation", "derive"]


@dataclass(frozen=True)
class Derivation:
    """The symbolic results for one model.

    Attributes
    ----------
    model : Model
    free_entropy : FreeEntropy
        The assembled RS free entropy.
    saddle_point : SaddlePoint
        Its saddle-point equations and the reduced free entropy.
    capacity : CapacityCondition or None
        The :math:`q \\to 1` limit (``None`` for Bayes-optimal teacher–student models, which have no capacity).
    replicon : sympy expression or None
        Replicon eigenvalue at finite overlap (a function of ``q``, ``alpha`` and the parameters); ``None`` on the
        Nishimori line, where replica symmetry is exact (Barbier et al. 2019).
    replicon_at_capacity : sympy expression or None
        Replicon eigenvalue at :math:`q \\to 1`, with ``alpha`` set to the capacity; ``None`` for discrete
        weights, whose capacity is not the :math:`q \\to 1` load (the replicon is then evaluated numerically at
        the zero-entropy load).
    """

    model: Model
    free_entropy: FreeEntropy
    saddle_point: SaddlePoint
    capacity: CapacityCondition | None
    replicon: sp.Expr | None
    replicon_at_capacity: sp.Expr | None

    def latex(self) -> str:
        """The derivation as LaTeX display lines: free entropy, saddle-point equations, capacity, stability."""
        return "\n".join([
            f"% {self.model.name}: {self.model.summary}",
            f"% {self.model.reference}",
            self.free_entropy.latex(),
            self.saddle_point.latex(),
        ] + ([self.capacity.latex()] if self.capacity is not None else [])
          + ([r"\lambda_{\mathrm{rep}}(q) = %s" % to_latex(self.replicon)] if self.replicon is not None else [])
          + ([r"\lambda_{\mathrm{rep}}(q \to 1) = %s" % to_latex(self.replicon_at_capacity)]
             if self.replicon_at_capacity is not None else []))


    def equations(self):
        """The derivation as :class:`~replica.models.family.Equations`: free entropy, conjugates, fixed point,
        capacity, stability."""
        from .models.family import Equations

        saddle = self.saddle_point
        sections = [("free entropy", self.free_entropy.expression)]
        sections += [(f"conjugate {c}", v) for c, v in saddle.conjugate_solution.items()]
        if saddle.eliminated:
            sections += [("reduced free entropy phi(q)", saddle.reduced),
                         ("saddle point: dphi/dq", saddle.stationarity)]
        sections += [(f"fixed point for {x}", v) for x, v in saddle.fixed_point.items()]
        if self.capacity is not None:
            sections += [("q -> 1 leading coefficient", self.capacity.leading_coefficient),
                         ("alpha at q -> 1", self.capacity.alpha_c)]
        if self.replicon_at_capacity is not None:
            sections.append(("replicon at capacity", self.replicon_at_capacity))
        return Equations(self.model.name, tuple(sections), source=self.latex)


def _derive(model: Model) -> Derivation:
    free_entropy = assemble_free_entropy(model.prior, model.channel, bayes_optimal=model.bayes_optimal)
    saddle = derive_saddle_point(free_entropy, model.prior.convergence_conditions())
    if model.bayes_optimal:
        return Derivation(model, free_entropy, saddle, None, None, None)
    capacity = q_to_one(saddle, model.prior.conjugate_divergence)
    at_capacity = None
    if saddle.eliminated or not model.prior.discrete:  # discrete weights: the q -> 1 load is not the capacity
        at_capacity = replicon_at_capacity(model.prior, model.channel, alpha, capacity.conjugate_scaling)
        at_capacity = at_capacity.subs(alpha, capacity.alpha_c)
    return Derivation(model, free_entropy, saddle, capacity,
                      replicon(model.prior, model.channel, alpha), at_capacity)


@lru_cache(maxsize=None)
def _derive_or_load(model: Model) -> Derivation:
    cached = derivation_cache.load(model)
    if isinstance(cached, Derivation):
        return replace(cached, model=model)  # the live declaration, not its pickled copy
    derivation = _derive(model)
    derivation_cache.store(model, derivation)
    return derivation


def derive(model: str | Model) -> Derivation:
    """Derive the RS free entropy, saddle point, capacity and stability: once per model in a process, and from the
    on-disk cache (:mod:`replica.derivation_cache`) in later processes."""
    return _derive_or_load(get_model(model))
