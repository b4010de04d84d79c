r"""Finite-size check of the ERM learning curves (:mod:`replica.erm`): the estimator itself, trained on seeded
teacher–student instances, against the theory.

Each instance draws a teacher :math:`w^*` from its prior (the part's sampler), :math:`P = \alpha N` Gaussian
patterns and their labels (the channel's sampler), and trains the student
:math:`\min_w \sum_\mu \ell(y_\mu, x_\mu\cdot w/\sqrt N) + \tfrac\lambda2|w|^2`:

* square loss: the closed form :math:`(X^\top X/N + \lambda I)\,w = X^\top y/\sqrt N`;
* logistic loss: L-BFGS (``scipy.optimize``), certified by its KKT residual — the gradient's largest entry below
  :data:`KKT_TOLERANCE` (the objective is :math:`\lambda`-strongly convex, so the distance to the minimiser is at
  most the gradient norm over :math:`\lambda`); an instance that does not reach it is *doubtful*;
* hinge and absolute losses (not differentiable): cvxpy with Clarabel; a status other than ``optimal`` is doubtful.
  At :math:`\lambda = 0` the hinge estimator is the max-margin classifier (the hard-margin program) and the square
  loss's the least-squares (minimum-norm) solution, the limits the theory takes.

Measured per instance: :math:`m = w\cdot w^*/N`, :math:`q = |w|^2/N`, the generalisation error (exact for Gaussian
patterns: :math:`\arccos(m/\sqrt{\rho q})/\pi` against the teacher's sign, :math:`\rho - 2m + q + \Delta` for the
linear channel, with :math:`\rho` the empirical :math:`|w^*|^2/N`), the training loss per sample and the training
error. A quantity agrees when the mean over instances is within three standard errors plus an allowance
(:data:`FINITE_SIZE_ALLOWANCE` of the theory value plus :math:`2/N`) of the theory; the ERM error must not lie
below the Bayes-optimal error of the same teacher (:func:`replica.glm.solve_glm`) by more than three standard
errors.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from replica.erm import CHANNELS, solve_erm
from replica.errors import ParameterError, ReplicaError
from replica.models.empirical_risk import ERM
from replica.models.losses import LOSSES
from replica.models.teacher import BAYES_PRIORS
from replica.parameters import ParameterSpec

from ..estimates import standard_error_of_mean
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting

__all__ = ["train_instance", "verify_erm", "erm_agreement", "FINITE_SIZE_ALLOWANCE", "KKT_TOLERANCE", "CHECKS"]

#: Allowance for the deviation of a finite-N mean from its N -> infinity limit: this fraction of the theory value
#: plus 2/N (measured: below 1% for N >= 400 on the overlaps and errors; the training error's O(1/N) bias is upward).
FINITE_SIZE_ALLOWANCE = 0.01
#: Largest gradient entry accepted as a certified minimiser of the logistic objective.
KKT_TOLERANCE = 1e-7
#: The quantities compared with the theory.
COMPARED = ("gen_error", "train_loss", "train_error", "m", "q")


def _labels(channel: str, noise: float, field, rng):
    """Labels from the teacher channel's own sampler (the theory's :data:`replica.erm.CHANNELS`)."""
    name = "noisy-sign" if channel == "sign" and noise > 0 else channel
    part, parameter = CHANNELS[name]
    return part().sample_labels(field, {} if parameter is None else {parameter.name: noise}, rng)


def _fit(loss: str, patterns, labels, lambda_: float, solver: str):
    """The ERM estimator, its verdict (``certified``/``doubtful``) and its optimality residual."""
    n = patterns.shape[1]
    scaled = patterns / math.sqrt(n)
    if loss == "square" and lambda_ == 0:  # least squares, the minimum-norm interpolator below alpha = 1
        w = np.linalg.lstsq(scaled, labels, rcond=None)[0]
        gradient = scaled.T @ (scaled @ w - labels)
        return w, "certified", float(np.max(np.abs(gradient)))
    if loss == "square":
        w = np.linalg.solve(scaled.T @ scaled + lambda_ * np.eye(n), scaled.T @ labels)
        gradient = scaled.T @ (scaled @ w - labels) + lambda_ * w
        return w, "certified", float(np.max(np.abs(gradient)))
    if loss == "logistic" and solver == "LBFGS":
        from scipy.optimize import minimize
        from scipy.special import expit

        def objective(w):
            margins = labels * (scaled @ w)
            return (np.logaddexp(0, -margins).sum() + lambda_ * (w @ w) / 2,
                    -scaled.T @ (labels * expit(-margins)) + lambda_ * w)

        result = minimize(objective, np.zeros(n), jac=True, method="L-BFGS-B",
                          options={"gtol": KKT_TOLERANCE / 10, "ftol": 0, "maxiter": 20_000, "maxcor": 30})
        residual = float(np.max(np.abs(objective(result.x)[1])))
        return result.x, "certified" if residual <= KKT_TOLERANCE else "doubtful", residual
    import cvxpy as cp

    w = cp.Variable(n)
    scores = scaled @ w
    risk = {"square": cp.sum_squares(labels - scores) / 2, "hinge": cp.sum(cp.pos(1 - cp.multiply(labels, scores))),
            "logistic": cp.sum(cp.logistic(-cp.multiply(labels, scores))), "absolute": cp.norm1(labels - scores)}[loss]
    if loss == "hinge" and lambda_ == 0:  # the lambda -> 0+ limit on separable data: the max-margin classifier
        problem = cp.Problem(cp.Minimize(cp.sum_squares(w)), [cp.multiply(labels, scores) >= 1])
    else:
        problem = cp.Problem(cp.Minimize(risk + lambda_ * cp.sum_squares(w) / 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            problem.solve(solver="CLARABEL" if solver == "LBFGS" else solver)
        except cp.error.SolverError:
            return np.zeros(n), "doubtful", math.nan
    if problem.status != cp.OPTIMAL or w.value is None:
        return np.zeros(n), "doubtful", math.nan
    return np.asarray(w.value), "certified", 0.0


def train_instance(loss, alpha, lambda_, teacher, channel, noise, n, seed, trial, solver) -> dict:
    """Train the estimator on instance ``trial`` (drawn from ``(seed, n, trial)``) and measure it."""
    rng = np.random.default_rng([seed, n, trial])
    w_star = BAYES_PRIORS[teacher]().sample(n, {}, rng)
    patterns = rng.standard_normal((max(1, round(alpha * n)), n))
    labels = _labels(channel, noise, patterns @ w_star / math.sqrt(n), rng)
    w, verdict, residual = _fit(loss, patterns, labels, lambda_, solver)
    scores = patterns @ w / math.sqrt(n)
    rho, m, q = w_star @ w_star / n, w @ w_star / n, w @ w / n
    row = {"trial": trial, "verdict": verdict, "residual": residual, "m": m, "q": q,
           "train_loss": float(LOSSES[loss]().value(labels, scores).mean())}
    if channel == "linear":
        row["gen_error"] = rho - 2 * m + q + noise
    else:
        row["gen_error"] = float(np.arccos(np.clip(m / math.sqrt(max(rho * q, 1e-300)), -1, 1)) / np.pi)
        row["train_error"] = float(np.mean(labels * scores < 0))
    return row


def erm_agreement(instances: pd.DataFrame, theory: dict, n: int) -> pd.DataFrame:
    """Per quantity: the theory, the mean over certified instances with its standard error, the allowance
    (:data:`FINITE_SIZE_ALLOWANCE` of the theory plus 2/N) and the verdict (within three standard errors plus it)."""
    certain = instances[instances.verdict == "certified"]
    rows = []
    for name in COMPARED:
        if name not in certain or name not in theory:
            continue
        values = certain[name].to_numpy(float)
        mean, se = float(values.mean()), standard_error_of_mean(values)
        allowance = FINITE_SIZE_ALLOWANCE * abs(theory[name]) + 2 / n
        rows.append({"quantity": name, "theory": theory[name], "mean": mean, "standard_error": se,
                     "allowance": allowance, "agree": bool(abs(mean - theory[name]) <= 3 * se + allowance)})
    return pd.DataFrame(rows)


def verify_erm(loss: str = "logistic", alpha: float = 2.0, lambda_: float = 0.1, *, teacher: str = "gaussian",
               channel: str = "sign", noise: float = 0.0, n: int = 1000, trials: int = 8, seed: int = 0,
               solver: str = "LBFGS", execution: Execution | None = None) -> Verification:
    """The ERM theory at one (α, λ) against the trained estimator at size ``n`` (see the module docstring)."""
    execution = execution or Execution()
    checked = ERM.check({"loss": loss, "alpha": alpha, "lambda": lambda_, "teacher": teacher, "channel": channel,
                         "noise": noise})
    report = solve_erm(loss, alpha, lambda_, teacher=teacher, channel=channel, noise=noise)
    if report.status == "failure":
        raise ReplicaError(f"no theory value to verify: {report.message}")
    params = {**checked, "n": n, "trials": trials, "seed": seed, "solver": solver}
    with execution.ensemble({"model": "erm", **params}) as ensemble:
        rows = ensemble.run(train_instance, [(loss, alpha, lambda_, teacher, channel, noise, n, seed, trial, solver)
                                             for trial in range(trials)], "ERM instances")
    instances = pd.DataFrame(rows)
    theory = dict(report.quantities)
    table = erm_agreement(instances, theory, n)
    doubtful = int((instances.verdict != "certified").sum())
    parts = [f"{row.quantity}: {row.mean:.4g} ± {row.standard_error:.2g} (theory {row.theory:.4g}) "
             f"{'agree' if row.agree else 'DISAGREE'}" for row in table.itertuples()]
    agree = bool(table.agree.all()) and doubtful * 2 < trials
    bayes = theory.get("bayes_optimal_gen_error")
    if bayes is not None:
        errors = instances[instances.verdict == "certified"].gen_error
        above = bool(errors.mean() >= bayes - 3 * standard_error_of_mean(errors))
        agree = agree and above
        parts.append(f"Bayes-optimal error {bayes:.4g}: {'below the ERM error' if above else 'ABOVE the ERM error'}")
    if doubtful:
        parts.append(f"{doubtful} doubtful instance(s) left out")
    status = "failure" if not agree else "warning" if doubtful else "success"
    estimate = {f"{row.quantity}_mean": row.mean for row in table.itertuples()}
    estimate |= {f"{row.quantity}_standard_error": row.standard_error for row in table.itertuples()}
    estimate["doubtful"] = doubtful
    return Verification("erm", params, theory, estimate, {"comparison": table, "instances": instances}, status,
                        f"N = {n}, {trials} instances: " + "; ".join(parts))


def _run(loss="logistic", alpha=2.0, lambda_=0.1, teacher="gaussian", channel="sign", noise=0.0, n=(1000,),
         trials=8, seed=0, solver="LBFGS", execution=None):
    if len(n) != 1:
        raise ParameterError("n", f"verify erm trains at one size; got {list(n)}")
    return verify_erm(loss, alpha, lambda_, teacher=teacher, channel=channel, noise=noise, n=n[0], trials=trials,
                      seed=seed, solver=solver, execution=execution)


CHECKS = (Check(
    "erm", "the trained estimator (closed form, certified L-BFGS, cvxpy) at finite N against the ERM learning curve "
           "and above the Bayes-optimal error",
    ERM.parameters,
    (ParameterSpec("n", "size N of the instances (one size)", default=(1000,), low=20, high=20_000, kind="list",
                   item="integer"),
     trials_setting(8, high=10**4), seed_setting(),
     solver_setting(("LBFGS", "CLARABEL", "SCS"), "LBFGS")),
    _run, smoke={"loss": "square", "alpha": 2.0, "n": (100,), "trials": 3}),)
