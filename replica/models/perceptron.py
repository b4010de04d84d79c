"""Perceptron models: the spherical perceptron with margin (Gardner 1988)."""

from .base import Model, register
from .channels import MarginConstraint
from .priors import SphericalPrior

__all__ = ["GARDNER"]

GARDNER = register(Model(
    name="gardner",
    summary="spherical perceptron storing random +-1 labels with margin kappa",
    reference="E. Gardner, J. Phys. A 21, 257 (1988); Gardner & Derrida, J. Phys. A 21, 271 (1988)",
    prior=SphericalPrior(),
    channel=MarginConstraint(),
))
