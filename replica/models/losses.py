r"""Convex losses and regularisers: the parts an empirical-risk-minimisation (ERM) student is declared from.

A loss :math:`\ell(y, z)` of a label :math:`y` and a pre-activation :math:`z` is declared by its sympy formula and,
where one exists in closed form, its proximal map

.. math:: \mathrm{prox}_{V\ell(y,\cdot)}(\omega) = \arg\min_z \Big[\frac{(z - \omega)^2}{2V} + \ell(y, z)\Big],

the minimiser of the Moreau envelope :math:`\mathcal M_V(y, \omega)` (the minimum itself). Without a closed form
(the logistic loss) the proximal map is computed from the declared formula: its first and second derivatives in
:math:`z` are compiled and the convex stationarity condition :math:`(z - \omega)/V + \partial_z\ell(y, z) = 0` is
solved by a vectorised safeguarded Newton method. The root lies between :math:`\omega` and
:math:`\omega - V\partial_z\ell(y, \omega)` (convexity), which is the initial bracket; a Newton step leaving the
bracket, or crossing more than half of it, is replaced by bisection.

The :math:`\ell_2` regulariser :math:`\tfrac\lambda2|w|^2` is a part too (:class:`RidgePenalty`); its contribution to
the replica free energy is closed form.
"""

from __future__ import annotations

from abc import ABC
from functools import cached_property

import numpy as np
import sympy as sp

from ..errors import ModelDeclarationError

__all__ = ["Loss", "SquareLoss", "HingeLoss", "LogisticLoss", "AbsoluteLoss", "LOSSES", "RidgePenalty"]

#: Symbols of the loss declarations: label, pre-activation, proximal point, proximal scale.
y, z, omega, V = sp.symbols("y z omega V", real=True)

#: Newton iterations of the numerical proximal map (quadratic convergence: a dozen suffice from the bracket; the
#: bisection fallback needs about 3 per decade of bracket width over tolerance).
NEWTON_ITERATIONS = 200
NEWTON_TOLERANCE = 1e-13


class Loss(ABC):
    """A convex loss :math:`\\ell(y, z)`, declared by its formula (and its proximal map where closed form)."""

    name: str = ""
    #: Whether the loss needs labels :math:`\\pm1` (a margin loss); the others fit any real label.
    needs_sign_labels: bool = True
    #: A closed-form proximal map in the symbols ``y``, ``omega``, ``V``, or ``None``.
    prox_formula = None

    def formula(self) -> sp.Expr:
        """:math:`\\ell(y, z)` in the module's symbols ``y`` and ``z``."""
        raise NotImplementedError

    @cached_property
    def _numeric(self):
        loss = self.formula()
        first, second = sp.diff(loss, z), sp.diff(loss, z, 2)
        modules = ["scipy", "numpy"]
        return (sp.lambdify((y, z), loss, modules), sp.lambdify((y, z), first, modules),
                sp.lambdify((y, z), second, modules),
                None if self.prox_formula is None else sp.lambdify((y, omega, V), self.prox_formula, modules))

    def value(self, labels, points) -> np.ndarray:
        """:math:`\\ell(y, z)`, elementwise."""
        return np.broadcast_to(self._numeric[0](labels, points), np.broadcast_shapes(np.shape(labels),
                                                                                       np.shape(points)))

    def derivative(self, labels, points) -> np.ndarray:
        """:math:`\\partial_z\\ell(y, z)`, elementwise."""
        return np.broadcast_to(self._numeric[1](labels, points), np.broadcast_shapes(np.shape(labels),
                                                                                       np.shape(points)))

    def prox(self, labels, points, scale) -> np.ndarray:
        """:math:`\\mathrm{prox}_{V\\ell(y,\\cdot)}(\\omega)` elementwise: the closed form if declared, otherwise the
        safeguarded Newton solution of the stationarity condition (converged to ``NEWTON_TOLERANCE``)."""
        labels, points, scale = np.broadcast_arrays(*(np.asarray(a, float) for a in (labels, points, scale)))
        if self._numeric[3] is not None:
            return np.broadcast_to(self._numeric[3](labels, points, scale), points.shape).astype(float)
        finite = np.isfinite(labels) & np.isfinite(points) & np.isfinite(scale) & (scale > 0)
        out = np.full(points.shape, np.nan)
        out[finite] = self._newton(labels[finite], points[finite], scale[finite])
        return out

    def _newton(self, labels, points, scale):
        _, first, second, _ = self._numeric
        step = scale * first(labels, points)
        low, high = np.minimum(points, points - step), np.maximum(points, points - step)
        current = points - step / (1 + scale * np.maximum(second(labels, points), 0))
        current = np.clip(current, low, high)
        for _ in range(NEWTON_ITERATIONS):
            residual = (current - points) / scale + first(labels, current)  # increasing in the point
            high = np.where(residual > 0, current, high)
            low = np.where(residual <= 0, current, low)
            newton = current - residual / (1 / scale + second(labels, current))
            # Newton where it stays inside the bracket and moves less than half of it; bisection otherwise (a
            # Newton step that jumps across most of the bracket can oscillate on a sigmoid-shaped derivative)
            keep = (newton > low) & (newton < high) & (np.abs(newton - current) < (high - low) / 2)
            proposal = np.where(keep, newton, (low + high) / 2)
            if np.all(np.abs(proposal - current) <= NEWTON_TOLERANCE * (1 + np.abs(current))):
                return proposal
            current = proposal
        raise ModelDeclarationError(f"the {self.name} proximal map did not converge in {NEWTON_ITERATIONS} Newton "
                                    "steps (is the loss convex and twice differentiable?)")

    def moreau(self, labels, points, scale, proximal=None) -> np.ndarray:
        """The Moreau envelope :math:`\\mathcal M_V(y, \\omega)`, the objective at the proximal point (computed here
        unless given)."""
        proximal = self.prox(labels, points, scale) if proximal is None else proximal
        return (proximal - points) ** 2 / (2 * scale) + self.value(labels, proximal)


class SquareLoss(Loss):
    r""":math:`\ell = (y - z)^2/2`: ridge regression (or least-squares classification), prox
    :math:`(\omega + Vy)/(1 + V)`."""

    name = "square"
    needs_sign_labels = False
    prox_formula = (omega + V * y) / (1 + V)

    def formula(self):
        return (y - z) ** 2 / 2


class HingeLoss(Loss):
    r""":math:`\ell = \max(0, 1 - yz)` (support-vector machine; the max-margin classifier as :math:`\lambda \to 0`
    on separable data). For :math:`y = \pm1` the prox moves :math:`\omega` by :math:`Vy` if that keeps the margin
    below 1, stops at the margin :math:`yz = 1`, or leaves :math:`\omega` where the margin already exceeds 1."""

    name = "hinge"
    prox_formula = sp.Piecewise((omega + V * y, y * omega < 1 - V), (y, y * omega <= 1), (omega, True))

    def formula(self):
        return sp.Max(0, 1 - y * z)


class LogisticLoss(Loss):
    r""":math:`\ell = \ln(1 + e^{-yz})` (logistic regression); no closed-form prox: safeguarded Newton."""

    name = "logistic"

    def formula(self):
        return sp.log(1 + sp.exp(-y * z))

    @cached_property
    def _numeric(self):  # the same derivatives, written to stay finite for |z| large
        from scipy.special import expit

        def loss(labels, points):
            return np.logaddexp(0, -labels * points)

        def first(labels, points):
            return -labels * expit(-labels * points)

        def second(labels, points):
            p = expit(labels * points)
            return p * (1 - p) * labels**2

        return loss, first, second, None


class AbsoluteLoss(Loss):
    r""":math:`\ell = |y - z|` (least absolute deviations): prox is soft thresholding towards :math:`y`."""

    name = "absolute"
    needs_sign_labels = False
    prox_formula = sp.Piecewise((omega - V, omega - y > V), (omega + V, omega - y < -V), (y, True))

    def formula(self):
        return sp.Abs(y - z)


#: The losses by name.
LOSSES = {loss.name: loss for loss in (SquareLoss, HingeLoss, LogisticLoss, AbsoluteLoss)}


class RidgePenalty:
    r"""The :math:`\ell_2` regulariser :math:`\tfrac\lambda2|w|^2`.

    Its part of the zero-temperature RS free energy (the student's scalar problem
    :math:`\min_w[\tfrac{\hat V}2 w^2 - Bw + \tfrac\lambda2 w^2]` with :math:`B = \hat m w^* + \sqrt{\hat q}\,\xi`,
    averaged over a teacher weight of second moment :math:`\rho`) is

    .. math:: \Psi_w(\hat m, \hat q, \hat V) = \frac{\rho\,\hat m^2 + \hat q}{2(\lambda + \hat V)}.

    An :math:`\ell_1` or elastic-net penalty has a closed-form prox too (soft thresholding); its :math:`\Psi_w` is a
    Gaussian mean over :math:`\xi` and the teacher prior, and would be a part of this kind.
    """

    name = "l2"

    def entropic_term(self, m_hat, q_hat, V_hat, rho, lam) -> sp.Expr:
        return (rho * m_hat**2 + q_hat) / (2 * (lam + V_hat))
