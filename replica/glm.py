r"""Bayes-optimal teacher–student GLMs: errors, branches and phase transitions (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019).

Models are built from a named prior and channel (:data:`~replica.models.teacher.BAYES_PRIORS`,
:data:`~replica.models.teacher.TEACHER_CHANNELS`); the engine derives the Nishimori potential
:math:`f(q, \hat q) = \psi_P(\hat q) - q\hat q/2 + \alpha\Psi_{out}(q)` and its saddle-point equations
(Barbier, Krzakala, Macris, Miolane & Zdeborová 2019). At a load every fixed point is found
(:meth:`replica.theory.Theory.fixed_points`; for priors with discrete support also perfect recovery
:math:`q = \rho`), and

* the **Bayes-optimal** (information-theoretic) overlap is the stable fixed point of largest potential;
* the **algorithmic** (AMP / state-evolution) overlap is the smallest stable fixed point, the one reached from an
  uninformative start.

Transitions along :math:`\alpha`: where two stable branches coexist, :math:`\alpha_{alg}` is the spinodal where
the uninformative branch disappears (the two lower fixed points merge: :math:`\min_q [G(q) - q] = 0`) and
:math:`\alpha_{IT}` the load where its potential equals the informative branch's (first order). For the Rademacher prior and the sign channel they
are 1.2447 and 1.493 (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import sympy as sp

from .errors import ParameterError, ReplicaError
from .models import Model
from .models.teacher import BAYES_PRIORS, TEACHER_CHANNELS
from .report import Report
from .solvers import Status
from .solvers.transitions import crossing, spinodal
from .symbolic.codegen import compile_expression
from .symbolic.symbols import q as q_symbol
from .theory import theory

__all__ = ["glm_model", "GLMPoint", "glm_point", "glm_curve", "solve_glm", "glm_transitions"]

#: Smallest and largest loads searched for transitions.
ALPHA_RANGE = (0.05, 20.0)
#: Absolute tolerance of the Brent searches for the transition loads.
LOAD_TOLERANCE = 1e-12


@lru_cache(maxsize=None)
def glm_model(prior: str, channel: str) -> Model:
    """The Bayes-optimal model with the named prior and channel (``gaussian``/``rademacher``, ``sign``/``linear``)."""
    if prior not in BAYES_PRIORS:
        raise ParameterError("prior", f"must be one of {', '.join(BAYES_PRIORS)}; got {prior!r}")
    if channel not in TEACHER_CHANNELS:
        raise ParameterError("channel", f"must be one of {', '.join(TEACHER_CHANNELS)}; got {channel!r}")
    return Model(name=f"glm-{prior}-{channel}",
                 summary=f"Bayes-optimal teacher-student GLM, {prior} prior, {channel} channel",
                 reference="J. Barbier, F. Krzakala, N. Macris, L. Miolane & L. Zdeborova, PNAS 116, 5451 (2019)",
                 prior=BAYES_PRIORS[prior](), channel=TEACHER_CHANNELS[channel]())


@dataclass(frozen=True)
class GLMPoint:
    """All fixed points at one load and the two that matter.

    Attributes
    ----------
    alpha : float
    fixed_points : list of dict
        Each with ``q``, ``q_hat``, ``free_entropy``, ``stable``, ``status`` (perfect recovery has
        ``q_hat = inf``).
    equilibrium, algorithmic : dict or None
        The Bayes-optimal fixed point (largest potential among stable ones) and the one state evolution reaches
        from an uninformative start (smallest stable one).
    """

    alpha: float
    fixed_points: list
    equilibrium: dict | None
    algorithmic: dict | None


def glm_point(model: Model, alpha: float, **params) -> GLMPoint:
    """Every fixed point of a Bayes-optimal model at load ``alpha``, with the equilibrium and algorithmic ones."""
    return _classify(model, float(alpha), theory(model).fixed_points(alpha, **params))


def _stable(points: list) -> list:
    """The stable fixed points whose solve was certified."""
    return [p for p in points if p["stable"] and p["status"] == Status.SUCCESS]


def _classify(model: Model, alpha: float, points: list) -> GLMPoint:
    prior = model.prior
    if prior.perfect_recovery_fixed_point and model.channel.noiseless:
        # an upper-edge point is replaced by the exact perfect-recovery point
        points = [p for p in points if p.get("edge") != "upper"]
        points.append({"q": float(prior.second_moment), "q_hat": np.inf,
                       "free_entropy": float(prior.perfect_recovery_entropy), "stable": True,
                       "status": Status.SUCCESS})
    stable = _stable(points)
    equilibrium = max(stable, key=lambda p: p["free_entropy"]) if stable else None
    algorithmic = min(stable, key=lambda p: p["q"]) if stable else None
    return GLMPoint(alpha, points, equilibrium, algorithmic)


def glm_curve(prior: str, channel: str, loads, **params):
    r"""Bayes-optimal and algorithmic quantities along a grid of loads, vectorised (one scan for all loads).

    Returns
    -------
    pandas.DataFrame
        Per load: ``alpha``, the Bayes-optimal ``overlap``, ``mmse``, ``gen_error``, ``mutual_information``,
        ``branch``, the AMP ``amp_overlap`` and ``amp_gen_error``, ``n_fixed_points`` and ``resolution_limited``
        (``nan`` quantities where no stable fixed point was certified; where the overlap is closer to
        :math:`\rho` than the scan resolves, ``overlap`` is a lower bound, ``mmse`` and ``gen_error`` upper bounds
        and the mutual information ``nan``; where it is below the scan's first point, the bounds are the other way
        round).
    """
    model = glm_model(prior, channel)
    checked = model.check_parameters(params)
    checked.pop("alpha", None)
    loads = np.atleast_1d(np.asarray(loads, dtype=float))
    for value in loads:
        model.check_parameters({"alpha": value})
    rows = []
    for load, points in zip(loads, theory(model).fixed_point_scan(loads, **checked)):
        point = _classify(model, float(load), points)
        row = {"alpha": float(load), "n_fixed_points": len(point.fixed_points)}
        if point.equilibrium is not None:
            row.update(_quantities(model, point.equilibrium, load, checked))
            row["branch"] = _branch(point)
            row["resolution_limited"] = bool(point.equilibrium.get("at_boundary", False))
            amp = _quantities(model, point.algorithmic, load, checked)
            row.update({"amp_overlap": amp["overlap"], "amp_gen_error": amp["gen_error"]})
        rows.append(row)
    return pd.DataFrame(rows)


def _branch(point: GLMPoint) -> str:
    """``perfect`` recovery, ``unique`` (the only stable fixed point), or, where stable branches coexist, the
    ``uninformative`` one (reached from an uninformative start) or an ``informative`` one."""
    if point.equilibrium.get("q_hat") == np.inf:
        return "perfect"
    if len(_stable(point.fixed_points)) == 1:
        return "unique"
    return "uninformative" if point.equilibrium is point.algorithmic else "informative"


@lru_cache(maxsize=None)
def _channel_functions(model: Model):
    """The channel's generalisation error (of q and the parameters) and noise entropy, compiled once."""
    names = tuple(spec.name for spec in model.parameters[1:])
    symbols = tuple(spec.symbol for spec in model.parameters[1:])
    error = compile_expression(model.channel.generalisation_error(q_symbol, model.prior.second_moment),
                               (q_symbol, *symbols))
    noise = sp.lambdify(symbols, model.channel.noise_entropy())
    return names, error, noise


def _quantities(model: Model, point: dict, alpha: float, params: dict) -> dict:
    r"""Overlap, MMSE, generalisation error, mutual information and free entropy at a fixed point.

    At a point reported at an edge of the scan (``at_boundary``: the true overlap is closer to :math:`\rho`, or to
    0, than the scan resolves) only bounds are known: the potential there is not the potential at the fixed point,
    so the mutual information and free entropy are ``nan`` (at :math:`\alpha = 10^6`, Gaussian prior and sign
    channel, the edge value would be 32.7 where :math:`\ln\alpha + c` gives about 14).
    """
    names, error, noise = _channel_functions(model)
    values = [params[name] for name in names]
    trusted = not point.get("at_boundary", False)
    return {
        "overlap": point["q"],
        "mmse": float(model.prior.second_moment) - point["q"],
        "gen_error": float(error(point["q"], *values)),
        "mutual_information": -point["free_entropy"] - alpha * float(noise(*values)) if trusted else np.nan,
        "free_entropy": point["free_entropy"] if trusted else np.nan,
    }


def solve_glm(prior: str, channel: str, alpha, **params) -> Report:
    r"""Bayes-optimal overlap, MMSE, generalisation error and mutual information per weight at load ``alpha``.

    Quantities: ``overlap``, ``mmse`` (:math:`\rho - q`), ``gen_error`` (see the channel's ``error_meaning``),
    ``mutual_information`` (per weight, :math:`-f - \alpha h(Y\mid\omega)`), ``branch`` (``perfect`` recovery,
    ``unique`` stable fixed point, or where stable branches coexist the ``uninformative`` start branch or an
    ``informative`` one), the algorithmic
    (AMP) values ``amp_overlap``/``amp_gen_error``, and ``n_fixed_points``. Status ``failure`` if no stable fixed
    point was certified; ``warning`` with ``overlap_lower_bound``, ``mmse_upper_bound`` and
    ``gen_error_upper_bound`` (and ``resolution_limited``) where the overlap is closer to :math:`\rho` than the
    scan resolves (:math:`1 - q < 10^{-9}`: the Gaussian prior with the sign channel beyond
    :math:`\alpha \approx 10^4`, where :math:`\varepsilon_g \approx 0.442/\alpha`, Opper & Haussler 1991).
    """
    model = glm_model(prior, channel)
    checked = model.check_parameters({"alpha": alpha, **params}, require_load=True)
    load = checked.pop("alpha")
    point = glm_point(model, load, **checked)
    if point.equilibrium is None:
        reason = ("; ".join(sorted({p["status"].message for p in point.fixed_points})) if point.fixed_points else
                  "the saddle-point equation has no sign change and no finite value at the ends of the scanned "
                  "overlaps (1e-9 to 1 - 1e-9), so no fixed point could be located")
        return Report("glm", {"prior": prior, "channel": channel, "alpha": load, **checked},
                      {"n_fixed_points": len(point.fixed_points)}, "failure",
                      "no stable fixed point converged: " + reason)
    quantities = _quantities(model, point.equilibrium, load, checked)
    eq, amp = point.equilibrium, point.algorithmic
    quantities["branch"] = _branch(point)
    amp_values = _quantities(model, amp, load, checked)
    quantities.update({"amp_overlap": amp_values["overlap"], "amp_gen_error": amp_values["gen_error"],
                       "n_fixed_points": len(point.fixed_points)})
    notes, status = [], "success"
    if eq is not amp:
        notes.append(f"hard phase: AMP from an uninformative start reaches q = {amp['q']:.6g}, the Bayes-optimal "
                     f"overlap is q = {eq['q']:.6g}")
    if eq.get("at_boundary"):  # only bounds are known: no point value a script could take for the answer
        status = "warning"
        upper = eq.get("edge") == "upper"  # the overlap grows the errors' bounds the other way
        kinds = ("lower", "upper") if upper else ("upper", "lower")
        quantities = {f"overlap_{kinds[0]}_bound": eq["q"], f"mmse_{kinds[1]}_bound": quantities["mmse"],
                      f"gen_error_{kinds[1]}_bound": quantities["gen_error"], "branch": quantities["branch"],
                      "n_fixed_points": quantities["n_fixed_points"], "resolution_limited": True}
        where = (f"within {float(model.prior.second_moment) - eq['q']:.1e} of rho" if upper
                 else f"below {eq['q']:.1e}")
        notes.append(f"the overlap is {where}, beyond the resolution of the scan: only bounds on the overlap, mmse "
                     "and gen_error are given, and the mutual information is not computed")
    message = "; ".join(notes) or "ok"
    return Report("glm", {"prior": prior, "channel": channel, "alpha": load, **checked},
                  quantities, status, message)


def _spinodal(th, low, high, params, xtol):
    """Largest load with the uninformative branch (:func:`replica.solvers.transitions.spinodal`), searched between
    the two merging roots of the last load that has it."""
    last = _classify(th.model, low, th.fixed_points(low, **params)).algorithmic
    span = (max(last["q"] / 2, 1e-6), min((1 + last["q"]) / 2, 1 - 1e-6))
    return spinodal(lambda x, a: th.fixed_point_residual(x, a, **params), low, high, span, xtol=xtol,
                    what="the spinodal alpha_alg (where the uninformative fixed point merges)")


def glm_transitions(prior: str, channel: str, *, n_nodes_check: bool = True, **params) -> Report:
    r"""The algorithmic (spinodal) and information-theoretic transitions along :math:`\alpha`.

    A scan of loads in :data:`ALPHA_RANGE` locates where two stable branches coexist (the uninformative one and
    an informative one: perfect recovery for discrete priors with a noiseless channel, or the largest stable
    fixed point); :math:`\alpha_{alg}` is then refined as the root of
    :math:`\min_q [G(q) - q]` and :math:`\alpha_{IT}` as the root of the potential difference (Brent, ``xtol``
    1e-12). With ``n_nodes_check`` both are recomputed with twice the quadrature nodes; their difference is
    reported as ``quadrature_difference``; ``trusted_digits`` counts the decimals left by the larger of that
    difference and :data:`LOAD_TOLERANCE` (the Brent tolerance on the loads, ten times over).

    Quantities ``alpha_it`` and ``alpha_alg`` are ``None`` (with ``transition: none``) when the model has a
    single branch at every load, e.g. the Gaussian prior with the sign channel, whose error decreases
    continuously.
    """
    model = glm_model(prior, channel)
    checked = model.check_parameters(params)
    checked.pop("alpha", None)
    values = _transitions(theory(model), checked)
    quantities = dict(values)
    message = "ok"
    if values["alpha_alg"] is None:
        quantities["transition"] = "none"
        message = "a single stable branch at every load scanned: no phase transition"
    elif n_nodes_check:
        fine = _transitions(theory(model, 2 * theory(model).n_nodes), checked)
        difference = max(abs(fine[k] - values[k]) for k in ("alpha_it", "alpha_alg"))
        quantities["quadrature_difference"] = difference
        quantities["trusted_digits"] = int(np.floor(-np.log10(max(difference, 10 * LOAD_TOLERANCE))))
        quantities["transition"] = "first order"
        message = (f"alpha_IT = {values['alpha_it']:.10f}, alpha_alg = {values['alpha_alg']:.10f}; doubling the "
                   f"quadrature changes them by {difference:.1e}")
    return Report("glm-transitions", {"prior": prior, "channel": channel, **checked},
                  quantities, "success", message)


def _highest(point: GLMPoint):
    stable = _stable(point.fixed_points)
    return max(stable, key=lambda p: p["q"]) if stable else None


def _transitions(th, params):
    """Coexistence of two stable branches along the load, its upper spinodal and the potential crossing."""
    model = th.model
    loads = np.geomspace(*ALPHA_RANGE, 80)
    points = [_classify(model, float(a), found) for a, found in zip(loads, th.fixed_point_scan(loads, **params))]
    coexist = np.array([p.algorithmic is not None and p.algorithmic is not _highest(p) for p in points])
    if not coexist.any():
        return {"alpha_it": None, "alpha_alg": None}
    first, last = int(np.flatnonzero(coexist)[0]), int(np.flatnonzero(coexist)[-1])
    if last == len(loads) - 1:
        raise ReplicaError(f"two stable branches coexist up to the largest load scanned ({loads[-1]:g}); "
                           "the spinodal is beyond the search range")
    alpha_alg = _spinodal(th, loads[last], loads[last + 1], params, LOAD_TOLERANCE)

    def gap(a):
        point = _classify(model, a, th.fixed_points(a, **params))
        return point.algorithmic["free_entropy"] - _highest(point)["free_entropy"]

    if gap(loads[first]) * gap(loads[last]) > 0:
        raise ReplicaError("the potentials of the two coexisting branches do not cross below the spinodal")
    alpha_it = crossing(gap, loads[first], loads[last], what="alpha_IT (equal potentials of the two branches)",
                        xtol=LOAD_TOLERANCE)
    return {"alpha_it": alpha_it, "alpha_alg": alpha_alg}
