r"""Finite-size check of influence functions in the dual (:mod:`capacity.influence`), and of the leave-one-out theory
of the ``influence`` family (:func:`replica.kernel_curve.leave_one_out_curve`).

Each instance draws a training set of :math:`N` points and a test set from a teacher, trains a linearised model
(:mod:`capacity.linearised`) with a certified fit, and for every removal fraction removes that many random points
and compares

* the dual prediction with the primal one (conjugate gradients): agreement to :data:`PRIMAL_DUAL_AGREEMENT`;
* the prediction with retraining on the retained points (closed form, cvxpy or L-BFGS, certified): for the square
  loss with the retained Hessian the Newton step is exact, so they must agree to :data:`EXACT_AGREEMENT`; for the
  logistic and cross-entropy losses the prediction is an approximation whose relative L2 distance to retraining must
  stay below :data:`BASELINE_FRACTION` of a random change of the same norm;
* for the square loss, the closed-form leave-one-out residuals with refits on :data:`LOO_REFITS` points
  (:data:`EXACT_AGREEMENT`);
* for the kernel models (``gaussian-features``, ``sphere``) with the square loss and one output, the mean of
  :math:`1 - S_{ii}` and the leave-one-out and training errors (each instance averaging :data:`LINK_DRAWS`
  training sets) with the theory at ridge :math:`N\lambda`, within four standard errors plus an allowance
  (:data:`THEORY_ALLOWANCE`).

Teachers: a linear teacher :math:`y = x\cdot w^*/\sqrt d + \text{noise}` (square loss), its sign (logistic) or the
argmax of :math:`W^{*\top}x` (cross-entropy) on Gaussian inputs; for ``gaussian-features`` the target
:math:`\sum_kv_kx_k` of the power-law problem; for ``sphere`` a pool of points on :math:`S^{d-1}` with an RBF kernel
and the target of :func:`capacity.checks.kernel_curve.sphere_pool`.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pandas as pd

from replica.errors import ParameterError
from replica.kernel_curve import KERNELS, kernel_spectrum, leave_one_out_curve, pool_target, power_law_problem
from replica.parameters import ParameterSpec, choice, integer, real
from replica.serialization import json_safe

from ..estimates import standard_error_of_mean
from ..influence import LOSSES, TrainingProblem, fit, leave_one_out_by_refitting, leave_one_out_residuals, \
    removal_table
from ..linearised import gaussian_features, linearised_network, pool_features, random_features
from ..verification import Verification
from .base import Check, Execution, seed_setting, solver_setting, trials_setting
from .kernel_curve import sphere_pool

__all__ = ["influence_instance", "verify_influence", "summarise_removals", "theory_link", "MODELS",
           "PRIMAL_DUAL_AGREEMENT", "EXACT_AGREEMENT", "BASELINE_FRACTION", "THEORY_ALLOWANCE", "LOO_REFITS",
           "CHECKS"]

#: The linearised models of the check.
MODELS = ("random-features", "linearised-network", "gaussian-features", "sphere")
#: Primal (CG) and dual predictions must agree to this relative distance.
PRIMAL_DUAL_AGREEMENT = 1e-8
#: Exact identities (square loss: Newton step = retraining; leave-one-out formula = refits), relative distance.
EXACT_AGREEMENT = 1e-8
#: An approximate prediction must be closer to retraining than this fraction of the random baseline's distance.
BASELINE_FRACTION = 0.5
#: Relative allowance of the theory link beyond four standard errors: Gaussian features are the theory's own model
#: (measured at N = 300, 600: mean 1 - S_ii within 0.2 %, leave-one-out error within 2 %); on the sphere S^9 the
#: eigenfunctions are not Gaussian: measured at N = 200 (RBF kernel, 300 modes), the leave-one-out error 3.4 % above.
THEORY_ALLOWANCE = {"gaussian-features": 0.02, "sphere": 0.06}
#: Training sets per instance whose leave-one-out statistics enter the theory link (the kernel models): one
#: instance's leave-one-out error fluctuates by about 10 % at N = 300, and each extra set costs one N x N solve.
LINK_DRAWS = 20
#: Points per instance whose leave-one-out residual is recomputed by refitting.
LOO_REFITS = 8
#: Test points per instance.
TEST_POINTS = 500
#: Largest memory of the stacked Jacobians (training and test points) and the kernels a check builds, in bytes.
MEMORY_LIMIT = 8 * 2**30
#: Size of the sphere's pool of points.
POOL_SIZE = 2000


def _teacher_data(model, loss, teacher, d, noise, decay, target_decay, pool, rng, n):
    """Inputs and labels of ``n`` points from the check's teacher (``teacher``: the linear teacher's weights of the
    random-feature and network models, shape ``(d, outputs)``; the kernel models have their own target)."""
    if model == "sphere":
        points, values = pool
        index = rng.integers(len(points), size=n)
        return index, _labels(loss, values[index][:, None], noise, rng)
    if model == "gaussian-features":
        _, power = power_law_problem(d, decay, target_decay)
        x = rng.standard_normal((n, d))
        return x, _labels(loss, (x @ np.sqrt(power))[:, None], noise, rng)
    x = rng.standard_normal((n, d))
    return x, _labels(loss, x @ teacher / math.sqrt(d), noise, rng)


def _labels(loss, field, noise, rng):
    if loss == "square":
        return field + math.sqrt(noise) * rng.standard_normal(field.shape)
    if loss == "logistic":
        return np.where(field[:, :1] >= 0, 1.0, -1.0)
    return np.argmax(field, axis=1).astype(float)


def _parameter_count(model, P, d, outputs) -> int:
    """Columns of the stacked Jacobian."""
    if model == "random-features":
        return P * outputs
    if model == "linearised-network":
        return max(1, P // (d + outputs)) * (d + outputs)
    return P


def _model(model, P, d, outputs, decay, pool_spectrum, seed):
    if model == "random-features":
        return random_features(P, d, outputs=outputs, seed=seed)
    if model == "linearised-network":
        return linearised_network(max(1, P // (d + outputs)), d, outputs=outputs, seed=seed)
    if model == "gaussian-features":
        return gaussian_features(power_law_problem(P, decay, 0.0)[0])
    eigenvalues, eigenfunctions = pool_spectrum
    return pool_features(eigenvalues[:P], eigenfunctions[:, :P])


def influence_instance(model, P, N, d, outputs, loss, ridge, noise, decay, target_decay, fractions, hessian,
                       retrain_method, solver, seed, pool, pool_spectrum, trial) -> dict:
    """One instance (drawn from ``(seed, N, trial)``): its removals (:func:`capacity.influence.compare_removal`),
    and for the square loss the leave-one-out check and statistics."""
    rng = np.random.default_rng([seed, N, trial])
    linear = _model(model, P, d, outputs, decay, pool_spectrum, seed)
    features = P if model == "gaussian-features" else d
    teacher = rng.standard_normal((features, outputs))  # the same teacher labels the training and the test points
    x, y = _teacher_data(model, loss, teacher, features, noise, decay, target_decay, pool, rng, N)
    x_test, y_test = _teacher_data(model, loss, teacher, features, 0.0, decay, target_decay, pool, rng, TEST_POINTS)
    jac, f0 = linear.stacked(x)
    test_jac, test_f0 = linear.stacked(x_test)
    problem = TrainingProblem(jac, f0, y, loss, ridge)
    fitted = fit(problem)
    test_outputs = test_f0 + (test_jac @ fitted.delta).reshape(len(test_f0), outputs)
    row = {"trial": trial, "fit_status": fitted.status, "fit_distance_bound": fitted.distance_bound,
           "test_loss": float(LOSSES[loss].value(test_outputs, np.asarray(y_test, float).reshape(len(test_f0), -1))
                              .mean()), "removals": []}
    if loss != "square":  # the trained model's classification error on the test points
        predicted = np.sign(test_outputs[:, 0]) if loss == "logistic" else np.argmax(test_outputs, axis=1)
        row["test_error"] = float(np.mean(predicted != np.asarray(y_test).reshape(len(test_f0), -1)[:, 0]))
    if fitted.status != "certified":
        return row
    removals = [rng.choice(N, size=min(N - 1, max(1, round(fraction * N))), replace=False) for fraction in fractions]
    table = removal_table(problem, removals, test_jacobian=test_jac, test_initial=test_f0, test_labels=y_test,
                          fitted=fitted, seed=int(rng.integers(2**32)), hessian=hessian,
                          retrain_method=retrain_method, solver=solver)
    row["removals"] = [{"requested": fraction, **removal} for fraction, removal in
                       zip(fractions, json_safe(table.drop(columns="removal").to_dict("records")))]
    if loss == "square":
        loo = leave_one_out_residuals(problem)
        checked = rng.choice(N, size=min(N, LOO_REFITS), replace=False)
        refits = leave_one_out_by_refitting(problem, checked)
        row["loo_formula_error"] = float(np.max(np.abs(loo[checked] - refits)) / max(np.max(np.abs(refits)), 1e-300))
        residuals = y - problem.outputs_at(fitted.delta)
        statistics = [_leave_one_out_statistics(residuals, loo)]
        if model in THEORY_ALLOWANCE:  # more training sets of the same instance, for the theory link
            for _ in range(LINK_DRAWS - 1):
                x, y = _teacher_data(model, loss, teacher, features, noise, decay, target_decay, pool, rng, N)
                extra = TrainingProblem(*linear.stacked(x), y, loss, ridge)
                loo = leave_one_out_residuals(extra)
                statistics.append(_leave_one_out_statistics(y - extra.outputs_at(fit(extra).delta), loo))
        row |= {name: float(np.mean([s[name] for s in statistics])) for name in statistics[0]}
    return row


def _leave_one_out_statistics(residuals, loo) -> dict:
    """Mean leave-one-out and training errors and, for one output, the mean of 1 - S_ii = r_i / r_i^loo."""
    values = {"loo_error": float(np.mean(np.sum(loo**2, axis=1))),
              "train_error": float(np.mean(np.sum(residuals**2, axis=1)))}
    if residuals.shape[1] == 1:
        values["one_minus_S"] = float(np.mean(residuals[:, 0] / loo[:, 0]))
    return values


def summarise_removals(removals: pd.DataFrame, loss: str, hessian: str) -> pd.DataFrame:
    """Per removal fraction: means and standard errors of the relative errors and their baselines over the
    certified removals, the largest primal–dual gap, and the verdict (see the module docstring)."""
    rows = []
    for fraction, group in removals.groupby("requested"):
        good = group[group.retrain_status == "certified"]
        row = {"fraction": fraction, "removed": int(group.removed.iloc[0]), "removals": len(group),
               "doubtful": int(len(group) - len(good) + (group.cg_status != "converged").sum())}
        for name in ("param_rel_error", "output_rel_error", "loss_rel_error", "baseline_param_rel_error",
                     "baseline_output_rel_error"):
            values = good[name].to_numpy(float)
            row[name] = float(values.mean()) if len(values) else math.nan
            row[f"{name}_se"] = standard_error_of_mean(values) if len(values) > 1 else math.nan
        converged = group[group.cg_status == "converged"]
        row["max_primal_dual_gap"] = float(converged.primal_dual_gap.max()) if len(converged) else math.nan
        primal_dual = bool(len(converged) and row["max_primal_dual_gap"] <= PRIMAL_DUAL_AGREEMENT)
        if not len(good):
            prediction = False
        elif loss == "square" and hessian == "retained":
            prediction = bool(good.param_rel_error.max() <= EXACT_AGREEMENT)
        else:
            prediction = bool(row["param_rel_error"] < BASELINE_FRACTION * row["baseline_param_rel_error"])
        row["agree"] = primal_dual and prediction
        rows.append(row)
    return pd.DataFrame(rows)


def theory_link(instances: pd.DataFrame, theory: pd.DataFrame, allowance: float) -> pd.DataFrame:
    """Mean of 1 - S_ii, leave-one-out and training errors against the theory (four standard errors plus
    ``allowance`` of the theory value)."""
    rows = []
    for name in ("one_minus_S", "loo_error", "train_error"):
        values = instances[name].to_numpy(float)
        mean, se = float(values.mean()), standard_error_of_mean(values)
        predicted = float(theory[name].iloc[0])
        rows.append({"quantity": name, "theory": predicted, "mean": mean, "se": se,
                     "relative_difference": mean / predicted - 1,
                     "agree": bool(abs(mean - predicted) <= 4 * se + allowance * abs(predicted))})
    return pd.DataFrame(rows)


def _pool_and_spectrum(d, seed, P):
    if P > POOL_SIZE:
        raise ParameterError("P", f"the sphere's kernel has at most {POOL_SIZE} modes on its pool; got {P}")
    points, values = sphere_pool(POOL_SIZE, d, seed)
    eigenvalues, eigenfunctions = kernel_spectrum(partial(KERNELS["rbf"], width=1.0), points)
    if P > eigenvalues.size:
        raise ParameterError("P", f"the sphere's kernel has {eigenvalues.size} modes on its pool of {POOL_SIZE} "
                                  f"points; P must be at most that; got {P}")
    return (points, values), (eigenvalues, eigenfunctions)


def verify_influence(model: str = "random-features", *, P: int = 2000, N: int = 200, d: int = 20, outputs: int = 1,
                     loss: str = "logistic", ridge: float = 1e-3, noise: float = 0.1, decay: float = 1.5,
                     target_decay: float = 1.5, remove=(0.005, 0.1, 0.5, 0.9), hessian: str = "retained",
                     trials: int = 3, seed: int = 0, solver: str = "auto",
                     execution: Execution | None = None) -> Verification:
    """Influence predictions (dual and primal) against retraining, and for the kernel models the leave-one-out
    theory (see the module docstring)."""
    execution = execution or Execution()
    params = CHECKS[0].check({"model": model, "P": P, "N": N, "d": d, "outputs": outputs, "loss": loss,
                              "ridge": ridge, "noise": noise, "decay": decay, "target_decay": target_decay,
                              "remove": tuple(remove), "hessian": hessian},
                             {"trials": trials, "seed": seed, "solver": solver})
    params = {**params[0], **params[1]}
    if loss == "logistic" and outputs != 1:
        raise ParameterError("outputs", f"the logistic loss has one output; got {outputs} (use cross-entropy)")
    if loss == "cross-entropy" and outputs < 2:
        raise ParameterError("outputs", f"the cross-entropy loss needs at least 2 outputs (classes); got {outputs}")
    if model in ("gaussian-features", "sphere") and outputs != 1:
        raise ParameterError("outputs", f"the {model} model has one output; got {outputs}")
    jacobians = _parameter_count(model, P, d, outputs) * (N + TEST_POINTS) * outputs * 8
    kernels = 3 * (N * outputs) ** 2 * 8  # the kernel, the dual system and its factor
    if jacobians + kernels > MEMORY_LIMIT:
        raise ParameterError("P", f"the Jacobians of N = {N} training and {TEST_POINTS} test points and the N x N "
                                  f"kernels take {(jacobians + kernels) / 2**30:.1f} GiB at P = {P}; at most "
                                  f"{MEMORY_LIMIT / 2**30:.0f} GiB: lower P or N")
    pool, spectrum = _pool_and_spectrum(d, seed, P) if model == "sphere" else (None, None)
    retrain_method, cvxpy_solver = _retraining(solver, loss)
    function = partial(influence_instance, model, P, N, d, outputs, loss, ridge, noise, decay, target_decay,
                       tuple(remove), hessian, retrain_method, cvxpy_solver, seed, pool, spectrum)
    with execution.ensemble({"model": "influence", **params}) as ensemble:
        rows = ensemble.run(function, [(trial,) for trial in range(trials)], "influence instances")
    instances = pd.DataFrame([{k: v for k, v in row.items() if k != "removals"} for row in rows])
    removals = pd.DataFrame([{"trial": row["trial"], **removal} for row in rows for removal in row["removals"]])
    unfitted = int((instances.fit_status != "certified").sum())
    tables = {"removals": summarise_removals(removals, loss, hessian) if len(removals) else pd.DataFrame(),
              "instances": instances, "per_removal": removals}
    summary = tables["removals"]
    parts, agree = [], bool(len(summary)) and bool(summary.agree.all())
    for r in summary.itertuples():
        parts.append(f"remove {r.removed}/{N}: relative L2 error {r.param_rel_error:.3g} (random baseline "
                     f"{r.baseline_param_rel_error:.3g}), outputs {r.output_rel_error:.3g}, primal-dual gap "
                     f"{r.max_primal_dual_gap:.2g} {'agree' if r.agree else 'DISAGREE'}")
    theory, estimate = {}, {}
    if loss == "square":
        worst = float(instances.loo_formula_error.max())
        agree = agree and worst <= EXACT_AGREEMENT
        parts.append(f"leave-one-out formula vs {LOO_REFITS} refits per instance: {worst:.2g} "
                     f"{'agree' if worst <= EXACT_AGREEMENT else 'DISAGREE'}")
        estimate["loo_formula_error"] = worst
    if loss == "square" and model in THEORY_ALLOWANCE:
        if model == "gaussian-features":
            eigenvalues, power = power_law_problem(P, decay, target_decay)
            unreachable = 0.0
        else:
            eigenvalues, eigenfunctions = spectrum
            power, unreachable = pool_target(eigenfunctions[:, :P], pool[1])
            eigenvalues = eigenvalues[:P]
        curve = leave_one_out_curve(eigenvalues, power, [N], ridge=N * ridge, noise=noise + unreachable)
        link = theory_link(instances, curve, THEORY_ALLOWANCE[model])
        tables["theory"] = link
        agree = agree and bool(link.agree.all())
        theory |= {name: float(curve[name].iloc[0]) for name in ("kappa", "one_minus_S", "loo_error", "train_error")}
        estimate |= {f"{r.quantity}_mean": r.mean for r in link.itertuples()}
        estimate |= {f"{r.quantity}_se": r.se for r in link.itertuples()}
        parts += [f"{r.quantity}: {r.mean:.4g} ± {r.se:.2g} (theory {r.theory:.4g}) {'agree' if r.agree else 'DISAGREE'}"
                  for r in link.itertuples()]
    doubtful = int(summary.doubtful.sum()) if len(summary) else 0
    if unfitted:
        parts.append(f"{unfitted} instance(s) whose fit was not certified left out")
    if doubtful:
        parts.append(f"{doubtful} doubtful removal(s) (retraining or CG not certified) left out")
    status = "failure" if not agree else "warning" if doubtful or unfitted else "success"
    for r in summary.itertuples():
        estimate[f"param_rel_error_{r.removed}"] = r.param_rel_error
    estimate["doubtful"] = doubtful
    if status == "failure":
        estimate = {}  # a failure carries no numbers a script could pick up; the tables show what happened
    return Verification("influence", params, theory, estimate, tables, status,
                        f"{model}, P = {P}, N = {N}, {loss} loss, ridge {ridge:g}, {trials} instances: "
                        + "; ".join(parts))


def _retraining(solver: str, loss: str) -> tuple[str, str]:
    """The retraining method and cvxpy solver for the ``solver`` setting: ``auto`` is the closed form for the
    square loss, cvxpy/Clarabel up to P = 2000 for the logistic loss, L-BFGS otherwise (Clarabel's exponential
    cones stop inaccurate at the precision the cross-entropy's small changes need)."""
    if solver == "auto":
        return ("auto" if loss != "cross-entropy" else "lbfgs"), "CLARABEL"
    if solver == "LBFGS":
        return ("closed-form" if loss == "square" else "lbfgs"), "CLARABEL"
    return "cvxpy", solver


def _run(model="random-features", P=2000, N=200, d=20, outputs=1, loss="logistic", ridge=1e-3, noise=0.1,
         decay=1.5, target_decay=1.5, remove=(0.005, 0.1, 0.5, 0.9), hessian="retained", trials=3, seed=0,
         solver="auto", execution=None):
    return verify_influence(model, P=P, N=N, d=d, outputs=outputs, loss=loss, ridge=ridge, noise=noise, decay=decay,
                            target_decay=target_decay, remove=remove, hessian=hessian, trials=trials, seed=seed,
                            solver=solver, execution=execution)


CHECKS = (Check(
    "influence", "influence of removing training points, dual against primal (CG) and against retraining (closed "
                 "form, cvxpy, L-BFGS); leave-one-out formula against refits and the kernel theory",
    (choice("model", "linearised model", MODELS, default="random-features"),
     integer("P", "parameters (random features; modes of the kernel models; network: width P // (d + outputs))",
             default=2000, low=1, high=10**7),
     integer("N", "training points", default=200, low=4, high=20_000),
     integer("d", "input dimension (sphere: dimension of the embedding space)", default=20, low=3, high=10**5),
     integer("outputs", "model outputs d_out (cross-entropy: classes)", default=1, low=1, high=100),
     choice("loss", "training loss", tuple(LOSSES), default="logistic"),
     real("ridge", "ridge lambda towards the initial parameters", default=1e-3, low=0.0, high=1e6, low_open=True),
     real("noise", "label-noise variance (square loss)", default=0.1, low=0.0, high=1e6),
     real("decay", "gaussian-features: spectrum eta_k = k^-decay", default=1.5, low=0.0, high=20.0),
     real("target_decay", "gaussian-features: target power v_k^2 ~ k^-target_decay", default=1.5, low=0.0,
          high=40.0),
     ParameterSpec("remove", "fractions of the training points removed (each at least one point)",
                   default=(0.005, 0.1, 0.5, 0.9), low=0.0, high=0.95, low_open=True, kind="list", item="real"),
     choice("hessian", "Hessian of the Newton step: retained points (exact for the square loss) or all (the "
                       "classical influence function)", ("retained", "full"), default="retained")),
    (trials_setting(3, high=10**4), seed_setting(),
     solver_setting(("auto", "LBFGS", "CLARABEL", "SCS"), "auto")),
    _run, smoke={"model": "random-features", "P": 300, "N": 40, "loss": "square", "trials": 2,
                 "remove": (0.1, 0.5)}),)
