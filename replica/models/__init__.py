"""The catalogue of models and the parts they are declared from."""

from ..parameters import ParameterSpec
from .base import LOAD, Model, available_models, get_model, register
from .channels import Channel, MarginConstraint
from .perceptron import GARDNER, ISING_PERCEPTRON, SIGN_PERCEPTRON
from .priors import IsingPrior, Prior, SignConstrainedPrior, SphericalPrior

__all__ = [
    "Model", "register", "get_model", "available_models", "LOAD",
    "Prior", "SphericalPrior", "IsingPrior", "SignConstrainedPrior", "Channel", "MarginConstraint", "ParameterSpec", "GARDNER",
    "ISING_PERCEPTRON", "SIGN_PERCEPTRON",
]
