"""Perceptron models: spherical (Gardner 1988), binary (Gardner & Derrida 1988; Krauth & Mézard 1989) and
sign-constrained (Amit, Campbell & Wong 1989)."""

from .base import Model, register
from .channels import MarginConstraint
from .priors import IsingPrior, SignConstrainedPrior, SphericalPrior

__all__ = ["GARDNER", "ISING_PERCEPTRON", "SIGN_PERCEPTRON"]

GARDNER = register(Model(
    name="gardner",
    summary="spherical perceptron storing random +-1 labels with margin kappa",
    reference="E. Gardner, J. Phys. A 21, 257 (1988); Gardner & Derrida, J. Phys. A 21, 271 (1988)",
    prior=SphericalPrior(),
    channel=MarginConstraint(),
))

ISING_PERCEPTRON = register(Model(
    name="ising-perceptron",
    summary="binary (+-1) weights storing random +-1 labels with margin kappa",
    reference="Gardner & Derrida, J. Phys. A 21, 271 (1988); W. Krauth & M. Mezard, J. Phys. France 50, 3057 (1989)",
    prior=IsingPrior(),
    channel=MarginConstraint(),
))

SIGN_PERCEPTRON = register(Model(
    name="sign-perceptron",
    summary="sign-constrained (w >= 0) spherical perceptron storing random +-1 labels with margin kappa",
    reference="D. J. Amit, C. Campbell & K. Y. M. Wong, J. Phys. A 22, 4687 (1989)",
    prior=SignConstrainedPrior(),
    channel=MarginConstraint(),
))
