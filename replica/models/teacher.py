r"""Parts of Bayes-optimal teacher–student generalised linear models (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019).

A teacher :math:`w^* \sim P_0` (i.i.d., second moment :math:`\rho`) labels Gaussian patterns through a channel
:math:`P_{out}(y \mid w^*\cdot x/\sqrt N)`; the student is the posterior with the same prior and channel. On this
Nishimori line the teacher–student and student–student overlaps coincide and the replica-symmetric potential is
a function of one overlap :math:`q` and its conjugate :math:`\hat q` (Barbier, Krzakala, Macris, Miolane &
Zdeborová, PNAS 116, 5451, 2019):

.. math:: f(q, \hat q) = \psi_P(\hat q) - \frac{q\hat q}{2} + \alpha\, \Psi_{out}(q),

with :math:`\psi_P(\hat q) = \mathbb{E}_{w^*, z} \ln \int dP_0(w)\, e^{\hat q w w^* + \sqrt{\hat q} z w - \hat q w^2/2}`
and :math:`\Psi_{out}(q) = \mathbb{E}_z \int dy\, Z_{out}(y; \sqrt q z, \rho - q) \ln Z_{out}(y; \sqrt q z, \rho - q)`.
A :class:`BayesPrior` declares :math:`\psi_P` (through :meth:`~replica.models.priors.Prior.entropic_term`, which
returns :math:`\psi_P - q\hat q/2`), a :class:`TeacherChannel` declares :math:`\ln Z_{out}(y; \omega, V)` (from
which message passing takes its output function), :math:`\Psi_{out}` and what the overlap means for
generalisation. The potential is the free entropy :math:`\frac1N \mathbb{E}\ln P(Y\mid X)`, so the mutual
information per weight is :math:`-f - \alpha\, h(Y \mid \omega)` with :math:`h` the channel's noise entropy.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
import sympy as sp

from ..errors import ModelDeclarationError
from ..symbolic.gaussian import GaussianMean, H, LogAddExp, LogH, LogTwoCosh
from ..symbolic.symbols import q_hat, xi, z
from ..parameters import real
from .channels import Channel
from .priors import Prior

__all__ = ["BayesPrior", "GaussianPrior", "RademacherPrior", "GaussBernoulliPrior", "TeacherChannel", "SignTeacher",
           "NoisySignTeacher", "LinearTeacher", "ReluTeacher", "Delta", "rho", "eta", "BAYES_PRIORS", "TEACHER_CHANNELS"]

#: Noise variance of the linear channel.
Delta = sp.Symbol("Delta", positive=True)
#: Fraction of nonzero teacher weights (Gauss-Bernoulli prior).
rho = sp.Symbol("rho", positive=True)
#: Label-flip probability of the noisy sign channel.
eta = sp.Symbol("eta", positive=True)


class BayesPrior(Prior):
    r"""A teacher prior on the Nishimori line, declared by :math:`\psi_P(\hat q)`; the student uses the same."""

    #: :math:`\rho = \mathbb{E}[w^2]`, the largest overlap.
    second_moment = sp.S.One
    #: Whether perfect recovery :math:`q = \rho` is a fixed point at every load when the channel is noiseless
    #: (discrete priors: the posterior can concentrate on the teacher), with potential
    #: :attr:`perfect_recovery_entropy` there.
    perfect_recovery_fixed_point = False
    perfect_recovery_entropy = None

    @property
    def conjugates(self):
        return (q_hat,)

    @abstractmethod
    def psi(self) -> sp.Expr:
        r""":math:`\psi_P(\hat q)`."""

    def entropic_term(self, q):
        return self.psi() - q * q_hat / 2

    def convergence_conditions(self):
        return (q_hat + 1,)

    def replicon_factor(self, q):
        raise ModelDeclarationError("replica symmetry holds on the Nishimori line (Barbier et al. 2019); "
                                    "Bayes-optimal priors have no replicon")

    @abstractmethod
    def sample(self, n: int, params: dict, rng) -> np.ndarray:
        """``n`` teacher weights drawn from the prior (unit second moment)."""

    @abstractmethod
    def denoise(self, b, a, params: dict):
        r"""Posterior mean and variance of one weight under :math:`P_0(w)\,e^{-Aw^2/2 + Bw}` (the input function
        of GAMP, Rangan 2011), elementwise in ``b`` for a scalar ``a``."""


class GaussianPrior(BayesPrior):
    r"""Standard Gaussian teacher weights: :math:`\psi_P = \tfrac12(\hat q - \ln(1+\hat q))`, so
    :math:`q = \hat q/(1+\hat q)` at the saddle (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

    name = "gaussian"

    def psi(self):
        return (q_hat - sp.log(1 + q_hat)) / 2

    def sample(self, n, params, rng):
        return rng.standard_normal(n)

    def denoise(self, b, a, params):
        return b / (1 + a), np.full_like(b, 1 / (1 + a))


class RademacherPrior(BayesPrior):
    r"""Teacher weights :math:`\pm 1`: :math:`\psi_P = \mathbb{E}_z \ln\cosh(\hat q + \sqrt{\hat q} z) - \hat q/2`,
    so :math:`q = \mathbb{E}_z \tanh(\hat q + \sqrt{\hat q} z)` (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019). Perfect recovery
    (:math:`q = 1`, :math:`\hat q = \infty`) is a fixed point at every load, with potential :math:`-\ln 2`."""

    name = "rademacher"
    discrete = True
    perfect_recovery_fixed_point = True
    perfect_recovery_entropy = -sp.log(2)

    def psi(self):
        return GaussianMean(LogTwoCosh(q_hat + sp.sqrt(q_hat) * z), z) - sp.log(2) - q_hat / 2

    def convergence_conditions(self):
        return (q_hat,)

    def sample(self, n, params, rng):
        return rng.choice([-1.0, 1.0], size=n)

    def denoise(self, b, a, params):
        mean = np.tanh(b)
        return mean, 1 - mean**2


class GaussBernoulliPrior(BayesPrior):
    r"""Sparse teacher weights :math:`P_0 = (1-\rho)\,\delta_0 + \rho\,\mathcal N(0, 1/\rho)` (unit second moment).

    With :math:`Z(B, A) = 1 - \rho + \rho (1 + A/\rho)^{-1/2} e^{B^2/2(\rho + A)}` and the teacher's field
    :math:`B = \hat q w^* + \sqrt{\hat q} z` (variance :math:`\hat q` for a zero weight, :math:`\hat q^2/\rho + \hat q`
    otherwise),

    .. math:: \psi_P = (1-\rho)\, \mathbb{E}_z \ln Z(\sqrt{\hat q} z, \hat q)
              + \rho\, \mathbb{E}_z \ln Z(\sqrt{\hat q^2/\rho + \hat q}\, z, \hat q),

    each logarithm written as :class:`~replica.symbolic.gaussian.LogAddExp` of the two components (Barbier et al.
    2019; Krzakala, Mézard, Sausset, Sun & Zdeborová 2012 for the sparse prior).
    """

    name = "gauss-bernoulli"
    RHO = real("rho", "fraction of nonzero teacher weights", default=None, low=0.0, high=1.0,
               low_open=True, high_open=True, symbol=rho)

    @property
    def parameters(self):
        return (self.RHO,)

    def psi(self):
        slab = sp.log(rho) - sp.log(1 + q_hat / rho) / 2
        zero_weight = LogAddExp(sp.log(1 - rho), slab + q_hat * z**2 / (2 * (rho + q_hat)))
        nonzero_weight = LogAddExp(sp.log(1 - rho), slab + q_hat * z**2 / (2 * rho))
        return (1 - rho) * GaussianMean(zero_weight, z) + rho * GaussianMean(nonzero_weight, z)

    def sample(self, n, params, rng):
        density = params["rho"]
        return rng.standard_normal(n) / np.sqrt(density) * (rng.random(n) < density)

    def denoise(self, b, a, params):
        density = params["rho"]
        slab = 1 / density  # slab variance: unit second moment
        precision = 1 + a * slab
        log_odds = np.log(density) - 0.5 * np.log(precision) + b**2 * slab / (2 * precision) - np.log1p(-density)
        weight = 0.5 * (1 + np.tanh(log_odds / 2))  # the logistic function, without overflow
        mean_slab, var_slab = b * slab / precision, slab / precision
        mean = weight * mean_slab
        return mean, weight * (var_slab + mean_slab**2) - mean**2


class TeacherChannel(Channel):
    r"""A teacher's output channel on the Nishimori line, declared by :math:`\Psi_{out}(q; \rho)`."""

    @abstractmethod
    def label_log_partition(self, label, omega, variance) -> sp.Expr:
        r""":math:`\ln Z_{out}(y; \omega, V) = \ln \int Dx\, P_{out}(y \mid \omega + \sqrt V x)`, the log-likelihood
        of a label given a Gaussian belief about the pre-activation; its :math:`\omega`-derivative is message
        passing's output function :math:`g_{out}` (Rangan 2011)."""

    @abstractmethod
    def nishimori_term(self, q, rho) -> sp.Expr:
        r""":math:`\Psi_{out}(q) = \mathbb{E}_z \int dy\, Z_{out} \ln Z_{out}` at :math:`\omega = \sqrt q z`,
        :math:`V = \rho - q`."""

    @abstractmethod
    def generalisation_error(self, q, rho) -> sp.Expr:
        """Bayes-optimal generalisation error as a function of the overlap."""

    @abstractmethod
    def sample_labels(self, field, params: dict, rng) -> np.ndarray:
        r"""Labels :math:`y \sim P_{out}(\cdot \mid z)` of the teacher's pre-activations ``field``."""

    #: What :meth:`generalisation_error` measures.
    error_meaning: str = ""
    #: Whether labels are a deterministic function of the pre-activation (then a discrete prior can be recovered
    #: perfectly at finite load; with noise :math:`\hat q` stays finite at :math:`q = \rho`).
    noiseless: bool = False

    def noise_entropy(self) -> sp.Expr:
        r"""Entropy :math:`h(Y\mid\omega)` of one label given the teacher's pre-activation (0 if noiseless)."""
        return sp.S.Zero

    def log_partition(self, omega, variance):
        raise ModelDeclarationError(f"the {self.name} teacher channel enters through nishimori_term")

    def energetic_term(self, q, z):
        raise ModelDeclarationError(f"the {self.name} teacher channel enters through nishimori_term")


class SignTeacher(TeacherChannel):
    r""":math:`y = \mathrm{sign}(w^*\cdot x/\sqrt N)`: :math:`Z_{out}(y) = H(-y\omega/\sqrt V)`, so

    .. math:: \Psi_{out}(q) = 2\int Dz\, H(a z) \ln H(a z), \qquad a = \sqrt{q/(\rho - q)},

    and the probability of a wrong label is :math:`\arccos(\sqrt{q/\rho})/\pi` (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

    name = "sign"
    error_meaning = "probability of a wrong label, arccos(sqrt(q/rho))/pi"
    noiseless = True

    @property
    def parameters(self):
        return ()

    def label_log_partition(self, label, omega, variance):
        return LogH(-label * omega / sp.sqrt(variance))

    def nishimori_term(self, q, rho):
        a = sp.sqrt(q / (rho - q))
        return GaussianMean(2 * H(a * z) * LogH(a * z), z)

    def generalisation_error(self, q, rho):
        return sp.acos(sp.sqrt(q / rho)) / sp.pi

    def sample_labels(self, field, params, rng):
        return np.sign(field)


class NoisySignTeacher(TeacherChannel):
    r""":math:`y = \pm\mathrm{sign}(w^*\cdot x/\sqrt N)`, the sign flipped with probability :math:`\eta`:
    :math:`Z_{out}(y) = \eta + (1 - 2\eta) H(-y\omega/\sqrt V)`, so

    .. math:: \Psi_{out}(q) = 2\int Dz\, Z(z) \ln Z(z), \qquad Z(z) = \eta + (1-2\eta) H(a z),\quad
              a = \sqrt{q/(\rho - q)}.

    The reported error is the probability of disagreeing with the teacher's noiseless label,
    :math:`\arccos(\sqrt{q/\rho})/\pi`; the noise entropy is the binary entropy of :math:`\eta`."""

    name = "noisy-sign"
    error_meaning = "probability of disagreeing with the teacher's noiseless label, arccos(sqrt(q/rho))/pi"
    ETA = real("eta", "probability that a label is flipped", default=None, low=0.0, high=0.5,
               low_open=True, high_open=True, symbol=eta)

    @property
    def parameters(self):
        return (self.ETA,)

    def label_log_partition(self, label, omega, variance):
        return sp.log(eta + (1 - 2 * eta) * H(-label * omega / sp.sqrt(variance)))

    def nishimori_term(self, q, rho):
        a = sp.sqrt(q / (rho - q))
        partition = eta + (1 - 2 * eta) * H(a * z)
        return GaussianMean(2 * partition * sp.log(partition), z)

    def generalisation_error(self, q, rho):
        return sp.acos(sp.sqrt(q / rho)) / sp.pi

    def noise_entropy(self):
        return -eta * sp.log(eta) - (1 - eta) * sp.log(1 - eta)

    def sample_labels(self, field, params, rng):
        return np.sign(field) * np.where(rng.random(np.size(field)) < params["eta"], -1.0, 1.0)


class _GaussianLabelNoise(TeacherChannel):
    r"""A channel whose labels carry additive Gaussian noise of variance :math:`\Delta` (its one parameter), so the
    noise entropy is :math:`\tfrac12\ln(2\pi e\Delta)`."""

    DELTA = real("Delta", "noise variance of the labels", default=None, low=0.0, high=1e6, low_open=True,
                 symbol=Delta)

    @property
    def parameters(self):
        return (self.DELTA,)

    def noise_entropy(self):
        return sp.log(2 * sp.pi * sp.E * Delta) / 2

    def sample_labels(self, field, params, rng):
        return self.activation(field) + np.sqrt(params["Delta"]) * rng.standard_normal(np.size(field))

    @staticmethod
    def activation(field):
        """The teacher's noiseless output of the pre-activation."""
        return field


class LinearTeacher(_GaussianLabelNoise):
    r""":math:`y = w^*\cdot x/\sqrt N + \sqrt\Delta\,\xi`: :math:`Z_{out} = \mathcal N(y; \omega, V + \Delta)`, so
    :math:`\Psi_{out} = -\tfrac12\ln(2\pi e(\rho - q + \Delta))`. The test error of the Bayes predictor is
    :math:`\rho - q + \Delta`; with a Gaussian prior the posterior mean is ridge regression with
    :math:`\lambda = \Delta` (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019)."""

    name = "linear"
    error_meaning = "test mean squared error of the posterior-mean predictor, rho - q + Delta"

    def label_log_partition(self, label, omega, variance):
        return _log_normal_density(label, omega, variance + Delta)

    def nishimori_term(self, q, rho):
        return -sp.log(2 * sp.pi * sp.E * (rho - q + Delta)) / 2

    def generalisation_error(self, q, rho):
        return rho - q + Delta


def _log_normal_density(x, mean, variance):
    return -(x - mean)**2 / (2 * variance) - sp.log(2 * sp.pi * variance) / 2


def _active_posterior(label, omega, variance):
    """Mean and standard deviation of a positive pre-activation given its noisy label (ReLU channel)."""
    return (omega * Delta + label * variance) / (variance + Delta), sp.sqrt(variance * Delta / (variance + Delta))


class ReluTeacher(_GaussianLabelNoise):
    r""":math:`y = \max(0, w^*\cdot x/\sqrt N) + \sqrt\Delta\,\xi`, a rectified teacher with Gaussian label noise.

    A label comes either from a negative pre-activation (then it is pure noise) or from a positive one, so

    .. math:: Z_{out}(y; \omega, V) = \mathcal N(y; 0, \Delta)\, H\!\left(\tfrac{\omega}{\sqrt V}\right)
              + \mathcal N(y; \omega, V + \Delta)\, H\!\left(-\tfrac{m}{s}\right),\qquad
              m = \frac{\omega\Delta + yV}{V + \Delta},\quad s^2 = \frac{V\Delta}{V + \Delta},

    :math:`(m, s^2)` being the mean and variance of the pre-activation given the label on the positive branch.
    :math:`\Psi_{out} = \mathbb{E}_z \int dy\, Z_{out} \ln Z_{out}` splits along the two components, each a Gaussian
    mean over the label's own noise nested in the mean over :math:`z` (:math:`\omega = \sqrt q z`, :math:`V = \rho - q`):

    .. math:: \Psi_{out} = \mathbb{E}_z\Big[H(a z)\, \mathbb{E}_\xi \ln Z_{out}(\sqrt\Delta\,\xi)
              + \mathbb{E}_\xi\, H(-m/s)\, \ln Z_{out}(\omega + \sqrt{V+\Delta}\,\xi)\Big],
              \qquad a = \sqrt{q/V}.

    The test error is the mean squared error of the Bayes predictor :math:`\hat y(\omega, V) = \omega\,
    H(-\omega/\sqrt V) + \sqrt V \varphi(\omega/\sqrt V)`: :math:`\rho/2 + \Delta - \mathbb{E}_z \hat y^2`, from
    :math:`\rho(\pi - 1)/2\pi + \Delta` at :math:`q = 0` to :math:`\Delta` at :math:`q = \rho` (Barbier et al. 2019
    treat the ReLU among their examples; with :math:`\Delta = 0` part of the labels are noiseless real numbers and the
    mutual information is infinite, hence :math:`\Delta > 0`).
    """

    name = "relu"
    error_meaning = "test mean squared error of the posterior-mean predictor, rho/2 + Delta - E[yhat^2]"

    @staticmethod
    def activation(field):
        return np.maximum(field, 0.0)

    def label_log_partition(self, label, omega, variance):
        centre, spread = _active_posterior(label, omega, variance)
        negative = _log_normal_density(label, 0, Delta) + LogH(omega / sp.sqrt(variance))
        positive = _log_normal_density(label, omega, variance + Delta) + LogH(-centre / spread)
        return LogAddExp(negative, positive)

    def nishimori_term(self, q, rho):
        omega, variance = sp.sqrt(q) * z, rho - q
        noise_label = sp.sqrt(Delta) * xi
        active_label = omega + sp.sqrt(variance + Delta) * xi
        centre, spread = _active_posterior(active_label, omega, variance)
        inactive = H(omega / sp.sqrt(variance)) * GaussianMean(self.label_log_partition(noise_label, omega, variance),
                                                                xi)
        active = GaussianMean(H(-sp.expand(centre) / spread) * self.label_log_partition(active_label, omega, variance),
                              xi)
        return GaussianMean(inactive + active, z)

    def generalisation_error(self, q, rho):
        omega, variance = sp.sqrt(q) * z, rho - q
        u = omega / sp.sqrt(variance)
        prediction = omega * H(-u) + sp.sqrt(variance) * sp.exp(-u**2 / 2) / sp.sqrt(2 * sp.pi)
        return rho / 2 + Delta - GaussianMean(sp.expand(prediction**2), z)


#: Parts selectable by name in the ``glm`` family (``--set prior=... --set channel=...``).
BAYES_PRIORS = {"gaussian": GaussianPrior, "rademacher": RademacherPrior, "gauss-bernoulli": GaussBernoulliPrior}
TEACHER_CHANNELS = {"sign": SignTeacher, "noisy-sign": NoisySignTeacher, "linear": LinearTeacher, "relu": ReluTeacher}
