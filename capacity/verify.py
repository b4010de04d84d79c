r"""End-to-end verification of a model's capacity: theory, exact or certified finite-size experiment, comparison.

The theory value is the capacity :func:`replica.solve` reports (the :math:`q \to 1` load for the spherical
and sign-constrained perceptrons, Gardner 1988; the zero-entropy load for binary weights, Krauth & Mézard 1989). The
experiment gives per-instance critical loads at each size: by certified bisection with convex programs for
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
from dataclasses import dataclass

import pandas as pd

from replica import RSInstabilityWarning, get_model, solve
from replica.errors import ParameterError, ReplicaError
from replica.serialization import json_safe
from replica.validation import check_real

from .compare import Comparison, compare, plot_thresholds
from .estimates import Extrapolation, ThresholdEstimate, extrapolate, threshold_estimates
from .experiments import binary_critical_loads, critical_loads
from .store import TrialStore

__all__ = ["Verification", "verify", "DEFAULTS"]

#: Fewest patterns a size must store at capacity for its critical load to be resolved (P* is an integer: below
#: this the 1/N lattice of (P* - 1/2)/N is as coarse as the quantity itself).
MIN_PATTERNS_AT_CAPACITY = 5

#: Default sizes and instances per size for each verifiable model.
DEFAULTS = {"gardner": ((25, 50, 100), 100), "ising-perceptron": ((12, 16, 20), 100),
            "sign-perceptron": ((25, 50, 100), 100)}


@dataclass(frozen=True)
class Verification:
    """Outcome of a verification run: inputs, raw trials, per-size estimates, extrapolation, comparison."""

    model: str
    params: dict
    theory: float
    theory_quantities: dict
    trials: pd.DataFrame
    estimates: list
    extrapolation: Extrapolation
    comparison: Comparison

    @property
    def doubtful(self) -> int:
        """Instances whose critical load is unknown because a verdict could not be certified."""
        return int((self.trials.verdict == "doubtful").sum())

    @property
    def status(self) -> str:
        if not self.comparison.agree:
            return "failure"
        return "warning" if self.doubtful else "success"

    @property
    def message(self) -> str:
        c = self.comparison
        if c.verdict == "inconclusive":
            text = f"theory {c.quantity} = {c.theory:.6g}; no comparison: {self.extrapolation.method}"
        else:
            text = (f"theory {c.quantity} = {c.theory:.6g}; experiment {c.estimate:.4g} "
                    f"[{c.lower:.4g}, {c.upper:.4g}] ({c.confidence:.0%} CI): "
                    f"{'agree' if c.agree else 'DISAGREE'}")
        if self.doubtful:
            text += f"; {self.doubtful} instance(s) had a doubtful verdict and widen the interval"
        return text

    def to_dict(self) -> dict:
        return json_safe({
            "model": self.model,
            "params": self.params,
            "quantities": {"alpha_c_theory": self.theory,
                           "alpha_c_estimate": self.comparison.estimate,
                           "alpha_c_interval": [self.comparison.lower, self.comparison.upper],
                           "agree": self.comparison.agree},
            "theory": self.theory_quantities,
            "estimate": self.extrapolation.to_dict(),
            "per_size": [e.to_dict() for e in self.estimates],
            "comparison": self.comparison.to_dict(),
            "doubtful_instances": self.doubtful,
            "status": self.status,
            "message": self.message,
        })

    def plot(self):
        """Figure: per-size thresholds, the 1/N fit and the theory value, titled with the model, its parameters and
        the number of instances."""
        sizes = ", ".join(str(n) for n in self.params["n"])
        title = (f"{self.model}, kappa = {self.params['kappa']:g}: {self.params['trials']} instances at each "
                 f"N = {sizes} (seed {self.params['seed']})")
        return plot_thresholds(self.estimates, self.extrapolation, self.theory, title=title)


def verify(model: str = "gardner", kappa: float = 0.0, ns=None, trials: int | None = None, *, seed: int = 0,
           confidence: float = 0.95, solver: str | None = None, n_jobs: int = -1,
           progress: bool = True, store=None, resume: bool = False, scheduler: str | None = None) -> Verification:
    """Verify a model's capacity against exact or certified finite-size experiments.

    Parameters
    ----------
    model : str
        ``"gardner"``, ``"sign-perceptron"`` (certified max-margin bisection, with :math:`w \\ge 0` for the latter)
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
    n_jobs : int
        Parallel workers (``-1``: all cores).
    progress : bool
        Show a progress bar.
    store : str or Path, optional
        JSON-lines file recording every finished instance (:class:`capacity.store.TrialStore`); an interrupted
        run continues with ``resume=True`` and loses nothing, and re-running a finished sweep solves nothing.
        Sizes and trials may be extended on resume; model, margin, seed and solver must match.
    resume : bool
        Continue an existing ``store``.
    scheduler : str, optional
        Address of a Dask distributed scheduler to run the instances on (``n_jobs`` is then ignored).
    """
    spec = get_model(model)
    if spec.name not in DEFAULTS:
        raise ParameterError("model", f"verification is available for: {', '.join(DEFAULTS)}; got {spec.name!r}")
    if kappa < 0:
        raise ParameterError("kappa", f"verification needs kappa in [0, 1e3] (for kappa < 0 the storage problem "
                                      f"is not convex and RS is unstable); got {kappa:g}")
    kappa = check_real("kappa", kappa, 0.0, 1e3)
    default_sizes, default_trials = DEFAULTS[spec.name]
    ns = default_sizes if ns is None else ns
    trials = default_trials if trials is None else trials
    if len(set(ns)) < 2:
        raise ParameterError("n", f"needs at least two different sizes N, to extrapolate to N -> inf (one size "
                                  f"cannot be extrapolated); got {list(ns)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RSInstabilityWarning)  # kappa >= 0: reported in theory_quantities
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
    record = None
    if store is not None:
        method = "enumeration" if spec.prior.discrete else "certified convex programs"
        record = TrialStore(store, {"model": spec.name, "kappa": kappa, "seed": seed, "method": method,
                                    "solver": solver}, resume=resume)
    try:
        if spec.prior.discrete:
            frame = binary_critical_loads(ns, trials, kappa=kappa, seed=seed, n_jobs=n_jobs, progress=progress,
                                          store=record, scheduler=scheduler)
        else:
            frame = critical_loads(ns, trials, kappa=kappa, seed=seed, solver=solver, n_jobs=n_jobs,
                                   progress=progress, nonnegative=spec.prior.nonnegative, store=record,
                                   scheduler=scheduler)
    finally:
        if record is not None:
            record.close()  # releases the store's lock for the next process
    estimates: list[ThresholdEstimate] = threshold_estimates(frame, confidence)
    extrapolation = extrapolate(estimates, confidence)
    comparison = compare("alpha_c", capacity, extrapolation)
    params = {"kappa": kappa, "n": [int(n) for n in ns], "trials": int(trials), "seed": int(seed)}
    return Verification(spec.name, params, capacity, dict(report.quantities), frame, estimates, extrapolation,
                        comparison)
