r"""Per-pattern terms (channels and constraints), each declared by its log-partition :math:`\ln Z_{out}(\omega, V)`.

In the replica-symmetric free entropy a pattern enters through
:math:`\int Dz\, \ln Z_{out}(\sqrt{q}\, z, 1 - q)`: :math:`\omega` is the part of the pre-activation shared by
the replicas and :math:`V` the variance left inside one replica (unit-norm weights, so the total is one).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import sympy as sp

from ..parameters import ParameterSpec, real
from ..symbolic.gaussian import GaussianMean, LogH
from ..symbolic.symbols import kappa as kappa_symbol

__all__ = ["Channel", "MarginConstraint", "ParameterSpec"]


class Channel(ABC):
    """A per-pattern term, declared by its log-partition function."""

    name: str = ""

    @property
    @abstractmethod
    def parameters(self) -> tuple[ParameterSpec, ...]:
        """The channel's own parameters."""

    @abstractmethod
    def log_partition(self, omega, variance) -> sp.Expr:
        r""":math:`\ln Z_{out}(\omega, V)`."""

    def energetic_term(self, q, z) -> sp.Expr:
        r"""The RS energetic term per pattern, :math:`\int Dz\, \ln Z_{out}(\sqrt q z, 1-q)`."""
        return GaussianMean(self.log_partition(sp.sqrt(q) * z, 1 - q), z)


class MarginConstraint(Channel):
    r"""The margin constraint :math:`\sigma\, w\cdot\xi/\sqrt N \ge \kappa` with a random label (Gardner 1988).

    Averaging the constraint's indicator over the replica's own Gaussian part of the field gives

    .. math:: Z_{out}(\omega, V) = \int Dy\, \theta(\omega + \sqrt V y - \kappa) = H\!\left(\frac{\kappa - \omega}{\sqrt V}\right).
    """

    name = "margin"

    #: Range of kappa: below -30 the Gaussian tails of the capacity formula underflow double precision.
    KAPPA = real("kappa", "margin", default=0.0, low=-30.0, high=1e6, symbol=kappa_symbol)

    @property
    def parameters(self):
        return (self.KAPPA,)

    def log_partition(self, omega, variance):
        return LogH((kappa_symbol - omega) / sp.sqrt(variance))
