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

import cvxpy as cp
import numpy as np
import pandas as pd

from replica.errors import ParameterError, ReplicaError
from replica.glm import glm_model, solve_glm
from replica.models.teacher_student import GLM
from replica.parameters import ParameterSpec

from ..amp import run_amp
from ..erm import erm_errors
from ..estimates import standard_error_of_mean
from ..verification import Verification
from .base import Check, Execution, seed_setting, trials_setting

__all__ = ["verify_glm", "ridge_instance", "FINITE_SIZE_ALLOWANCE", "CONVEX_N", "CHECKS"]

#: Allowance for O(1/N)-type deviations of a finite-N average from its N -> infinity limit, at N ~ 10^3.
FINITE_SIZE_ALLOWANCE = 0.01

#: Largest dimension of the convex solves (ridge, ERM): cvxpy's interior point on dense data scales as N^3.
CONVEX_N = 400


def ridge_instance(n: int, alpha: float, delta: float, seed: int, trial: int) -> dict:
    r"""Squared error of ridge regression (:math:`\lambda = \Delta`) on one Gaussian-teacher instance drawn from
    ``(seed, n, trial)``: in closed form, :math:`\hat w = (X^\top X + \Delta I)^{-1} X^\top y`, and as the cvxpy
    problem :math:`\min_w |y - Xw|^2 + \Delta |w|^2` (Clarabel), with the largest difference of the two."""
    rng = np.random.default_rng([seed, n, trial])
    p = max(1, round(alpha * n))
    w = rng.standard_normal(n)
    x = rng.standard_normal((p, n)) / np.sqrt(n)
    y = x @ w + np.sqrt(delta) * rng.standard_normal(p)
    exact = np.linalg.solve(x.T @ x + delta * np.eye(n), x.T @ y)
    variable = cp.Variable(n)
    cp.Problem(cp.Minimize(cp.sum_squares(y - x @ variable) + delta * cp.sum_squares(variable))).solve(
        solver="CLARABEL")
    convex = variable.value if variable.value is not None else np.full(n, np.nan)
    return {"mse_closed_form": float(np.mean((exact - w) ** 2)), "mse_cvxpy": float(np.mean((convex - w) ** 2)),
            "difference": float(np.max(np.abs(convex - exact)))}


def _amp_instance(prior, channel, n, alpha, iterations, seed, params) -> dict:
    run = run_amp(prior, channel, n, alpha, iterations=iterations, seed=seed, **params)
    return {"t": run["t"].tolist(), "overlap": run["overlap"].tolist(),
            "state_evolution": run["state_evolution"].tolist()}


def verify_glm(prior: str = "rademacher", channel: str = "sign", alpha: float = 1.0, *, n: int = 2000,
               trials: int = 8, iterations: int = 30, seed: int = 0, execution: Execution | None = None,
               **params) -> Verification:
    """GAMP, and the convex checks that apply (ridge for the Gaussian prior with the linear channel, ERM for the
    sign channel), against the GLM theory; the convex solves use ``min(n, CONVEX_N)``.

    Returns a :class:`~capacity.verification.Verification` whose ``theory`` holds the AMP overlap (and the MMSE or
    the Bayes-optimal error where checked), ``estimate`` the GAMP mean overlap with its standard error (and the
    ridge and ERM errors), and ``tables`` the mean GAMP ``trajectory`` beside state evolution, ``erm`` per loss.
    """
    execution = execution or Execution()
    checked = GLM.check({"prior": prior, "channel": channel, "alpha": alpha, **params})
    part_params = {k: v for k, v in checked.items() if k not in ("prior", "channel", "alpha")}
    n = N_SETTING.check([n])[0]
    trials = trials_setting(8).check(trials)
    report = solve_glm(prior, channel, alpha, **part_params)
    if report.status == "failure" or report.quantities.get("resolution_limited"):
        raise ReplicaError(f"no theory value to verify: {report.message}")
    settings = {"prior": prior, "channel": channel, "alpha": alpha, **part_params, "n": n, "trials": trials,
                "seed": seed, "iterations": iterations}
    with execution.ensemble({"model": "glm", **settings}) as ensemble:
        runs = ensemble.run(_amp_instance, [(prior, channel, n, alpha, iterations, seed + k, part_params)
                                            for k in range(trials)], "GAMP instances")
        overlaps = np.array([r["overlap"] for r in runs])
        trajectory = pd.DataFrame({"t": runs[0]["t"], "amp_mean": overlaps.mean(axis=0),
                                   "amp_standard_error": overlaps.std(axis=0, ddof=1) / np.sqrt(trials),
                                   "state_evolution": runs[0]["state_evolution"]})
        final, sem = float(trajectory.amp_mean.iloc[-1]), float(trajectory.amp_standard_error.iloc[-1])
        target = float(report.quantities["amp_overlap"])
        agree = abs(final - target) <= 3 * sem + FINITE_SIZE_ALLOWANCE
        parts = [f"GAMP at N = {n} ({trials} instances, {iterations} iterations): overlap {final:.4f} ± {sem:.4f}; "
                 f"theory (AMP branch) {target:.4f}: {'agree' if agree else 'disagree'}"]
        theory = dict(report.quantities)  # the checked values and the branch they come from
        estimate = {"amp_overlap_mean": final, "amp_overlap_standard_error": sem}
        tables = {"trajectory": trajectory}
        small = min(n, CONVEX_N)
        if prior == "gaussian" and channel == "linear":
            delta = glm_model(prior, channel).check_parameters(part_params)["Delta"]
            ridge = pd.DataFrame(ensemble.run(ridge_instance, [(small, alpha, delta, seed, k) for k in range(trials)],
                                              "ridge instances"))
            mmse = float(report.quantities["mmse"])
            mean, ridge_sem = float(ridge.mse_closed_form.mean()), standard_error_of_mean(ridge.mse_closed_form)
            ridge_agree = bool(abs(mean - mmse) <= 3 * ridge_sem + FINITE_SIZE_ALLOWANCE
                               and ridge.difference.max() < 1e-5)
            agree = agree and ridge_agree
            estimate |= {"ridge_mse": mean, "ridge_mse_standard_error": ridge_sem,
                         "ridge_mse_cvxpy": float(ridge.mse_cvxpy.mean()),
                         "ridge_largest_estimator_difference": float(ridge.difference.max())}
            tables["ridge"] = ridge
            parts.append(f"ridge at N = {small}: mse {mean:.4f} ± {ridge_sem:.4f} "
                         f"(cvxpy {ridge.mse_cvxpy.mean():.4f}); MMSE {mmse:.4f}: "
                         f"{'agree' if ridge_agree else 'disagree'}")
        if channel == "sign" and prior in ("gaussian", "rademacher"):
            erm = erm_errors(prior, alpha, n=small, trials=trials, seed=seed, ensemble=ensemble)
            bayes = float(report.quantities["gen_error"])
            erm["bayes_optimal"] = bayes
            erm["above_bayes_optimal"] = erm["mean"] >= bayes - 3 * erm["standard_error"] - FINITE_SIZE_ALLOWANCE
            erm_agree = bool(erm["above_bayes_optimal"].all() and (erm["failed"] == 0).all())
            agree = agree and erm_agree
            tables["erm"] = erm
            summary = ", ".join(f"{row.loss} {row.mean:.4f} ± {row.standard_error:.4f}" for row in erm.itertuples())
            parts.append(f"ERM at N = {small}: {summary}; Bayes-optimal {bayes:.4f}: "
                         f"{'none below it' if erm_agree else 'an estimator below it or a failed solve'}")
    return Verification("glm", settings, theory, estimate, tables, "success" if agree else "failure",
                        "; ".join(parts))


N_SETTING = ParameterSpec("n", "size N of the GAMP instances (one size)", default=(2000,), low=10, high=10**6,
                          kind="list", item="integer")


def _run(prior, channel, alpha, Delta=None, eta=None, rho=None, n=(2000,), trials=8, seed=0, execution=None):
    if len(n) != 1:
        raise ParameterError("n", f"verify glm runs GAMP at one size; got {list(n)}")
    parts = {k: v for k, v in (("Delta", Delta), ("eta", eta), ("rho", rho)) if v is not None}
    return verify_glm(prior, channel, alpha, n=n[0], trials=trials, seed=seed, execution=execution, **parts)


CHECKS = (Check("glm", "GAMP against state evolution; ridge against the MMSE; convex ERM above the Bayes-optimal "
                       "error", GLM.parameters, (N_SETTING, trials_setting(8, high=10**4), seed_setting()), _run,
                smoke={"prior": "gaussian", "channel": "sign", "alpha": 1.0, "n": (200,), "trials": 2}),)
