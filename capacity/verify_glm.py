r"""Finite-size verification of the Bayes-optimal GLM theory: GAMP against state evolution, ridge against the MMSE.

* Every model: GAMP (:func:`capacity.amp.run_amp`) on ``trials`` independent instances at size N; the mean
  overlap per iteration with its standard error next to the state-evolution iterate, and the final overlap
  against the theory's algorithmic (AMP) fixed point. Agreement: the difference is within three standard errors
  plus :data:`FINITE_SIZE_ALLOWANCE`.
* Gaussian prior with the linear channel: the posterior mean is ridge regression with :math:`\lambda = \Delta`
  (Barbier, Krzakala, Macris, Miolane & Zdeborová 2019), solved both in closed form and as a cvxpy problem on the same instances; its error is
  compared with the MMSE.
* Sign channel with a Gaussian or Rademacher prior: convex ERM (max-margin, hinge, logistic; :func:`capacity.erm.
  erm_errors`) on fresh instances, each generalisation error beside the Bayes-optimal one, which no estimator
  may beat: an ERM error more than three standard errors plus :data:`FINITE_SIZE_ALLOWANCE` below it is a
  disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import pandas as pd

from replica.errors import ReplicaError
from replica.glm import glm_model, solve_glm
from replica.serialization import json_safe
from replica.validation import check_int

from .amp import run_amp
from .erm import erm_errors
from .estimates import standard_error_of_mean

__all__ = ["GLMVerification", "verify_glm", "ridge_errors", "FINITE_SIZE_ALLOWANCE", "CONVEX_N"]

#: Allowance for O(1/N)-type deviations of a finite-N average from its N -> infinity limit, at N ~ 10^3.
FINITE_SIZE_ALLOWANCE = 0.01


@dataclass(frozen=True)
class GLMVerification:
    """GAMP trajectories and (for ridge) convex solves against the theory at one load."""

    params: dict
    theory: dict
    trajectory: pd.DataFrame
    amp_overlap: float
    amp_standard_error: float
    ridge: dict | None
    erm: pd.DataFrame | None
    agree: bool
    message: str

    @property
    def status(self) -> str:
        return "success" if self.agree else "failure"

    def to_dict(self) -> dict:
        return json_safe({"params": self.params, "theory": self.theory,
                          "trajectory": self.trajectory.to_dict(orient="list"),
                          "amp_overlap": self.amp_overlap, "amp_standard_error": self.amp_standard_error,
                          "ridge": self.ridge,
                          "erm": None if self.erm is None else self.erm.to_dict(orient="records"), "agree": self.agree, "status": self.status, "message": self.message})


def ridge_errors(n: int, alpha: float, delta: float, trials: int, seed: int = 0) -> dict:
    r"""Mean squared error of ridge regression (:math:`\lambda = \Delta`) on Gaussian teacher instances.

    Solved in closed form, :math:`\hat w = (X^\top X + \Delta I)^{-1} X^\top y`, and as the cvxpy problem
    :math:`\min_w |y - Xw|^2 + \Delta |w|^2` (Clarabel), on the same instances. Returns the mean error of each with
    its standard error and the largest difference between the two estimators.
    """
    rng = np.random.default_rng([seed, n])
    closed, convex, gaps = [], [], []
    p = max(1, round(alpha * n))
    for _ in range(trials):
        w = rng.standard_normal(n)
        x = rng.standard_normal((p, n)) / np.sqrt(n)
        y = x @ w + np.sqrt(delta) * rng.standard_normal(p)
        exact = np.linalg.solve(x.T @ x + delta * np.eye(n), x.T @ y)
        variable = cp.Variable(n)
        cp.Problem(cp.Minimize(cp.sum_squares(y - x @ variable) + delta * cp.sum_squares(variable))).solve(
            solver="CLARABEL")
        closed.append(np.mean((exact - w) ** 2))
        convex.append(np.mean((variable.value - w) ** 2))
        gaps.append(float(np.max(np.abs(variable.value - exact))))
    sem = standard_error_of_mean(closed)
    return {"n": n, "trials": trials, "mse_closed_form": float(np.mean(closed)), "mse_cvxpy": float(np.mean(convex)),
            "standard_error": sem, "largest_estimator_difference": float(max(gaps))}


#: Largest dimension of the convex solves (ridge, ERM): cvxpy's interior point on dense data scales as N^3.
CONVEX_N = 400


def verify_glm(prior: str, channel: str, alpha: float, *, n: int = 2000, trials: int = 8, iterations: int = 30,
               seed: int = 0, **params) -> GLMVerification:
    """GAMP, and the convex checks that apply (ridge for the Gaussian prior with the linear channel, ERM for the
    sign channel), against the GLM theory; the convex solves use ``min(n, CONVEX_N)``."""
    n = check_int("n", n, 10, 10**6)
    trials = check_int("trials", trials, 2, 10**4)
    report = solve_glm(prior, channel, alpha, **params)
    if report.status == "failure" or report.quantities.get("resolution_limited"):
        raise ReplicaError(f"no theory value to verify: {report.message}")
    runs = [run_amp(prior, channel, n, alpha, iterations=iterations, seed=seed + k, **params) for k in range(trials)]
    overlaps = np.array([r["overlap"].to_numpy() for r in runs])
    trajectory = pd.DataFrame({"t": runs[0]["t"], "amp_mean": overlaps.mean(axis=0),
                               "amp_standard_error": overlaps.std(axis=0, ddof=1) / np.sqrt(trials),
                               "state_evolution": runs[0]["state_evolution"]})
    final, sem = float(trajectory.amp_mean.iloc[-1]), float(trajectory.amp_standard_error.iloc[-1])
    target = float(report.quantities["amp_overlap"])
    agree = abs(final - target) <= 3 * sem + FINITE_SIZE_ALLOWANCE
    parts = [f"GAMP at N = {n} ({trials} instances, {iterations} iterations): overlap {final:.4f} ± {sem:.4f}; "
             f"theory (AMP branch) {target:.4f}: {'agree' if agree else 'disagree'}"]
    ridge = None
    if prior == "gaussian" and channel == "linear":
        model = glm_model(prior, channel)
        delta = model.check_parameters(params)["Delta"]
        ridge = ridge_errors(min(n, CONVEX_N), alpha, delta, trials, seed)
        mmse = float(report.quantities["mmse"])
        ridge_agree = abs(ridge["mse_closed_form"] - mmse) <= 3 * ridge["standard_error"] + FINITE_SIZE_ALLOWANCE
        ridge["agree"] = bool(ridge_agree and ridge["largest_estimator_difference"] < 1e-5)
        agree = agree and ridge["agree"]
        parts.append(f"ridge at N = {ridge['n']}: mse {ridge['mse_closed_form']:.4f} ± {ridge['standard_error']:.4f} "
                     f"(cvxpy {ridge['mse_cvxpy']:.4f}); MMSE {mmse:.4f}: {'agree' if ridge['agree'] else 'disagree'}")
    erm = None
    if channel == "sign" and prior in ("gaussian", "rademacher"):
        erm = erm_errors(prior, alpha, n=min(n, CONVEX_N), trials=trials, seed=seed)
        bayes = float(report.quantities["gen_error"])
        erm["bayes_optimal"] = bayes
        erm["above_bayes_optimal"] = erm["mean"] >= bayes - 3 * erm["standard_error"] - FINITE_SIZE_ALLOWANCE
        erm_agree = bool(erm["above_bayes_optimal"].all() and (erm["failed"] == 0).all())
        agree = agree and erm_agree
        summary = ", ".join(f"{row.loss} {row.mean:.4f} ± {row.standard_error:.4f}" for row in erm.itertuples())
        parts.append(f"ERM at N = {min(n, CONVEX_N)}: {summary}; Bayes-optimal {bayes:.4f}: "
                     f"{'none below it' if erm_agree else 'an estimator below it or a failed solve'}")
    checked = {"prior": prior, "channel": channel, "alpha": alpha, "n": n, "trials": trials, "seed": seed, **params}
    return GLMVerification(checked, dict(report.quantities), trajectory, final, sem, ridge, erm, bool(agree),
                           "; ".join(parts))
