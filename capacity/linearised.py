r"""Linearised models: a model replaced by its first-order expansion around the initial parameters.

A linearised model with :math:`P` parameters and :math:`d_\text{out}` outputs is

.. math:: f(x) = f_0(x) + J(x)\,\delta, \qquad \delta = \theta - \theta_0 \in \mathbb R^P,

with :math:`J(x) \in \mathbb R^{d_\text{out}\times P}` the Jacobian at :math:`\theta_0` (Jacot, Gabriel & Hongler 2018;
Lee et al. 2019). For :math:`n` inputs the stacked Jacobian has :math:`n\,d_\text{out}` rows, point-major (row
:math:`i\,d_\text{out} + o` is output :math:`o` of point :math:`i`), and the empirical (neural tangent) kernel is
:math:`K = JJ^\top`, of size :math:`n\,d_\text{out}`. The models here:

* :func:`random_features` — :math:`f(x) = A\,\sigma(Wx/\sqrt d)/\sqrt P` with fixed :math:`W` and trained readout
  :math:`A \in \mathbb R^{d_\text{out}\times P}` (linear in its parameters, so the linearisation is exact);
* :func:`linearised_network` — the two-layer network :math:`f(x) = A\,\sigma(Wx/\sqrt d)/\sqrt m`, both layers
  trained, linearised at a random initialisation (its Jacobian in closed form, computed with numpy);
* :func:`gaussian_features` — :math:`J(x) = (\sqrt{\eta_k}\,x_k)_k` on Gaussian inputs, the kernel
  :math:`\sum_k\eta_k x_kx'_k` of the learning-curve theory (:mod:`replica.kernel_curve`);
* :func:`pool_features` — the eigenfunctions of a kernel on a finite pool of points (e.g. a sphere), scaled by the
  square roots of its eigenvalues;
* :class:`LinearisedModel` itself, for a user's own feature map or Jacobian.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import erf

from replica.errors import ParameterError
from replica.validation import check_int, check_real_array

__all__ = ["LinearisedModel", "random_features", "linearised_network", "gaussian_features", "pool_features",
           "ACTIVATIONS"]


def _relu(h):
    return np.maximum(h, 0.0)


def _relu_derivative(h):
    return (h > 0).astype(float)


def _tanh_derivative(h):
    return 1.0 - np.tanh(h) ** 2


#: Activations of the random-feature and two-layer models, with their derivatives.
ACTIVATIONS = {"relu": (_relu, _relu_derivative), "tanh": (np.tanh, _tanh_derivative),
               "erf": (erf, lambda h: 2.0 / math.sqrt(math.pi) * np.exp(-h * h))}


@dataclass(frozen=True)
class LinearisedModel:
    r"""A model :math:`f(x) = f_0(x) + J(x)\delta` given by its Jacobian and its output at initialisation.

    Parameters
    ----------
    name : str
    parameters : int
        :math:`P`, the length of :math:`\delta`.
    outputs : int
        :math:`d_\text{out}`.
    jacobian : callable
        ``jacobian(x)`` for inputs of shape ``(n, ...)`` returns the stacked Jacobian, shape
        ``(n * outputs, parameters)``, point-major.
    initial_output : callable, optional
        ``initial_output(x)``, shape ``(n, outputs)``: :math:`f_0` (zero if omitted).
    """

    name: str
    parameters: int
    outputs: int
    jacobian: Callable = field(repr=False)
    initial_output: Callable | None = field(default=None, repr=False)

    def __post_init__(self):
        check_int("parameters", self.parameters, 1, None)
        check_int("outputs", self.outputs, 1, 1000)

    @classmethod
    def from_feature_map(cls, features: Callable, parameters: int, outputs: int = 1, name: str = "feature map"):
        r"""A model linear in its parameters, :math:`f_o(x) = \sum_p A_{op}\phi_p(x)`, trained from :math:`A = 0`:
        its Jacobian is :math:`I_{d_\text{out}}\otimes\phi(x)` (``parameters`` is the number of features; the model
        has ``outputs * parameters`` parameters)."""
        def jacobian(x):
            phi = np.asarray(features(x), dtype=float)
            if phi.ndim != 2 or phi.shape[1] != parameters:
                raise ParameterError("features", f"must return an array of shape (n, {parameters}); got {phi.shape}")
            return _block_features(phi, outputs)

        return cls(name, parameters * outputs, outputs, jacobian)

    def stacked(self, x) -> tuple[np.ndarray, np.ndarray]:
        """The stacked Jacobian, shape ``(n * outputs, parameters)``, and :math:`f_0`, shape ``(n, outputs)``."""
        jac = np.asarray(self.jacobian(x), dtype=float)
        n = len(x)
        if jac.shape != (n * self.outputs, self.parameters):
            raise ParameterError("jacobian", f"must return shape ({n * self.outputs}, {self.parameters}) for {n} "
                                             f"inputs; got {jac.shape}")
        f0 = np.zeros((n, self.outputs)) if self.initial_output is None else \
            np.asarray(self.initial_output(x), dtype=float).reshape(n, self.outputs)
        return jac, f0


def _block_features(phi: np.ndarray, outputs: int) -> np.ndarray:
    """:math:`I_{d_\\text{out}}\\otimes\\phi`, point-major rows: row ``i*outputs + o`` holds ``phi[i]`` in block o."""
    if outputs == 1:
        return phi
    n, p = phi.shape
    jac = np.zeros((n, outputs, outputs, p))
    for o in range(outputs):
        jac[:, o, o, :] = phi
    return jac.reshape(n * outputs, outputs * p)


def _check_activation(activation: str):
    if activation not in ACTIVATIONS:
        raise ParameterError("activation", f"must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return ACTIVATIONS[activation]


def random_features(features: int, dimension: int, *, outputs: int = 1, activation: str = "relu",
                    seed: int = 0) -> LinearisedModel:
    r"""Random features :math:`\phi(x) = \sigma(Wx/\sqrt d)/\sqrt P`, :math:`W_{pj}\sim\mathcal N(0,1)` fixed, trained
    readout from zero (Rahimi & Recht 2007): the kernel :math:`\phi(x)\cdot\phi(x')` tends to the arc-cosine (ReLU)
    kernel as :math:`P\to\infty`."""
    features = check_int("P", features, 1, 10**8)
    dimension = check_int("d", dimension, 1, 10**6)
    sigma, _ = _check_activation(activation)
    weights = np.random.default_rng([seed, 1]).standard_normal((features, dimension))

    def feature_map(x):
        return sigma(np.asarray(x, dtype=float) @ weights.T / math.sqrt(dimension)) / math.sqrt(features)

    return LinearisedModel.from_feature_map(feature_map, features, outputs, name="random-features")


def linearised_network(width: int, dimension: int, *, outputs: int = 1, activation: str = "tanh",
                       seed: int = 0) -> LinearisedModel:
    r"""The two-layer network :math:`f(x) = A\,\sigma(h)/\sqrt m`, :math:`h = Wx/\sqrt d`, linearised at a random
    initialisation :math:`W_{jk}, A_{oj}\sim\mathcal N(0,1)`. Parameters :math:`\theta = (W, A)`, :math:`P = m(d +
    d_\text{out})`; the Jacobian rows are

    .. math:: \frac{\partial f_o}{\partial W_{jk}} = \frac{A_{oj}\,\sigma'(h_j)\,x_k}{\sqrt{md}},\qquad
        \frac{\partial f_o}{\partial A_{o'j}} = \delta_{oo'}\frac{\sigma(h_j)}{\sqrt m}.

    :math:`f_0(x) = A_0\sigma(W_0x/\sqrt d)/\sqrt m` is the network's output at initialisation."""
    width = check_int("width", width, 1, 10**7)
    dimension = check_int("d", dimension, 1, 10**6)
    outputs = check_int("outputs", outputs, 1, 1000)
    sigma, derivative = _check_activation(activation)
    rng = np.random.default_rng([seed, 2])
    w0, a0 = rng.standard_normal((width, dimension)), rng.standard_normal((outputs, width))

    def jacobian(x):
        x = np.asarray(x, dtype=float)
        h = x @ w0.T / math.sqrt(dimension)
        first = (a0[None, :, :] * derivative(h)[:, None, :])[:, :, :, None] * x[:, None, None, :]
        first = first.reshape(len(x), outputs, width * dimension) / math.sqrt(width * dimension)
        second = _block_features(sigma(h) / math.sqrt(width), outputs).reshape(len(x), outputs, outputs * width)
        return np.concatenate([first, second], axis=2).reshape(len(x) * outputs, -1)

    def initial_output(x):
        return sigma(np.asarray(x, dtype=float) @ w0.T / math.sqrt(dimension)) @ a0.T / math.sqrt(width)

    return LinearisedModel("linearised-network", width * (dimension + outputs), outputs, jacobian, initial_output)


def gaussian_features(eigenvalues) -> LinearisedModel:
    r"""Gaussian features: inputs :math:`x\sim\mathcal N(0, I_M)`, :math:`J(x) = (\sqrt{\eta_k}x_k)_k`, kernel
    :math:`K(x,x') = \sum_k\eta_kx_kx'_k` — the model of the kernel learning-curve theory with eigenfunctions
    :math:`\phi_k(x) = x_k` (Bordelon, Canatar & Pehlevan 2020)."""
    root = np.sqrt(check_real_array("eigenvalues", eigenvalues, 0.0, None, low_open=True))
    return LinearisedModel.from_feature_map(lambda x: np.asarray(x, dtype=float) * root, root.size,
                                            name="gaussian-features")


def pool_features(eigenvalues, eigenfunctions) -> LinearisedModel:
    r"""A kernel on a finite pool of points through its spectrum: the input is a pool index :math:`i`, the features
    are :math:`\sqrt{\eta_k}\,\phi_k(x_i)` (``eigenfunctions[i, k]``, orthonormal under the uniform measure on the
    pool, as :func:`replica.kernel_curve.kernel_spectrum` returns them)."""
    root = np.sqrt(check_real_array("eigenvalues", eigenvalues, 0.0, None, low_open=True))
    table = np.asarray(eigenfunctions, dtype=float) * root
    return LinearisedModel.from_feature_map(lambda index: table[np.asarray(index, dtype=int).ravel()], root.size,
                                            name="pool-features")
