r"""End-to-end verification of a model's capacity: theory, exact or certified finite-size experiment, comparison.

The theory value is the capacity :func:`replica.solve` reports (the :math:`q \to 1` load for the spherical
and sign-constrained perceptrons, Gardner 1988; the zero-entropy load for binary weights, Krauth & Mézard 1989). The
experiment gives per-instance critical loads at each size: by a certified search over prefixes with convex programs for
continuous weights (:func:`capacity.experiments.critical_loads`, with :math:`w \ge 0` for sign-constrained
weights), by exhaustive enumeration for binary weights
(:func:`capacity.experiments.binary_critical_loads`). Then the median per size with a distribution-free
interval, extrapolation in :math:`1/N`, and agreement when the theory value lies in the extrapolated interval.
For binary weights the accessible sizes are small (N <= 26) and the approach to the limit is slow, so the
per-size trend is as informative as the extrapolation.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd

from replica import RSInstabilityWarning, get_model, solve
from replica.errors import ParameterError, ReplicaError
from replica.models import GARDNER, ISING_PERCEPTRON, SIGN_PERCEPTRON
from replica.parameters import ParameterSpec

from ..compare import judge_critical_loads, plot_thresholds
from ..experiments import binary_critical_loads, critical_loads
from ..programs import available_solvers
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting

__all__ = ["verify", "DEFAULTS", "CHECKS", "MIN_PATTERNS_AT_CAPACITY"]

#: Fewest patterns a size must store at capacity for its critical load to be resolved (P* is an integer: below
#: this the 1/N lattice of (P* - 1/2)/N is as coarse as the quantity itself).
MIN_PATTERNS_AT_CAPACITY = 5

#: Default sizes and instances per size for each verifiable model.
DEFAULTS = {"gardner": ((25, 50, 100), 100), "ising-perceptron": ((12, 16, 20), 100),
            "sign-perceptron": ((25, 50, 100), 100)}


def verify(model: str = "gardner", kappa: float = 0.0, ns=None, trials: int | None = None, *, seed: int = 0,
           confidence: float = 0.95, solver: str | None = None, n_jobs: int = -1,
           progress: bool = True, store=None, resume: bool = False, scheduler: str | None = None) -> Verification:
    """Verify a perceptron's capacity against exact or certified finite-size experiments.

    Parameters
    ----------
    model : str
        ``"gardner"``, ``"sign-perceptron"`` (certified max-margin search, with :math:`w \\ge 0` for the latter)
        or ``"ising-perceptron"`` (exhaustive enumeration).
    kappa : float
        Margin in ``[0, 1e3]`` (for kappa < 0 the spherical problem is not convex and RS is unstable).
    ns : sequence of int, optional
        Sizes N, at least two different ones (defaults in :data:`DEFAULTS`).
    trials : int, optional
        Instances per size (defaults in :data:`DEFAULTS`).
    seed : int
        Seed of the experiment; instance ``t`` at size ``N`` is re-run alone from ``(N, seed, t)``.
    confidence : float
        Level of every interval.
    solver : str, optional
        ``"NNLS"`` (default; cvxpy's Clarabel as fallback) or a cvxpy solver name; unused by enumeration.
    n_jobs, progress, store, resume, scheduler
        How the instances run (:class:`~capacity.checks.base.Execution`): workers (``-1``: all cores), progress
        bar, a JSON-lines record of every finished instance (an interrupted run continues with ``resume=True``
        and loses nothing; sizes and trials may be extended on resume, model, margin, seed and solver must
        match), a Dask scheduler address.

    Returns
    -------
    Verification
        ``theory``: the capacity ``alpha_c`` and the theory's other quantities; ``estimate``: the extrapolated
        ``alpha_inf`` with its interval, the verdict and the doubtful instance count; ``tables``: ``per_size``
        (median critical load per N with its interval) and ``instances``. ``status``: ``failure`` if the theory
        value is outside the interval (or no interval), ``warning`` if they agree but some instance was doubtful.
    """
    spec = get_model(model)
    if spec.name not in DEFAULTS:
        raise ParameterError("model", f"verification is available for: {', '.join(DEFAULTS)}; got {spec.name!r}")
    default_sizes, default_trials = DEFAULTS[spec.name]
    execution = Execution(n_jobs=n_jobs, progress=progress, store=store, resume=resume, scheduler=scheduler)
    return _run(spec, kappa, default_sizes if ns is None else ns, default_trials if trials is None else trials,
                seed, solver, execution, confidence)


def _run(spec, kappa, ns, trials, seed, solver, execution: Execution, confidence: float = 0.95) -> Verification:
    kappa = KAPPA.check(kappa)
    ns = [int(n) for n in ns]
    if len(set(ns)) < 2:
        raise ParameterError("n", f"needs at least two different sizes N, to extrapolate to N -> inf (one size "
                                  f"cannot be extrapolated); got {list(ns)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RSInstabilityWarning)  # kappa >= 0: reported in the theory quantities
        report = solve(spec, kappa=kappa)
    if report.quantities.get("alpha_c") is None:
        raise ReplicaError(f"no theory value to verify: {report.message}")
    capacity = float(report.quantities["alpha_c"])
    if capacity * min(ns) < MIN_PATTERNS_AT_CAPACITY:
        smallest = math.ceil(MIN_PATTERNS_AT_CAPACITY / capacity)
        raise ParameterError("n", f"at kappa = {kappa:g} the capacity is {capacity:.4g} patterns per weight, so "
                                  f"N = {min(ns)} stores about {capacity * min(ns):.2g} patterns: too few to resolve "
                                  f"a critical load; use sizes N >= {smallest} ({MIN_PATTERNS_AT_CAPACITY} "
                                  "patterns at capacity)")
    method = "enumeration" if spec.prior.discrete else "certified convex programs"
    experiment = {"model": spec.name, "kappa": kappa, "seed": seed, "method": method, "solver": solver}
    with execution.ensemble(experiment) as ensemble:
        if spec.prior.discrete:
            frame = binary_critical_loads(ns, trials, kappa=kappa, seed=seed, **ensemble.options())
        else:
            frame = critical_loads(ns, trials, kappa=kappa, seed=seed, solver=solver,
                                   nonnegative=spec.prior.nonnegative, **ensemble.options())
    judged = judge_critical_loads(frame, capacity, confidence=confidence)
    params = {"kappa": kappa, "n": ns, "trials": int(trials), "seed": int(seed), "solver": solver}
    per_size = pd.DataFrame([e.to_dict() for e in judged.estimates])
    title = (f"{spec.name}, kappa = {kappa:g}: {trials} instances at each N = {', '.join(map(str, ns))} "
             f"(seed {seed})")
    return Verification(
        spec.name, params, {"alpha_c": capacity, **{k: v for k, v in report.quantities.items() if k != "alpha_c"}},
        judged.estimate, {"per_size": per_size, "instances": frame}, judged.status, judged.message,
        figure=lambda: plot_thresholds(judged.estimates, judged.extrapolation, capacity, title=title))


KAPPA = ParameterSpec("kappa", "margin", default=0.0, low=0.0, high=1e3,
                      note="kappa < 0 is not a convex problem, and RS is unstable there")


def _check(model):
    sizes, trials = DEFAULTS[model.name]

    def run(kappa=0.0, n=sizes, trials=trials, seed=0, solver="NNLS", execution=None):
        return _run(model, kappa, n, trials, seed, None if model.prior.discrete else solver,
                    execution or Execution())

    settings = [ParameterSpec("n", "sizes N (at least two)", default=sizes, low=1, high=100_000, kind="list",
                              item="integer"),
                trials_setting(trials, low=1), seed_setting()]
    if not model.prior.discrete:  # enumeration solves no program
        settings.append(solver_setting(available_solvers(), "NNLS"))
    how = ("exhaustive enumeration of the weights" if model.prior.discrete else
           "certified max-margin search over prefixes (convex programs)")
    smoke = {"n": (8, 10), "trials": 10} if model.prior.discrete else {"n": (10, 20), "trials": 10}
    return Check(model.name, f"capacity against per-instance critical loads by {how}, extrapolated in 1/N",
                 (KAPPA,), tuple(settings), run, smoke=smoke, figure=True)


CHECKS = tuple(_check(model) for model in (GARDNER, ISING_PERCEPTRON, SIGN_PERCEPTRON))
