r"""End-to-end verification of a model's capacity: theory, certified finite-size experiment, comparison.

For the spherical perceptron at margin :math:`\kappa \ge 0` (REFERENCE.md §1): the RS capacity
:math:`\alpha_c(\kappa)` from :func:`replica.theory`; per-instance critical loads at each size by certified
bisection (:func:`capacity.experiments.critical_loads`); the median per size with a distribution-free
interval; extrapolation in :math:`1/N`; agreement when the theory value lies in the extrapolated interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from replica import theory
from replica.errors import ParameterError
from replica.serialization import json_safe
from replica.validation import check_real

from .compare import Comparison, compare, plot_thresholds
from .estimates import Extrapolation, ThresholdEstimate, extrapolate, threshold_estimates
from .experiments import critical_loads

__all__ = ["Verification", "verify_gardner", "DEFAULT_SIZES", "DEFAULT_TRIALS"]

DEFAULT_SIZES = (25, 50, 100)
DEFAULT_TRIALS = 100


@dataclass(frozen=True)
class Verification:
    """Outcome of a verification run: inputs, raw trials, per-size estimates, extrapolation, comparison."""

    model: str
    params: dict
    theory: float
    trials: pd.DataFrame
    estimates: list
    extrapolation: Extrapolation
    comparison: Comparison

    @property
    def status(self) -> str:
        doubtful = int((self.trials.verdict == "doubtful").sum())
        if not self.comparison.agree:
            return "failure"
        return "warning" if doubtful else "success"

    @property
    def message(self) -> str:
        doubtful = int((self.trials.verdict == "doubtful").sum())
        c = self.comparison
        text = (f"theory {c.quantity} = {c.theory:.6g}; experiment {c.estimate:.4g} "
                f"[{c.lower:.4g}, {c.upper:.4g}] ({c.confidence:.0%} CI): "
                f"{'agree' if c.agree else 'DISAGREE'}")
        if doubtful:
            text += f"; {doubtful} instance(s) had a doubtful verdict and widen the interval"
        return text

    def to_dict(self) -> dict:
        return json_safe({
            "model": self.model,
            "params": self.params,
            "quantities": {"alpha_c_theory": self.theory,
                           "alpha_c_estimate": self.comparison.estimate,
                           "alpha_c_interval": [self.comparison.lower, self.comparison.upper],
                           "agree": self.comparison.agree},
            "theory": {"alpha_c": self.theory},
            "estimate": self.extrapolation.to_dict(),
            "per_size": [e.to_dict() for e in self.estimates],
            "comparison": self.comparison.to_dict(),
            "doubtful_instances": int((self.trials.verdict == "doubtful").sum()),
            "status": self.status,
            "message": self.message,
        })

    def plot(self):
        """Figure: per-size thresholds, the 1/N fit and the theory value."""
        return plot_thresholds(self.estimates, self.extrapolation, self.theory)


def verify_gardner(kappa: float = 0.0, ns=DEFAULT_SIZES, trials: int = DEFAULT_TRIALS, *, seed: int = 0,
                   confidence: float = 0.95, solver: str | None = None, n_jobs: int = -1,
                   progress: bool = True) -> Verification:
    """Verify the Gardner capacity :math:`\\alpha_c(\\kappa)` against certified convex programs at finite N.

    Parameters
    ----------
    kappa : float
        Margin, :math:`\\ge 0` (for :math:`\\kappa < 0` the storage problem is not convex, and RS is unstable).
    ns : sequence of int
        Sizes N.
    trials : int
        Instances per size.
    seed : int
        Seed of the experiment; instance ``t`` at size ``N`` is re-run alone from ``(N, seed, t)``.
    confidence : float
        Level of every interval.
    solver : str, optional
        cvxpy solver name (default Clarabel, with HiGHS as the fallback for uncertified solves).
    n_jobs : int
        Parallel workers (``-1``: all cores).
    progress : bool
        Show a progress bar.
    """
    if kappa < 0:
        raise ParameterError("kappa", f"verification needs kappa in [0, 1e3] (for kappa < 0 the storage problem "
                                      f"is not convex and RS is unstable); got {kappa:g}")
    kappa = check_real("kappa", kappa, 0.0, 1e3)
    alpha_c = float(theory("gardner").alpha_c(kappa=kappa))
    trials_frame = critical_loads(ns, trials, kappa=kappa, seed=seed, solver=solver, n_jobs=n_jobs,
                                  progress=progress)
    estimates: list[ThresholdEstimate] = threshold_estimates(trials_frame, confidence)
    extrapolation = extrapolate(estimates, confidence)
    comparison = compare("alpha_c", alpha_c, extrapolation)
    params = {"kappa": kappa, "n": [int(n) for n in ns], "trials": int(trials), "seed": int(seed)}
    return Verification("gardner", params, alpha_c, trials_frame, estimates, extrapolation, comparison)
