r"""Learning curves of convex empirical risk minimisation (ERM) on teacher–student data, derived by the engine.

The student minimises :math:`\sum_{\mu\le P}\ell(y_\mu, x_\mu\cdot w/\sqrt N) + \tfrac\lambda2|w|^2` on
:math:`P = \alpha N` Gaussian patterns labelled by a teacher :math:`w^*` (prior of second moment :math:`\rho`,
channel :math:`P_{out}(y\mid z)`). At zero temperature the replica-symmetric free energy is an extremum over the
overlaps :math:`m = w\cdot w^*/N`, :math:`q = |w|^2/N`, the response :math:`V` and their conjugates (Gardner &
Derrida 1988 for the energy; Aubin, Krzakala, Lu & Zdeborová, NeurIPS 2020; Gerace, Loureiro, Krzakala, Mézard &
Zdeborová, ICML 2020):

.. math:: \Phi = m\hat m - \frac{q\hat V}{2} + \frac{V\hat q}{2} - \Psi_w(\hat m, \hat q, \hat V)
          + \alpha\,\mathbb E_{\xi, y}\big[\mathcal M_V(y, \sqrt q\,\xi)\big],

with :math:`\Psi_w` the regulariser's part (:class:`~replica.models.losses.RidgePenalty`), :math:`\mathcal M_V` the
loss's Moreau envelope (:mod:`replica.models.losses`), :math:`\xi` standard normal and the label drawn from the
teacher given the student's field: :math:`y \sim Z^*(y; \omega^*, V^*)` with :math:`\omega^* = m\xi/\sqrt q`,
:math:`V^* = \rho - m^2/q` (:math:`\ln Z^*` is the teacher channel's declared
:meth:`~replica.models.teacher.TeacherChannel.label_log_partition`). This module assembles :math:`\Phi` in sympy,
differentiates it — the expectation's measure depends on :math:`m` and :math:`q`, so
:math:`\partial_\theta\mathbb E[F] = \mathbb E[F\,\partial_\theta\ln Z^* + \partial_\theta F]`, and the envelope's
derivatives are :math:`\partial_\omega\mathcal M = (\omega - \mathrm{prox})/V`,
:math:`\partial_V\mathcal M = -(\mathrm{prox} - \omega)^2/2V^2` — and solves the six stationarity conditions by a
damped fixed-point iteration, the expectation evaluated by Gauss–Hermite quadrature in :math:`\xi` (and in the
label noise for a regression channel; a sum over :math:`y = \pm1` for a classification channel). The numerics set
:math:`\rho = 1`: every teacher prior of the library has unit second moment, and with the :math:`\ell_2` penalty the
curves depend on the prior through :math:`\rho` only (Gaussian and Rademacher teachers give the same curve).

Reported quantities: the generalisation error (the probability of disagreeing with the teacher's noiseless label
:math:`\arccos(m/\sqrt{\rho q})/\pi` for classification, and ``label_error`` :math:`\eta + (1 - 2\eta)` times it,
the probability of disagreeing with a fresh label flipped with probability :math:`\eta`; :math:`\rho - 2m + q + \Delta` for the linear channel, the
test mean squared error, as :func:`replica.glm.solve_glm` reports the Bayes-optimal ones), the training loss
:math:`\mathbb E[\ell(y, \mathrm{prox})]`, the training error :math:`P(y\,\mathrm{prox} < 0)` (classification), the
norm :math:`\sqrt q`, all six order parameters, the training energy per weight
:math:`\alpha\,\mathbb E[\ell] + \lambda q/2` and :math:`\Phi` at the saddle (``free_energy``), which must equal it
(the zero-temperature free energy is the minimal energy; a check of the derivation).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from .errors import ParameterError
from .models.losses import LOSSES, RidgePenalty
from .models.teacher import BAYES_PRIORS, Delta, LinearTeacher, NoisySignTeacher, SignTeacher, eta
from .report import Report
from .solvers import Status
from .symbolic.codegen import gauss_hermite, layered_rule, numeric_modules, stable_tail_ratios

__all__ = ["ERMDerivation", "derive_erm", "erm_point", "erm_curve", "solve_erm", "optimal_lambda",
           "interpolation_threshold", "CHANNELS"]

#: Symbols of the derivation.
m, q, V, m_hat, q_hat, V_hat = sp.symbols("m q V mhat qhat Vhat", real=True)
alpha, lam, rho = sp.symbols("alpha lambda rho", positive=True)
xi, y = sp.symbols("xi y", real=True)

#: Teacher channels of the ERM family and the symbol their ``noise`` parameter sets.
CHANNELS = {"sign": (SignTeacher, None), "noisy-sign": (NoisySignTeacher, eta), "linear": (LinearTeacher, Delta)}

#: Fixed-point iteration: tolerance on the relative change of (m, q, V), iteration limit, initial damping (halved for
#: a point whose change more than doubled, down to MIN_DAMPING), and the stall rule: a point whose change has not improved for
#: STALL iterations stops there, converged if the change is below ACCEPTED (the quadrature's rounding floor, reached
#: at extreme parameters such as lambda = 1e6), failed otherwise.
TOLERANCE = 1e-11
MAX_ITERATIONS = 20_000
DAMPING = 0.5
MIN_DAMPING = 1e-3
STALL = 1000
ACCEPTED = 1e-8
#: Quadrature nodes in the student's field xi and in the label noise.
XI_NODES = 121
NOISE_NODES = 41
#: Width of the label density's switch (in xi) below which the composite rule replaces Gauss–Hermite.
LAYER_WIDTH = 0.25


class Prox(sp.Function):
    r""":math:`\mathrm{prox}_{V\ell(y,\cdot)}(\omega)`: evaluated numerically by the loss part."""

    nargs = 3

    def _latex(self, printer):
        return r"\mathrm{prox}_{%s}\left(%s; %s\right)" % tuple(printer._print(a) for a in
                                                               (self.args[2], self.args[0], self.args[1]))


class Moreau(sp.Function):
    r""":math:`\mathcal M_V(y, \omega) = \min_z[(z - \omega)^2/2V + \ell(y, z)]`, differentiated through its
    minimiser (the derivatives hold for any convex loss, smooth or not)."""

    nargs = 3

    def fdiff(self, argindex=1):
        label, point, scale = self.args
        proximal = Prox(label, point, scale)
        if argindex == 2:
            return (point - proximal) / scale
        if argindex == 3:
            return -(proximal - point) ** 2 / (2 * scale**2)
        raise sp.ArgumentIndexError(self, argindex)

    def _latex(self, printer):
        return r"\mathcal{M}_{%s}\left(%s; %s\right)" % tuple(printer._print(a) for a in
                                                              (self.args[2], self.args[0], self.args[1]))


class TeacherMean(sp.Expr):
    r""":math:`\mathbb E_{\xi, y}[F]` over :math:`\xi \sim \mathcal N(0, 1)` and :math:`y \sim Z^*(y; m\xi/\sqrt q,
    \rho - m^2/q)`, kept symbolic; a derivative in a parameter of the measure adds the score
    :math:`F\,\partial\ln Z^*`."""

    is_commutative = True

    def __new__(cls, integrand, log_density):
        integrand = sp.sympify(integrand)
        if integrand == 0:
            return sp.S.Zero
        return sp.Expr.__new__(cls, integrand, log_density)

    @property
    def integrand(self):
        return self.args[0]

    @property
    def log_density(self):
        return self.args[1]

    @property
    def free_symbols(self):
        return (self.integrand.free_symbols | self.log_density.free_symbols) - {xi, y}

    def _eval_derivative(self, symbol):
        return TeacherMean(sp.diff(self.integrand, symbol) + self.integrand * sp.diff(self.log_density, symbol),
                           self.log_density)

    def _latex(self, printer):
        return r"\mathbb{E}_{\xi, y}\left[%s\right]" % printer._print(self.integrand)

    def _sympystr(self, printer):
        return "E_xi,y[%s]" % printer._print(self.integrand)


@dataclass(frozen=True)
class ERMDerivation:
    """The derived zero-temperature free energy and its stationarity conditions.

    Attributes
    ----------
    free_energy : sympy expression
        :math:`\\Phi(m, q, V, \\hat m, \\hat q, \\hat V)`.
    conjugates : dict
        :math:`\\hat m, \\hat q, \\hat V` as expectations (the channel's equations).
    overlaps : dict
        :math:`m, q, V` in terms of the conjugates (the regulariser's equations).
    log_density : sympy expression
        :math:`\\ln Z^*(y; m\\xi/\\sqrt q, \\rho - m^2/q)`.
    """

    loss: str
    channel: str
    free_energy: sp.Expr
    conjugates: dict
    overlaps: dict
    log_density: sp.Expr

    def latex(self) -> str:
        lines = [f"% ERM, {self.loss} loss, l2 penalty, {self.channel} teacher",
                 r"\Phi = " + sp.latex(self.free_energy)]
        lines += [f"{sp.latex(k)} = {sp.latex(v)}" for k, v in (*self.conjugates.items(), *self.overlaps.items())]
        return "\n".join(lines)


@lru_cache(maxsize=None)
def derive_erm(loss: str, channel: str) -> ERMDerivation:
    """Assemble :math:`\\Phi` for ``loss`` (:data:`~replica.models.losses.LOSSES`) with the :math:`\\ell_2` penalty
    and the teacher ``channel`` (:data:`CHANNELS`), and solve its stationarity conditions for the conjugates and the
    overlaps."""
    _check_names(loss, channel)
    teacher, _ = CHANNELS[channel]
    omega_star, variance_star = m * xi / sp.sqrt(q), rho - m**2 / q
    log_density = teacher().label_log_partition(y, omega_star, variance_star)
    envelope = TeacherMean(Moreau(y, sp.sqrt(q) * xi, V), log_density)
    phi = (m * m_hat - q * V_hat / 2 + V * q_hat / 2
           - RidgePenalty().entropic_term(m_hat, q_hat, V_hat, rho, lam) + alpha * envelope)
    conjugates = {m_hat: _linear_root(sp.diff(phi, m), m_hat), V_hat: _linear_root(sp.diff(phi, q), V_hat),
                  q_hat: _linear_root(sp.diff(phi, V), q_hat)}
    overlaps = {m: _linear_root(sp.diff(phi, m_hat), m), V: _linear_root(sp.diff(phi, q_hat), V),
                q: _linear_root(sp.diff(phi, V_hat), q)}
    return ERMDerivation(loss, channel, phi, conjugates, overlaps, log_density)


def _linear_root(equation, unknown):
    """The root of ``equation = 0`` in ``unknown``, in which it is linear (the expectations left as they are)."""
    slope = sp.diff(equation, unknown)
    if slope.has(unknown) or slope == 0:
        raise ParameterError("loss", f"the stationarity condition is not linear in {unknown}: {equation}")
    return sp.simplify(-equation.subs(unknown, 0) / slope)


def _check_names(loss: str, channel: str) -> None:
    if loss not in LOSSES:
        raise ParameterError("loss", f"must be one of {', '.join(LOSSES)}; got {loss!r}")
    if channel not in CHANNELS:
        raise ParameterError("channel", f"must be one of {', '.join(CHANNELS)}; got {channel!r}")


class _Compiled:
    """The derived expectations compiled against one loss: their integrands, the label rule and the measure."""

    def __init__(self, loss: str, channel: str):
        derivation = derive_erm(loss, channel)
        self.loss, self.channel = LOSSES[loss](), channel
        self.classification = channel != "linear"
        if self.loss.needs_sign_labels and not self.classification:
            raise ParameterError("loss", f"the {loss} loss needs labels +-1; the {channel} channel's are real "
                                         "(use square or absolute)")
        modules = numeric_modules()
        arguments = (y, xi, m, q, V, alpha, Delta, eta)
        # the envelope and its minimiser enter only at (y, sqrt(q) xi, V): computed once per iteration and passed in
        proximal, envelope = sp.symbols("proximal envelope", real=True)
        at_node = {Prox(y, sp.sqrt(q) * xi, V): proximal, Moreau(y, sp.sqrt(q) * xi, V): envelope}
        self.integrands = {}
        for hat, expression in derivation.conjugates.items():
            mean = [t for t in sp.preorder_traversal(expression) if isinstance(t, TeacherMean)]
            factor = sp.simplify(expression / mean[0])
            integrand = stable_tail_ratios(mean[0].integrand.subs(rho, 1)).xreplace(at_node)
            if integrand.has(Prox) or integrand.has(Moreau):
                raise ParameterError("loss", f"the {hat} equation evaluates the envelope away from the quadrature node")
            self.integrands[hat] = (sp.lambdify(arguments + (proximal, envelope), integrand, modules),
                                    sp.lambdify((alpha, V), factor, modules))
        self.density = sp.lambdify(arguments, sp.exp(stable_tail_ratios(derivation.log_density)).subs(rho, 1),
                                   modules)
        self.overlaps = {k: sp.lambdify((m_hat, q_hat, V_hat, lam), v.subs(rho, 1), modules)
                         for k, v in derivation.overlaps.items()}

    def nodes(self, m_, q_, params):
        """Quadrature nodes ``(labels, xi, weights)`` broadcast to (points, xi nodes, label nodes)."""
        xs, wx = gauss_hermite(XI_NODES)
        xs, wx = xs[None, :, None], wx[None, :, None]
        if self.classification:
            # the label density H(-y m xi / sqrt(q V*)) switches over a width sqrt(q V*)/|m| around xi = 0, which
            # shrinks as m^2 -> q (large loads): below LAYER_WIDTH a composite rule with panels at that scale
            width = np.sqrt(np.maximum(q_ - m_**2, 0)) / np.maximum(np.abs(m_), 1e-300)
            if np.min(width) < LAYER_WIDTH:
                layered, lw = layered_rule([np.zeros(m_.shape)], [width], XI_NODES)
                xs, wx = layered[:, :, None], lw[:, :, None]
            labels = np.array([1.0, -1.0])[None, None, :]
            weights = wx * self.density(labels, xs, m_[:, None, None], q_[:, None, None], 0.0, 0.0, 0.0,
                                        params["eta"])
        else:
            m_, q_ = m_[:, None, None], q_[:, None, None]
            noise, wn = gauss_hermite(NOISE_NODES)
            spread = np.sqrt(np.maximum(1 - m_**2 / q_, 0) + params["Delta"])
            labels = m_ * xs / np.sqrt(q_) + spread * noise[None, None, :]
            weights = wx * wn[None, None, :]
        return labels, xs, weights


@lru_cache(maxsize=None)
def _compiled(loss: str, channel: str) -> _Compiled:
    return _Compiled(loss, channel)


def _means(compiled: _Compiled, state, loads, params):
    """The conjugates (m̂, q̂, V̂) at ``state = (m, q, V)`` for every load."""
    m_, q_, v_ = state
    labels, xs, weights = compiled.nodes(m_, q_, params)
    points = np.sqrt(q_)[:, None, None] * xs
    scale = np.broadcast_to(v_[:, None, None], np.broadcast_shapes(labels.shape, points.shape))
    with np.errstate(all="ignore"):
        proximal = compiled.loss.prox(labels, points, scale)
        envelope = compiled.loss.moreau(labels, points, scale, proximal)
        args = (labels, xs, m_[:, None, None], q_[:, None, None], v_[:, None, None], loads[:, None, None],
                params["Delta"], params["eta"], proximal, envelope)
        return {hat: factor(loads, v_) * np.sum(weights * integrand(*args), axis=(1, 2))
                for hat, (integrand, factor) in compiled.integrands.items()}


def _observables(compiled: _Compiled, state, params) -> dict:
    """Generalisation error, training loss and error, norm at the fixed point."""
    m_, q_, v_ = state
    labels, xs, weights = compiled.nodes(m_, q_, params)
    points = np.sqrt(q_)[:, None, None] * xs
    scale = np.broadcast_to(v_[:, None, None], points.shape)
    proximal = compiled.loss.prox(labels, points, scale)
    envelope = compiled.loss.moreau(labels, points, scale, proximal)
    out = {"train_loss": np.sum(weights * compiled.loss.value(labels, proximal), axis=(1, 2)),
           "moreau_mean": np.sum(weights * envelope, axis=(1, 2))}
    if compiled.classification:
        out["train_error"] = _training_error(compiled, m_, q_, v_, params)
        out["gen_error"] = np.arccos(np.clip(m_ / np.sqrt(q_), -1, 1)) / np.pi
    else:
        out["gen_error"] = 1 - 2 * m_ + q_ + params["Delta"]
    return out


#: Gauss–Legendre nodes of the training error's half-line integrals, and where the Gaussian tail is cut.
HALF_LINE_NODES = 400
GAUSSIAN_CUT = 12.0


def _training_error(compiled: _Compiled, m_, q_, v_, params):
    r""":math:`P(y\,\mathrm{prox} < 0)`, the fraction of training labels the estimator gets wrong.

    The indicator is discontinuous in :math:`\xi`, which Gauss–Hermite resolves only to :math:`O(1/n)` (at
    :math:`\alpha = 3`, logistic, it gave 0.0061 where the integral is 0.0110). The prox is non-decreasing in
    :math:`\omega`, and :math:`\mathrm{prox}(y, \omega_0) = 0` at :math:`\omega_0 = V\partial_z\ell(y, 0)`, so the
    error region is the half-line :math:`y\sqrt q\,\xi < y\,\omega_0`: integrated there with Gauss–Legendre."""
    nodes, weights = np.polynomial.legendre.leggauss(HALF_LINE_NODES)
    total = np.zeros(m_.shape)
    for label in (1.0, -1.0):
        bound = v_ * compiled.loss.derivative(label, 0.0) / np.sqrt(q_)
        low, high = (-GAUSSIAN_CUT, np.minimum(bound, GAUSSIAN_CUT)) if label > 0 else \
            (np.maximum(bound, -GAUSSIAN_CUT), GAUSSIAN_CUT)
        low, high = np.broadcast_arrays(low, high)
        half = np.maximum(high - low, 0)[:, None] / 2
        xs = (low + high)[:, None] / 2 + half * nodes[None, :]
        density = compiled.density(label, xs, m_[:, None], q_[:, None], 0.0, 0.0, 0.0, params["eta"])
        total += np.sum(half * weights[None, :] * np.exp(-xs**2 / 2) / math.sqrt(2 * math.pi) * density, axis=1)
    return total


def erm_point(loss: str, loads, lambdas, *, channel: str = "sign", noise: float = 0.0) -> dict:
    """Solve the fixed point at every (load, lambda) pair (broadcast), returning arrays of every quantity and a
    status per point (:class:`~replica.solvers.Status`)."""
    _check_names(loss, channel)
    loads, lambdas = (np.asarray(a, float) for a in np.broadcast_arrays(np.asarray(loads, float),
                                                                          np.asarray(lambdas, float)))
    shape = loads.shape
    loads, lambdas = loads.ravel(), lambdas.ravel()
    params = {"Delta": noise if channel == "linear" else 0.0, "eta": noise if channel == "noisy-sign" else 0.0}
    compiled = _compiled(loss, channel)
    state = (np.full(loads.shape, 0.5), np.full(loads.shape, 1.0), np.full(loads.shape, 1.0))
    done = np.zeros(loads.shape, bool)
    iterations = np.zeros(loads.shape, int)
    change, best, since_best = (np.full(loads.shape, np.inf), np.full(loads.shape, np.inf),
                                np.zeros(loads.shape, int))
    damping = np.full(loads.shape, DAMPING)
    for iteration in range(1, MAX_ITERATIONS + 1):
        active = np.flatnonzero(~done)  # converged points are left as they are
        current = tuple(x[active] for x in state)
        hats = _means(compiled, current, loads[active], params)
        new = tuple(compiled.overlaps[name](hats[m_hat], hats[q_hat], hats[V_hat], lambdas[active])
                    for name in (m, q, V))
        step = damping[active]
        new = tuple(step * n + (1 - step) * old for n, old in zip(new, current))
        previous = change[active]
        change[active] = np.maximum.reduce([np.abs(n - o) / (1e-12 + np.abs(o)) for n, o in zip(new, current)])
        damping[active] = np.where(change[active] > 2 * previous, np.maximum(step / 2, MIN_DAMPING), step)
        improved = change[active] < best[active]
        best[active] = np.where(improved, change[active], best[active])
        since_best[active] = np.where(improved, 0, since_best[active] + 1)
        iterations[active] = iteration
        for x, value in zip(state, (new[0], np.maximum(new[1], new[0] ** 2 * (1 + 1e-15)), new[2])):
            x[active] = value  # |m| <= sqrt(q), so that V* = rho - m^2/q >= 0
        done[active] = ((change[active] < TOLERANCE) | ~np.isfinite(change[active])
                        | (since_best[active] >= STALL))
        if done.all():
            break
    hats = _means(compiled, state, loads, params)
    converged = np.isfinite(change) & ((change < TOLERANCE) | (best < ACCEPTED) & (change < ACCEPTED))
    status = np.where(converged, int(Status.SUCCESS),
                      np.where(np.isfinite(change), int(Status.MAX_ITERATIONS), int(Status.NONFINITE)))
    values = {"m": state[0], "q": state[1], "V": state[2], "m_hat": hats[m_hat], "q_hat": hats[q_hat],
              "V_hat": hats[V_hat], **_observables(compiled, state, params)}
    values["norm"] = np.sqrt(state[1])
    values["training_energy"] = loads * values["train_loss"] + lambdas * state[1] / 2
    # Phi at the saddle (the derived free energy); it equals the training energy per weight at zero temperature
    values["free_energy"] = (state[0] * values["m_hat"] - state[1] * values["V_hat"] / 2
                             + state[2] * values["q_hat"] / 2
                             - RidgePenalty().entropic_term(values["m_hat"], values["q_hat"], values["V_hat"], 1.0,
                                                            lambdas)
                             + loads * values.pop("moreau_mean"))
    values = {k: np.asarray(v).reshape(shape) for k, v in values.items()}
    values.update(status=status.reshape(shape), iterations=iterations.reshape(shape),
                  change=change.reshape(shape))
    return values


def erm_curve(loss: str, loads, *, lambda_: float = 0.1, channel: str = "sign", noise: float = 0.0):
    """The learning curve over ``loads`` at one regularisation, as a pandas DataFrame (one row per load)."""
    import pandas as pd

    values = erm_point(loss, np.ravel(loads), lambda_, channel=channel, noise=noise)
    frame = pd.DataFrame({"alpha": np.ravel(loads), **{k: np.ravel(v) for k, v in values.items()}})
    frame["status"] = [Status(int(s)).name.lower() for s in frame.status]
    return frame


#: Penalties at which the lambda -> 0+ limit is read off, and the relative agreement that certifies it (the
#: approach is linear in lambda: the value at 1e-7 is then within about a tenth of that of the limit).
VANISHING_PENALTIES = (1e-5, 1e-6, 1e-7)
LIMIT_TOLERANCE = 1e-4


def _vanishing_penalty(loss, alpha, channel, noise):
    r"""The :math:`\lambda \to 0^+` limit: the fixed point at :data:`VANISHING_PENALTIES`, accepted when the last two
    agree in :math:`m` and :math:`q` to :data:`LIMIT_TOLERANCE` (the hinge loss on separable data: the max-margin
    classifier; the square loss: least squares, or below :math:`\alpha = 1` the minimum-norm interpolator).
    Returns ``(point, note)``, the point ``None`` where the limit does not exist (the norm diverges)."""
    points = erm_point(loss, alpha, VANISHING_PENALTIES, channel=channel, noise=noise)  # one vectorised solve
    if not (points["status"] == Status.SUCCESS).all():
        return None, ("lambda = 0: no lambda -> 0+ limit reached: the fixed point does not converge at small "
                      "lambda; use a small positive lambda")
    last = {name: value[-1] for name, value in points.items()}
    drift = max(abs(float(last[k]) - float(points[k][-2])) / max(abs(float(last[k])), 1e-300) for k in ("m", "q"))
    if drift > LIMIT_TOLERANCE:
        return None, (f"lambda = 0: no lambda -> 0+ limit reached: between lambda = {VANISHING_PENALTIES[-2]:g} "
                      f"and {VANISHING_PENALTIES[-1]:g} the overlaps still move by {drift:.2g} (the norm diverges, as "
                      "for the logistic loss on separable data, or the approach is slow, as near the interpolation "
                      "threshold); use a small positive lambda")
    return last, (f"lambda = 0 as the lambda -> 0+ limit (the fixed point at lambda = {VANISHING_PENALTIES[-1]:g} "
                  f"agrees with lambda = {VANISHING_PENALTIES[-2]:g} to {drift:.1g})")


def interpolation_threshold(noise: float) -> float:
    r"""The load :math:`\alpha_{sep}` above which labels flipped with probability ``noise`` stop being linearly
    separable (by any student), from Gardner's volume at zero margin with a teacher.

    A student at overlap :math:`R` with the teacher has fields :math:`h = Rz^* + \sqrt{1 - R^2}\,u` on a pattern
    whose teacher field is :math:`z^*` (:math:`u` independent); in the :math:`q \to 1` limit of Gardner's volume
    (Gardner 1988) the entropy at that overlap, :math:`(1 - R^2)/2(1 - q)`, balances the energy
    :math:`\alpha\,\mathbb E[\min(0, yh)^2]/2(1 - q)`, so the largest separable load at overlap :math:`R` is
    :math:`(1 - R^2)/\mathbb E[\min(0, yh)^2]` and :math:`\alpha_{sep}` is its maximum over :math:`R` (at
    ``noise`` 1/2, :math:`R = 0`: Cover's 2). The inner mean over :math:`u` is closed form,
    :math:`t^2[(1 + a^2)\Phi(-a) - a\varphi(a)]` with :math:`t = \sqrt{1 - R^2}`, :math:`a = yRz^*/t`; the mean over
    :math:`z^*` is Gauss–Hermite, the maximum over :math:`R` bounded Brent. Noiseless labels are separable at every
    load (``inf``). It is where the hinge loss's :math:`\lambda \to 0^+` limit stops being the max-margin classifier
    and where the unregularised logistic estimator starts to exist.
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import ndtr

    if not 0 <= noise < 0.5:
        raise ParameterError("noise", f"the flip probability must lie in [0, 0.5); got {noise:g}")
    if noise == 0:
        return math.inf
    nodes, weights = gauss_hermite(XI_NODES)

    def excess(overlap):
        spread = math.sqrt(1 - overlap**2)
        total = 0.0
        for flip, probability in ((1.0, 1 - noise), (-1.0, noise)):
            a = flip * np.abs(nodes) * overlap / spread  # y z* = flip |z*| for y = flip sign(z*)
            total += probability * np.sum(weights * spread**2 * ((1 + a**2) * ndtr(-a)
                                                                  - a * np.exp(-a**2 / 2) / math.sqrt(2 * math.pi)))
        return total

    best = minimize_scalar(lambda overlap: excess(overlap) / (1 - overlap**2), bounds=(0.0, 1 - 1e-9),
                           method="bounded", options={"xatol": 1e-12})
    return 1 / float(best.fun)


def optimal_lambda(loss: str, alpha: float, *, channel: str = "sign", noise: float = 0.0,
                   bounds=(1e-6, 1e3)) -> dict:
    r"""The :math:`\lambda` minimising the generalisation error at one load (bounded Brent in :math:`\ln\lambda`),
    with the error there; an optimum at an end of ``bounds`` is reported as such (``at_bound``)."""
    from scipy.optimize import minimize_scalar

    def error(log_lam):
        point = erm_point(loss, alpha, math.exp(log_lam), channel=channel, noise=noise)
        return float(point["gen_error"]) if point["status"] == Status.SUCCESS else np.inf

    low, high = math.log(bounds[0]), math.log(bounds[1])
    result = minimize_scalar(error, bounds=(low, high), method="bounded", options={"xatol": 1e-4})
    best = math.exp(result.x)
    return {"lambda": best, "gen_error": float(result.fun),
            "at_bound": bool(result.x - low < 1e-3 or high - result.x < 1e-3)}


def solve_erm(loss: str = "logistic", alpha: float = 2.0, lambda_: float = 0.1, *, teacher: str = "gaussian",
              channel: str = "sign", noise: float = 0.0) -> Report:
    """ERM learning curve at one (α, λ): errors, training loss, overlaps, conjugates, norm, and the Bayes-optimal
    error of the same teacher (:func:`replica.glm.solve_glm`) beside it."""
    from .glm import solve_glm

    if teacher not in BAYES_PRIORS or teacher == "gauss-bernoulli":
        raise ParameterError("teacher", f"must be gaussian or rademacher; got {teacher!r}")
    if channel == "sign" and not noise < 0.5:
        raise ParameterError("noise", f"the flip probability of the sign channel must lie in [0, 0.5); got {noise:g}")
    if channel == "sign" and noise > 0:
        channel = "noisy-sign"
    params = {"loss": loss, "alpha": alpha, "lambda": lambda_, "teacher": teacher, "channel": channel,
              "noise": noise}
    notes = []
    if lambda_ == 0:
        point, limit_note = _vanishing_penalty(loss, alpha, channel, noise)
        if point is None:
            return Report("erm", params, {}, "failure", limit_note)
        notes.append(limit_note)
    else:
        point = erm_point(loss, alpha, lambda_, channel=channel, noise=noise)
    quantities = {k: float(v) for k, v in point.items() if k not in ("status", "iterations", "change")}
    status = Status(int(point["status"]))
    if status != Status.SUCCESS:
        return Report("erm", params, quantities, "failure",
                      f"the ERM fixed point did not converge: {status.message} (relative change "
                      f"{float(point['change']):.2g} after {int(point['iterations'])} iterations)")
    if channel != "linear":  # a fresh noisy label disagrees with the prediction: flips of right and wrong signs
        quantities["label_error"] = noise + (1 - 2 * noise) * quantities["gen_error"]
        quantities["interpolation_threshold"] = interpolation_threshold(noise)
    if lambda_ == 0 and loss == "hinge" and quantities["train_loss"] < 1e-9:
        quantities["margin"] = 1 / math.sqrt(quantities["q"])  # max-margin: y x.w/sqrt(N) >= 1 with |w|^2 = N q
    bayes_parts = {"Delta": noise} if channel == "linear" else {"eta": noise} if channel == "noisy-sign" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bayes = (solve_glm(teacher, channel, alpha, **bayes_parts) if channel != "linear" or noise > 0 else None)
    if bayes is not None and bayes.status != "failure" and "gen_error" in bayes.quantities:
        quantities["bayes_optimal_gen_error"] = float(bayes.quantities["gen_error"])
    else:
        notes.append("no Bayes-optimal error beside it (the noiseless linear channel is not a Bayes model here)")
    quantities["iterations"] = int(point["iterations"])
    return Report("erm", params, quantities, "success", "; ".join(notes) or "ok")
