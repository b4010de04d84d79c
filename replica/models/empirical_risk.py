r"""Convex empirical risk minimisation on teacher–student data (Aubin, Krzakala, Lu & Zdeborová, NeurIPS 2020;
Gerace, Loureiro, Krzakala, Mézard & Zdeborová, ICML 2020): the ``erm`` family, its equations derived by the
engine from the loss, the :math:`\ell_2` penalty and the teacher parts (:mod:`replica.erm`)."""

from __future__ import annotations

from ..parameters import choice, real
from .family import Equations, Family
from .losses import LOSSES

__all__ = ["ERM", "FAMILIES", "ERM_CHANNELS"]

#: The teacher channels of the family (``noise`` is the flip probability of ``sign``, the variance of ``linear``).
ERM_CHANNELS = ("sign", "linear")


def _solve_erm(loss="logistic", alpha=2.0, lambda_=0.1, teacher="gaussian", channel="sign", noise=0.0):
    from ..erm import solve_erm

    return solve_erm(loss, alpha, lambda_, teacher=teacher, channel=channel, noise=noise)


def erm_equations(loss="logistic", channel="sign") -> Equations:
    r"""The zero-temperature free energy :math:`\Phi` and its six stationarity conditions."""
    from ..erm import derive_erm

    derivation = derive_erm(loss, channel)
    sections = [("zero-temperature RS free energy Phi (extremised)", derivation.free_energy)]
    sections += [(f"channel: {k}", v) for k, v in derivation.conjugates.items()]
    sections += [(f"regulariser: {k}", v) for k, v in derivation.overlaps.items()]
    return Equations("erm", tuple(sections), source=derivation.latex)


ERM = Family(
    name="erm",
    summary="learning curves of convex ERM (square, hinge, logistic, absolute losses, l2 penalty) on teacher-student "
            "data: generalisation error, training loss and error, overlaps, norm",
    reference="Aubin, Krzakala, Lu & Zdeborova, NeurIPS (2020); Gerace, Loureiro, Krzakala, Mezard & Zdeborova, "
              "ICML (2020)",
    parameters=(
        choice("loss", "convex loss", tuple(LOSSES), default="logistic"),
        real("alpha", "sample ratio P/N", default=2.0, low=0.0, high=1e4, low_open=True),
        real("lambda", "l2 penalty lambda/2 |w|^2", default=0.1, low=0.0, high=1e6, keyword="lambda_"),
        choice("teacher", "teacher prior", ("gaussian", "rademacher"), default="gaussian"),
        choice("channel", "teacher channel (labels)", ERM_CHANNELS, default="sign"),
        real("noise", "label noise: flip probability (sign, < 1/2) or noise variance (linear)", default=0.0,
             low=0.0, high=1e6),
    ),
    solver=_solve_erm, equations=erm_equations, derive_parameters=("loss", "channel"))

FAMILIES = (ERM,)
